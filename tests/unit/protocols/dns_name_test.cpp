// tests/unit/protocols/dns_name_test.cpp - DNS names: wire parsing, compression, text, comparison, host name rules.
#include "protocols/dns/name.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/dns_values.hpp"

namespace switchyard::dns {
namespace {

using namespace test_values;

void append_label(bytes& b, std::string_view label) {
  b.push_back(static_cast<std::byte>(label.size()));
  for (char c : label) b.push_back(static_cast<std::byte>(c));
}

// A message prefix (12 header bytes of zeros) so offsets look like real ones.
bytes message_with(std::initializer_list<int> body) {
  bytes b(12);
  for (int v : body) b.push_back(static_cast<std::byte>(v));
  return b;
}

TEST(DnsName, ParsesAnUncompressedNameAndReportsWhereItEnds) {
  auto m = message_with({5, 'a', 'l', 'i', 'c', 'e', 3, 'l', 'a', 'n', 0, 0xff});
  auto n = parse_name(m, 12);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->value.to_text(), "alice.lan.");
  EXPECT_EQ(n->end, 23u);
  EXPECT_EQ(n->value.wire_size(), 11u);
  EXPECT_EQ(n->value.label_count(), 2u);
  EXPECT_EQ(n->value.label(0), "alice");
  EXPECT_EQ(n->value.label(1), "lan");
}

TEST(DnsName, FollowsABackwardPointerAndEndsAfterThePointer) {
  // 12: "lan."  17: "alice" + pointer to 12
  auto m = message_with({3, 'l', 'a', 'n', 0, 5, 'a', 'l', 'i', 'c', 'e', 0xc0, 12});
  auto n = parse_name(m, 17);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->value.to_text(), "alice.lan.");
  EXPECT_EQ(n->end, 25u);
}

TEST(DnsName, FollowsAChainOfPointersEachFurtherBack) {
  // 12: "lan."  17: "b" -> 12  21: "a" -> 17  25: -> 21
  auto m = message_with({3, 'l', 'a', 'n', 0, 1, 'b', 0xc0, 12, 1, 'a', 0xc0, 17, 0xc0, 21});
  auto n = parse_name(m, 25);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->value.to_text(), "a.b.lan.");
  EXPECT_EQ(n->end, 27u);
}

TEST(DnsName, RejectsAPointerToItself) {
  auto m = message_with({0xc0, 12});
  name_error e{};
  EXPECT_FALSE(parse_name(m, 12, &e));
  EXPECT_EQ(e, name_error::bad_pointer);
}

TEST(DnsName, RejectsPointersThatLoop) {
  // 12: "a" -> 16, 16: "b" -> 12: each points at the other.
  auto m = message_with({1, 'a', 0xc0, 16, 1, 'b', 0xc0, 12});
  name_error e{};
  EXPECT_FALSE(parse_name(m, 12, &e));
  EXPECT_EQ(e, name_error::bad_pointer);
  EXPECT_FALSE(parse_name(m, 16, &e));
  EXPECT_EQ(e, name_error::bad_pointer);
}

TEST(DnsName, RejectsALoopThroughALabelBeforeThePointer) {
  // 12: "abc" then a pointer back to 12: strictly backwards from where it
  // stands, but it would revisit the name forever.
  auto m = message_with({3, 'a', 'b', 'c', 0xc0, 12});
  name_error e{};
  EXPECT_FALSE(parse_name(m, 12, &e));
  EXPECT_EQ(e, name_error::bad_pointer);
}

TEST(DnsName, RejectsForwardPointers) {
  auto m = message_with({0xc0, 14, 0});
  name_error e{};
  EXPECT_FALSE(parse_name(m, 12, &e));
  EXPECT_EQ(e, name_error::bad_pointer);
}

