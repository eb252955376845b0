// tests/unit/gateway/policy_test.cpp - the egress policy engine: modes, rule
// order, reserved addresses and TCP 25 against rules, domains, may_resolve(),
// port lists and domain patterns. Addresses: policy_address_test.cpp.
#include "gateway/policy/policy.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace switchyard::gateway::policy {
namespace {

address ip(std::string_view text) { return boost::asio::ip::make_address(std::string(text)); }

rule allow(std::string_view target, protocol proto = protocol::any, std::string_view ports = "") {
  rule r;
  r.verdict = rule::action::allow;
  if (auto c = parse_cidr(target))
    r.range = *c;
  else
    r.domain = normalize_domain(target).value_or("<bad>");
  r.proto = proto;
  if (!ports.empty()) r.ports = parse_ports(ports).value_or(std::vector<port_range>{});
  return r;
}

rule deny(std::string_view target, protocol proto = protocol::any, std::string_view ports = "") {
  rule r = allow(target, proto, ports);
  r.verdict = rule::action::deny;
  return r;
}

egress_policy policy_of(egress_mode mode, std::vector<rule> rules = {}) { return {mode, std::move(rules)}; }

// Holds the names a destination's span points at.
struct probe {
  protocol proto = protocol::tcp;
  std::string addr;
  std::uint16_t port = 443;
  std::vector<std::string> names;
  verdict against(const egress_policy& p) const { return evaluate(p, {proto, ip(addr), port, names}); }
};

probe tcp(std::string addr, std::uint16_t port = 443, std::vector<std::string> names = {}) {
  return {protocol::tcp, std::move(addr), port, std::move(names)};
}
probe udp(std::string addr, std::uint16_t port) { return {protocol::udp, std::move(addr), port, {}}; }
probe icmp(std::string addr) { return {protocol::icmp, std::move(addr), 0, {}}; }

void expect_verdict(const verdict& v, bool allowed, reason why, int rule_index, std::string_view what) {
  EXPECT_EQ(v.allowed, allowed) << what;
  EXPECT_EQ(to_string(v.why), to_string(why)) << what;
  EXPECT_EQ(v.rule_index, rule_index) << what;
}

// ---- modes and rule order ----------------------------------------------------

TEST(PolicyEvaluate, OffRefusesEverythingWhateverTheRules) {
  auto off = policy_of(egress_mode::off, {allow("0.0.0.0/0"), allow("192.0.2.0/24")});
  expect_verdict(tcp("192.0.2.1").against(off), false, reason::egress_off, -1, "tcp");
  expect_verdict(udp("192.0.2.1", 53).against(off), false, reason::egress_off, -1, "udp");
  expect_verdict(icmp("192.0.2.1").against(off), false, reason::egress_off, -1, "icmp");
}

TEST(PolicyEvaluate, AllowlistAllowsOnlyWhatARuleAllows) {
  auto p = policy_of(egress_mode::allowlist, {allow("192.0.2.0/24")});
  expect_verdict(tcp("192.0.2.10").against(p), true, reason::allowed_by_rule, 0, "listed");
  expect_verdict(tcp("198.51.100.1").against(p), false, reason::not_on_allowlist, -1, "unlisted");
  expect_verdict(tcp("10.0.0.1").against(p), false, reason::not_on_allowlist, -1, "unlisted private");
  expect_verdict(tcp("192.0.2.10").against(policy_of(egress_mode::allowlist)), false, reason::not_on_allowlist, -1,
                 "no rules");
}

TEST(PolicyEvaluate, InternetAllowsPublicAddressesWithoutRules) {
  auto p = policy_of(egress_mode::internet);
  expect_verdict(tcp("203.0.113.5").against(p), true, reason::allowed_internet, -1, "tcp");
  expect_verdict(udp("198.51.100.7", 53).against(p), true, reason::allowed_internet, -1, "udp");
  expect_verdict(icmp("192.0.2.1").against(p), true, reason::allowed_internet, -1, "icmp");
  expect_verdict(tcp("2001:db8::1").against(p), true, reason::allowed_internet, -1, "v6");
  expect_verdict(tcp("10.0.0.1").against(p), false, reason::reserved_address, -1, "private");
  expect_verdict(icmp("127.0.0.1").against(p), false, reason::reserved_address, -1, "loopback ping");
}

TEST(PolicyEvaluate, FirstMatchingRuleDecides) {
  auto p = policy_of(egress_mode::internet, {deny("192.0.2.0/25"), allow("192.0.2.0/24"), deny("192.0.2.0/24")});
  expect_verdict(tcp("192.0.2.1").against(p), false, reason::denied_by_rule, 0, "first deny");
  expect_verdict(tcp("192.0.2.200").against(p), true, reason::allowed_by_rule, 1, "then allow");
  expect_verdict(tcp("198.51.100.1").against(p), true, reason::allowed_internet, -1, "no match");
}

TEST(PolicyEvaluate, DenyBeatsALaterAllowAndAnEarlierAllowBeatsADeny) {
  auto deny_first = policy_of(egress_mode::allowlist, {deny("example.com"), allow("192.0.2.0/24")});
  expect_verdict(tcp("192.0.2.1", 443, {"example.com"}).against(deny_first), false, reason::denied_by_rule, 0, "deny");
  expect_verdict(tcp("192.0.2.1", 443, {"example.org"}).against(deny_first), true, reason::allowed_by_rule, 1, "allow");
  auto allow_first = policy_of(egress_mode::allowlist, {allow("192.0.2.0/24"), deny("example.com")});
  expect_verdict(tcp("192.0.2.1", 443, {"example.com"}).against(allow_first), true, reason::allowed_by_rule, 0,
                 "allow first");
}

TEST(PolicyEvaluate, DenyRulesWorkInInternetMode) {
  auto p = policy_of(egress_mode::internet, {deny("198.51.100.0/24", protocol::udp)});
  expect_verdict(udp("198.51.100.9", 53).against(p), false, reason::denied_by_rule, 0, "udp denied");
  expect_verdict(tcp("198.51.100.9").against(p), true, reason::allowed_internet, -1, "tcp passes");
}

// ---- reserved addresses and the rules that name them -------------------------

TEST(PolicyEvaluate, AllowEverythingDoesNotUnlockPrivateAddresses) {
  for (auto mode : {egress_mode::allowlist, egress_mode::internet}) {
    auto p = policy_of(mode, {allow("0.0.0.0/0")});
    expect_verdict(tcp("10.1.2.3").against(p), false, reason::reserved_address, 0, "10.1.2.3");
    expect_verdict(tcp("169.254.169.254", 80).against(p), false, reason::reserved_address, 0, "metadata");
    expect_verdict(tcp("192.0.2.1").against(p), true, reason::allowed_by_rule, 0, "public");
  }
  auto v6 = policy_of(egress_mode::allowlist, {allow("::/0")});
  expect_verdict(tcp("::1").against(v6), false, reason::reserved_address, 0, "::1");
  expect_verdict(tcp("fd00:ec2::254").against(v6), false, reason::reserved_address, 0, "ula");
  expect_verdict(tcp("2001:db8::1").against(v6), true, reason::allowed_by_rule, 0, "public v6");
}

TEST(PolicyEvaluate, ARuleInsideAReservedRangeUnlocksIt) {
  auto p = policy_of(egress_mode::allowlist, {allow("10.1.0.0/16")});
  expect_verdict(tcp("10.1.2.3").against(p), true, reason::allowed_by_rule, 0, "inside");
  expect_verdict(tcp("::ffff:10.1.2.3").against(p), true, reason::allowed_by_rule, 0, "mapped");
  expect_verdict(tcp("10.2.0.1").against(p), false, reason::not_on_allowlist, -1, "outside the rule");
  expect_verdict(tcp("10.2.0.1").against(policy_of(egress_mode::internet, {allow("10.1.0.0/16")})), false,
                 reason::reserved_address, -1, "outside the rule, internet");
  expect_verdict(tcp("10.9.9.9").against(policy_of(egress_mode::allowlist, {allow("10.0.0.0/8")})), true,
                 reason::allowed_by_rule, 0, "the whole range");
  expect_verdict(tcp("127.0.0.1").against(policy_of(egress_mode::allowlist, {allow("127.0.0.1")})), true,
                 reason::allowed_by_rule, 0, "one loopback address");
  expect_verdict(tcp("fe80::1").against(policy_of(egress_mode::allowlist, {allow("fe80::/64")})), true,
                 reason::allowed_by_rule, 0, "link-local v6");
}

TEST(PolicyEvaluate, ARuleWiderThanAReservedRangeDoesNotNameIt) {
  auto p = policy_of(egress_mode::allowlist, {allow("192.0.0.0/16")});
  expect_verdict(tcp("192.0.0.1").against(p), false, reason::reserved_address, 0, "192.0.0.0/24");
  expect_verdict(tcp("192.0.2.1").against(p), true, reason::allowed_by_rule, 0, "TEST-NET-1");
}

TEST(PolicyEvaluate, TheFirstMatchDecidesEvenWhenItCannotUnlockAReservedAddress) {
  auto p = policy_of(egress_mode::allowlist, {allow("0.0.0.0/0"), allow("10.1.0.0/16")});
  expect_verdict(tcp("10.1.2.3").against(p), false, reason::reserved_address, 0, "0/0 first");
  auto q = policy_of(egress_mode::allowlist, {allow("10.1.0.0/16"), allow("0.0.0.0/0")});
  expect_verdict(tcp("10.1.2.3").against(q), true, reason::allowed_by_rule, 0, "specific first");
}

TEST(PolicyEvaluate, DomainRulesNeverUnlockReservedAddresses) {
  auto p = policy_of(egress_mode::allowlist, {allow("example.com")});
  expect_verdict(tcp("127.0.0.1", 443, {"example.com"}).against(p), false, reason::reserved_address, 0, "rebinding");
  expect_verdict(tcp("::ffff:10.0.0.1", 443, {"example.com"}).against(p), false, reason::reserved_address, 0,
                 "mapped rebinding");
  expect_verdict(tcp("192.0.2.1", 443, {"example.com"}).against(p), true, reason::allowed_by_rule, 0, "public");
  expect_verdict(tcp("192.0.2.1", 443, {"example.org"}).against(p), false, reason::not_on_allowlist, -1, "other name");
  expect_verdict(tcp("192.0.2.1").against(p), false, reason::not_on_allowlist, -1, "no names");
}

// ---- domain matching ---------------------------------------------------------

TEST(PolicyEvaluate, MatchesDomainRulesExactlyOrByStrictSubdomain) {
  auto exact = policy_of(egress_mode::allowlist, {allow("example.com")});
  auto wild = policy_of(egress_mode::allowlist, {allow("*.example.com")});
  auto with = [](std::string name) { return tcp("192.0.2.1", 443, {std::move(name)}); };
  EXPECT_TRUE(with("example.com").against(exact).allowed);
  EXPECT_TRUE(with("Example.COM").against(exact).allowed);
  EXPECT_TRUE(with("example.com.").against(exact).allowed);
  EXPECT_FALSE(with("www.example.com").against(exact).allowed);
  EXPECT_FALSE(with("badexample.com").against(exact).allowed);
  EXPECT_TRUE(with("www.example.com").against(wild).allowed);
  EXPECT_TRUE(with("a.b.c.example.com").against(wild).allowed);
  EXPECT_TRUE(with("WWW.Example.Com.").against(wild).allowed);
  EXPECT_FALSE(with("example.com").against(wild).allowed);
  EXPECT_FALSE(with("badexample.com").against(wild).allowed);
  EXPECT_FALSE(with("www.example.com.evil").against(wild).allowed);
  EXPECT_FALSE(with(".example.com").against(wild).allowed);
}

TEST(PolicyEvaluate, ADomainRuleMatchesWhenAnyNameMatches) {
  auto p = policy_of(egress_mode::allowlist, {allow("cdn.example.net")});
  expect_verdict(tcp("192.0.2.1", 443, {"www.example.com", "cdn.example.net"}).against(p), true,
                 reason::allowed_by_rule, 0, "second name");
  auto d = policy_of(egress_mode::internet, {deny("*.tracker.example")});
  expect_verdict(tcp("192.0.2.1", 443, {"ok.example", "x.tracker.example"}).against(d), false,
                 reason::denied_by_rule, 0, "any name denies");
}

// ---- protocols and ports -----------------------------------------------------

TEST(PolicyEvaluate, MatchesProtocolsAndPorts) {
  auto p = policy_of(egress_mode::allowlist, {allow("192.0.2.0/24", protocol::tcp, "80,443,8000-8100"),
                                              allow("198.51.100.0/24", protocol::udp, "53"),
                                              allow("203.0.113.0/24", protocol::icmp)});
  EXPECT_TRUE(tcp("192.0.2.1", 80).against(p).allowed);
  EXPECT_TRUE(tcp("192.0.2.1", 443).against(p).allowed);
  EXPECT_FALSE(tcp("192.0.2.1", 7999).against(p).allowed);
  EXPECT_TRUE(tcp("192.0.2.1", 8000).against(p).allowed);
  EXPECT_TRUE(tcp("192.0.2.1", 8100).against(p).allowed);
  EXPECT_FALSE(tcp("192.0.2.1", 8101).against(p).allowed);
  EXPECT_FALSE(udp("192.0.2.1", 80).against(p).allowed);
  EXPECT_FALSE(icmp("192.0.2.1").against(p).allowed);
  EXPECT_TRUE(udp("198.51.100.1", 53).against(p).allowed);
  EXPECT_FALSE(udp("198.51.100.1", 54).against(p).allowed);
  EXPECT_FALSE(tcp("198.51.100.1", 53).against(p).allowed);
  EXPECT_TRUE(icmp("203.0.113.1").against(p).allowed);
  EXPECT_FALSE(tcp("203.0.113.1", 80).against(p).allowed);
}

TEST(PolicyEvaluate, AnyMatchesEveryProtocolAndIcmpIgnoresPorts) {
  auto p = policy_of(egress_mode::allowlist, {allow("192.0.2.0/24", protocol::any, "443")});
  EXPECT_TRUE(tcp("192.0.2.1", 443).against(p).allowed);
  EXPECT_TRUE(udp("192.0.2.1", 443).against(p).allowed);
  EXPECT_FALSE(udp("192.0.2.1", 444).against(p).allowed);
  EXPECT_TRUE(icmp("192.0.2.1").against(p).allowed);
  rule icmp_with_ports = allow("198.51.100.0/24", protocol::icmp, "7");
  EXPECT_TRUE(icmp("198.51.100.1").against(policy_of(egress_mode::allowlist, {icmp_with_ports})).allowed);
}

// ---- TCP 25 ------------------------------------------------------------------

TEST(PolicyEvaluate, RefusesTcp25UnlessARuleNamesIt) {
  auto internet = policy_of(egress_mode::internet);
  expect_verdict(tcp("192.0.2.1", 25).against(internet), false, reason::smtp_port, -1, "internet");
  expect_verdict(udp("192.0.2.1", 25).against(internet), true, reason::allowed_internet, -1, "udp 25");
  expect_verdict(tcp("192.0.2.1", 587).against(internet), true, reason::allowed_internet, -1, "submission");
  expect_verdict(tcp("192.0.2.1", 25).against(policy_of(egress_mode::allowlist, {allow("192.0.2.0/24")})), false,
                 reason::smtp_port, 0, "rule without ports");
  expect_verdict(tcp("192.0.2.1", 25).against(policy_of(egress_mode::allowlist, {allow("0.0.0.0/0")})), false,
                 reason::smtp_port, 0, "allow everything");
  expect_verdict(tcp("192.0.2.1", 25).against(policy_of(egress_mode::internet, {allow("192.0.2.0/24", protocol::tcp,
                                                                                        "443")})),
                 false, reason::smtp_port, -1, "other port falls through");
}

TEST(PolicyEvaluate, AllowsTcp25WhenTheRuleListsIt) {
  auto p = [](rule r) { return policy_of(egress_mode::allowlist, {std::move(r)}); };
  expect_verdict(tcp("192.0.2.1", 25).against(p(allow("192.0.2.0/24", protocol::tcp, "25"))), true,
                 reason::allowed_by_rule, 0, "tcp 25");
  expect_verdict(tcp("192.0.2.1", 25).against(p(allow("192.0.2.0/24", protocol::any, "20-30"))), true,
                 reason::allowed_by_rule, 0, "range holding 25");
  expect_verdict(tcp("192.0.2.1", 25, {"mx.example.com"}).against(p(allow("mx.example.com", protocol::tcp, "25"))),
                 true, reason::allowed_by_rule, 0, "domain with 25");
  expect_verdict(tcp("10.0.0.5", 25).against(p(allow("10.0.0.0/8", protocol::tcp, "25"))), true,
                 reason::allowed_by_rule, 0, "private with 25");
  expect_verdict(tcp("10.0.0.5", 25).against(p(allow("10.0.0.0/8"))), false, reason::smtp_port, 0,
                 "private without 25");
}

TEST(PolicyEvaluate, TheHostsOwnAddressesAreRefusedUnlessARuleNamesExactlyOne) {
  auto check = [](const egress_policy& p, std::string_view addr) {
    destination d{.proto = protocol::tcp, .addr = ip(addr), .port = 8086, .names = {}, .host_local = true};
    return evaluate(p, d);
  };
  expect_verdict(check(policy_of(egress_mode::internet), "203.0.113.1"), false, reason::local_address, -1,
                 "internet");
  expect_verdict(check(policy_of(egress_mode::allowlist, {allow("203.0.113.0/24")}), "203.0.113.1"), false,
                 reason::local_address, 0, "a wider rule");
  expect_verdict(check(policy_of(egress_mode::allowlist, {allow("203.0.113.1/32")}), "203.0.113.1"), true,
                 reason::allowed_by_rule, 0, "exactly this address");
  expect_verdict(check(policy_of(egress_mode::internet), "127.0.0.1"), false, reason::reserved_address, -1,
                 "loopback stays reserved");
}

// ---- may_resolve ---------------------------------------------------------------

TEST(PolicyMayResolve, OffNeverResolves) {
  auto p = policy_of(egress_mode::off, {allow("example.com")});
  EXPECT_FALSE(may_resolve(p, "example.com"));
  EXPECT_FALSE(may_resolve(p, "other.org"));
}

TEST(PolicyMayResolve, InternetResolvesUnlessADenyDomainRuleMatches) {
  auto p = policy_of(egress_mode::internet, {deny("*.evil.example"), deny("mail.example.com", protocol::tcp, "25"),
                                             deny("192.0.2.0/24")});
  EXPECT_TRUE(may_resolve(p, "example.com"));
  EXPECT_FALSE(may_resolve(p, "a.evil.example"));
  EXPECT_FALSE(may_resolve(p, "A.Evil.Example."));
  EXPECT_TRUE(may_resolve(p, "evil.example"));
  EXPECT_TRUE(may_resolve(p, "mail.example.com"));  // a port-specific deny leaves the name usable
}

TEST(PolicyMayResolve, AllowlistResolvesOnlyAllowedNames) {
  auto p = policy_of(egress_mode::allowlist,
                     {allow("192.0.2.0/24"), allow("*.example.com", protocol::tcp, "443"), allow("example.org")});
  EXPECT_TRUE(may_resolve(p, "www.example.com"));
  EXPECT_TRUE(may_resolve(p, "WWW.EXAMPLE.COM."));
  EXPECT_FALSE(may_resolve(p, "example.com"));
  EXPECT_TRUE(may_resolve(p, "example.org"));
  EXPECT_FALSE(may_resolve(p, "www.example.org"));
  EXPECT_FALSE(may_resolve(p, "other.net"));
  EXPECT_FALSE(may_resolve(policy_of(egress_mode::allowlist), "example.com"));
}

TEST(PolicyMayResolve, TheFirstDomainRuleDecides) {
  auto p = policy_of(egress_mode::allowlist, {deny("secret.example.com"), allow("*.example.com")});
  EXPECT_FALSE(may_resolve(p, "secret.example.com"));
  EXPECT_TRUE(may_resolve(p, "www.example.com"));
}

// ---- parsers -------------------------------------------------------------------

TEST(PolicyParsePorts, ReadsListsAndRanges) {
  auto p = parse_ports("80,443,8000-8100");
  ASSERT_TRUE(p.has_value());
  ASSERT_EQ(p->size(), 3u);
  EXPECT_EQ((*p)[0].first, 80);
  EXPECT_EQ((*p)[0].last, 80);
  EXPECT_EQ((*p)[2].first, 8000);
  EXPECT_EQ((*p)[2].last, 8100);
  EXPECT_EQ(parse_ports("1-65535")->front().last, 65535);
  EXPECT_EQ(parse_ports("65535")->front().first, 65535);
  EXPECT_EQ(parse_ports("25-25")->front().last, 25);
  EXPECT_EQ(parse_ports("80, 443")->size(), 2u);
  EXPECT_EQ(parse_ports("00080")->front().first, 80);
}

TEST(PolicyParsePorts, RejectsZeroOverflowReversedAndEmpty) {
  for (std::string_view bad : {"", " ", "0", "70000", "65536", "5-3", "80,", ",80", "80,,443", "-5", "5-", "1-2-3",
                               "abc", "0x50", "+80", "80 443", "1-70000", "0-10", "100000", "8 0"})
    EXPECT_FALSE(parse_ports(bad).has_value()) << '"' << bad << '"';
}

TEST(PolicyNormalizeDomain, LowercasesAndDropsTheFinalDot) {
  EXPECT_EQ(normalize_domain("Example.COM."), "example.com");
  EXPECT_EQ(normalize_domain("*.Example.com"), "*.example.com");
  EXPECT_EQ(normalize_domain("*.lan"), "*.lan");
  EXPECT_EQ(normalize_domain("localhost"), "localhost");
  EXPECT_EQ(normalize_domain("a-b.example"), "a-b.example");
  EXPECT_EQ(normalize_domain("xn--bcher-kva.example"), "xn--bcher-kva.example");
  EXPECT_EQ(normalize_domain("_dmarc.example.com"), "_dmarc.example.com");
  EXPECT_EQ(normalize_domain("1.2.3.4.example"), "1.2.3.4.example");
}

TEST(PolicyNormalizeDomain, RejectsWhatIsNotADomainPattern) {
  std::string long_label = std::string(64, 'a') + ".example";
  std::string long_name;
  while (long_name.size() < 254) long_name += "abcdefghi.";
  long_name += "com";
  std::initializer_list<std::string_view> bad_patterns{
      "",           "*",           "*.",          ".",           "*.*.example.com", "a.*.example.com", "*example.com",
      "**.example.com", "example..com", ".example.com", "example.com..", "-bad.example", "bad-.example", "127.0.0.1",
      "1.2.3.4.",   "0x7f.1",      "foo.123",     "exa mple.com", "exa/mple.com", "::1",          "[::1]",
      "example.com:443", long_label, long_name};
  for (std::string_view bad : bad_patterns)
    EXPECT_FALSE(normalize_domain(bad).has_value()) << '"' << bad << '"';
}

TEST(PolicyText, PrintsRulesForLogs) {
  EXPECT_EQ(allow("10.0.0.0/8", protocol::tcp, "80,443").to_string(), "allow 10.0.0.0/8 tcp 80,443");
  EXPECT_EQ(deny("*.example.com").to_string(), "deny *.example.com");
  EXPECT_EQ(allow("0.0.0.0/0", protocol::any, "25").to_string(), "allow 0.0.0.0/0 any 25");
  EXPECT_EQ(allow("2001:db8::/32", protocol::udp, "8000-8100").to_string(), "allow 2001:db8::/32 udp 8000-8100");
  EXPECT_EQ(deny("192.0.2.0/24", protocol::icmp).to_string(), "deny 192.0.2.0/24 icmp");
}

TEST(PolicyText, NamesEveryReasonInSnakeCase) {
  EXPECT_EQ(to_string(reason::allowed_by_rule), "allowed_by_rule");
  EXPECT_EQ(to_string(reason::allowed_internet), "allowed_internet");
  EXPECT_EQ(to_string(reason::egress_off), "egress_off");
  EXPECT_EQ(to_string(reason::denied_by_rule), "denied_by_rule");
  EXPECT_EQ(to_string(reason::not_on_allowlist), "not_on_allowlist");
  EXPECT_EQ(to_string(reason::reserved_address), "reserved_address");
  EXPECT_EQ(to_string(reason::smtp_port), "smtp_port");
  EXPECT_EQ(to_string(reason::local_address), "local_address");
}

}  // namespace
}  // namespace switchyard::gateway::policy
