// tests/unit/gateway/config_egress_test.cpp - the egress keys of [[network]]
// (mode, [[network.rule]], egress_* limits) and the [resolver] table: every
// key's happy path and every error, with file, line and key.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "gateway/config.hpp"
#include "tests/support/config_errors.hpp"

namespace switchyard::gateway {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using namespace std::chrono_literals;

std::string error_of(std::string_view text) { return test::config_error_of(text, "lab.toml"); }

// A [[network]] named "a" (lines 1-2) followed by `rest`, which starts on line 3.
std::string network_with(std::string_view rest) { return "[[network]]\nname = \"a\"\n" + std::string(rest); }

// One [[network.rule]] on lines 3-4.. of a network: `body` starts on line 4.
std::string rule_with(std::string_view body) { return network_with("[[network.rule]]\n" + std::string(body)); }

network_config network_of(std::string_view rest) { return parse_config(network_with(rest), "lab.toml").networks[0]; }

// ---- [[network]] egress ------------------------------------------------------

TEST(ConfigEgress, DefaultsToOffWithTheDocumentedLimits) {
  for (const config& c : {default_config(), parse_config(network_with(""), "lab.toml")}) {
    const network_config& n = c.networks[0];
    EXPECT_EQ(n.egress.mode, policy::egress_mode::off);
    EXPECT_TRUE(n.egress.rules.empty());
    EXPECT_EQ(n.limits.tcp_per_vm, 64u);
    EXPECT_EQ(n.limits.tcp_per_network, 1024u);
    EXPECT_EQ(n.limits.udp_flows_per_vm, 64u);
    EXPECT_EQ(n.limits.udp_packets_per_second, 2000u);
    EXPECT_EQ(n.limits.udp_idle_timeout, 60s);
    EXPECT_EQ(n.limits.connect_timeout, 5000ms);
    EXPECT_TRUE(c.resolver.upstreams.empty());
    EXPECT_EQ(c.resolver.timeout, 4000ms);
  }
}

TEST(ConfigEgress, ReadsEveryMode) {
  EXPECT_EQ(network_of("egress = \"off\"\n").egress.mode, policy::egress_mode::off);
  EXPECT_EQ(network_of("egress = \"allowlist\"\n").egress.mode, policy::egress_mode::allowlist);
  EXPECT_EQ(network_of("egress = \"internet\"\n").egress.mode, policy::egress_mode::internet);
}

TEST(ConfigEgress, ReadsRulesInOrderWithEveryKey) {
  network_config n = network_of(R"(egress = "allowlist"
[[network.rule]]
action = "deny"
cidr = "192.0.2.128/25"

[[network.rule]]
action = "allow"
cidr = "192.0.2.0/24"
protocol = "tcp"
ports = "80,443,8000-8100"

[[network.rule]]
action = "allow"
domain = "*.Example.COM."
ports = 443

[[network.rule]]
action = "allow"
domain = "example.org"
protocol = "udp"

[[network.rule]]
action = "allow"
cidr = "2001:db8::/32"
protocol = "icmp"

[[network.rule]]
action = "allow"
cidr = "::ffff:10.0.0.7"
protocol = "any"
)");
  const auto& rules = n.egress.rules;
  ASSERT_EQ(rules.size(), 6u);
  EXPECT_EQ(rules[0].to_string(), "deny 192.0.2.128/25");
  EXPECT_EQ(rules[1].to_string(), "allow 192.0.2.0/24 tcp 80,443,8000-8100");
  EXPECT_EQ(rules[2].to_string(), "allow *.example.com any 443");
  EXPECT_EQ(rules[2].domain, "*.example.com");
  EXPECT_FALSE(rules[2].range.has_value());
  EXPECT_EQ(rules[3].to_string(), "allow example.org udp");
  EXPECT_EQ(rules[4].to_string(), "allow 2001:db8::/32 icmp");
  EXPECT_EQ(rules[5].to_string(), "allow 10.0.0.7/32");
}

TEST(ConfigEgress, ReadsRulesAsInlineTablesToo) {
  network_config n = network_of("rule = [{action = \"allow\", cidr = \"10.1.0.0/16\"}]\n");
  ASSERT_EQ(n.egress.rules.size(), 1u);
  EXPECT_EQ(n.egress.rules[0].to_string(), "allow 10.1.0.0/16");
}

TEST(ConfigEgress, ReadsEveryLimitAtBothBounds) {
  network_config low = network_of(R"(egress_tcp_per_vm = 1
egress_tcp_per_network = 1
egress_udp_flows_per_vm = 1
egress_udp_pps_per_vm = 1
egress_udp_idle = 5
egress_connect_timeout_ms = 100
)");
  EXPECT_EQ(low.limits.tcp_per_vm, 1u);
  EXPECT_EQ(low.limits.tcp_per_network, 1u);
  EXPECT_EQ(low.limits.udp_flows_per_vm, 1u);
  EXPECT_EQ(low.limits.udp_packets_per_second, 1u);
  EXPECT_EQ(low.limits.udp_idle_timeout, 5s);
  EXPECT_EQ(low.limits.connect_timeout, 100ms);
  network_config high = network_of(R"(egress_tcp_per_vm = 4096
egress_tcp_per_network = 65536
egress_udp_flows_per_vm = 4096
egress_udp_pps_per_vm = 1000000
egress_udp_idle = 3600
egress_connect_timeout_ms = 60000
)");
  EXPECT_EQ(high.limits.tcp_per_vm, 4096u);
  EXPECT_EQ(high.limits.tcp_per_network, 65536u);
  EXPECT_EQ(high.limits.udp_flows_per_vm, 4096u);
  EXPECT_EQ(high.limits.udp_packets_per_second, 1000000u);
  EXPECT_EQ(high.limits.udp_idle_timeout, 3600s);
  EXPECT_EQ(high.limits.connect_timeout, 60000ms);
}

TEST(ConfigEgressErrors, RejectAnUnknownMode) {
  EXPECT_THAT(error_of(network_with("egress = \"on\"\n")),
              StartsWith("lab.toml:3: network[0].egress: \"on\" is not one of off, allowlist, internet"));
  EXPECT_THAT(error_of(network_with("egress = \"Internet\"\n")), StartsWith("lab.toml:3: network[0].egress: "));
  EXPECT_THAT(error_of(network_with("egress = true\n")),
              StartsWith("lab.toml:3: network[0].egress: expected a string, got a boolean"));
}

TEST(ConfigEgressErrors, SuggestTheKeyForATypo) {
  EXPECT_THAT(error_of(network_with("egres = \"internet\"\n")),
              StartsWith("lab.toml:3: network[0].egres: unknown key (did you mean 'egress'?)"));
  EXPECT_THAT(error_of(network_with("egress_tcp_per_mv = 3\n")),
              StartsWith("lab.toml:3: network[0].egress_tcp_per_mv: unknown key (did you mean 'egress_tcp_per_vm'?)"));
  EXPECT_THAT(error_of(rule_with("action = \"allow\"\ncidr = \"10.0.0.0/8\"\nport = 80\n")),
              StartsWith("lab.toml:6: network[0].rule[0].port: unknown key (did you mean 'ports'?)"));
}

TEST(ConfigEgressErrors, RejectRulesThatAreNotTables) {
  EXPECT_THAT(error_of(network_with("rule = 1\n")),
              StartsWith("lab.toml:3: network[0].rule: expected an array of tables ([[network.rule]])"));
  EXPECT_THAT(error_of(network_with("rule = [1]\n")),
              StartsWith("lab.toml:3: network[0].rule[0]: expected a table, got an integer"));
}

TEST(ConfigEgressErrors, RejectAMissingOrUnknownAction) {
  EXPECT_THAT(error_of(rule_with("cidr = \"10.0.0.0/8\"\n")),
              StartsWith("lab.toml:3: network[0].rule[0].action: missing (allow or deny)"));
  EXPECT_THAT(error_of(rule_with("action = \"permit\"\ncidr = \"10.0.0.0/8\"\n")),
              StartsWith("lab.toml:4: network[0].rule[0].action: \"permit\" is not allow or deny"));
  EXPECT_THAT(error_of(rule_with("action = 1\ncidr = \"10.0.0.0/8\"\n")),
              StartsWith("lab.toml:4: network[0].rule[0].action: expected a string"));
}

TEST(ConfigEgressErrors, RequireExactlyOneOfCidrOrDomain) {
  EXPECT_THAT(error_of(rule_with("action = \"allow\"\n")),
              StartsWith("lab.toml:3: network[0].rule[0]: needs a cidr or a domain"));
  EXPECT_THAT(error_of(rule_with("action = \"allow\"\ncidr = \"10.0.0.0/8\"\ndomain = \"example.com\"\n")),
              StartsWith("lab.toml:6: network[0].rule[0].domain: cannot be combined with cidr"));
}

TEST(ConfigEgressErrors, NameTheRuleIndexOfABadCidr) {
  std::string text = rule_with("action = \"allow\"\ncidr = \"10.0.0.0/8\"\n") +
                     "[[network.rule]]\naction = \"deny\"\ncidr = \"10.0.0.0/33\"\n";
  EXPECT_THAT(error_of(text),
              StartsWith("lab.toml:8: network[0].rule[1].cidr: \"10.0.0.0/33\" is not an address range"));
}

TEST(ConfigEgressErrors, RejectBadCidrsWithAHelpfulMessage) {
  auto cidr_error = [](std::string_view value) {
    return error_of(rule_with("action = \"allow\"\ncidr = \"" + std::string(value) + "\"\n"));
  };
  EXPECT_THAT(cidr_error("10.1.2.3/8"), StartsWith("lab.toml:5: network[0].rule[0].cidr: "));
  EXPECT_THAT(cidr_error("10.1.2.3/8"), HasSubstr("has host bits set (did you mean 10.0.0.0/8?)"));
  EXPECT_THAT(cidr_error("2001:db8::1/32"), HasSubstr("did you mean 2001:db8::/32?"));
  EXPECT_THAT(cidr_error("::ffff:10.0.0.0/104"), HasSubstr("write the IPv4 range"));
  for (std::string_view bad : {"", "10.0.0.0/", "10.1/16", "example.com", "10.0.0.0/08", "fe80::%eth0/10", "[::1]"})
    EXPECT_THAT(cidr_error(bad), StartsWith("lab.toml:5: network[0].rule[0].cidr: ")) << bad;
  EXPECT_THAT(error_of(rule_with("action = \"allow\"\ncidr = 10\n")),
              StartsWith("lab.toml:5: network[0].rule[0].cidr: expected a string, got an integer"));
}

TEST(ConfigEgressErrors, RejectBadDomains) {
  for (std::string_view bad : {"", "*", "a.*.example.com", "127.0.0.1", "exa mple.com", "example..com"})
    EXPECT_THAT(error_of(rule_with("action = \"allow\"\ndomain = \"" + std::string(bad) + "\"\n")),
                StartsWith("lab.toml:5: network[0].rule[0].domain: \"" + std::string(bad) + "\" is not a domain"))
        << bad;
}

TEST(ConfigEgressErrors, RejectBadPorts) {
  auto ports_error = [](std::string_view value) {
    return error_of(rule_with("action = \"allow\"\ncidr = \"10.0.0.0/8\"\nports = " + std::string(value) + "\n"));
  };
  for (std::string_view bad : {"\"0\"", "\"70000\"", "\"5-3\"", "\"\"", "\"80,\"", "\"http\""})
    EXPECT_THAT(ports_error(bad), StartsWith("lab.toml:6: network[0].rule[0].ports: ")) << bad;
  EXPECT_THAT(ports_error("\"5-3\""), HasSubstr("is not a port list"));
  EXPECT_THAT(ports_error("0"), StartsWith("lab.toml:6: network[0].rule[0].ports: must be between 1 and 65535, got 0"));
  EXPECT_THAT(ports_error("70000"), HasSubstr("must be between 1 and 65535, got 70000"));
  EXPECT_THAT(ports_error("1.5"), HasSubstr("or an integer, got a float"));
  EXPECT_THAT(ports_error("[80]"), HasSubstr("or an integer, got an array"));
}

TEST(ConfigEgressErrors, RejectBadProtocolsAndPortsOnIcmp) {
  EXPECT_THAT(error_of(rule_with("action = \"allow\"\ncidr = \"10.0.0.0/8\"\nprotocol = \"sctp\"\n")),
              StartsWith("lab.toml:6: network[0].rule[0].protocol: \"sctp\" is not one of tcp, udp, icmp, any"));
  EXPECT_THAT(error_of(rule_with("action = \"allow\"\ncidr = \"10.0.0.0/8\"\nprotocol = \"icmp\"\nports = 7\n")),
              StartsWith("lab.toml:7: network[0].rule[0].ports: icmp has no ports"));
}

TEST(ConfigEgressErrors, RejectLimitsOutsideTheirRanges) {
  struct limit_case {
    std::string_view key;
    std::int64_t low, high;
  };
  for (const auto& c : {limit_case{"egress_tcp_per_vm", 1, 4096}, limit_case{"egress_tcp_per_network", 1, 65536},
                        limit_case{"egress_udp_flows_per_vm", 1, 4096}, limit_case{"egress_udp_pps_per_vm", 1, 1000000},
                        limit_case{"egress_udp_idle", 5, 3600}, limit_case{"egress_connect_timeout_ms", 100, 60000}}) {
    std::string range = "must be between " + std::to_string(c.low) + " and " + std::to_string(c.high);
    for (std::int64_t value : {c.low - 1, c.high + 1})
      EXPECT_THAT(error_of(network_with(std::string(c.key) + " = " + std::to_string(value) + "\n")),
                  StartsWith("lab.toml:3: network[0]." + std::string(c.key) + ": " + range))
          << c.key << " = " << value;
    EXPECT_THAT(error_of(network_with(std::string(c.key) + " = \"10\"\n")),
                StartsWith("lab.toml:3: network[0]." + std::string(c.key) + ": expected an integer, got a string"));
  }
}

// ---- [resolver] ----------------------------------------------------------------

class ConfigResolver : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "switchyard-resolver-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    std::ofstream(dir_ / "ca.pem") << "-----BEGIN CERTIFICATE-----\n";
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string ca_path() const { return (dir_ / "ca.pem").string(); }
  std::filesystem::path dir_;
};