TEST(DnsName, RejectsMorePointerHopsThanTheLimit) {
  // 12: the root; then pointers, each to the one before.
  bytes m(13 + 2 * (max_pointers + 1), std::byte{0});
  std::size_t previous = 12;
  for (std::size_t here = 13; here < m.size(); here += 2) {
    m[here] = std::byte(0xc0 | (previous >> 8));
    m[here + 1] = std::byte(previous & 0xff);
    previous = here;
  }
  name_error e{};
  EXPECT_FALSE(parse_name(m, previous, &e));
  EXPECT_EQ(e, name_error::too_many_pointers);
  // One hop fewer is fine.
  EXPECT_TRUE(parse_name(m, previous - 2));
}

TEST(DnsName, AcceptsA63OctetLabelAndRejectsTheReservedLabelTypes) {
  bytes m(12);
  append_label(m, std::string(63, 'x'));
  m.push_back(std::byte{0});
  EXPECT_TRUE(parse_name(m, 12));
  for (int type : {0x40, 0x80}) {  // a "64-octet label" is the 0b01 type
    auto bad = message_with({type, 'x', 0});
    name_error e{};
    EXPECT_FALSE(parse_name(bad, 12, &e));
    EXPECT_EQ(e, name_error::bad_label_type);
  }
}

TEST(DnsName, AcceptsExactly255OctetsAndRejectsMore) {
  // 4 labels of 62 octets (252) + 1 label of 1 (2) + root (1) = 255.
  bytes m(12);
  for (int i = 0; i < 4; ++i) append_label(m, std::string(62, 'a'));
  append_label(m, "b");
  m.push_back(std::byte{0});
  auto n = parse_name(m, 12);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->value.wire_size(), 255u);

  bytes longer(12);
  for (int i = 0; i < 4; ++i) append_label(longer, std::string(62, 'a'));
  append_label(longer, "bc");
  longer.push_back(std::byte{0});
  name_error e{};
  EXPECT_FALSE(parse_name(longer, 12, &e));
  EXPECT_EQ(e, name_error::too_long);
}

TEST(DnsName, RejectsANameMadeTooLongThroughPointers) {
  // 12: a 200-octet name; then 60 octets of labels pointing at it: 260 in all.
  bytes m(12);
  for (int i = 0; i < 4; ++i) append_label(m, std::string(49, 'a'));
  m.push_back(std::byte{0});
  std::size_t second = m.size();
  append_label(m, std::string(59, 'b'));
  m.push_back(std::byte{0xc0});
  m.push_back(std::byte{12});
  name_error e{};
  EXPECT_FALSE(parse_name(m, second, &e));
  EXPECT_EQ(e, name_error::too_long);
}

TEST(DnsName, EveryTruncationIsAnErrorNeverACrash) {
  auto m = message_with({3, 'l', 'a', 'n', 0, 5, 'a', 'l', 'i', 'c', 'e', 0xc0, 12});
  for (std::size_t n = 17; n < m.size(); ++n) {
    bytes part(m.begin(), m.begin() + static_cast<std::ptrdiff_t>(n));
    name_error e{};
    EXPECT_FALSE(parse_name(part, 17, &e)) << n;
    EXPECT_EQ(e, name_error::truncated) << n;
  }
  EXPECT_FALSE(parse_name(m, m.size()));
  EXPECT_FALSE(parse_name(m, m.size() + 100));
}

TEST(DnsName, FromWireTakesExactlyOneUncompressedName) {
  EXPECT_TRUE(name::from_wire(wire({1, 'a', 0})));
  EXPECT_TRUE(name::from_wire(wire({0})));
  EXPECT_FALSE(name::from_wire(wire({})));
  EXPECT_FALSE(name::from_wire(wire({1, 'a', 0, 0})));  // trailing byte
  EXPECT_FALSE(name::from_wire(wire({1, 'a'})));        // no root
  EXPECT_FALSE(name::from_wire(wire({0xc0, 0})));       // a pointer
}

TEST(DnsName, TextFormRoundTripsAndIsAbsolute) {
  EXPECT_EQ(text("alice.default.lan").to_text(), "alice.default.lan.");
  EXPECT_EQ(text("alice.default.lan."), text("alice.default.lan"));
  EXPECT_EQ(text(".").to_text(), ".");
  EXPECT_TRUE(text(".").is_root());
  EXPECT_EQ(text("_http._tcp.lab.lan").label(0), "_http");
}

