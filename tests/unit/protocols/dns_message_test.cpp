// tests/unit/protocols/dns_message_test.cpp - DNS header, query parsing, whole-message parsing, RDATA and the writer.
#include "protocols/dns/message.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocols/dns/message_writer.hpp"
#include "protocols/dns/rdata.hpp"

#include "tests/support/dns_values.hpp"

namespace switchyard::dns {
namespace {

using namespace test_values;

// `dig alice.default.lan` (BIND 9.18) as it goes on the wire, written out from
// RFC 1035 section 4.1 and RFC 6891 section 6.1.2: RD and AD set, EDNS(0) with
// a 1232-byte UDP size and an 8-byte client cookie (RFC 7873).
bytes dig_query() {
  return wire({0x1c, 0x2f,              // ID
               0x01, 0x20,              // QR=0 OPCODE=0 RD=1, AD=1
               0x00, 0x01, 0x00, 0x00,  // QDCOUNT 1, ANCOUNT 0
               0x00, 0x00, 0x00, 0x01,  // NSCOUNT 0, ARCOUNT 1
               5, 'a', 'l', 'i', 'c', 'e', 7, 'd', 'e', 'f', 'a', 'u', 'l', 't', 3, 'l', 'a', 'n', 0,
               0x00, 0x01, 0x00, 0x01,  // QTYPE A, QCLASS IN
               0x00,                    // OPT: root owner
               0x00, 0x29, 0x04, 0xd0,  // TYPE 41, CLASS = UDP size 1232
               0x00, 0x00, 0x00, 0x00,  // extended rcode 0, version 0, DO=0
               0x00, 0x0c,              // RDLENGTH 12
               0x00, 0x0a, 0x00, 0x08,  // option COOKIE, 8 bytes
               0x8f, 0x1e, 0x3a, 0x62, 0x5d, 0x09, 0xc4, 0x71});
}

// A query built with our own writer, for the cases the golden one does not cover.
bytes build_query(std::string_view qname, rr_type type, std::optional<edns> e = std::nullopt,
                  std::uint16_t qdcount_override = 1) {
  bytes out(512);
  message_writer w(out, out.size());
  header h;
  h.id = 0x4242;
  h.rd = true;
  w.start(h);
  if (qdcount_override > 0) w.add_question({text(qname), t(type), class_in});
  if (e) w.add_opt(*e);
  out.resize(w.finish());
  return out;
}

TEST(DnsHeader, FlagsRoundTripThroughTheWire) {
  header h;
  h.id = 0xbeef;
  h.qr = h.aa = h.tc = h.rd = h.ra = h.ad = h.cd = true;
  h.opcode = 5;
  h.rcode = 0xb;
  h.qdcount = 1;
  h.arcount = 0x0102;
  bytes out(12);
  write_header(out, h);
  EXPECT_EQ(out[2], std::byte{0xaf});  // QR, opcode 5, AA, TC, RD
  EXPECT_EQ(out[3], std::byte{0xbb});  // RA, (Z), AD, CD, rcode 11
  auto back = parse_header(out);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->flags(), h.flags());
  EXPECT_EQ(back->id, 0xbeef);
  EXPECT_EQ(back->arcount, 0x0102);
  EXPECT_FALSE(parse_header(std::span(out).first(11)));
}

TEST(DnsParseQuery, ReadsDigsQueryWithEdnsAndACookie) {
  auto q = dig_query();
  auto p = parse_query(q);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.query.header.id, 0x1c2f);
  EXPECT_TRUE(p.query.header.rd);
  EXPECT_TRUE(p.query.header.ad);
  ASSERT_TRUE(p.query.question);
  EXPECT_EQ(p.query.question->qname.to_text(), "alice.default.lan.");
  EXPECT_EQ(p.query.question->qtype, t(rr_type::a));
  EXPECT_EQ(p.query.question->qclass, class_in);
  ASSERT_TRUE(p.query.edns);
  EXPECT_EQ(p.query.edns->udp_payload_size, 1232);
  EXPECT_EQ(p.query.edns->version, 0);
  EXPECT_FALSE(p.query.edns->dnssec_ok);
}

