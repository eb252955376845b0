// tests/unit/gateway/config_dhcp_dns_test.cpp - the DHCP and DNS keys of [[network]].
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gateway/config.hpp"
#include "tests/support/config_errors.hpp"

namespace switchyard::gateway {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

net::ipv4_address ip(std::string_view text) { return *net::ipv4_address::parse(text); }

std::string error_of(std::string_view text) { return test::config_error_of(text, "lab.toml"); }

TEST(ConfigDhcpDns, DefaultsFollowTheDesign) {
  const network_config& n = default_config().networks[0];
  EXPECT_TRUE(n.dhcp);
  EXPECT_TRUE(n.dns);
  EXPECT_EQ(n.dhcp_first, ip("10.0.2.15"));
  EXPECT_EQ(n.dhcp_last, ip("10.0.2.254"));
  EXPECT_EQ(n.domain, "default.lan");
  EXPECT_EQ(n.lease_time, 3600s);
  EXPECT_EQ(n.max_leases_per_port, 1u);
}

TEST(ConfigDhcpDns, ReadsAFullClassroomNetwork) {
  config c = parse_config(R"(
[[network]]
name = "class-7b"
subnet = "10.7.0.0/24"
dhcp_range = ["10.7.0.100", "10.7.0.199"]
lease_time = 600
domain = "Class-7B.lan."
max_leases_per_port = 2

[[network.host]]
mac = "52:54:00:00:00:01"
ip = "10.7.0.10"
name = "teacher"

[[network.record]]
type = "a"
name = "db"
value = "10.7.0.50"

[[network.record]]
type = "SRV"
name = "_pg._tcp"
target = "db"
port = 5432

[[network.record]]
type = "TXT"
name = "@"
value = "hello"
ttl = 60
)", "lab.toml");
  const network_config& n = c.networks[0];
  EXPECT_EQ(n.dhcp_first, ip("10.7.0.100"));
  EXPECT_EQ(n.dhcp_last, ip("10.7.0.199"));
  EXPECT_EQ(n.lease_time, 600s);
  EXPECT_EQ(n.domain, "class-7b.lan");
  EXPECT_EQ(n.max_leases_per_port, 2u);
  ASSERT_EQ(n.hosts.size(), 1u);
  EXPECT_EQ(n.hosts[0].name, "teacher");
  EXPECT_EQ(n.hosts[0].address, ip("10.7.0.10"));
  ASSERT_EQ(n.records.size(), 3u);
  EXPECT_EQ(n.records[0].type, "A");
  EXPECT_EQ(n.records[1].port, 5432);
  EXPECT_EQ(n.records[1].value, "db");
  EXPECT_EQ(n.records[2].ttl, 60u);
}

TEST(ConfigDhcpDns, RejectsARangeOutsideTheSubnet) {
  auto e = error_of("[[network]]\nname = \"a\"\ndhcp_range = [\"10.0.2.15\", \"10.0.3.9\"]\n");
  EXPECT_THAT(e, HasSubstr("lab.toml:3: network[0].dhcp_range"));
  EXPECT_THAT(e, HasSubstr("not a host address of 10.0.2.0/24"));
}

TEST(ConfigDhcpDns, RejectsABackwardsRange) {
  EXPECT_THAT(error_of("[[network]]\nname = \"a\"\ndhcp_range = [\"10.0.2.99\", \"10.0.2.15\"]\n"),
              HasSubstr("first address is after the last"));
}

TEST(ConfigDhcpDns, RejectsAReservationOfTheGatewayAddress) {
  auto e = error_of("[[network]]\nname = \"a\"\n[[network.host]]\nmac = \"52:54:00:00:00:01\"\nip = \"10.0.2.2\"\n");
  EXPECT_THAT(e, HasSubstr("network[0].host[0].ip: is the gateway's address"));
}

TEST(ConfigDhcpDns, RejectsAMulticastReservation) {
  EXPECT_THAT(error_of("[[network]]\nname = \"a\"\n[[network.host]]\nmac = \"01:00:5e:00:00:01\"\nip = \"10.0.2.9\"\n"),
              HasSubstr("not a unicast MAC"));
}

TEST(ConfigDhcpDns, RejectsUnknownRecordTypesAndMissingSrvPorts) {
  EXPECT_THAT(error_of("[[network]]\nname = \"a\"\n[[network.record]]\ntype = \"MX\"\nname = \"m\"\nvalue = \"x\"\n"),
              HasSubstr("network[0].record[0].type: \"MX\" is not one of"));
  EXPECT_THAT(error_of("[[network]]\nname = \"a\"\n[[network.record]]\ntype = \"SRV\"\nname = \"_x._tcp\"\ntarget = \"db\"\n"),
              HasSubstr("record[0].port: missing"));
  EXPECT_THAT(error_of("[[network]]\nname = \"a\"\n[[network.record]]\ntype = \"A\"\nname = \"db\"\nvalue = \"db\"\n"),
              HasSubstr("record[0].value: not an IPv4 address"));
}

TEST(ConfigDhcpDns, RejectsBadDomains) {
  EXPECT_THAT(error_of("[[network]]\nname = \"a\"\ndomain = \"bad_domain!\"\n"), HasSubstr("network[0].domain"));
}

}  // namespace
}  // namespace switchyard::gateway