TEST(DnsName, TextEscapesWhatWouldBeAmbiguous) {
  auto n = text("a\\.b.c");
  EXPECT_EQ(n.label_count(), 2u);
  EXPECT_EQ(n.label(0), "a.b");
  EXPECT_EQ(n.to_text(), "a\\.b.c.");
  auto odd = text("\\000\\255x\\\\.lan");
  EXPECT_EQ(odd.label(0), std::string("\0\xffx\\", 4));
  EXPECT_EQ(odd.to_text(), "\\000\\255x\\\\.lan.");
  EXPECT_EQ(text(odd.to_text()).wire_view(), odd.wire_view());
  EXPECT_EQ(text("my host.lan").to_text(), "my\\032host.lan.");
}

TEST(DnsName, TextRejectsEmptyLabelsLongLabelsAndBadEscapes) {
  for (std::string_view bad : {"", "..", "a..b", ".a", "a.\\", "\\25", "\\256.lan", "\\2a5"})
    EXPECT_FALSE(name::from_text(bad)) << bad;
  EXPECT_TRUE(name::from_text(std::string(63, 'a') + ".lan"));
  EXPECT_FALSE(name::from_text(std::string(64, 'a') + ".lan"));
  std::string longest = std::string(63, 'a') + "." + std::string(63, 'b') + "." + std::string(63, 'c') + "." +
                        std::string(61, 'd');  // 64+64+64+62+1 = 255 octets
  EXPECT_EQ(text(longest).wire_size(), 255u);
  EXPECT_FALSE(name::from_text(longest + "d"));
  EXPECT_FALSE(name::from_text(longest + ".e"));
}

TEST(DnsName, ComparesIgnoringAsciiCaseButKeepsTheCase) {
  auto mixed = text("Alice.Default.LAN");
  EXPECT_EQ(mixed, text("alice.default.lan"));
  EXPECT_FALSE(mixed.identical(text("alice.default.lan")));
  EXPECT_EQ(mixed.to_text(), "Alice.Default.LAN.");
  EXPECT_EQ(mixed.lowercase().to_text(), "alice.default.lan.");
  EXPECT_FALSE(text("alice.lan") == text("alicf.lan"));
  EXPECT_FALSE(text("a.lan") == text("a.lan.x"));
  // Only ASCII folds: 0xC4 and 0xE4 (Latin-1 Ä/ä) stay different.
  EXPECT_FALSE(text("\\196.lan") == text("\\228.lan"));
}

TEST(DnsName, SubdomainsAreMatchedOnLabelBoundaries) {
  auto zone = text("default.lan");
  EXPECT_TRUE(is_subdomain(text("default.lan"), zone));
  EXPECT_TRUE(is_subdomain(text("alice.DEFAULT.lan"), zone));
  EXPECT_TRUE(is_subdomain(text("a.b.default.lan"), zone));
  EXPECT_FALSE(is_subdomain(text("xdefault.lan"), zone));
  EXPECT_FALSE(is_subdomain(text("lan"), zone));
  EXPECT_FALSE(is_subdomain(text("default.lan.org"), zone));
  EXPECT_TRUE(is_subdomain(text("anything.at.all"), name{}));
}

TEST(DnsName, PrependsAndDropsLabels) {
  auto domain = text("class-7b.lan");
  EXPECT_EQ(domain.prepend("alice")->to_text(), "alice.class-7b.lan.");
  EXPECT_FALSE(domain.prepend(""));
  EXPECT_FALSE(domain.prepend(std::string(64, 'x')));
  EXPECT_EQ(text("a.b.c").parent().to_text(), "b.c.");
  EXPECT_EQ(text("a.b.c").parent(3).to_text(), ".");
  EXPECT_EQ(text("a.b.c").parent(9).to_text(), ".");
}