TEST(DnsParseQuery, EveryTruncationIsDroppedOrFormerrNeverAccepted) {
  auto q = dig_query();
  for (std::size_t n = 0; n < q.size(); ++n) {
    auto p = parse_query(std::span(q).first(n));
    if (n < header_size) {
      EXPECT_TRUE(p.drop) << n;
    } else {
      EXPECT_FALSE(p.drop) << n;
      EXPECT_EQ(p.error, rcode::formerr) << n;
      EXPECT_EQ(p.query.header.id, 0x1c2f) << n;
    }
  }
}

TEST(DnsParseQuery, DropsResponses) {
  auto q = dig_query();
  q[2] |= std::byte{0x80};
  EXPECT_TRUE(parse_query(q).drop);
}

TEST(DnsParseQuery, WantsExactlyOneQuestion) {
  auto none = dig_query();
  none[5] = std::byte{0};
  auto p = parse_query(none);
  EXPECT_EQ(p.error, rcode::formerr);
  EXPECT_FALSE(p.query.question);
  auto two = dig_query();
  two[5] = std::byte{2};
  p = parse_query(two);
  EXPECT_EQ(p.error, rcode::formerr);
  EXPECT_FALSE(p.query.question);
}

TEST(DnsParseQuery, AnswersOtherOpcodesWithNotimpAndStillReadsTheQuestion) {
  for (int op : {1, 2, 4, 5, 15}) {
    auto q = dig_query();
    q[2] = std::byte((q[2] & std::byte{0x87}) | std::byte(op << 3));
    auto p = parse_query(q);
    EXPECT_EQ(p.error, rcode::notimp) << op;
    EXPECT_TRUE(p.query.question) << op;
    EXPECT_TRUE(p.query.edns) << op;
    EXPECT_EQ(p.query.header.opcode, op);
  }
  auto q = dig_query();
  q[2] |= std::byte{0x10};  // NOTIFY, and no question at all: still NOTIMP
  q[5] = std::byte{0};
  EXPECT_EQ(parse_query(q).error, rcode::notimp);
}

TEST(DnsParseQuery, RejectsASecondOptRecord) {
  auto q = dig_query();
  q[11] = std::byte{2};
  auto opt = wire({0x00, 0x00, 0x29, 0x02, 0x00, 0, 0, 0, 0, 0, 0});
  q.insert(q.end(), opt.begin(), opt.end());
  auto p = parse_query(q);
  EXPECT_EQ(p.error, rcode::formerr);
  EXPECT_FALSE(p.query.edns);  // which one would we believe?
  EXPECT_TRUE(p.query.question);
}

TEST(DnsParseQuery, RejectsAnOptNotOwnedByTheRootOrWithBrokenOptions) {
  auto q = build_query("a.lan", rr_type::a);
  q[11] = std::byte{1};
  auto named_opt = wire({1, 'x', 0, 0x00, 0x29, 0x02, 0x00, 0, 0, 0, 0, 0, 0});
  auto with_named = q;
  with_named.insert(with_named.end(), named_opt.begin(), named_opt.end());
  EXPECT_EQ(parse_query(with_named).error, rcode::formerr);

  auto broken = dig_query();
  broken[broken.size() - 9] = std::byte{0x09};  // the cookie claims 9 bytes, 8 are there
  EXPECT_EQ(parse_query(broken).error, rcode::formerr);
}

TEST(DnsParseQuery, AnswersEdnsVersionOneWithBadvers) {
  auto q = dig_query();
  q[q.size() - 17] = std::byte{1};  // the OPT TTL's version octet
  auto p = parse_query(q);
  EXPECT_EQ(p.error, rcode::badvers);
  ASSERT_TRUE(p.query.edns);
  EXPECT_EQ(p.query.edns->version, 1);
}

TEST(DnsParseQuery, ReadsTheDoBitAndSkipsOtherAdditionalRecords) {
  edns e;
  e.udp_payload_size = 4096;
  e.dnssec_ok = true;
  auto q = build_query("alice.default.lan", rr_type::aaaa, e);
  // An unrelated record before the OPT, its owner compressed to the question.
  auto extra = wire({0xc0, 12, 0x00, 0x10, 0x00, 0x01, 0, 0, 0, 1, 0x00, 0x02, 1, 'x'});
  q.insert(q.begin() + 35, extra.begin(), extra.end());
  q[11] = std::byte{2};
  auto p = parse_query(q);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.query.edns->udp_payload_size, 4096);
  EXPECT_TRUE(p.query.edns->dnssec_ok);
}

