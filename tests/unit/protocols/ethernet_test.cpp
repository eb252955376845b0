// tests/unit/protocols/ethernet_test.cpp - MAC addresses and the Ethernet II header view.
#include "protocols/net/ethernet.hpp"

#include <gtest/gtest.h>

#include "tests/support/frames.hpp"

namespace switchyard::net {
namespace {

using test::bytes_of;

TEST(EthernetHeader, ParsesTheAddressesTypeAndPayloadOfAGoldenFrame) {
  auto frame = bytes_of({0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  // destination
                         0x52, 0x54, 0x00, 0x12, 0x34, 0x56,  // source
                         0x08, 0x06,                          // ARP
                         0xde, 0xad});
  auto eth = parse_ethernet(frame);
  ASSERT_TRUE(eth);
  EXPECT_TRUE(eth->destination.is_broadcast());
  EXPECT_EQ(eth->source, mac_address::from_u64(0x525400123456));
  EXPECT_EQ(eth->type, ethertype::arp);
  ASSERT_EQ(eth->payload.size(), 2u);
  EXPECT_EQ(eth->payload.data(), frame.data() + 14);  // aliases, no copy
}

TEST(EthernetHeader, RejectsEveryLengthShorterThanTheHeader) {
  auto frame = test::ethernet_frame(test::mac(1), test::mac(2));
  for (std::size_t n = 0; n < ethernet_header_size; ++n)
    EXPECT_FALSE(parse_ethernet(bytes(frame).first(n))) << "length " << n;
}

TEST(EthernetHeader, AcceptsAHeaderWithAnEmptyPayload) {
  auto frame = test::ethernet_frame(test::mac(1), test::mac(2), ethertype::ipv4, 14);
  auto eth = parse_ethernet(frame);
  ASSERT_TRUE(eth);
  EXPECT_TRUE(eth->payload.empty());
}

TEST(EthernetHeader, LeavesVlanTagsUninterpreted) {
  auto frame = test::ethernet_frame(test::mac(1), test::mac(2), ethertype::vlan);
  auto eth = parse_ethernet(frame);
  ASSERT_TRUE(eth);
  EXPECT_EQ(eth->type, ethertype::vlan);
  EXPECT_EQ(eth->payload.size(), frame.size() - 14);
}

TEST(EthernetHeader, WritesTheGoldenHeaderBytes) {
  std::array<std::byte, 14> out{};
  write_ethernet_header(out, mac_address::from_u64(0x0a0b0c0d0e0f), mac_address::from_u64(0x525400123456),
                        ethertype::ipv6);
  auto expected = bytes_of({0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x86, 0xdd});
  EXPECT_TRUE(std::equal(out.begin(), out.end(), expected.begin(), expected.end()));
}

TEST(MacAddress, ParsesColonAndDashForms) {
  EXPECT_EQ(mac_address::parse("52:54:00:12:34:56"), mac_address::from_u64(0x525400123456));
  EXPECT_EQ(mac_address::parse("52-54-00-AB-cd-Ef"), mac_address::from_u64(0x525400abcdef));
}

TEST(MacAddress, RejectsMalformedText) {
  for (const char* text : {"", "52:54:00:12:34", "52:54:00:12:34:5", "52:54:00:12:34:567", "52:54:00:12:34:5g",
                           "52:54:00:12:34:56:78", "5254.0012.3456", "52 54 00 12 34 56", " 52:54:00:12:34:5"})
    EXPECT_FALSE(mac_address::parse(text)) << text;
}

TEST(MacAddress, PrintsLowerCaseColonForm) {
  EXPECT_EQ(mac_address::from_u64(0x0aBCdef01234).to_string(), "0a:bc:de:f0:12:34");
  EXPECT_EQ(mac_address::parse(mac_address::from_u64(0x02ffee000001).to_string()),
            mac_address::from_u64(0x02ffee000001));
}

TEST(MacAddress, KeepsOnlyFortyEightBits) {
  EXPECT_EQ(mac_address::from_u64(0xffff'0000'0000'0001ULL).value(), 1u);
}

TEST(MacAddress, ClassifiesGroupBroadcastAndZero) {
  EXPECT_TRUE(mac_address::broadcast().is_group());
  EXPECT_TRUE(mac_address::broadcast().is_broadcast());
  EXPECT_TRUE(test::multicast_mac().is_group());
  EXPECT_FALSE(test::multicast_mac().is_broadcast());
  EXPECT_FALSE(test::mac(1).is_group());
  EXPECT_TRUE(mac_address{}.is_zero());
  EXPECT_FALSE(test::mac(1).is_zero());
}

TEST(MacAddress, ReadsSixBytesInNetworkOrder) {
  auto six = bytes_of({0x01, 0x02, 0x03, 0x04, 0x05, 0x06});
  EXPECT_EQ(mac_address::from_bytes(six), mac_address::from_u64(0x010203040506));
  std::array<std::byte, 6> out{};
  mac_address::from_u64(0x010203040506).write_to(out);
  EXPECT_TRUE(std::equal(out.begin(), out.end(), six.begin(), six.end()));
}

}  // namespace
}  // namespace switchyard::net