TEST_F(ConfigResolver, ReadsEveryKey) {
  config c = parse_config(R"([resolver]
ca_file = ")" + ca_path() + R"("
timeout_ms = 3000
stale_after_ms = 800
serve_stale = 3600
cache_entries = 500

[[resolver.upstream]]
url = "https://doh.test:8443/dns-query"
address = "192.0.2.53"

[[resolver.upstream]]
url = "https://[2001:db8::53]/q"
address = "2001:DB8::53"
)",
                          "lab.toml");
  EXPECT_EQ(c.resolver.ca_file, ca_path());
  EXPECT_EQ(c.resolver.timeout, 3000ms);
  EXPECT_EQ(c.resolver.stale_after, 800ms);
  EXPECT_EQ(c.resolver.serve_stale, 3600s);
  EXPECT_EQ(c.resolver.cache_entries, 500u);
  ASSERT_EQ(c.resolver.upstreams.size(), 2u);
  EXPECT_EQ(c.resolver.upstreams[0].url, "https://doh.test:8443/dns-query");
  EXPECT_EQ(c.resolver.upstreams[0].address, "192.0.2.53");
  EXPECT_EQ(c.resolver.upstreams[1].url, "https://[2001:db8::53]/q");
  EXPECT_EQ(c.resolver.upstreams[1].address, "2001:db8::53");
}

