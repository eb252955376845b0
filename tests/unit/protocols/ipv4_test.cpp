// tests/unit/protocols/ipv4_test.cpp - IPv4 addresses, subnets, checksum and the header view.
#include "protocols/net/ipv4.hpp"

#include <gtest/gtest.h>

#include "tests/support/frames.hpp"

namespace switchyard::net {
namespace {

using test::bytes_of;

// A real UDP header (192.168.0.1 -> 192.168.0.199, checksum 0xb861), as often
// quoted for the header checksum; followed by 95 payload bytes.
test::frame golden_packet() {
  auto p = bytes_of({0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                     0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7});
  p.resize(0x73, std::byte{0x5a});
  return p;
}

TEST(Ipv4Address, ParsesStrictDottedQuads) {
  EXPECT_EQ(ipv4_address::parse("10.0.2.2"), ipv4_address(0x0a000202));
  EXPECT_EQ(ipv4_address::parse("0.0.0.0"), ipv4_address(0));
  EXPECT_EQ(ipv4_address::parse("255.255.255.255"), ipv4_address(0xffffffff));
  EXPECT_EQ(ipv4_address::parse("192.168.100.10"), ipv4_address(0xc0a8640a));
}

TEST(Ipv4Address, RejectsAmbiguousOrMalformedText) {
  for (const char* text :
       {"010.0.0.1", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.256", "", "1..2.3", ".1.2.3", "1.2.3.", " 1.2.3.4",
        "1.2.3.4 ", "+1.2.3.4", "1.2.3.-4", "0x1.2.3.4", "1.2.3.4/24", "1234.1.1.1", "00.1.2.3", "1.2.3.04",
        "4294967295", "1,2,3,4", "a.b.c.d"})
    EXPECT_FALSE(ipv4_address::parse(text)) << '"' << text << '"';
}

TEST(Ipv4Address, PrintsDottedQuadAndRoundTrips) {
  EXPECT_EQ(ipv4_address(0x0a000202).to_string(), "10.0.2.2");
  EXPECT_EQ(ipv4_address(0xffffffff).to_string(), "255.255.255.255");
  EXPECT_EQ(ipv4_address::parse(ipv4_address(0xc0000201).to_string()), ipv4_address(0xc0000201));
}

TEST(Ipv4Subnet, ParsesCidrAndComputesMaskAndBroadcast) {
  auto s = ipv4_subnet::parse("10.0.2.0/24");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->network, ipv4_address(0x0a000200));
  EXPECT_EQ(s->prefix_length, 24u);
  EXPECT_EQ(s->mask(), 0xffffff00u);
  EXPECT_EQ(s->broadcast(), ipv4_address(0x0a0002ff));
  EXPECT_TRUE(s->contains(ipv4_address(0x0a000263)));
  EXPECT_FALSE(s->contains(ipv4_address(0x0a000302)));
  EXPECT_EQ(s->to_string(), "10.0.2.0/24");
}

TEST(Ipv4Subnet, HandlesTheWholeSpaceAndSingleHosts) {
  auto all = ipv4_subnet::parse("0.0.0.0/0");
  ASSERT_TRUE(all);
  EXPECT_EQ(all->mask(), 0u);
  EXPECT_TRUE(all->contains(ipv4_address(0xc0000201)));
  auto one = ipv4_subnet::parse("192.0.2.1/32");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->mask(), 0xffffffffu);
  EXPECT_EQ(one->broadcast(), ipv4_address(0xc0000201));
}

TEST(Ipv4Subnet, RejectsHostBitsBadPrefixesAndGarbage) {
  for (const char* text : {"10.0.2.1/24", "10.0.2.0/33", "10.0.2.0/", "10.0.2.0", "10.0.2.0/24x", "10.0.2.0/+24",
                           "10.0.2.0/-1", "/24", "10.0.2/24", "010.0.2.0/24", "10.0.2.0/ 24", "10.0.2.0//24",
                           "10.0.2.0/024", "10.0.2.0/00024", "0.0.0.0/00"})
    EXPECT_FALSE(ipv4_subnet::parse(text)) << '"' << text << '"';
}

TEST(Ipv4Checksum, MatchesTheRfc1071Example) {
  auto data = bytes_of({0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7});
  EXPECT_EQ(checksum_add(data), 0xddf2u);
  EXPECT_EQ(checksum_finish(checksum_add(data)), 0x220d);
}

TEST(Ipv4Checksum, PadsAnOddTrailingByteWithZero) {
  EXPECT_EQ(checksum_add(bytes_of({0x12, 0x34, 0x56})), 0x1234u + 0x5600u);
}

TEST(Ipv4Checksum, AccumulatesAcrossCallsLikeOneBuffer) {
  auto a = bytes_of({0xff, 0xff, 0x80, 0x01});
  auto b = bytes_of({0xf0, 0x0f, 0x7f, 0xfe});
  auto whole = a;
  whole.insert(whole.end(), b.begin(), b.end());
  EXPECT_EQ(checksum_finish(checksum_add(b, checksum_add(a))), checksum_finish(checksum_add(whole)));
}

TEST(Ipv4Checksum, VerifiesAGoldenHeaderToZero) {
  auto p = golden_packet();
  EXPECT_EQ(checksum_finish(checksum_add(bytes(p).first(20))), 0);
}

