// tests/unit/gateway/dns_cache_test.cpp - the resolver's cache: TTL ageing, negative caching
// (RFC 2308), the serve-stale window (RFC 8767), the LRU bound, case-insensitive keys.
#include "gateway/resolver/dns_cache.hpp"

#include <gtest/gtest.h>

#include "tests/support/dns_values.hpp"

namespace switchyard::gateway {
namespace {

using namespace dns::test_values;
using namespace std::chrono_literals;
using clock = dns_cache::clock;

const auto a_type = t(dns::rr_type::a);
const auto aaaa_type = t(dns::rr_type::aaaa);
const auto t0 = clock::time_point{} + 1000h;  // any fixed instant: the cache never reads the clock

dns::resource_record a_record(std::string_view owner, std::string_view address, std::uint32_t ttl) {
  return {text(owner), a_type, dns::class_in, ttl, dns::a_rdata(ip(address))};
}

dns::resource_record cname_record(std::string_view owner, std::string_view target, std::uint32_t ttl) {
  return {text(owner), t(dns::rr_type::cname), dns::class_in, ttl, dns::name_rdata(text(target))};
}

dns::resource_record soa_record(std::string_view zone, std::uint32_t ttl, std::uint32_t minimum) {
  dns::soa_fields f{text("ns.example."), text("hostmaster.example."), 1, 3600, 600, 86400, minimum};
  return {text(zone), t(dns::rr_type::soa), dns::class_in, ttl, dns::soa_rdata(f)};
}

TEST(DnsCache, AgesTtlsByTheTimeSpentInTheCache) {
  dns_cache cache;
  ASSERT_TRUE(cache.store(text("www.example."), a_type, dns::rcode::noerror,
                          {a_record("www.example.", "192.0.2.1", 300), a_record("www.example.", "192.0.2.2", 600)},
                          std::nullopt, t0));

  auto hit = cache.lookup(text("www.example."), a_type, t0 + 100s + 500ms);
  ASSERT_TRUE(hit);
  EXPECT_FALSE(hit->stale);
  EXPECT_EQ(hit->code, dns::rcode::noerror);
  ASSERT_EQ(hit->answers.size(), 2u);
  EXPECT_EQ(hit->answers[0].ttl, 200u);
  EXPECT_EQ(hit->answers[1].ttl, 500u);
}

TEST(DnsCache, ExpiresWithTheSmallestTtl) {
  dns_cache cache(dns_cache_limits{.serve_stale = 0s});
  cache.store(text("www.example."), a_type, dns::rcode::noerror,
              {a_record("www.example.", "192.0.2.1", 30), a_record("www.example.", "192.0.2.2", 600)}, std::nullopt,
              t0);
  EXPECT_TRUE(cache.lookup(text("www.example."), a_type, t0 + 29s));
  EXPECT_FALSE(cache.lookup(text("www.example."), a_type, t0 + 30s));
  EXPECT_EQ(cache.size(), 0u);  // dropped, not just hidden
}

TEST(DnsCache, CapsLongTtls) {
  dns_cache cache(dns_cache_limits{.max_ttl = 3600s});
  cache.store(text("www.example."), a_type, dns::rcode::noerror, {a_record("www.example.", "192.0.2.1", 604800)},
              std::nullopt, t0);
  auto hit = cache.lookup(text("www.example."), a_type, t0);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->answers[0].ttl, 3600u);
  EXPECT_TRUE(cache.lookup(text("www.example."), a_type, t0 + 3600s)->stale);
}

TEST(DnsCache, KeysIgnoreCaseButKeepTheType) {
  dns_cache cache;
  cache.store(text("WWW.Example."), a_type, dns::rcode::noerror, {a_record("WWW.Example.", "192.0.2.1", 300)},
              std::nullopt, t0);
  EXPECT_TRUE(cache.lookup(text("www.example."), a_type, t0));
  EXPECT_TRUE(cache.lookup(text("wWw.EXAMPLE."), a_type, t0));
  EXPECT_FALSE(cache.lookup(text("www.example."), aaaa_type, t0));
  EXPECT_FALSE(cache.lookup(text("www.example.org."), a_type, t0));
}

TEST(DnsCache, CachesNxdomainForTheLesserOfSoaTtlAndMinimum) {
  dns_cache cache(dns_cache_limits{.serve_stale = 0s});
  ASSERT_TRUE(cache.store(text("nx.example."), a_type, dns::rcode::nxdomain, {}, soa_record("example.", 900, 120), t0));

  auto hit = cache.lookup(text("nx.example."), a_type, t0 + 20s);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->code, dns::rcode::nxdomain);
  EXPECT_TRUE(hit->answers.empty());
  ASSERT_TRUE(hit->soa);
  EXPECT_EQ(hit->soa->ttl, 100u);  // handed out with the remaining negative TTL
  EXPECT_FALSE(cache.lookup(text("nx.example."), a_type, t0 + 120s));

  // The SOA's own TTL wins when it is the smaller one.
  cache.store(text("nx2.example."), a_type, dns::rcode::nxdomain, {}, soa_record("example.", 45, 3600), t0);
  EXPECT_TRUE(cache.lookup(text("nx2.example."), a_type, t0 + 44s));
  EXPECT_FALSE(cache.lookup(text("nx2.example."), a_type, t0 + 45s));
}

TEST(DnsCache, CachesNodataAndUsesTheDefaultWithoutSoa) {
  dns_cache cache(dns_cache_limits{.default_negative_ttl = 60s, .serve_stale = 0s});
  cache.store(text("www.example."), aaaa_type, dns::rcode::noerror, {}, std::nullopt, t0);
  auto hit = cache.lookup(text("www.example."), aaaa_type, t0 + 59s);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->code, dns::rcode::noerror);
  EXPECT_TRUE(hit->answers.empty());
  EXPECT_FALSE(cache.lookup(text("www.example."), aaaa_type, t0 + 60s));
}