TEST_F(ConfigResolver, TakesARelativeCaFileFromTheConfigDirectory) {
  std::ofstream(dir_ / "switchyard.toml") << "[resolver]\nca_file = \"ca.pem\"\n";
  config c = load_config_file(dir_ / "switchyard.toml");
  EXPECT_EQ(c.resolver.ca_file, ca_path());
}

TEST_F(ConfigResolver, RejectsACaFileThatCannotBeRead) {
  EXPECT_THAT(error_of("[resolver]\nca_file = \"" + (dir_ / "missing.pem").string() + "\"\n"),
              StartsWith("lab.toml:2: resolver.ca_file: cannot read \"" + (dir_ / "missing.pem").string() +
                         "\": No such file or directory"));
  EXPECT_THAT(error_of("[resolver]\nca_file = \"" + dir_.string() + "\"\n"),
              StartsWith("lab.toml:2: resolver.ca_file: cannot read \"" + dir_.string() + "\": is a directory"));
  EXPECT_THAT(error_of("[resolver]\nca_file = \"\"\n"), StartsWith("lab.toml:2: resolver.ca_file: must not be empty"));
  EXPECT_THAT(error_of("[resolver]\nca_file = 1\n"), StartsWith("lab.toml:2: resolver.ca_file: expected a string"));
}

