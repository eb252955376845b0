// tests/unit/protocols/dns_zone_listing_test.cpp - what the admin API reads and
// changes in a zone: every record in presentation form, static records removed
// by owner and type, and the type names.
#include "protocols/dns/zone.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/dns_values.hpp"

namespace switchyard::dns {
namespace {

using namespace test_values;

std::vector<std::string> lines(const zone& z) {
  std::vector<std::string> out;
  for (const auto& r : z.list())
    out.push_back(r.owner.to_text() + " " + type_name(r.type) + " " + r.value + " " +
                  (r.kind == zone_listing::apex ? "apex" : r.kind == zone_listing::host ? "host" : "static"));
  return out;
}

TEST(DnsZoneListing, ListsApexHostsAndStaticRecordsSorted) {
  zone z(text("lab.lan"), *net::ipv4_subnet::parse("10.0.2.0/24"));
  z.set_host("gateway", *net::ipv4_address::parse("10.0.2.2"));
  ASSERT_TRUE(z.add_record({text("db.lab.lan"), t(rr_type::a), class_in, 300, a_rdata(*net::ipv4_address::parse("10.0.2.20"))}));
  std::string_view txt[] = {"hello \"world\""};
  ASSERT_TRUE(z.add_record({text("note.lab.lan"), t(rr_type::txt), class_in, 300, *txt_rdata(txt)}));
  ASSERT_TRUE(z.add_record({text("_pg._tcp.lab.lan"), t(rr_type::srv), class_in, 300,
                            srv_rdata({.priority = 0, .weight = 5, .port = 5432, .target = text("db.lab.lan")})}));
  auto got = lines(z);
  EXPECT_NE(std::find(got.begin(), got.end(), "db.lab.lan. A 10.0.2.20 static"), got.end());
  EXPECT_NE(std::find(got.begin(), got.end(), "gateway.lab.lan. A 10.0.2.2 host"), got.end());
  EXPECT_NE(std::find(got.begin(), got.end(), "2.2.0.10.in-addr.arpa. PTR gateway.lab.lan. host"), got.end());
  EXPECT_NE(std::find(got.begin(), got.end(), "note.lab.lan. TXT \"hello \\\"world\\\"\" static"), got.end());
  EXPECT_NE(std::find(got.begin(), got.end(), "_pg._tcp.lab.lan. SRV 0 5 5432 db.lab.lan. static"), got.end());
  EXPECT_NE(std::find(got.begin(), got.end(), "lab.lan. NS gateway.lab.lan. apex"), got.end());
  EXPECT_TRUE(std::is_sorted(got.begin(), got.end(), [](const std::string& a, const std::string& b) {
    return a.substr(0, a.find(' ')) < b.substr(0, b.find(' '));
  }));
}

TEST(DnsZoneListing, RemoveRecordTakesStaticRecordsOfThatTypeOnly) {
  zone z(text("lab.lan"), *net::ipv4_subnet::parse("10.0.2.0/24"));
  auto serial = z.serial();
  z.set_host("db", *net::ipv4_address::parse("10.0.2.30"));
  ASSERT_TRUE(z.add_record({text("db.lab.lan"), t(rr_type::a), class_in, 300, a_rdata(*net::ipv4_address::parse("10.0.2.20"))}));
  ASSERT_TRUE(z.add_record({text("db.lab.lan"), t(rr_type::a), class_in, 300, a_rdata(*net::ipv4_address::parse("10.0.2.21"))}));
  EXPECT_EQ(z.remove_record(text("DB.lab.lan"), t(rr_type::aaaa)), 0u);
  EXPECT_EQ(z.remove_record(text("DB.lab.lan"), t(rr_type::a)), 2u);
  EXPECT_GT(z.serial(), serial);
  auto answer = z.resolve(text("db.lab.lan"), t(rr_type::a));
  ASSERT_EQ(answer.code, rcode::noerror);  // the host record stays
  EXPECT_EQ(z.remove_record(text("nothing.lab.lan"), t(rr_type::a)), 0u);
}

TEST(DnsZoneListing, RemovingTheLastRecordMakesTheNameNxdomain) {
  zone z(text("lab.lan"), *net::ipv4_subnet::parse("10.0.2.0/24"));
  ASSERT_TRUE(z.add_record({text("a.b.lab.lan"), t(rr_type::a), class_in, 300, a_rdata(*net::ipv4_address::parse("10.0.2.20"))}));
  EXPECT_EQ(z.resolve(text("b.lab.lan"), t(rr_type::a)).code, rcode::noerror);  // an empty non-terminal
  EXPECT_EQ(z.remove_record(text("a.b.lab.lan"), t(rr_type::a)), 1u);
  EXPECT_EQ(z.resolve(text("a.b.lab.lan"), t(rr_type::a)).code, rcode::nxdomain);
  EXPECT_EQ(z.resolve(text("b.lab.lan"), t(rr_type::a)).code, rcode::nxdomain);
}

TEST(DnsTypeNames, BothWays) {
  EXPECT_EQ(type_name(t(rr_type::srv)), "SRV");
  EXPECT_EQ(type_name(99), "TYPE99");
  EXPECT_EQ(type_from_name("cname"), rr_type::cname);
  EXPECT_EQ(type_from_name("AAAA"), rr_type::aaaa);
  EXPECT_FALSE(type_from_name("AAAAA"));
  EXPECT_EQ(rdata_text(99, std::vector<std::byte>{std::byte{0xab}, std::byte{0x01}}), "\\# 2 ab01");
}

}  // namespace
}  // namespace switchyard::dns