TEST(DnsParseQuery, IgnoresBytesAfterTheLastRecordButNotMissingOnes) {
  auto q = dig_query();
  q.push_back(std::byte{0xff});
  EXPECT_TRUE(parse_query(q).ok());
  auto lying = dig_query();
  lying[7] = std::byte{1};  // ANCOUNT 1, but the only record is the OPT
  EXPECT_EQ(parse_query(lying).error, rcode::formerr);
}

TEST(DnsParseQuery, RejectsACompressionLoopInTheQuestion) {
  auto q = wire({0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1});
  auto p = parse_query(q);
  EXPECT_EQ(p.error, rcode::formerr);
  EXPECT_EQ(p.query.header.id, 0x1234);
}

TEST(DnsRdata, BuildsAndReadsEveryTypeWeServe) {
  EXPECT_EQ(read_a(a_rdata(net::ipv4_address(0x0a000215))), net::ipv4_address(0x0a000215));
  ipv6_bytes v6{0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  EXPECT_EQ(read_aaaa(aaaa_rdata(v6)), v6);
  EXPECT_EQ(read_name(name_rdata(text("alice.lan")))->to_text(), "alice.lan.");
  std::string_view parts[] = {"v=spf1 -all", "", "x"};
  auto txt = txt_rdata(parts);
  ASSERT_TRUE(txt);
  EXPECT_EQ(*read_txt(*txt), (std::vector<std::string>{"v=spf1 -all", "", "x"}));
  auto srv = read_srv(srv_rdata({10, 5, 8080, text("web.lan")}));
  ASSERT_TRUE(srv);
  EXPECT_EQ(srv->port, 8080);
  EXPECT_EQ(srv->target.to_text(), "web.lan.");
  auto soa = read_soa(soa_rdata({text("gw.lan"), text("hostmaster.lan"), 7, 1, 2, 3, 60}));
  ASSERT_TRUE(soa);
  EXPECT_EQ(soa->serial, 7u);
  EXPECT_EQ(soa->minimum, 60u);
  EXPECT_EQ(soa->rname.to_text(), "hostmaster.lan.");
}

TEST(DnsRdata, RejectsMalformedValues) {
  std::string too_long(256, 'x');
  std::string_view parts[] = {too_long};
  EXPECT_FALSE(txt_rdata(parts));
  EXPECT_EQ(*txt_rdata({}), wire({0}));  // TXT always has one string
  EXPECT_FALSE(valid_rdata(t(rr_type::a), wire({1, 2, 3})));
  EXPECT_FALSE(valid_rdata(t(rr_type::aaaa), wire({1, 2, 3, 4})));
  EXPECT_FALSE(valid_rdata(t(rr_type::txt), wire({})));
  EXPECT_FALSE(valid_rdata(t(rr_type::txt), wire({3, 'a'})));
  EXPECT_FALSE(valid_rdata(t(rr_type::cname), wire({1, 'a', 0, 0})));
  EXPECT_FALSE(valid_rdata(t(rr_type::srv), wire({0, 1, 0, 1, 0})));
  EXPECT_FALSE(valid_rdata(t(rr_type::opt), wire({0, 10, 0, 8, 1})));
  EXPECT_TRUE(valid_rdata(99, wire({1, 2, 3})));  // unknown types are opaque
}

TEST(DnsRdata, ExpandsCompressedNamesInsideRdata) {
  // 12: "lan."; at 17 a CNAME's RDATA: "www" + pointer to 12.
  bytes m(12);
  auto body = wire({3, 'l', 'a', 'n', 0, 3, 'w', 'w', 'w', 0xc0, 12});
  m.insert(m.end(), body.begin(), body.end());
  bytes out;
  ASSERT_TRUE(expand_rdata(m, 17, 6, t(rr_type::cname), out));
  EXPECT_EQ(read_name(out)->to_text(), "www.lan.");
  out.clear();
  EXPECT_FALSE(expand_rdata(m, 17, 5, t(rr_type::cname), out));  // the pointer straddles the end
  EXPECT_FALSE(expand_rdata(m, 17, 7, t(rr_type::cname), out));  // past the message
  EXPECT_TRUE(out.empty());
}

TEST(DnsMessageWriter, EchoesTheQuestionAsAskedAndCompressesRecordsAgainstIt) {
  bytes out(512);
  message_writer w(out, 512);
  header h;
  h.id = 7;
  h.qr = true;
  ASSERT_TRUE(w.start(h));
  ASSERT_TRUE(w.add_question({text("ALICE.default.lan"), t(rr_type::cname), class_in}));
  ASSERT_TRUE(w.add_record(section::answer, text("alice.default.lan"), t(rr_type::cname), 60,
                           name_rdata(text("bob.default.lan"))));
  out.resize(w.finish());
  // Header 12 + question 19+4 + answer: pointer 2 + 10 + "bob" 4 + pointer 2.
  EXPECT_EQ(out.size(), 12u + 23u + 18u);
  auto m = parse_message(out);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->questions.at(0).qname.to_text(), "ALICE.default.lan.");
  ASSERT_EQ(m->answers.size(), 1u);
  EXPECT_EQ(m->answers[0].owner.to_text(), "ALICE.default.lan.");  // compression takes the asked case
  EXPECT_EQ(read_name(m->answers[0].rdata)->to_text(), "bob.default.lan.");
}