TEST(Ipv4Header, ParsesAGoldenPacket) {
  auto p = golden_packet();
  auto v = parse_ipv4(p);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->header_length, 20);
  EXPECT_EQ(v->total_length, 0x73);
  EXPECT_EQ(v->ttl, 64);
  EXPECT_EQ(v->protocol, ip_protocol::udp);
  EXPECT_EQ(v->source, ipv4_address(0xc0a80001));
  EXPECT_EQ(v->destination, ipv4_address(0xc0a800c7));
  EXPECT_EQ(v->fragment_field, 0x4000);
  EXPECT_FALSE(v->is_fragment());
  EXPECT_EQ(v->header.data(), p.data());
  EXPECT_EQ(v->payload.data(), p.data() + 20);
  EXPECT_EQ(v->payload.size(), 0x73u - 20);
}

TEST(Ipv4Header, RejectsEveryTruncatedLength) {
  auto options = bytes_of({0x01, 0x01, 0x01, 0x00});  // NOP NOP NOP EOL
  auto payload = bytes_of({1, 2, 3, 4, 5, 6, 7, 8});
  auto p = test::ipv4_packet(test::ip(10, 0, 2, 15), test::ip(10, 0, 2, 2), ip_protocol::tcp, payload, options);
  ASSERT_TRUE(parse_ipv4(p));
  for (std::size_t n = 0; n < p.size(); ++n) {
    ipv4_error e{};
    EXPECT_FALSE(parse_ipv4(bytes(p).first(n), &e)) << "length " << n;
    ipv4_error expected = n < 20 ? ipv4_error::truncated : n < 24 ? ipv4_error::bad_header_length
                                                                  : ipv4_error::bad_total_length;
    EXPECT_EQ(e, expected) << "length " << n;
  }
}

TEST(Ipv4Header, ReadsOptionsIntoTheHeader) {
  auto options = bytes_of({0x01, 0x01, 0x01, 0x00});
  auto payload = bytes_of({9, 9});
  auto p = test::ipv4_packet(test::ip(10, 0, 2, 15), test::ip(10, 0, 2, 2), ip_protocol::udp, payload, options);
  auto v = parse_ipv4(p);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->header_length, 24);
  EXPECT_EQ(v->header.size(), 24u);
  EXPECT_EQ(v->payload.size(), 2u);
}

TEST(Ipv4Header, CutsEthernetPaddingOffThePayload) {
  auto payload = bytes_of({1, 2, 3, 4});
  auto p = test::ipv4_packet(test::ip(10, 0, 2, 15), test::ip(10, 0, 2, 2), ip_protocol::udp, payload);
  p.resize(46, std::byte{0});  // minimum Ethernet payload
  auto v = parse_ipv4(p);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->total_length, 24);
  EXPECT_EQ(v->payload.size(), 4u);
}

TEST(Ipv4Header, RejectsAVersionOtherThanFour) {
  auto p = golden_packet();
  p[0] = std::byte{0x65};
  ipv4_error e{};
  EXPECT_FALSE(parse_ipv4(p, &e));
  EXPECT_EQ(e, ipv4_error::bad_version);
}

TEST(Ipv4Header, RejectsAHeaderLengthBelowFiveWords) {
  auto p = golden_packet();
  for (int ihl = 0; ihl < 5; ++ihl) {
    p[0] = static_cast<std::byte>(0x40 | ihl);
    ipv4_error e{};
    EXPECT_FALSE(parse_ipv4(p, &e)) << "ihl " << ihl;
    EXPECT_EQ(e, ipv4_error::bad_header_length);
  }
}

TEST(Ipv4Header, RejectsATotalLengthShorterThanTheHeaderOrLongerThanThePacket) {
  auto p = golden_packet();
  ipv4_error e{};
  store_u16(p, 2, 19);
  EXPECT_FALSE(parse_ipv4(p, &e));
  EXPECT_EQ(e, ipv4_error::bad_total_length);
  p = golden_packet();
  store_u16(p, 2, static_cast<std::uint16_t>(p.size() + 1));
  EXPECT_FALSE(parse_ipv4(p, &e));
  EXPECT_EQ(e, ipv4_error::bad_total_length);
}

TEST(Ipv4Header, RejectsABadHeaderChecksum) {
  auto p = golden_packet();
  p[11] = std::byte{0x62};
  ipv4_error e{};
  EXPECT_FALSE(parse_ipv4(p, &e));
  EXPECT_EQ(e, ipv4_error::bad_checksum);
}

TEST(Ipv4Header, RecognisesFragments) {
  auto payload = bytes_of({1, 2, 3, 4, 5, 6, 7, 8});
  auto p = test::ipv4_packet(test::ip(10, 0, 2, 15), test::ip(10, 0, 2, 2), ip_protocol::udp, payload);
  auto refragment = [&](std::uint16_t field) {
    store_u16(p, 6, field);
    store_u16(p, 10, 0);
    store_u16(p, 10, checksum_finish(checksum_add(bytes(p).first(20))));
    return parse_ipv4(p);
  };
  EXPECT_FALSE(refragment(0x4000)->is_fragment());  // DF only
  EXPECT_TRUE(refragment(0x2000)->is_fragment());   // MF, first fragment
  EXPECT_TRUE(refragment(0x0001)->is_fragment());   // last fragment, offset 8
}

}  // namespace
}  // namespace switchyard::net