TEST(ConfigResolverKeys, AcceptsTheBoundsOfEveryRange) {
  config low = parse_config("[resolver]\ntimeout_ms = 500\nstale_after_ms = 100\nserve_stale = 0\ncache_entries = 0\n",
                            "lab.toml");
  EXPECT_EQ(low.resolver.timeout, 500ms);
  EXPECT_EQ(low.resolver.stale_after, 100ms);
  EXPECT_EQ(low.resolver.serve_stale, 0s);
  EXPECT_EQ(low.resolver.cache_entries, 0u);
  config high = parse_config(
      "[resolver]\ntimeout_ms = 30000\nstale_after_ms = 30000\nserve_stale = 604800\ncache_entries = 1000000\n",
      "lab.toml");
  EXPECT_EQ(high.resolver.timeout, 30000ms);
  EXPECT_EQ(high.resolver.stale_after, 30000ms);
  EXPECT_EQ(high.resolver.serve_stale, 604800s);
  EXPECT_EQ(high.resolver.cache_entries, 1000000u);
}

TEST(ConfigResolverKeys, LowersTheDefaultStaleAfterToAShortTimeout) {
  EXPECT_EQ(parse_config("[resolver]\ntimeout_ms = 1000\n", "lab.toml").resolver.stale_after, 1000ms);
  EXPECT_EQ(parse_config("[resolver]\ntimeout_ms = 9000\n", "lab.toml").resolver.stale_after, 1500ms);
}

