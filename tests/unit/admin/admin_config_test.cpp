// tests/unit/admin/admin_config_test.cpp - the admin side of the configuration:
// [admin], a JSON body converted to TOML and validated as a [[network]] table,
// a policy replacement and a single DNS record, with the field of each error.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "gateway/admin/json_to_toml.hpp"
#include "gateway/config.hpp"
#include "gateway/config_tables.hpp"
#include "tests/support/config_errors.hpp"

namespace switchyard::gateway {
namespace {

using ::testing::HasSubstr;

network_config network_from(std::string_view json) {
  return parse_network_table(admin::json_to_toml(boost::json::parse(json).as_object()), "request");
}

// The error's key and bare message, as the API's {"field", "error"}.
std::pair<std::string, std::string> network_error(std::string_view json) {
  try {
    network_from(json);
  } catch (const config_error& e) {
    return {e.key(), e.message()};
  }
  return {"<none>", "<no error>"};
}

TEST(AdminConfig, DefaultsToLoopback8087WithoutToken) {
  config c = default_config();
  EXPECT_TRUE(c.admin.enabled);
  EXPECT_EQ(c.admin.listen.to_string(), "127.0.0.1:8087");
  EXPECT_FALSE(c.admin.token);
}

TEST(AdminConfig, ReadsListenAndToken) {
  config c = parse_config("[admin]\nlisten = \"0.0.0.0:9000\"\ntoken = \"0123456789abcdef\"\n", "t.toml");
  EXPECT_EQ(c.admin.listen.to_string(), "0.0.0.0:9000");
  EXPECT_EQ(c.admin.token, "0123456789abcdef");
  EXPECT_FALSE(parse_config("[admin]\nlisten = \"off\"\n", "t.toml").admin.enabled);
}

TEST(AdminConfig, RefusesANonLoopbackListenWithoutToken) {
  EXPECT_THAT(test::config_error_of("[admin]\nlisten = \"0.0.0.0:8087\"\n", "t.toml"),
              HasSubstr("t.toml:2: admin.listen: \"0.0.0.0:8087\" is not a loopback address: set [admin] token"));
  EXPECT_NO_THROW(parse_config("[admin]\nlisten = \"localhost:8087\"\n", "t.toml"));
  EXPECT_NO_THROW(parse_config("[admin]\nlisten = \"127.0.0.2:8087\"\n", "t.toml"));
}

TEST(AdminConfig, RefusesShortOrBadTokensAndUnknownKeys) {
  EXPECT_THAT(test::config_error_of("[admin]\ntoken = \"short\"\n", "t.toml"), HasSubstr("admin.token: must be at least 16"));
  EXPECT_THAT(test::config_error_of("[admin]\ntoken = \"has a space in it!!\"\n", "t.toml"),
              HasSubstr("admin.token: must be printable ASCII"));
  EXPECT_THAT(test::config_error_of("[admin]\nlisen = \"127.0.0.1:1\"\n", "t.toml"),
              HasSubstr("admin.lisen: unknown key (did you mean 'listen'?)"));
}

TEST(AdminConfig, LoopbackHosts) {
  EXPECT_TRUE(is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(is_loopback_host("127.1.2.3"));
  EXPECT_TRUE(is_loopback_host("localhost"));
  EXPECT_TRUE(is_loopback_host("::1"));
  EXPECT_FALSE(is_loopback_host("0.0.0.0"));
  EXPECT_FALSE(is_loopback_host("10.0.0.1"));
  EXPECT_FALSE(is_loopback_host("localhost.example.com"));
}

TEST(AdminNetworkSpec, ANetworkFromJsonGetsTheFilesDefaults) {
  auto n = network_from(R"({"name": "class-b", "subnet": "10.9.0.0/24", "mtu": 1400, "dhcp": true,
                            "dhcp_range": ["10.9.0.50", "10.9.0.99"],
                            "rule": [{"action": "allow", "domain": "example.com", "ports": "443"}],
                            "egress": "allowlist"})");
  EXPECT_EQ(n.name, "class-b");
  EXPECT_EQ(n.subnet.to_string(), "10.9.0.0/24");
  EXPECT_EQ(n.gateway.to_string(), "10.9.0.2");
  EXPECT_EQ(n.mtu, 1400u);
  EXPECT_EQ(n.domain, "class-b.lan");
  EXPECT_EQ(n.dhcp_first.to_string(), "10.9.0.50");
  EXPECT_EQ(n.egress.mode, policy::egress_mode::allowlist);
  ASSERT_EQ(n.egress.rules.size(), 1u);
  EXPECT_EQ(n.egress.rules[0].domain, "example.com");
}

TEST(AdminNetworkSpec, ErrorsNameTheFieldWithoutTheArrayPrefix) {
  EXPECT_EQ(network_error(R"({"subnet": "10.9.0.0/24"})"),
            (std::pair<std::string, std::string>{"name", "missing (every [[network]] needs a name)"}));
  EXPECT_EQ(network_error(R"({"name": "x", "subnet": "10.9.0.1/24"})").first, "subnet");
  EXPECT_THAT(network_error(R"({"name": "x", "subnet": "10.9.0.1/24"})").second,
              HasSubstr("has host bits set (did you mean 10.9.0.0/24?)"));
  EXPECT_EQ(network_error(R"({"name": "x", "mtu": "big"})"),
            (std::pair<std::string, std::string>{"mtu", "expected an integer, got a string"}));
  EXPECT_EQ(network_error(R"({"name": "x", "mtu": 100})").first, "mtu");
  EXPECT_EQ(network_error(R"({"name": "Bad Name"})").first, "name");
  EXPECT_EQ(network_error(R"({"name": "x", "tokn": "abc"})"),
            (std::pair<std::string, std::string>{"tokn", "unknown key (did you mean 'token'?)"}));
  EXPECT_EQ(network_error(R"({"name": "x", "rule": [{"action": "maybe", "cidr": "1.2.3.0/24"}]})").first,
            "rule[0].action");
  EXPECT_EQ(network_error(R"({"name": "x", "host": [{"mac": "nope", "ip": "10.0.2.9"}]})").first, "host[0].mac");
}

TEST(AdminNetworkSpec, JsonOnlyErrorsAreReportedWithTheirKey) {
  EXPECT_EQ(network_error(R"({"name": "x", "token": null})"),
            (std::pair<std::string, std::string>{"token", "null is not a value here (leave the key out for the default)"}));
  EXPECT_EQ(network_error(R"({"name": "x", "mtu": 18446744073709551615})").first, "mtu");
  EXPECT_EQ(network_error(R"({"name": "x", "a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": 1}}}}}}}})").second,
            "nested too deeply");
}

TEST(AdminPolicySpec, ReplacesModeRulesAndLimitsAndNothingElse) {
  auto base = network_from(R"({"name": "lab", "egress": "internet", "egress_tcp_per_vm": 5})");
  auto table = admin::json_to_toml(
      boost::json::parse(R"({"egress": "allowlist", "rule": [{"action": "allow", "cidr": "192.0.2.0/24"}]})")
          .as_object());
  auto updated = parse_policy_table(table, base, "request");
  EXPECT_EQ(updated.egress.mode, policy::egress_mode::allowlist);
  ASSERT_EQ(updated.egress.rules.size(), 1u);
  EXPECT_EQ(updated.limits.tcp_per_vm, egress_limits{}.tcp_per_vm);  // a replacement: absent means default
  EXPECT_EQ(updated.name, "lab");

  auto bad = admin::json_to_toml(boost::json::parse(R"({"egress": "allowlist", "mtu": 1400})").as_object());
  try {
    parse_policy_table(bad, base, "request");
    FAIL() << "a non-policy key was accepted";
  } catch (const config_error& e) {
    EXPECT_EQ(e.key(), "mtu");
  }
}

TEST(AdminRecordSpec, OneRecordWithTheFilesRules) {
  auto rec = parse_record_table(
      admin::json_to_toml(boost::json::parse(R"({"type": "a", "name": "db", "value": "10.0.2.20"})").as_object()),
      "request");
  EXPECT_EQ(rec.type, "A");
  EXPECT_EQ(rec.name, "db");
  try {
    parse_record_table(
        admin::json_to_toml(boost::json::parse(R"({"type": "A", "name": "db", "value": "nope"})").as_object()),
        "request");
    FAIL() << "a bad address was accepted";
  } catch (const config_error& e) {
    EXPECT_EQ(e.key(), "value");
    EXPECT_EQ(e.message(), "not an IPv4 address");
  }
}

}  // namespace
}  // namespace switchyard::gateway
