// tests/unit/stack/address_guard_test.cpp - IP-level port security.
#include <gtest/gtest.h>

#include "protocols/net/udp.hpp"
#include "stack/address_guard.hpp"
#include "tests/support/frames.hpp"

namespace switchyard::stack {
namespace {

using test::ip;
using test::mac;

const auto gateway = ip(10, 0, 2, 2);

std::optional<drop_reason> check_arp(address_guard& g, port_id port, net::ipv4_address claimed) {
  auto f = test::arp_request(mac(port), claimed, gateway);
  return g.check(port, *net::parse_ethernet(f));
}

std::optional<drop_reason> check_udp(address_guard& g, port_id port, net::ipv4_address source,
                                     std::uint16_t source_port) {
  std::byte payload[4] = {};
  auto f = net::build_udp_frame(net::mac_address::broadcast(), mac(port), source, source_port,
                                ip(255, 255, 255, 255), 68, payload);
  return g.check(port, *net::parse_ethernet(f));
}

TEST(AddressGuard, NobodyMayClaimTheGatewayAddress) {
  address_guard g(gateway);
  EXPECT_EQ(check_arp(g, 1, gateway), drop_reason::address_spoof);
  EXPECT_EQ(check_udp(g, 1, gateway, 1234), drop_reason::address_spoof);
}

TEST(AddressGuard, UnleasedPortsMayUseStaticAddresses) {
  address_guard g(gateway);
  EXPECT_EQ(check_arp(g, 1, ip(10, 0, 2, 50)), std::nullopt);
  EXPECT_EQ(check_udp(g, 1, ip(10, 0, 2, 50), 1234), std::nullopt);
}

TEST(AddressGuard, ALeasedAddressBelongsToItsPortOnly) {
  address_guard g(gateway);
  g.bind(1, ip(10, 0, 2, 15));
  EXPECT_EQ(check_arp(g, 1, ip(10, 0, 2, 15)), std::nullopt);
  EXPECT_EQ(check_arp(g, 2, ip(10, 0, 2, 15)), drop_reason::address_spoof);
  // ...and the leased port may source nothing else but 0.0.0.0.
  EXPECT_EQ(check_arp(g, 1, ip(10, 0, 2, 16)), drop_reason::address_spoof);
  EXPECT_EQ(check_udp(g, 1, ip(0, 0, 0, 0), 68), std::nullopt);
}

TEST(AddressGuard, VmsMayNotAnswerDhcp) {
  address_guard g(gateway);
  EXPECT_EQ(check_udp(g, 1, ip(10, 0, 2, 50), 67), drop_reason::rogue_dhcp);
  EXPECT_EQ(check_udp(g, 1, ip(10, 0, 2, 50), 68), std::nullopt);
}

TEST(AddressGuard, BindingsDieWithTheirPortOrLease) {
  address_guard g(gateway);
  g.bind(1, ip(10, 0, 2, 15));
  g.forget_port(1);
  EXPECT_EQ(check_arp(g, 2, ip(10, 0, 2, 15)), std::nullopt);
  g.bind(2, ip(10, 0, 2, 15));
  g.unbind(ip(10, 0, 2, 15));
  EXPECT_EQ(g.owner(ip(10, 0, 2, 15)), std::nullopt);
  EXPECT_EQ(check_arp(g, 2, ip(10, 0, 2, 99)), std::nullopt);  // no lease left: static again
}

TEST(AddressGuard, RebindingMovesAnAddressToTheNewPort) {
  address_guard g(gateway);
  g.bind(1, ip(10, 0, 2, 15));
  g.bind(3, ip(10, 0, 2, 15));  // a reconnected v86 renewed from its new port
  EXPECT_EQ(g.owner(ip(10, 0, 2, 15)), 3u);
  EXPECT_EQ(check_arp(g, 1, ip(10, 0, 2, 15)), drop_reason::address_spoof);
}

}  // namespace
}  // namespace switchyard::stack
