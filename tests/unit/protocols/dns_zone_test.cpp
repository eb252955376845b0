// tests/unit/protocols/dns_zone_test.cpp - a network's authoritative zone: hosts, static records, reverse zones, lookups.
#include "protocols/dns/zone.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/dns_values.hpp"

namespace switchyard::dns {
namespace {

using namespace test_values;

net::ipv4_subnet subnet(std::string_view s) { return net::ipv4_subnet::parse(s).value(); }

resource_record record(std::string_view owner, rr_type type, std::vector<std::byte> rdata, std::uint32_t ttl = 300) {
  return {text(owner), t(type), class_in, ttl, std::move(rdata)};
}

// The records of the answer section, as "owner type rdata-summary" lines.
std::vector<std::string> answers(const zone_answer& a) {
  std::vector<std::string> out;
  auto show = [](const name& owner, const zone_record& r) {
    std::string s = owner.to_text() + " " + std::to_string(r.type) + " ";
    if (r.type == t(rr_type::a)) s += read_a(r.rdata)->to_string();
    if (r.type == t(rr_type::cname) || r.type == t(rr_type::ptr) || r.type == t(rr_type::ns))
      s += read_name(r.rdata)->to_text();
    return s;
  };
  for (std::size_t i = 0; i < a.cname_count; ++i) out.push_back(show(a.owners[i], *a.cnames[i]));
  for (const auto& r : a.final_records)
    if (a.matches(r)) out.push_back(show(a.owners[a.cname_count], r));
  return out;
}

class DnsZone : public ::testing::Test {
 protected:
  DnsZone() : z(text("class-7b.lan"), subnet("10.0.2.0/24")) {
    z.set_host("gateway", ip("10.0.2.2"));
    z.set_host("alice", ip("10.0.2.15"));
  }
  zone z;
};

TEST_F(DnsZone, AHostResolvesToItsAddressWithTheHostTtl) {
  auto a = z.resolve(text("alice.class-7b.lan"), t(rr_type::a));
  EXPECT_EQ(a.code, rcode::noerror);
  EXPECT_EQ(answers(a), std::vector<std::string>{"alice.class-7b.lan. 1 10.0.2.15"});
  EXPECT_EQ(a.final_records[0].ttl, 60u);
  EXPECT_FALSE(a.soa);
}

TEST_F(DnsZone, LookupIgnoresCaseAndKeepsTheNameAsAsked) {
  auto a = z.resolve(text("ALICE.Class-7B.lan"), t(rr_type::a));
  ASSERT_EQ(answers(a).size(), 1u);
  EXPECT_TRUE(a.owners[0].identical(text("ALICE.Class-7B.lan")));
}

TEST_F(DnsZone, AaaaForAHostWithOnlyAnAIsNodataWithTheSoa) {
  auto a = z.resolve(text("alice.class-7b.lan"), t(rr_type::aaaa));
  EXPECT_EQ(a.code, rcode::noerror);
  EXPECT_TRUE(answers(a).empty());
  ASSERT_TRUE(a.soa);
  EXPECT_EQ(a.soa_owner, text("class-7b.lan"));
  auto soa = read_soa(a.soa->rdata);
  ASSERT_TRUE(soa);
  EXPECT_EQ(soa->mname, text("gateway.class-7b.lan"));
  EXPECT_EQ(soa->rname, text("hostmaster.class-7b.lan"));
  EXPECT_EQ(soa->minimum, 60u);
  EXPECT_EQ(soa->serial, z.serial());
  EXPECT_EQ(a.soa->ttl, 60u);
}

TEST_F(DnsZone, AnUnknownNameIsNxdomainWithTheSoa) {
  auto a = z.resolve(text("carol.class-7b.lan"), t(rr_type::a));
  EXPECT_EQ(a.code, rcode::nxdomain);
  EXPECT_TRUE(answers(a).empty());
  ASSERT_TRUE(a.soa);
  EXPECT_EQ(a.soa_owner, text("class-7b.lan"));
}

TEST_F(DnsZone, NamesOutsideTheDomainAndTheSubnetAreRefused) {
  EXPECT_EQ(z.resolve(text("example.com"), t(rr_type::a)).code, rcode::refused);
  EXPECT_EQ(z.resolve(text("lan"), t(rr_type::a)).code, rcode::refused);
  EXPECT_EQ(z.resolve(text("15.3.0.10.in-addr.arpa"), t(rr_type::ptr)).code, rcode::refused);
  EXPECT_TRUE(z.is_authoritative_for(text("x.y.class-7b.lan")));
  EXPECT_TRUE(z.is_authoritative_for(text("99.2.0.10.IN-ADDR.ARPA")));
  EXPECT_FALSE(z.is_authoritative_for(text("0.10.in-addr.arpa")));  // above our /24
  EXPECT_FALSE(z.is_authoritative_for(text("class-7c.lan")));
}

TEST_F(DnsZone, TheApexAnswersSoaAndNs) {
  auto soa = z.resolve(text("class-7b.lan"), t(rr_type::soa));
  EXPECT_EQ(answers(soa).size(), 1u);
  auto ns = z.resolve(text("class-7b.lan"), t(rr_type::ns));
  EXPECT_EQ(answers(ns), std::vector<std::string>{"class-7b.lan. 2 gateway.class-7b.lan."});
  EXPECT_EQ(z.resolve(text("class-7b.lan"), t(rr_type::a)).code, rcode::noerror);  // NODATA
}

TEST_F(DnsZone, TheSerialGrowsWithEveryChangeButNotForARepeat) {
  auto s = z.serial();
  EXPECT_TRUE(z.set_host("alice", ip("10.0.2.15")));
  EXPECT_EQ(z.serial(), s);
  EXPECT_TRUE(z.set_host("alice", ip("10.0.2.16")));
  EXPECT_EQ(z.serial(), s + 1);
  EXPECT_TRUE(z.remove_host("alice"));
  EXPECT_EQ(z.serial(), s + 2);
  auto soa = z.resolve(text("class-7b.lan"), t(rr_type::soa));
  EXPECT_EQ(read_soa(soa.final_records[0].rdata)->serial, s + 2);
  auto reverse_soa = z.resolve(text("2.0.10.in-addr.arpa"), t(rr_type::soa));
  EXPECT_EQ(read_soa(reverse_soa.final_records[0].rdata)->serial, s + 2);
}

TEST_F(DnsZone, AHostHasAPtrThatFollowsItsMovesAndRemoval) {
  auto ptr = z.resolve(text("15.2.0.10.in-addr.arpa"), t(rr_type::ptr));
  EXPECT_EQ(answers(ptr), std::vector<std::string>{"15.2.0.10.in-addr.arpa. 12 alice.class-7b.lan."});
  EXPECT_EQ(ptr.final_records[0].ttl, 60u);

  z.set_host("alice", ip("10.0.2.20"));
  EXPECT_EQ(z.resolve(text("15.2.0.10.in-addr.arpa"), t(rr_type::ptr)).code, rcode::nxdomain);
  EXPECT_EQ(answers(z.resolve(text("20.2.0.10.in-addr.arpa"), t(rr_type::ptr))).size(), 1u);

  // Another host takes the address: the PTR is the newest host's; removing
  // alice then leaves bob's PTR alone.
  z.set_host("bob", ip("10.0.2.20"));
  EXPECT_EQ(answers(z.resolve(text("20.2.0.10.in-addr.arpa"), t(rr_type::ptr))),
            std::vector<std::string>{"20.2.0.10.in-addr.arpa. 12 bob.class-7b.lan."});
  EXPECT_TRUE(z.remove_host("alice"));
  EXPECT_EQ(answers(z.resolve(text("20.2.0.10.in-addr.arpa"), t(rr_type::ptr))).size(), 1u);
  EXPECT_EQ(z.resolve(text("alice.class-7b.lan"), t(rr_type::a)).code, rcode::nxdomain);
  EXPECT_FALSE(z.remove_host("alice"));
}

TEST_F(DnsZone, AHostOutsideTheSubnetGetsNoPtr) {
  EXPECT_TRUE(z.set_host("far", ip("192.0.2.7")));
  EXPECT_EQ(answers(z.resolve(text("far.class-7b.lan"), t(rr_type::a))).size(), 1u);
  EXPECT_EQ(z.resolve(text("7.2.0.192.in-addr.arpa"), t(rr_type::ptr)).code, rcode::refused);
}

TEST_F(DnsZone, HostNamesMustBeLdhLabels) {
  EXPECT_FALSE(z.set_host("bad_name", ip("10.0.2.30")));
  EXPECT_FALSE(z.set_host("a.b", ip("10.0.2.30")));
  EXPECT_FALSE(z.set_host("", ip("10.0.2.30")));
  EXPECT_FALSE(z.remove_host("-x"));
}

TEST_F(DnsZone, StaticRecordsOfEveryTypeAreServed) {
  std::string_view strings[] = {"hello", "world"};
  ASSERT_TRUE(z.add_record(record("info.class-7b.lan", rr_type::txt, *txt_rdata(strings))));
  ASSERT_TRUE(z.add_record(record("_http._tcp.class-7b.lan", rr_type::srv,
                                  srv_rdata({0, 5, 8080, text("alice.class-7b.lan")}))));
  ASSERT_TRUE(z.add_record(record("v6.class-7b.lan", rr_type::aaaa, aaaa_rdata({0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}))));
  ASSERT_TRUE(z.add_record(record("99.2.0.10.in-addr.arpa", rr_type::ptr, name_rdata(text("printer.class-7b.lan")))));
  ASSERT_TRUE(z.add_record(record("db.class-7b.lan", rr_type::a, a_rdata(ip("10.0.2.50")))));
  ASSERT_TRUE(z.add_record(record("db.class-7b.lan", rr_type::a, a_rdata(ip("10.0.2.51")))));

  EXPECT_EQ(read_txt(z.resolve(text("info.class-7b.lan"), t(rr_type::txt)).final_records[0].rdata)->size(), 2u);
  EXPECT_EQ(answers(z.resolve(text("_http._tcp.class-7b.lan"), t(rr_type::srv))).size(), 1u);
  EXPECT_EQ(answers(z.resolve(text("v6.class-7b.lan"), t(rr_type::aaaa))).size(), 1u);
  EXPECT_EQ(answers(z.resolve(text("99.2.0.10.in-addr.arpa"), t(rr_type::ptr))).size(), 1u);
  EXPECT_EQ(answers(z.resolve(text("db.class-7b.lan"), t(rr_type::a))),
            (std::vector<std::string>{"db.class-7b.lan. 1 10.0.2.50", "db.class-7b.lan. 1 10.0.2.51"}));
  EXPECT_EQ(answers(z.resolve(text("db.class-7b.lan"), t(rr_type::any))).size(), 2u);
}

TEST_F(DnsZone, NamesBetweenARecordAndTheApexExistWithoutData) {
  ASSERT_TRUE(z.add_record(record("_http._tcp.class-7b.lan", rr_type::srv,
                                  srv_rdata({0, 5, 80, text("alice.class-7b.lan")}))));
  auto ent = z.resolve(text("_tcp.class-7b.lan"), t(rr_type::srv));
  EXPECT_EQ(ent.code, rcode::noerror);  // RFC 8020: NODATA, not NXDOMAIN
  EXPECT_TRUE(ent.soa);
  EXPECT_EQ(z.resolve(text("_udp.class-7b.lan"), t(rr_type::srv)).code, rcode::nxdomain);
}

TEST_F(DnsZone, EmptyNonTerminalsGoAwayWithTheirLastHost) {
  zone wide(text("lab.lan"), subnet("10.1.0.0/16"));
  wide.set_host("pc", ip("10.1.5.9"));
  EXPECT_EQ(wide.resolve(text("5.1.10.in-addr.arpa"), t(rr_type::ptr)).code, rcode::noerror);
  wide.remove_host("pc");
  EXPECT_EQ(wide.resolve(text("5.1.10.in-addr.arpa"), t(rr_type::ptr)).code, rcode::nxdomain);
  EXPECT_EQ(wide.resolve(text("1.10.in-addr.arpa"), t(rr_type::soa)).code, rcode::noerror);
}

TEST_F(DnsZone, CnamesAreFollowedInsideTheZone) {
  ASSERT_TRUE(z.add_record(record("www.class-7b.lan", rr_type::cname, name_rdata(text("web.class-7b.lan")))));
  ASSERT_TRUE(z.add_record(record("web.class-7b.lan", rr_type::cname, name_rdata(text("alice.class-7b.lan")))));
  auto a = z.resolve(text("WWW.class-7b.lan"), t(rr_type::a));
  EXPECT_EQ(a.code, rcode::noerror);
  EXPECT_EQ(answers(a), (std::vector<std::string>{"WWW.class-7b.lan. 5 web.class-7b.lan.",
                                                  "web.class-7b.lan. 5 alice.class-7b.lan.",
                                                  "alice.class-7b.lan. 1 10.0.2.15"}));
  // Asking for the CNAME itself, or ANY, does not follow it.
  EXPECT_EQ(answers(z.resolve(text("www.class-7b.lan"), t(rr_type::cname))).size(), 1u);
  EXPECT_EQ(answers(z.resolve(text("www.class-7b.lan"), t(rr_type::any))).size(), 1u);
  // The chain's end decides NODATA and NXDOMAIN (RFC 6604), with the SOA.
  auto nodata = z.resolve(text("www.class-7b.lan"), t(rr_type::aaaa));
  EXPECT_EQ(answers(nodata).size(), 2u);
  EXPECT_TRUE(nodata.soa);
  ASSERT_TRUE(z.add_record(record("gone.class-7b.lan", rr_type::cname, name_rdata(text("nobody.class-7b.lan")))));
  auto nx = z.resolve(text("gone.class-7b.lan"), t(rr_type::a));
  EXPECT_EQ(nx.code, rcode::nxdomain);
  EXPECT_EQ(answers(nx).size(), 1u);
}

TEST_F(DnsZone, ACnameLeavingTheZoneEndsTheChain) {
  ASSERT_TRUE(z.add_record(record("ext.class-7b.lan", rr_type::cname, name_rdata(text("example.com")))));
  auto a = z.resolve(text("ext.class-7b.lan"), t(rr_type::a));
  EXPECT_EQ(a.code, rcode::noerror);
  EXPECT_EQ(answers(a), std::vector<std::string>{"ext.class-7b.lan. 5 example.com."});
  EXPECT_FALSE(a.soa);
}

TEST_F(DnsZone, CnameLoopsAndLongChainsAreCutShort) {
  ASSERT_TRUE(z.add_record(record("ping.class-7b.lan", rr_type::cname, name_rdata(text("pong.class-7b.lan")))));
  ASSERT_TRUE(z.add_record(record("pong.class-7b.lan", rr_type::cname, name_rdata(text("PING.class-7b.lan")))));
  auto loop = z.resolve(text("ping.class-7b.lan"), t(rr_type::a));
  EXPECT_EQ(loop.code, rcode::noerror);
  EXPECT_EQ(loop.cname_count, 2u);  // each link once
  ASSERT_TRUE(z.add_record(record("self.class-7b.lan", rr_type::cname, name_rdata(text("self.class-7b.lan")))));
  EXPECT_EQ(z.resolve(text("self.class-7b.lan"), t(rr_type::a)).cname_count, 1u);

  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(z.add_record(record("c" + std::to_string(i) + ".class-7b.lan", rr_type::cname,
                                    name_rdata(text("c" + std::to_string(i + 1) + ".class-7b.lan")))));
  auto chain = z.resolve(text("c0.class-7b.lan"), t(rr_type::a));
  EXPECT_EQ(chain.code, rcode::noerror);
  EXPECT_EQ(chain.cname_count, zone_answer::max_cnames);
}

TEST_F(DnsZone, ACnameOwnsItsNameAlone) {
  zone_error why{};
  ASSERT_TRUE(z.add_record(record("www.class-7b.lan", rr_type::cname, name_rdata(text("alice.class-7b.lan")))));
  EXPECT_TRUE(z.add_record(record("www.class-7b.lan", rr_type::cname, name_rdata(text("alice.class-7b.lan")))));
  EXPECT_FALSE(z.add_record(record("www.class-7b.lan", rr_type::cname, name_rdata(text("bob.class-7b.lan"))), &why));
  EXPECT_EQ(why, zone_error::cname_conflict);
  EXPECT_FALSE(z.add_record(record("WWW.class-7b.lan", rr_type::a, a_rdata(ip("10.0.2.9"))), &why));
  EXPECT_EQ(why, zone_error::cname_conflict);
  EXPECT_FALSE(z.add_record(record("alice.class-7b.lan", rr_type::cname, name_rdata(text("x.class-7b.lan"))), &why));
  EXPECT_EQ(why, zone_error::cname_conflict);
  EXPECT_FALSE(z.add_record(record("class-7b.lan", rr_type::cname, name_rdata(text("x.class-7b.lan"))), &why));
  EXPECT_EQ(why, zone_error::cname_conflict);
  EXPECT_FALSE(z.set_host("www", ip("10.0.2.9")));
}

TEST_F(DnsZone, AddRecordRefusesWhatTheZoneCannotHold) {
  zone_error why{};
  EXPECT_FALSE(z.add_record(record("x.example.com", rr_type::a, a_rdata(ip("10.0.2.9"))), &why));
  EXPECT_EQ(why, zone_error::outside_zone);
  EXPECT_FALSE(z.add_record(record("x.class-7b.lan", rr_type::ns, name_rdata(text("ns.example.com"))), &why));
  EXPECT_EQ(why, zone_error::unsupported_type);
  EXPECT_FALSE(z.add_record(record("x.class-7b.lan", rr_type::a, {std::byte{1}}), &why));
  EXPECT_EQ(why, zone_error::bad_rdata);
  auto chaos = record("x.class-7b.lan", rr_type::a, a_rdata(ip("10.0.2.9")));
  chaos.rclass = 3;
  EXPECT_FALSE(z.add_record(chaos, &why));
  EXPECT_EQ(why, zone_error::unsupported_type);
}

TEST_F(DnsZone, StaticRecordsOutliveHostsOfTheSameName) {
  ASSERT_TRUE(z.add_record(record("alice.class-7b.lan", rr_type::txt, *txt_rdata({}))));
  EXPECT_TRUE(z.remove_host("alice"));
  EXPECT_EQ(z.resolve(text("alice.class-7b.lan"), t(rr_type::a)).code, rcode::noerror);  // NODATA now
  EXPECT_EQ(answers(z.resolve(text("alice.class-7b.lan"), t(rr_type::txt))).size(), 1u);
}

TEST(DnsZoneReverse, AnOctetAlignedSubnetIsOneReverseZone) {
  zone z16(text("lab.lan"), subnet("172.16.0.0/16"));
  EXPECT_TRUE(z16.is_authoritative_for(text("16.172.in-addr.arpa")));
  EXPECT_TRUE(z16.is_authoritative_for(text("9.8.16.172.in-addr.arpa")));
  EXPECT_FALSE(z16.is_authoritative_for(text("17.172.in-addr.arpa")));
  auto soa = z16.resolve(text("1.2.16.172.in-addr.arpa"), t(rr_type::ptr));
  EXPECT_EQ(soa.code, rcode::nxdomain);
  EXPECT_EQ(soa.soa_owner, text("16.172.in-addr.arpa"));
  zone z8(text("lab.lan"), subnet("10.0.0.0/8"));
  EXPECT_TRUE(z8.is_authoritative_for(text("10.in-addr.arpa")));
  EXPECT_FALSE(z8.is_authoritative_for(text("11.in-addr.arpa")));
}

TEST(DnsZoneReverse, OtherPrefixesAreServedAsTheOctetBlocksInsideThem) {
  // A /20 is sixteen /24 reverse zones, and nothing outside it.
  zone z20(text("lab.lan"), subnet("10.0.16.0/20"));
  EXPECT_TRUE(z20.is_authoritative_for(text("16.0.10.in-addr.arpa")));
  EXPECT_TRUE(z20.is_authoritative_for(text("31.0.10.in-addr.arpa")));
  EXPECT_FALSE(z20.is_authoritative_for(text("32.0.10.in-addr.arpa")));
  EXPECT_FALSE(z20.is_authoritative_for(text("15.0.10.in-addr.arpa")));
  EXPECT_FALSE(z20.is_authoritative_for(text("0.10.in-addr.arpa")));
  EXPECT_EQ(answers(z20.resolve(text("31.0.10.in-addr.arpa"), t(rr_type::soa))).size(), 1u);
  z20.set_host("pc", ip("10.0.20.7"));
  EXPECT_EQ(answers(z20.resolve(text("7.20.0.10.in-addr.arpa"), t(rr_type::ptr))).size(), 1u);

  // A /26 is 64 one-address zones: each PTR name is an apex of its own.
  zone z26(text("tiny.lan"), subnet("192.168.1.64/26"));
  EXPECT_TRUE(z26.is_authoritative_for(text("64.1.168.192.in-addr.arpa")));
  EXPECT_TRUE(z26.is_authoritative_for(text("127.1.168.192.in-addr.arpa")));
  EXPECT_FALSE(z26.is_authoritative_for(text("128.1.168.192.in-addr.arpa")));
  EXPECT_FALSE(z26.is_authoritative_for(text("1.168.192.in-addr.arpa")));
  auto empty = z26.resolve(text("70.1.168.192.in-addr.arpa"), t(rr_type::ptr));
  EXPECT_EQ(empty.code, rcode::noerror);  // the apex exists: NODATA
  EXPECT_EQ(empty.soa_owner, text("70.1.168.192.in-addr.arpa"));
  z26.set_host("pc", ip("192.168.1.70"));
  EXPECT_EQ(answers(z26.resolve(text("70.1.168.192.in-addr.arpa"), t(rr_type::ptr))).size(), 1u);
}

TEST(DnsZoneReverse, OnlyCanonicalDecimalLabelsNameAnAddress) {
  zone z(text("lab.lan"), subnet("10.0.2.0/24"));
  EXPECT_FALSE(z.is_authoritative_for(text("02.0.10.in-addr.arpa")));
  EXPECT_FALSE(z.is_authoritative_for(text("2.00.10.in-addr.arpa")));
  EXPECT_FALSE(z.is_authoritative_for(text("x.0.10.in-addr.arpa")));
  EXPECT_FALSE(z.is_authoritative_for(text("in-addr.arpa")));
  // Below our apex anything may be asked; it just does not exist.
  EXPECT_EQ(z.resolve(text("junk.2.0.10.in-addr.arpa"), t(rr_type::ptr)).code, rcode::nxdomain);
  EXPECT_EQ(zone::reverse_name(net::ipv4_address(0x0a00020f)).to_text(), "15.2.0.10.in-addr.arpa.");
}

}  // namespace
}  // namespace switchyard::dns
