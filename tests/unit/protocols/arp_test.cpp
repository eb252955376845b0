// tests/unit/protocols/arp_test.cpp - ARP for IPv4 over Ethernet: view and builder.
#include "protocols/net/arp.hpp"

#include <gtest/gtest.h>

#include "tests/support/frames.hpp"

namespace switchyard::net {
namespace {

using test::bytes_of;

// "Who has 10.0.2.2? Tell 10.0.2.15", as a v86 guest sends it (unpadded).
test::frame golden_request() {
  return bytes_of({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x08, 0x06,  // Ethernet
                   0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,                                      // Eth/IPv4, request
                   0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x0a, 0x00, 0x02, 0x0f,                          // sender
                   0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x02, 0x02});                        // target
}

bytes arp_payload(const test::frame& f) { return bytes(f).subspan(ethernet_header_size); }

TEST(Arp, BuildsTheGoldenRequestFrame) {
  auto built = build_arp_frame(mac_address::broadcast(), mac_address::from_u64(0x525400123456),
                               arp_view{.operation = arp_operation::request,
                                        .sender_mac = mac_address::from_u64(0x525400123456),
                                        .sender_ip = ipv4_address(0x0a00020f),
                                        .target_mac = {},
                                        .target_ip = ipv4_address(0x0a000202)});
  auto golden = golden_request();
  ASSERT_EQ(built.size(), 42u);
  EXPECT_TRUE(std::equal(built.begin(), built.end(), golden.begin(), golden.end()));
}

TEST(Arp, ParsesTheGoldenRequest) {
  auto f = golden_request();
  auto a = parse_arp(arp_payload(f));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->operation, arp_operation::request);
  EXPECT_EQ(a->sender_mac, mac_address::from_u64(0x525400123456));
  EXPECT_EQ(a->sender_ip, ipv4_address(0x0a00020f));
  EXPECT_TRUE(a->target_mac.is_zero());
  EXPECT_EQ(a->target_ip, ipv4_address(0x0a000202));
}

TEST(Arp, RoundTripsAReply) {
  arp_view reply{.operation = arp_operation::reply,
                 .sender_mac = test::mac(0xaa),
                 .sender_ip = test::ip(10, 0, 2, 2),
                 .target_mac = test::mac(0x0f),
                 .target_ip = test::ip(10, 0, 2, 15)};
  auto f = build_arp_frame(test::mac(0x0f), test::mac(0xaa), reply);
  auto eth = parse_ethernet(f);
  ASSERT_TRUE(eth);
  EXPECT_EQ(eth->type, ethertype::arp);
  EXPECT_EQ(eth->destination, test::mac(0x0f));
  auto a = parse_arp(eth->payload);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->operation, arp_operation::reply);
  EXPECT_EQ(a->sender_mac, reply.sender_mac);
  EXPECT_EQ(a->sender_ip, reply.sender_ip);
  EXPECT_EQ(a->target_mac, reply.target_mac);
  EXPECT_EQ(a->target_ip, reply.target_ip);
}

TEST(Arp, RejectsEveryTruncatedLength) {
  auto f = golden_request();
  auto payload = arp_payload(f);
  ASSERT_EQ(payload.size(), arp_packet_size);
  for (std::size_t n = 0; n < arp_packet_size; ++n) EXPECT_FALSE(parse_arp(payload.first(n))) << "length " << n;
}

TEST(Arp, AcceptsEthernetPaddingAfterThePacket) {
  auto f = golden_request();
  f.resize(60, std::byte{0});
  EXPECT_TRUE(parse_arp(arp_payload(f)));
}

TEST(Arp, RejectsOtherHardwareOrProtocolTypesAndSizes) {
  struct field {
    std::size_t at;
    int value;
  };
  for (auto [at, value] : {field{1, 6} /* htype IEEE 802 */, field{2, 0x86} /* ptype IPv6 */, field{4, 8} /* hlen */,
                           field{5, 16} /* plen */}) {
    auto f = golden_request();
    f[ethernet_header_size + at] = static_cast<std::byte>(value);
    EXPECT_FALSE(parse_arp(arp_payload(f))) << "byte " << at;
  }
}

TEST(Arp, RejectsOperationsOtherThanRequestAndReply) {
  for (int op : {0, 3, 4, 8, 0x100}) {
    auto f = golden_request();
    store_u16(f, ethernet_header_size + 6, static_cast<std::uint16_t>(op));
    EXPECT_FALSE(parse_arp(arp_payload(f))) << "op " << op;
  }
}

}  // namespace
}  // namespace switchyard::net