TEST(ConfigResolverKeys, AcceptsHttpsUrlsOfEveryHostKind) {
  for (std::string_view url : {"https://1.1.1.1/dns-query", "https://[2606:4700:4700::1111]/dns-query",
                               "https://dns.example:8443/dns-query", "HTTPS://dns.example/q", "https://dns.example/",
                               "https://dns.example:65535/a/b"}) {
    config c = parse_config("[[resolver.upstream]]\nurl = \"" + std::string(url) + "\"\n", "lab.toml");
    ASSERT_EQ(c.resolver.upstreams.size(), 1u) << url;
    EXPECT_EQ(c.resolver.upstreams[0].url, url);
    EXPECT_FALSE(c.resolver.upstreams[0].address.has_value());
  }
}

TEST(ConfigResolverKeys, UsesPublicUpstreamsOnlyWhenEgressNeedsThemAndNoneAreSet) {
  EXPECT_TRUE(parse_config(network_with("egress = \"off\"\n"), "lab.toml").resolver.upstreams.empty());
  config c = parse_config(network_with("egress = \"allowlist\"\n"), "lab.toml");
  ASSERT_EQ(c.resolver.upstreams.size(), 2u);
  EXPECT_EQ(c.resolver.upstreams[0].url, "https://1.1.1.1/dns-query");
  EXPECT_EQ(c.resolver.upstreams[1].url, "https://8.8.8.8/dns-query");
  config own = parse_config("[[resolver.upstream]]\nurl = \"https://192.0.2.53/dns-query\"\n" +
                                network_with("egress = \"internet\"\n"),
                            "lab.toml");
  ASSERT_EQ(own.resolver.upstreams.size(), 1u);
  EXPECT_EQ(own.resolver.upstreams[0].url, "https://192.0.2.53/dns-query");
}

TEST(ConfigResolverErrors, RejectUnknownKeysAndWrongTypes) {
  EXPECT_THAT(error_of("[resolver]\ntimout_ms = 1000\n"),
              StartsWith("lab.toml:2: resolver.timout_ms: unknown key (did you mean 'timeout_ms'?)"));
  EXPECT_THAT(error_of("resolver = 1\n"), StartsWith("lab.toml:1: resolver: expected a table, got an integer"));
  EXPECT_THAT(error_of("[resolver]\nupstream = 1\n"),
              StartsWith("lab.toml:2: resolver.upstream: expected an array of tables ([[resolver.upstream]])"));
  EXPECT_THAT(error_of("[[resolver.upstream]]\nurl = \"https://1.1.1.1/dns-query\"\nadress = \"1.1.1.1\"\n"),
              StartsWith("lab.toml:3: resolver.upstream[0].adress: unknown key (did you mean 'address'?)"));
}