TEST(DnsName, LdhLabelsAreLettersDigitsAndInnerHyphens) {
  for (std::string_view good : {"alice", "Alice-2", "7b", "a", "x-y-z", "123"})
    EXPECT_TRUE(is_ldh_label(good)) << good;
  for (std::string_view bad : {"", "-a", "a-", "a_b", "a.b", "a b", "ä"})
    EXPECT_FALSE(is_ldh_label(bad)) << bad;
  EXPECT_TRUE(is_ldh_label(std::string(63, 'a')));
  EXPECT_FALSE(is_ldh_label(std::string(64, 'a')));
}

TEST(DnsName, SanitizesDhcpHostNamesIntoOneLowercaseLdhLabel) {
  EXPECT_EQ(sanitize_hostname("alice"), "alice");
  EXPECT_EQ(sanitize_hostname("Alice's MacBook Pro"), "alice-s-macbook-pro");
  EXPECT_EQ(sanitize_hostname("--Foo__Bar--"), "foo-bar");
  EXPECT_EQ(sanitize_hostname("DESKTOP-4F2.local"), "desktop-4f2-local");
  EXPECT_EQ(sanitize_hostname("Zo\xc3\xab-PC"), "zo-pc");
  EXPECT_EQ(sanitize_hostname(std::string_view("a\0b", 3)), "a-b");
  EXPECT_EQ(sanitize_hostname(""), "");
  EXPECT_EQ(sanitize_hostname("___"), "");
  auto longest = sanitize_hostname(std::string(100, 'x'));
  EXPECT_EQ(longest.size(), 63u);
  // Cut at 63 right after a hyphen: the hyphen goes too.
  auto cut = sanitize_hostname(std::string(62, 'x') + "-yyyy");
  EXPECT_EQ(cut, std::string(62, 'x'));
  for (auto s : {longest, cut, sanitize_hostname("Alice's MacBook Pro")}) EXPECT_TRUE(is_ldh_label(s)) << s;
}

TEST(DnsNameCompressor, PointsAtAnEarlierSuffixIgnoringCase) {
  bytes out(64);
  name_compressor c;
  EXPECT_EQ(c.write(out, 12, text("Alice.Default.lan"), false), 19u);
  // The same name in another case: all of it is a pointer to offset 12.
  EXPECT_EQ(c.write(out, 31, text("alice.default.lan")), 2u);
  EXPECT_EQ(out[31], std::byte{0xc0});
  EXPECT_EQ(out[32], std::byte{12});
  // A sibling: its own label, then a pointer to "Default.lan" at 18.
  EXPECT_EQ(c.write(out, 33, text("bob.default.lan")), 6u);
  EXPECT_EQ(out[37], std::byte{0xc0});
  EXPECT_EQ(out[38], std::byte{18});
  auto back = parse_name(std::span(out).first(39), 33);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->value.to_text(), "bob.Default.lan.");
}

TEST(DnsNameCompressor, ForgetsNamesAfterARollback) {
  bytes out(64);
  name_compressor c;
  auto m = c.mark();
  EXPECT_EQ(c.write(out, 12, text("a.lan")), 7u);
  c.rollback(m);
  EXPECT_EQ(c.write(out, 12, text("a.lan")), 7u);  // written in full again, no pointer to itself
  EXPECT_EQ(out[18], std::byte{0});
}

TEST(DnsNameCompressor, SaysZeroWhenTheNameDoesNotFit) {
  bytes out(16);
  name_compressor c;
  EXPECT_EQ(c.write(out, 12, text("alice.lan")), 0u);
  EXPECT_EQ(c.write(out, 12, text("a")), 3u);
  EXPECT_EQ(c.write(out, 15, text("a")), 0u);  // would be a 2-byte pointer; 1 byte left
  EXPECT_EQ(c.write(out, 40, text(".")), 0u);
}

TEST(DnsNameCompressor, NeverPointsPastTheFourteenBitLimit) {
  bytes out(0x4100);
  name_compressor c;
  EXPECT_EQ(c.write(out, 0x4000, text("far.lan")), 9u);
  EXPECT_EQ(c.write(out, 0x4010, text("far.lan")), 9u);  // nothing to point at
}

}  // namespace
}  // namespace switchyard::dns