TEST(DnsMessageWriter, WritesAllOrNothingAndKeepsRoomForOpt) {
  bytes out(100);
  message_writer w(out, 60);
  ASSERT_TRUE(w.start({}));
  ASSERT_TRUE(w.add_question({text("a.lan"), t(rr_type::txt), class_in}));  // 12 + 11 = 23
  w.reserve(opt_record_size);
  auto big = txt_rdata(std::vector<std::string_view>{std::string_view("0123456789abcdef")});
  // 2 + 10 + 17 = 29: 23 + 29 = 52 fits in 60, but not with 11 kept for OPT.
  EXPECT_FALSE(w.add_record(section::answer, text("a.lan"), t(rr_type::txt), 60, *big));
  EXPECT_EQ(w.size(), 23u);
  EXPECT_TRUE(w.add_opt({}));
  EXPECT_EQ(w.size(), 34u);
  EXPECT_FALSE(w.add_record(section::answer, text("a.lan"), t(rr_type::a), 60, a_rdata({})));  // sections in order
  w.set_rcode(rcode::badvers);
  out.resize(w.finish());
  auto m = parse_message(out);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->header.rcode, 0);  // 16: the low bits are 0...
  ASSERT_TRUE(m->edns);
  EXPECT_EQ(m->edns->extended_rcode, 1);  // ...and the rest is in OPT
}

TEST(DnsMessageWriter, RestoreDropsRecordsAndTheirNames) {
  bytes out(512);
  message_writer w(out, 512);
  w.start({});
  w.add_question({text("q.lan"), t(rr_type::a), class_in});
  auto m = w.save();
  ASSERT_TRUE(w.add_record(section::answer, text("x.other"), t(rr_type::a), 1, a_rdata({})));
  w.restore(m);
  ASSERT_TRUE(w.add_record(section::authority, text("x.other"), t(rr_type::a), 1, a_rdata({})));
  out.resize(w.finish());
  auto parsed = parse_message(out);
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->answers.empty());
  ASSERT_EQ(parsed->authority.size(), 1u);
  EXPECT_EQ(parsed->authority[0].owner.to_text(), "x.other.");
}

TEST(DnsParseMessage, IsStrictAboutCountsOptAndTrailingBytes) {
  auto q = dig_query();
  auto m = parse_message(q);
  ASSERT_TRUE(m);
  ASSERT_EQ(m->additional.size(), 1u);
  EXPECT_EQ(m->additional[0].type, t(rr_type::opt));
  ASSERT_TRUE(m->edns);
  EXPECT_EQ(m->edns->udp_payload_size, 1232);

  message_error e{};
  auto trailing = q;
  trailing.push_back(std::byte{0});
  EXPECT_FALSE(parse_message(trailing, &e));
  EXPECT_EQ(e, message_error::trailing_bytes);

  auto opt_in_answer = q;
  opt_in_answer[7] = std::byte{1};
  opt_in_answer[11] = std::byte{0};
  EXPECT_FALSE(parse_message(opt_in_answer, &e));
  EXPECT_EQ(e, message_error::bad_opt);

  for (std::size_t n = 0; n < q.size(); ++n) EXPECT_FALSE(parse_message(std::span(q).first(n))) << n;
}

}  // namespace
}  // namespace switchyard::dns