TEST(DnsCache, CapsNegativeTtls) {
  dns_cache cache(dns_cache_limits{.max_negative_ttl = 600s, .serve_stale = 0s});
  cache.store(text("nx.example."), a_type, dns::rcode::nxdomain, {}, soa_record("example.", 86400, 86400), t0);
  EXPECT_TRUE(cache.lookup(text("nx.example."), a_type, t0 + 599s));
  EXPECT_FALSE(cache.lookup(text("nx.example."), a_type, t0 + 600s));
}

TEST(DnsCache, NegativeAnswerBehindACnameLivesNoLongerThanTheCname) {
  dns_cache cache(dns_cache_limits{.serve_stale = 0s});
  cache.store(text("alias.example."), a_type, dns::rcode::noerror,
              {cname_record("alias.example.", "gone.example.", 10)}, soa_record("example.", 900, 900), t0);
  auto hit = cache.lookup(text("alias.example."), a_type, t0 + 9s);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->answers.size(), 1u);
  EXPECT_FALSE(cache.lookup(text("alias.example."), a_type, t0 + 10s));
}

TEST(DnsCache, NeverStoresServfailOrRefused) {
  dns_cache cache;
  EXPECT_FALSE(cache.store(text("www.example."), a_type, dns::rcode::servfail, {}, std::nullopt, t0));
  EXPECT_FALSE(cache.store(text("www.example."), a_type, dns::rcode::refused, {}, std::nullopt, t0));
  EXPECT_EQ(cache.size(), 0u);
}

TEST(DnsCache, ServesExpiredEntriesAsStaleWithinTheWindow) {
  dns_cache cache(dns_cache_limits{.serve_stale = 3600s});
  cache.store(text("www.example."), a_type, dns::rcode::noerror, {a_record("www.example.", "192.0.2.1", 60)},
              std::nullopt, t0);

  auto stale = cache.lookup(text("www.example."), a_type, t0 + 60s);
  ASSERT_TRUE(stale);
  EXPECT_TRUE(stale->stale);
  EXPECT_EQ(stale->answers[0].ttl, dns_cache::stale_ttl);
  EXPECT_EQ(dns_cache::stale_ttl, 30u);  // RFC 8767 section 4

  EXPECT_TRUE(cache.lookup(text("www.example."), a_type, t0 + 60s + 3599s));
  EXPECT_FALSE(cache.lookup(text("www.example."), a_type, t0 + 60s + 3600s));
  EXPECT_EQ(cache.size(), 0u);
}

TEST(DnsCache, StaleNegativeAnswersKeepTheirSoa) {
  dns_cache cache(dns_cache_limits{.serve_stale = 3600s});
  cache.store(text("nx.example."), a_type, dns::rcode::nxdomain, {}, soa_record("example.", 60, 60), t0);
  auto stale = cache.lookup(text("nx.example."), a_type, t0 + 61s);
  ASSERT_TRUE(stale);
  EXPECT_TRUE(stale->stale);
  EXPECT_EQ(stale->code, dns::rcode::nxdomain);
  ASSERT_TRUE(stale->soa);
  EXPECT_EQ(stale->soa->ttl, dns_cache::stale_ttl);
}

TEST(DnsCache, ZeroTtlAnswersAreOnlyEverStale) {
  dns_cache cache;
  cache.store(text("www.example."), a_type, dns::rcode::noerror, {a_record("www.example.", "192.0.2.1", 0)},
              std::nullopt, t0);
  auto hit = cache.lookup(text("www.example."), a_type, t0);
  ASSERT_TRUE(hit);
  EXPECT_TRUE(hit->stale);
}

TEST(DnsCache, ANewerAnswerReplacesTheOldOne) {
  dns_cache cache;
  cache.store(text("www.example."), a_type, dns::rcode::noerror, {a_record("www.example.", "192.0.2.1", 60)},
              std::nullopt, t0);
  cache.store(text("www.example."), a_type, dns::rcode::nxdomain, {}, soa_record("example.", 60, 60), t0 + 10s);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.lookup(text("www.example."), a_type, t0 + 10s)->code, dns::rcode::nxdomain);
}

TEST(DnsCache, EvictsTheLeastRecentlyUsedEntryWhenFull) {
  dns_cache cache(dns_cache_limits{.max_entries = 3});
  for (auto owner : {"a.example.", "b.example.", "c.example."})
    cache.store(text(owner), a_type, dns::rcode::noerror, {a_record(owner, "192.0.2.1", 300)}, std::nullopt, t0);
  ASSERT_TRUE(cache.lookup(text("a.example."), a_type, t0));  // a is now the most recently used

  cache.store(text("d.example."), a_type, dns::rcode::noerror, {a_record("d.example.", "192.0.2.4", 300)},
              std::nullopt, t0);
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_TRUE(cache.lookup(text("a.example."), a_type, t0));
  EXPECT_FALSE(cache.lookup(text("b.example."), a_type, t0));
  EXPECT_TRUE(cache.lookup(text("c.example."), a_type, t0));
  EXPECT_TRUE(cache.lookup(text("d.example."), a_type, t0));
}

TEST(DnsCache, AClockGoingBackwardsDoesNotRaiseTtls) {
  dns_cache cache;
  cache.store(text("www.example."), a_type, dns::rcode::noerror, {a_record("www.example.", "192.0.2.1", 60)},
              std::nullopt, t0);
  EXPECT_EQ(cache.lookup(text("www.example."), a_type, t0 - 10s)->answers[0].ttl, 60u);
}

}  // namespace
}  // namespace switchyard::gateway