TEST(ConfigResolverErrors, RejectNumbersOutsideTheirRanges) {
  EXPECT_THAT(error_of("[resolver]\ntimeout_ms = 499\n"),
              StartsWith("lab.toml:2: resolver.timeout_ms: must be between 500 and 30000, got 499"));
  EXPECT_THAT(error_of("[resolver]\ntimeout_ms = 30001\n"), StartsWith("lab.toml:2: resolver.timeout_ms: "));
  EXPECT_THAT(error_of("[resolver]\nstale_after_ms = 99\n"),
              StartsWith("lab.toml:2: resolver.stale_after_ms: must be between 100 and 4000, got 99"));
  EXPECT_THAT(error_of("[resolver]\nstale_after_ms = 1001\ntimeout_ms = 1000\n"),
              StartsWith("lab.toml:2: resolver.stale_after_ms: must be between 100 and 1000, got 1001"));
  EXPECT_THAT(error_of("[resolver]\nserve_stale = -1\n"),
              StartsWith("lab.toml:2: resolver.serve_stale: must be between 0 and 604800"));
  EXPECT_THAT(error_of("[resolver]\nserve_stale = 604801\n"), StartsWith("lab.toml:2: resolver.serve_stale: "));
  EXPECT_THAT(error_of("[resolver]\ncache_entries = -1\n"),
              StartsWith("lab.toml:2: resolver.cache_entries: must be between 0 and 1000000"));
  EXPECT_THAT(error_of("[resolver]\ncache_entries = 1000001\n"), StartsWith("lab.toml:2: resolver.cache_entries: "));
  EXPECT_THAT(error_of("[resolver]\ntimeout_ms = \"4s\"\n"),
              StartsWith("lab.toml:2: resolver.timeout_ms: expected an integer, got a string"));
}

TEST(ConfigResolverErrors, RejectUpstreamUrlsThatAreNotHttpsWithAPath) {
  struct url_case {
    std::string_view url, why;
  };
  for (const auto& c : {url_case{"dns.google", "is not a URL"}, url_case{"", "is not a URL"},
                        url_case{"http://1.1.1.1/dns-query", "must start with https://"},
                        url_case{"tls://1.1.1.1/", "must start with https://"},
                        url_case{"https:///dns-query", "has no host"},
                        url_case{"https://user:pw@1.1.1.1/dns-query", "must not hold a user name or password"},
                        url_case{"https://1.1.1.1:0/dns-query", "has a port outside 1..65535"},
                        url_case{"https://1.1.1.1:70000/dns-query", "has a port outside 1..65535"},
                        url_case{"https://1.1.1.1:/dns-query", "has a port outside 1..65535"},
                        url_case{"https://1.1.1.1", "needs a path"},
                        url_case{"https://1.1.1.1/dns-query?dns=x", "must not have a query or fragment"},
                        url_case{"https://1.1.1.1/dns-query#x", "must not have a query or fragment"},
                        url_case{"https://127.1/dns-query", "neither a name nor a plain IP address"},
                        url_case{"https://dns%20x/dns-query", "neither a name nor a plain IP address"},
                        url_case{"https://[v1.x]/dns-query", "unsupported address form"}}) {
    std::string e = error_of("[[resolver.upstream]]\nurl = \"" + std::string(c.url) + "\"\n");
    EXPECT_THAT(e, StartsWith("lab.toml:2: resolver.upstream[0].url: \"" + std::string(c.url) + "\" ")) << c.url;
    EXPECT_THAT(e, HasSubstr(c.why)) << c.url;
  }
  EXPECT_THAT(error_of("[[resolver.upstream]]\naddress = \"1.1.1.1\"\n"),
              StartsWith("lab.toml:1: resolver.upstream[0].url: missing"));
  EXPECT_THAT(error_of("[[resolver.upstream]]\nurl = 1\n"),
              StartsWith("lab.toml:2: resolver.upstream[0].url: expected a string"));
}

TEST(ConfigResolverErrors, RejectUpstreamAddressesThatAreNotLiterals) {
  std::string head = "[[resolver.upstream]]\nurl = \"https://1.1.1.1/dns-query\"\n[[resolver.upstream]]\n"
                     "url = \"https://dns.example/dns-query\"\n";
  for (std::string_view bad : {"1.2.3", "example.com", "fe80::1%eth0", "010.0.0.1", "", "[::1]"})
    EXPECT_THAT(error_of(head + "address = \"" + std::string(bad) + "\"\n"),
                StartsWith("lab.toml:5: resolver.upstream[1].address: \"" + std::string(bad) +
                           "\" is not an IPv4 or IPv6 address"))
        << bad;
  EXPECT_THAT(error_of(head + "address = 1\n"),
              StartsWith("lab.toml:5: resolver.upstream[1].address: expected a string"));
}

}  // namespace
}  // namespace switchyard::gateway
