// tests/unit/gateway/policy_address_test.cpp - addresses for the egress policy:
// the reserved ranges, canonical forms of IPv6-embedded IPv4, every spelling of
// a host (the SSRF matrix) and CIDR ranges.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gateway/policy/policy.hpp"

namespace switchyard::gateway::policy {
namespace {

address ip(std::string_view text) { return boost::asio::ip::make_address(std::string(text)); }

cidr range(std::string_view text) {
  auto parsed = parse_cidr(text);
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed.value_or(cidr{});
}

// TCP 443 to `addr`, as the internet mode or one allow rule sees it.
verdict internet_verdict(std::string_view addr) {
  return evaluate({egress_mode::internet, {}}, {protocol::tcp, ip(addr), 443, {}});
}
verdict allowed_range_verdict(std::string_view allowed, std::string_view addr) {
  rule r;
  r.verdict = rule::action::allow;
  r.range = range(allowed);
  return evaluate({egress_mode::allowlist, {r}}, {protocol::tcp, ip(addr), 443, {}});
}

void expect_reserved(const verdict& v, std::string_view what) {
  EXPECT_FALSE(v.allowed) << what;
  EXPECT_EQ(to_string(v.why), "reserved_address") << what;
}

// ---- reserved ranges -------------------------------------------------------

struct reserved_case {
  std::string_view range, first, last, below, above;  // below/above: "" where the neighbour is reserved too
};

const reserved_case reserved_cases[] = {
    {"0.0.0.0/8", "0.0.0.0", "0.255.255.255", "", "1.0.0.0"},
    {"10.0.0.0/8", "10.0.0.0", "10.255.255.255", "9.255.255.255", "11.0.0.0"},
    {"100.64.0.0/10", "100.64.0.0", "100.127.255.255", "100.63.255.255", "100.128.0.0"},
    {"127.0.0.0/8", "127.0.0.0", "127.255.255.255", "126.255.255.255", "128.0.0.0"},
    {"169.254.0.0/16", "169.254.0.0", "169.254.255.255", "169.253.255.255", "169.255.0.0"},
    {"172.16.0.0/12", "172.16.0.0", "172.31.255.255", "172.15.255.255", "172.32.0.0"},
    {"192.0.0.0/24", "192.0.0.0", "192.0.0.255", "191.255.255.255", "192.0.1.0"},
    {"192.168.0.0/16", "192.168.0.0", "192.168.255.255", "192.167.255.255", "192.169.0.0"},
    {"198.18.0.0/15", "198.18.0.0", "198.19.255.255", "198.17.255.255", "198.20.0.0"},
    {"224.0.0.0/4", "224.0.0.0", "239.255.255.255", "223.255.255.255", ""},
    {"240.0.0.0/4", "240.0.0.0", "255.255.255.255", "", ""},
    {"::/128", "::", "::", "", ""},  // ::2 is IPv4-compatible 0.0.0.2, reserved too
    {"::1/128", "::1", "::1", "", ""},
    {"fc00::/7", "fc00::", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
     "fe00::"},
    {"fe80::/10", "fe80::", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ""},
    {"fec0::/10", "fec0::", "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "", ""},
    {"ff00::/8", "ff00::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "", ""},
};

TEST(PolicyReserved, CoversEveryBuiltInRangeFromFirstToLastAddress) {
  for (const auto& c : reserved_cases) {
    for (std::string_view edge : {c.first, c.last}) {
      auto r = reserved_range(ip(edge));
      ASSERT_TRUE(r.has_value()) << edge;
      EXPECT_EQ(r->to_string(), c.range) << edge;
    }
  }
}

TEST(PolicyReserved, LeavesTheNeighboursJustOutsideEachRangePublic) {
  for (const auto& c : reserved_cases) {
    for (std::string_view neighbour : {c.below, c.above}) {
      if (neighbour.empty()) continue;
      EXPECT_FALSE(reserved_range(ip(neighbour)).has_value()) << neighbour << " next to " << c.range;
    }
  }
}

TEST(PolicyReserved, LeavesTestNetsAndPublicAddressesAsTheInternet) {
  for (std::string_view a : {"192.0.2.0", "192.0.2.1", "192.0.2.255", "198.51.100.1", "203.0.113.1", "203.0.113.255",
                             "8.8.8.8", "1.1.1.1", "192.0.1.255", "2001:db8::1", "2606:4700:4700::1111", "64::1"})
    EXPECT_FALSE(reserved_range(ip(a)).has_value()) << a;
}

TEST(PolicyReserved, InternetModeRefusesEveryReservedRangeEdge) {
  for (const auto& c : reserved_cases)
    for (std::string_view edge : {c.first, c.last}) expect_reserved(internet_verdict(edge), edge);
}

// ---- canonical forms ---------------------------------------------------------

struct embedded_case {
  std::string_view v6, v4;
};

const embedded_case embedded_cases[] = {
    {"::ffff:127.0.0.1", "127.0.0.1"},        {"::ffff:7f00:1", "127.0.0.1"},
    {"::127.0.0.1", "127.0.0.1"},             {"64:ff9b::7f00:1", "127.0.0.1"},
    {"64:ff9b:1::7f00:1", "127.0.0.1"},       {"64:ff9b:1:abcd::7f00:1", "127.0.0.1"},
    {"2002:7f00:1::", "127.0.0.1"},           {"2002:7f00:1:1234::5", "127.0.0.1"},
    {"::ffff:10.0.0.1", "10.0.0.1"},          {"::a00:1", "10.0.0.1"},
    {"64:ff9b::a00:1", "10.0.0.1"},           {"64:ff9b:1::a00:1", "10.0.0.1"},
    {"2002:a00:1::", "10.0.0.1"},             {"::ffff:169.254.169.254", "169.254.169.254"},
    {"::169.254.169.254", "169.254.169.254"}, {"64:ff9b::a9fe:a9fe", "169.254.169.254"},
    {"64:ff9b:1::a9fe:a9fe", "169.254.169.254"}, {"2002:a9fe:a9fe::", "169.254.169.254"},
    {"::2", "0.0.0.2"},
};

TEST(PolicyCanonical, ReducesEveryIpv6FormThatCarriesIpv4) {
  for (const auto& c : embedded_cases) {
    address canonical = canonicalize(ip(c.v6));
    EXPECT_TRUE(canonical.is_v4()) << c.v6;
    EXPECT_EQ(canonical.to_string(), c.v4) << c.v6;
  }
}

TEST(PolicyCanonical, RefusesTheIpv6FormsOfLoopbackPrivateAndMetadata) {
  for (const auto& c : embedded_cases) {
    EXPECT_TRUE(reserved_range(ip(c.v6)).has_value()) << c.v6;
    expect_reserved(internet_verdict(c.v6), c.v6);
  }
}

TEST(PolicyCanonical, LeavesOrdinaryIpv6AndTheIpv6SpecialsAlone) {
  for (std::string_view a : {"::", "::1", "2001:db8::1", "fe80::1", "64:ff9b:2::7f00:1", "2003::1"})
    EXPECT_EQ(canonicalize(ip(a)), ip(a)) << a;
  EXPECT_EQ(canonicalize(ip("192.0.2.1")), ip("192.0.2.1"));
}

TEST(PolicyCanonical, AllowsThePublicAddressInsideAMappedForm) {
  EXPECT_TRUE(internet_verdict("::ffff:192.0.2.1").allowed);
  EXPECT_TRUE(allowed_range_verdict("192.0.2.0/24", "2002:c000:201::1").allowed);  // 6to4 of 192.0.2.1
  EXPECT_TRUE(allowed_range_verdict("10.1.0.0/16", "64:ff9b::a01:203").allowed);   // NAT64 of 10.1.2.3
  EXPECT_FALSE(allowed_range_verdict("10.1.0.0/16", "64:ff9b::a02:203").allowed);  // NAT64 of 10.2.2.3
}

// ---- every spelling of a host (SSRF matrix) ---------------------------------

struct host_case {
  std::string_view host;
  host_kind kind;
  std::string_view addr;  // canonical text when kind is ip_address
};

const host_case host_cases[] = {
    // IPv4, every inet_aton / WHATWG spelling
    {"127.0.0.1", host_kind::ip_address, "127.0.0.1"},
    {"127.1", host_kind::ip_address, "127.0.0.1"},
    {"127.0.1", host_kind::ip_address, "127.0.0.1"},
    {"2130706433", host_kind::ip_address, "127.0.0.1"},
    {"0x7f000001", host_kind::ip_address, "127.0.0.1"},
    {"0X7F000001", host_kind::ip_address, "127.0.0.1"},
    {"017700000001", host_kind::ip_address, "127.0.0.1"},
    {"0x7f.0.0.1", host_kind::ip_address, "127.0.0.1"},
    {"0x7F.1", host_kind::ip_address, "127.0.0.1"},
    {"0177.0.0.1", host_kind::ip_address, "127.0.0.1"},
    {"0177.1", host_kind::ip_address, "127.0.0.1"},
    {"00000000177.0.0.1", host_kind::ip_address, "127.0.0.1"},
    {"0x7f.0.0x0.01", host_kind::ip_address, "127.0.0.1"},
    {"127.0.0.01", host_kind::ip_address, "127.0.0.1"},
    {"0x00007f.0.0.1", host_kind::ip_address, "127.0.0.1"},
    {"127.0.0.1.", host_kind::ip_address, "127.0.0.1"},
    {"127.1.", host_kind::ip_address, "127.0.0.1"},
    {"0", host_kind::ip_address, "0.0.0.0"},
    {"0x", host_kind::ip_address, "0.0.0.0"},
    {"0x.0x.0x.0x", host_kind::ip_address, "0.0.0.0"},
    {"00", host_kind::ip_address, "0.0.0.0"},
    {"10.1", host_kind::ip_address, "10.0.0.1"},
    {"012.1", host_kind::ip_address, "10.0.0.1"},
    {"167772161", host_kind::ip_address, "10.0.0.1"},
    {"169.254.43518", host_kind::ip_address, "169.254.169.254"},
    {"0xa9fea9fe", host_kind::ip_address, "169.254.169.254"},
    {"2852039166", host_kind::ip_address, "169.254.169.254"},
    {"0251.0376.0251.0376", host_kind::ip_address, "169.254.169.254"},
    {"4294967295", host_kind::ip_address, "255.255.255.255"},
    {"0xffffffff", host_kind::ip_address, "255.255.255.255"},
    {"037777777777", host_kind::ip_address, "255.255.255.255"},
    {"1.2.65535", host_kind::ip_address, "1.2.255.255"},
    {"1.16777215", host_kind::ip_address, "1.255.255.255"},
    {"192.0.2.1", host_kind::ip_address, "192.0.2.1"},
    // IPv6, bare and bracketed, embedded IPv4, zones
    {"::1", host_kind::ip_address, "::1"},
    {"[::1]", host_kind::ip_address, "::1"},
    {"[::]", host_kind::ip_address, "::"},
    {"0:0:0:0:0:0:0:1", host_kind::ip_address, "::1"},
    {"0000:0000:0000:0000:0000:0000:0000:0001", host_kind::ip_address, "::1"},
    {"::ffff:127.0.0.1", host_kind::ip_address, "127.0.0.1"},
    {"[::ffff:127.0.0.1]", host_kind::ip_address, "127.0.0.1"},
    {"::ffff:7f00:1", host_kind::ip_address, "127.0.0.1"},
    {"[::FFFF:7F00:1]", host_kind::ip_address, "127.0.0.1"},
    {"::127.0.0.1", host_kind::ip_address, "127.0.0.1"},
    {"64:ff9b::127.0.0.1", host_kind::ip_address, "127.0.0.1"},
    {"2002:7f00:1::", host_kind::ip_address, "127.0.0.1"},
    {"fe80::1%eth0", host_kind::ip_address, "fe80::1"},
    {"[fe80::1%eth0]", host_kind::ip_address, "fe80::1"},
    {"[fe80::1%25eth0]", host_kind::ip_address, "fe80::1"},
    {"fe80::1%2", host_kind::ip_address, "fe80::1"},
    {"2001:DB8::1", host_kind::ip_address, "2001:db8::1"},
    // names
    {"localhost", host_kind::host_name, ""},
    {"example.com", host_kind::host_name, ""},
    {"example.com.", host_kind::host_name, ""},
    {"EXAMPLE.com", host_kind::host_name, ""},
    {"0x7g.example", host_kind::host_name, ""},
    {"0xg", host_kind::host_name, ""},
    {"1e3", host_kind::host_name, ""},
    {"1.2.3.4.example", host_kind::host_name, ""},
    {"127.0.0.1.nip.io", host_kind::host_name, ""},
    {"xn--bcher-kva.example", host_kind::host_name, ""},
    {"_dmarc.example.com", host_kind::host_name, ""},
    // neither: refuse, never resolve
    {"", host_kind::invalid, ""},
    {".", host_kind::invalid, ""},
    {"..", host_kind::invalid, ""},
    {"127.0.0.1..", host_kind::invalid, ""},
    {".127.0.0.1", host_kind::invalid, ""},
    {"127..0.1", host_kind::invalid, ""},
    {"1.2.3.4.5", host_kind::invalid, ""},
    {"256.0.0.1", host_kind::invalid, ""},
    {"127.0.0.256", host_kind::invalid, ""},
    {"1.2.65536", host_kind::invalid, ""},
    {"1.16777216", host_kind::invalid, ""},
    {"4294967296", host_kind::invalid, ""},
    {"99999999999999999999999", host_kind::invalid, ""},
    {"0x100000000", host_kind::invalid, ""},
    {"0x1ffffffff", host_kind::invalid, ""},
    {"040000000000", host_kind::invalid, ""},
    {"08.0.0.1", host_kind::invalid, ""},
    {"0189.0.0.1", host_kind::invalid, ""},
    {"09", host_kind::invalid, ""},
    {"0x7g.1", host_kind::invalid, ""},
    {"foo.1", host_kind::invalid, ""},
    {"foo.0x10", host_kind::invalid, ""},
    {"example.123", host_kind::invalid, ""},
    {"127.0.0.1 ", host_kind::invalid, ""},
    {" 127.0.0.1", host_kind::invalid, ""},
    {"127.0.0.1 x", host_kind::invalid, ""},
    {"127.0.0.1\t", host_kind::invalid, ""},
    {"127.0.0.1\n", host_kind::invalid, ""},
    {"127.0.0.1/", host_kind::invalid, ""},
    {"127.0.0.1:80", host_kind::invalid, ""},
    {"+1", host_kind::invalid, ""},
    {"%31%32%37.0.0.1", host_kind::invalid, ""},
    {"\xef\xbc\x91\xef\xbc\x92\xef\xbc\x97.0.0.1", host_kind::invalid, ""},  // full-width digits
    {"exa mple.com", host_kind::invalid, ""},
    {"user@example.com", host_kind::invalid, ""},
    {"[127.0.0.1]", host_kind::invalid, ""},
    {"[::1]:80", host_kind::invalid, ""},
    {"[::1", host_kind::invalid, ""},
    {"::1]", host_kind::invalid, ""},
    {"[]", host_kind::invalid, ""},
    {"[", host_kind::invalid, ""},
    {"::g", host_kind::invalid, ""},
    {":::", host_kind::invalid, ""},
    {"1::2::3", host_kind::invalid, ""},
    {"::ffff:127.1", host_kind::invalid, ""},
    {"::ffff:0177.0.0.1", host_kind::invalid, ""},
    {"fe80::1%", host_kind::invalid, ""},
    {"fe80::1%eth 0", host_kind::invalid, ""},
    {"fe80::1%eth0%1", host_kind::invalid, ""},
    {"[fe80::1%eth0", host_kind::invalid, ""},
};

TEST(PolicyHostLiteral, ClassifiesEverySpellingInTheSsrfMatrix) {
  for (const auto& c : host_cases) {
    auto result = classify_host(c.host);
    EXPECT_EQ(static_cast<int>(result.kind), static_cast<int>(c.kind)) << '"' << c.host << '"';
    if (c.kind == host_kind::ip_address) {
      ASSERT_TRUE(result.addr.has_value()) << c.host;
      EXPECT_EQ(result.addr->to_string(), c.addr) << c.host;
      EXPECT_EQ(parse_host_address(c.host), result.addr) << c.host;
    } else {
      EXPECT_FALSE(result.addr.has_value()) << c.host;
      EXPECT_FALSE(parse_host_address(c.host).has_value()) << c.host;
    }
  }
}

TEST(PolicyHostLiteral, RefusesEmbeddedNulAndOverlongNames) {
  EXPECT_EQ(classify_host(std::string_view("127.0.0.1\0", 10)).kind, host_kind::invalid);
  EXPECT_EQ(classify_host(std::string(64, 'a') + ".example").kind, host_kind::invalid);
  EXPECT_EQ(classify_host(std::string(63, 'a') + ".example").kind, host_kind::host_name);
  std::string long_name;
  while (long_name.size() < 250) long_name += "abcdefghi.";
  long_name += "com";  // 253
  EXPECT_EQ(classify_host(long_name).kind, host_kind::host_name);
  EXPECT_EQ(classify_host(long_name + ".").kind, host_kind::host_name);
  EXPECT_EQ(classify_host("x" + long_name).kind, host_kind::invalid);
}

TEST(PolicyHostLiteral, ToleratesVeryLongZeroPaddedParts) {
  EXPECT_EQ(parse_host_address(std::string(200, '0') + "177.0.0.1"), ip("127.0.0.1"));
  EXPECT_EQ(parse_host_address("0x" + std::string(200, '0') + "7f000001"), ip("127.0.0.1"));
}

// ---- CIDR ranges -----------------------------------------------------------------

TEST(PolicyParseCidr, ReadsRangesAndBareAddresses) {
  struct good_case {
    std::string_view text, expected;
  };
  for (const auto& c : std::initializer_list<good_case>{{"10.0.0.0/8", "10.0.0.0/8"},
                                                        {"0.0.0.0/0", "0.0.0.0/0"},
                                                        {"192.0.2.1", "192.0.2.1/32"},
                                                        {"192.0.2.1/32", "192.0.2.1/32"},
                                                        {"100.64.0.0/10", "100.64.0.0/10"},
                                                        {"2001:db8::/32", "2001:db8::/32"},
                                                        {"2001:DB8::/32", "2001:db8::/32"},
                                                        {"::/0", "::/0"},
                                                        {"::1", "::1/128"},
                                                        {"fe80::/10", "fe80::/10"},
                                                        {"::ffff:10.0.0.1", "10.0.0.1/32"},
                                                        {"2002:a00:1::", "10.0.0.1/32"}}) {
    auto parsed = parse_cidr(c.text);
    ASSERT_TRUE(parsed.has_value()) << c.text;
    EXPECT_EQ(parsed->to_string(), c.expected) << c.text;
  }
}

TEST(PolicyParseCidr, RejectsMalformedRangesAndHostBits) {
  for (std::string_view bad :
       {"", "/8", "10.0.0.0/", "10.0.0.1/8", "192.0.2.1/24", "10.0.0.0/33", "2001:db8::/129", "2001:db8::1/32",
        "10.0.0.0/08", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/8/8", "10.0.0.0/ 8", "10.0.0.0 /8", " 10.0.0.0/8",
        "10.0.0.0/8 ", "10.1/16", "010.0.0.0/8", "0x0a.0.0.0/8", "167772160/8", "fe80::%eth0/10", "fe80::1%eth0",
        "[::1]", "[::]/0", "::ffff:10.0.0.0/104", "2002::/16", "64:ff9b::/96", "example.com", "10.0.0.0/8a",
        "10.0.0.0/1000"})
    EXPECT_FALSE(parse_cidr(bad).has_value()) << '"' << bad << '"';
}

TEST(PolicyParseCidr, MakesRangesAndTestsContainment) {
  EXPECT_EQ(make_cidr(ip("10.1.2.3"), 8)->to_string(), "10.0.0.0/8");
  EXPECT_EQ(make_cidr(ip("10.1.2.3"), 0)->to_string(), "0.0.0.0/0");
  EXPECT_EQ(make_cidr(ip("10.1.2.3"), 21)->to_string(), "10.1.0.0/21");
  EXPECT_EQ(make_cidr(ip("2001:db8:ffff::1"), 33)->to_string(), "2001:db8:8000::/33");
  EXPECT_FALSE(make_cidr(ip("10.1.2.3"), 33).has_value());
  EXPECT_FALSE(make_cidr(ip("::1"), 129).has_value());

  EXPECT_TRUE(range("10.0.0.0/8").contains(ip("10.255.0.1")));
  EXPECT_FALSE(range("10.0.0.0/8").contains(ip("11.0.0.0")));
  EXPECT_TRUE(range("0.0.0.0/0").contains(ip("255.255.255.255")));
  EXPECT_FALSE(range("0.0.0.0/0").contains(ip("::1")));
  EXPECT_FALSE(range("::/0").contains(ip("10.0.0.1")));
  EXPECT_TRUE(range("10.1.0.0/16").inside(range("10.0.0.0/8")));
  EXPECT_TRUE(range("10.0.0.0/8").inside(range("10.0.0.0/8")));
  EXPECT_FALSE(range("10.0.0.0/8").inside(range("10.1.0.0/16")));
  EXPECT_FALSE(range("0.0.0.0/0").inside(range("10.0.0.0/8")));
  EXPECT_FALSE(range("::/0").inside(range("0.0.0.0/0")));
}

}  // namespace
}  // namespace switchyard::gateway::policy
