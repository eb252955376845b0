// tests/unit/gateway/wisp_route_test.cpp - where a Wisp CONNECT goes: LAN
// literals and names, the gateway's own addresses, internet literals in every
// spelling, internet names, and hosts that are neither.
#include "gateway/wisp/wisp_route.hpp"

#include <gtest/gtest.h>

#include "tests/support/dns_values.hpp"

namespace switchyard::gateway {
namespace {

using namespace dns::test_values;

class WispRoute : public ::testing::Test {
 protected:
  WispRoute() : zone(text("lab.lan"), subnet) {
    zone.set_host("gateway", ip("10.0.2.2"));
    zone.set_host("vm1", ip("10.0.2.15"));
    zone.add_record({text("db.lab.lan"), t(dns::rr_type::cname), dns::class_in, 300, dns::name_rdata(text("vm1.lab.lan"))});
    zone.add_record({text("outside.lab.lan"), t(dns::rr_type::a), dns::class_in, 300, dns::a_rdata(ip("192.0.2.7"))});
  }
  wisp_route route(std::string_view host) { return route_host(host, subnet, ip("10.0.2.2"), &zone); }

  net::ipv4_subnet subnet = net::ipv4_subnet::parse("10.0.2.0/24").value();
  dns::zone zone;
};

net::ipv4_address lan(const wisp_route& r) {
  auto* l = std::get_if<lan_route>(&r);
  return l ? l->address : net::ipv4_address();
}

wisp::close_reason refusal(const wisp_route& r) {
  auto* f = std::get_if<refused_route>(&r);
  return f ? f->reason : wisp::close_reason::unspecified;
}

TEST_F(WispRoute, LanLiteralsGoIntoTheLan) {
  EXPECT_EQ(lan(route("10.0.2.15")), ip("10.0.2.15"));
  EXPECT_EQ(lan(route("10.0.2.200")), ip("10.0.2.200"));  // no name needed
  EXPECT_EQ(lan(route("::ffff:10.0.2.15")), ip("10.0.2.15"));  // canonical form
}

TEST_F(WispRoute, TheGatewayNetworkAndBroadcastAddressesAreBlocked) {
  for (auto host : {"10.0.2.2", "10.0.2.0", "10.0.2.255", "gateway", "gateway.lab.lan"})
    EXPECT_EQ(refusal(route(host)), wisp::close_reason::blocked) << host;
}

TEST_F(WispRoute, LanNamesResolveFromTheZone) {
  EXPECT_EQ(lan(route("vm1")), ip("10.0.2.15"));
  EXPECT_EQ(lan(route("VM1.Lab.Lan.")), ip("10.0.2.15"));
  EXPECT_EQ(lan(route("db.lab.lan")), ip("10.0.2.15"));  // CNAME inside the zone
  EXPECT_EQ(lan(route("db")), ip("10.0.2.15"));
}

TEST_F(WispRoute, UnknownLanNamesAndSingleLabelsAreUnresolvable) {
  EXPECT_EQ(refusal(route("nobody")), wisp::close_reason::unreachable);
  EXPECT_EQ(refusal(route("nobody.lab.lan")), wisp::close_reason::unreachable);
  EXPECT_EQ(refusal(route("localhost")), wisp::close_reason::unreachable);
}

TEST_F(WispRoute, AZoneRecordOutsideTheSubnetGoesOutWithItsName) {
  auto r = route("outside.lab.lan");
  auto* out = std::get_if<internet_address_route>(&r);
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(out->address.to_string(), "192.0.2.7");
  ASSERT_EQ(out->names.size(), 1u);
  EXPECT_EQ(out->names[0], "outside.lab.lan");
}

TEST_F(WispRoute, OtherLiteralsGoToTheEgressInCanonicalForm) {
  for (auto [host, canonical] : std::initializer_list<std::pair<const char*, const char*>>{
           {"198.51.100.10", "198.51.100.10"}, {"127.1", "127.0.0.1"}, {"0x7f.0.0.1", "127.0.0.1"},
           {"2130706433", "127.0.0.1"}, {"::ffff:169.254.169.254", "169.254.169.254"}, {"2001:db8::1", "2001:db8::1"}}) {
    auto r = route(host);
    auto* out = std::get_if<internet_address_route>(&r);
    ASSERT_NE(out, nullptr) << host;
    EXPECT_EQ(policy::canonicalize(out->address).to_string(), canonical) << host;
    EXPECT_TRUE(out->names.empty());
  }
}

TEST_F(WispRoute, OtherNamesAreResolvedLowercase) {
  auto r = route("Example.COM.");
  auto* out = std::get_if<internet_name_route>(&r);
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(out->name, "example.com");
}

TEST_F(WispRoute, BadHostsAreUnresolvable) {
  for (auto host : {"1.2.3.256", "foo bar", "a/b", "*.example.com", "", "exa%mple.com"})
    EXPECT_EQ(refusal(route(host)), wisp::close_reason::unreachable) << host;
}

TEST_F(WispRoute, WithoutDnsOnlyLiteralsReachTheLan) {
  EXPECT_EQ(lan(route_host("10.0.2.15", subnet, ip("10.0.2.2"), nullptr)), ip("10.0.2.15"));
  EXPECT_EQ(refusal(route_host("vm1", subnet, ip("10.0.2.2"), nullptr)), wisp::close_reason::unreachable);
  EXPECT_TRUE(std::holds_alternative<internet_name_route>(route_host("vm1.lab.lan", subnet, ip("10.0.2.2"), nullptr)));
}

}  // namespace
}  // namespace switchyard::gateway
