// tests/unit/protocols/icmp_test.cpp - ICMP echo view and the echo-reply and
// destination-unreachable frame builders.
#include "protocols/net/icmp.hpp"

#include <gtest/gtest.h>

#include <string_view>

#include "protocols/net/udp.hpp"
#include "tests/support/frames.hpp"

namespace switchyard::net {
namespace {

using test::bytes_of;

const auto vm_mac = mac_address::from_u64(0x525400123456);
const auto gateway_mac = mac_address::from_u64(0x0200000000aa);
const auto vm_ip = test::ip(10, 0, 2, 15);
const auto gateway_ip = test::ip(10, 0, 2, 2);
const auto remote_ip = test::ip(192, 0, 2, 1);

// Windows' ping payload; with id 1, seq 1 its request checksum is the well-known 0x4d5a.
constexpr std::string_view windows_payload = "abcdefghijklmnopqrstuvwabcdefghi";
bytes payload_bytes() { return std::as_bytes(std::span(windows_payload)); }

// The request Windows sends 10.0.2.15 -> 192.0.2.1 (IP id and DF zeroed).
test::frame golden_request_packet() {
  auto p = bytes_of({0x45, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x00, 0x00, 0x40, 0x01, 0xac, 0xb1, 0x0a, 0x00, 0x02, 0x0f,
                     0xc0, 0x00, 0x02, 0x01, 0x08, 0x00, 0x4d, 0x5a, 0x00, 0x01, 0x00, 0x01});
  for (auto c : windows_payload) p.push_back(static_cast<std::byte>(c));
  return p;
}

bool checksum_ok(bytes data) { return checksum_finish(checksum_add(data)) == 0; }

TEST(IcmpEcho, ParsesTheGoldenRequest) {
  auto packet = golden_request_packet();
  auto ip = parse_ipv4(packet);
  ASSERT_TRUE(ip);
  auto echo = parse_icmp_echo(*ip);
  ASSERT_TRUE(echo);
  EXPECT_EQ(echo->type, icmp_type::echo_request);
  EXPECT_EQ(echo->identifier, 1);
  EXPECT_EQ(echo->sequence, 1);
  ASSERT_EQ(echo->payload.size(), windows_payload.size());
  EXPECT_EQ(echo->payload.data(), ip->payload.data() + icmp_header_size);
}

TEST(IcmpEcho, RejectsABadChecksumOtherTypesNonZeroCodesAndShortMessages) {
  auto packet = golden_request_packet();
  auto ip = parse_ipv4(packet);
  ASSERT_TRUE(ip);
  auto message = test::frame(ip->payload.begin(), ip->payload.end());
  ASSERT_TRUE(parse_icmp_echo(message));

  auto corrupt = message;
  corrupt.back() ^= std::byte{1};
  EXPECT_FALSE(parse_icmp_echo(corrupt));

  auto retype = [&](std::uint8_t type, std::uint8_t code) {
    auto m = message;
    m[0] = std::byte{type};
    m[1] = std::byte{code};
    store_u16(m, 2, 0);
    store_u16(m, 2, checksum_finish(checksum_add(m)));
    return m;
  };
  EXPECT_TRUE(parse_icmp_echo(retype(icmp_type::echo_reply, 0)));
  EXPECT_FALSE(parse_icmp_echo(retype(icmp_type::destination_unreachable, 3)));
  EXPECT_FALSE(parse_icmp_echo(retype(13, 0)));  // timestamp
  EXPECT_FALSE(parse_icmp_echo(retype(icmp_type::echo_request, 1)));

  for (std::size_t n = 0; n < icmp_header_size; ++n)
    EXPECT_FALSE(parse_icmp_echo(bytes(message).first(n))) << n;
  // A bare header with no data is a valid echo (ping -s 0).
  auto bare = build_icmp_echo_message(icmp_type::echo_request, 7, 9, {});
  auto echo = parse_icmp_echo(bare);
  ASSERT_TRUE(echo);
  EXPECT_TRUE(echo->payload.empty());
}

TEST(IcmpEcho, RefusesFragmentsAndOtherProtocols) {
  auto request = build_icmp_echo_message(icmp_type::echo_request, 1, 1, payload_bytes());
  auto fragment = test::ipv4_packet(vm_ip, remote_ip, ip_protocol::icmp, request);
  store_u16(fragment, 6, 0x2000);  // MF
  store_u16(fragment, 10, 0);
  store_u16(fragment, 10, checksum_finish(checksum_add(bytes(fragment).first(20))));
  auto ip = parse_ipv4(fragment);
  ASSERT_TRUE(ip);
  EXPECT_FALSE(parse_icmp_echo(*ip));

  auto udp = test::ipv4_packet(vm_ip, remote_ip, ip_protocol::udp, request);
  ip = parse_ipv4(udp);
  ASSERT_TRUE(ip);
  EXPECT_FALSE(parse_icmp_echo(*ip));
}

TEST(IcmpEcho, BuildsTheWellKnownWindowsMessages) {
  auto request = build_icmp_echo_message(icmp_type::echo_request, 1, 1, payload_bytes());
  auto golden = golden_request_packet();
  EXPECT_TRUE(std::equal(request.begin(), request.end(), golden.begin() + 20, golden.end()));
  auto reply = build_icmp_echo_message(icmp_type::echo_reply, 1, 1, payload_bytes());
  EXPECT_EQ(load_u16(reply, 2), 0x555a);
}

TEST(IcmpEcho, BuildsTheGoldenReplyFrame) {
  auto f = build_icmp_echo_reply_frame(vm_mac, gateway_mac, remote_ip, vm_ip, 1, 1, payload_bytes());
  auto golden = bytes_of({0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x02, 0x00, 0x00, 0x00, 0x00, 0xaa, 0x08, 0x00,  // eth
                          0x45, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x00, 0x00, 0x40, 0x01, 0xac, 0xb1,              // ip
                          0xc0, 0x00, 0x02, 0x01, 0x0a, 0x00, 0x02, 0x0f,                                      //
                          0x00, 0x00, 0x55, 0x5a, 0x00, 0x01, 0x00, 0x01});                                    // icmp
  for (auto c : windows_payload) golden.push_back(static_cast<std::byte>(c));
  ASSERT_EQ(f.size(), 74u);
  EXPECT_TRUE(std::equal(f.begin(), f.end(), golden.begin(), golden.end()));

  auto eth = parse_ethernet(f);
  auto ip = parse_ipv4(eth->payload);
  ASSERT_TRUE(ip);
  EXPECT_TRUE(checksum_ok(ip->payload));
  auto echo = parse_icmp_echo(*ip);
  ASSERT_TRUE(echo);
  EXPECT_EQ(echo->type, icmp_type::echo_reply);
}

TEST(IcmpUnreachable, BuildsTheGoldenProhibitedFrameQuotingHeaderAndEightBytes) {
  auto original = golden_request_packet();
  auto f = build_icmp_unreachable_frame(vm_mac, gateway_mac, gateway_ip, vm_ip,
                                        icmp_unreachable::administratively_prohibited, original);
  auto golden = bytes_of({0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x02, 0x00, 0x00, 0x00, 0x00, 0xaa, 0x08, 0x00,  // eth
                          0x45, 0x00, 0x00, 0x38, 0x00, 0x00, 0x00, 0x00, 0x40, 0x01, 0x62, 0xb5,              // ip
                          0x0a, 0x00, 0x02, 0x02, 0x0a, 0x00, 0x02, 0x0f,                                      //
                          0x03, 0x0d, 0xa7, 0x96, 0x00, 0x00, 0x00, 0x00});                                    // icmp
  golden.insert(golden.end(), original.begin(), original.begin() + 28);
  ASSERT_EQ(f.size(), 70u);
  EXPECT_TRUE(std::equal(f.begin(), f.end(), golden.begin(), golden.end()));
}

TEST(IcmpUnreachable, ChecksumsVerifyForEveryCode) {
  auto original = build_udp_packet(vm_ip, 40000, remote_ip, 53, payload_bytes());
  for (std::uint8_t code : {icmp_unreachable::host, icmp_unreachable::port,
                            icmp_unreachable::administratively_prohibited}) {
    auto f = build_icmp_unreachable_frame(vm_mac, gateway_mac, gateway_ip, vm_ip, code, original);
    auto eth = parse_ethernet(f);
    ASSERT_TRUE(eth);
    auto ip = parse_ipv4(eth->payload);  // verifies the header checksum
    ASSERT_TRUE(ip);
    EXPECT_EQ(ip->protocol, ip_protocol::icmp);
    EXPECT_EQ(ip->source, gateway_ip);
    EXPECT_EQ(ip->destination, vm_ip);
    EXPECT_TRUE(checksum_ok(ip->payload));
    EXPECT_EQ(std::to_integer<int>(ip->payload[0]), icmp_type::destination_unreachable);
    EXPECT_EQ(std::to_integer<int>(ip->payload[1]), code);
    EXPECT_EQ(ip->payload.size(), icmp_header_size + 28);
  }
}

TEST(IcmpUnreachable, QuotesOptionsAndNeverMoreThanItHolds) {
  auto with_options = test::ipv4_packet(vm_ip, remote_ip, ip_protocol::udp, bytes_of({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}),
                                        bytes_of({1, 1, 1, 0}));  // NOP NOP NOP EOL
  EXPECT_EQ(icmp_quote_length(with_options), 24u + 8u);
  auto short_packet = test::ipv4_packet(vm_ip, remote_ip, ip_protocol::udp, bytes_of({1, 2, 3}));
  EXPECT_EQ(icmp_quote_length(short_packet), 23u);
  EXPECT_EQ(icmp_quote_length({}), 0u);
  auto lying = bytes_of({0x41, 0, 0, 0});  // IHL 1: clamped to 20, then to what is there
  EXPECT_EQ(icmp_quote_length(lying), 4u);
  auto f = build_icmp_unreachable_frame(vm_mac, gateway_mac, gateway_ip, vm_ip, icmp_unreachable::host, lying);
  auto ip = parse_ipv4(parse_ethernet(f)->payload);
  ASSERT_TRUE(ip);
  EXPECT_TRUE(checksum_ok(ip->payload));
  EXPECT_EQ(ip->payload.size(), icmp_header_size + 4);
}

TEST(IcmpQuotes, RebuiltPacketsParseLikeTheOriginals) {
  auto udp_packet = build_udp_packet(vm_ip, 40000, remote_ip, 53, payload_bytes());
  auto ip = parse_ipv4(udp_packet);
  ASSERT_TRUE(ip);
  auto udp = parse_udp(*ip);  // checksum verified
  ASSERT_TRUE(udp);
  EXPECT_EQ(udp->source_port, 40000);
  EXPECT_EQ(udp->destination_port, 53);
  EXPECT_EQ(udp->payload.size(), windows_payload.size());

  auto echo_packet = build_icmp_echo_request_packet(vm_ip, remote_ip, 1, 1, payload_bytes());
  auto golden = golden_request_packet();
  EXPECT_TRUE(std::equal(echo_packet.begin(), echo_packet.end(), golden.begin(), golden.end()));
}

}  // namespace
}  // namespace switchyard::net
