// gateway/resolver/dns_cache.cpp - the resolver's answer cache (pure; see the header).
#include "gateway/resolver/dns_cache.hpp"

#include <algorithm>
#include <utility>

#include "protocols/dns/rdata.hpp"

namespace switchyard::gateway {
namespace {

using std::chrono::seconds;

std::uint32_t capped(std::uint32_t ttl, seconds cap) {
  return static_cast<std::uint32_t>(std::min<std::int64_t>(ttl, cap.count()));
}

std::uint32_t aged(std::uint32_t ttl, std::int64_t age) {
  return ttl > age ? static_cast<std::uint32_t>(ttl - age) : 0;
}

}  // namespace

bool has_records_of(std::uint16_t qtype, const std::vector<dns::resource_record>& answers) {
  if (qtype == static_cast<std::uint16_t>(dns::rr_type::any)) return !answers.empty();
  return std::any_of(answers.begin(), answers.end(), [qtype](const auto& rr) { return rr.type == qtype; });
}

dns_cache::dns_cache(dns_cache_limits limits) : limits_(limits) {}

std::string dns_cache::key_of(const dns::name& qname, std::uint16_t qtype) {
  std::string key(qname.lowercase().wire_view());
  key.push_back(static_cast<char>(qtype >> 8));
  key.push_back(static_cast<char>(qtype & 0xff));
  return key;
}

seconds dns_cache::ttl_of(std::uint16_t qtype, dns::rcode code, const std::vector<dns::resource_record>& answers,
                          const std::optional<dns::resource_record>& soa) const {
  std::int64_t ttl = 0;
  if (code == dns::rcode::noerror && has_records_of(qtype, answers)) {
    ttl = limits_.max_ttl.count();
  } else {
    ttl = limits_.default_negative_ttl.count();
    if (soa) {
      // RFC 2308 section 5: the lesser of the SOA's own TTL and its MINIMUM.
      auto fields = dns::read_soa(soa->rdata);
      ttl = std::min<std::int64_t>(soa->ttl, fields ? fields->minimum : soa->ttl);
    }
    ttl = std::min(ttl, limits_.max_negative_ttl.count());
  }
  // The CNAME chain in front of a negative answer bounds it too.
  for (const auto& rr : answers) ttl = std::min<std::int64_t>(ttl, rr.ttl);
  return seconds{ttl};
}

bool dns_cache::store(const dns::name& qname, std::uint16_t qtype, dns::rcode code,
                      std::vector<dns::resource_record> answers, std::optional<dns::resource_record> soa,
                      clock::time_point now) {
  if (code != dns::rcode::noerror && code != dns::rcode::nxdomain) return false;
  if (limits_.max_entries == 0) return false;

  auto lifetime = ttl_of(qtype, code, answers, soa);
  for (auto& rr : answers) rr.ttl = capped(rr.ttl, limits_.max_ttl);
  // Handed out with the negative TTL, a downstream cache keeps it no longer than we do.
  if (soa) soa->ttl = static_cast<std::uint32_t>(lifetime.count());

  auto key = key_of(qname, qtype);
  if (auto it = index_.find(key); it != index_.end()) {
    lru_.erase(it->second);
    index_.erase(it);
  }
  while (index_.size() >= limits_.max_entries) {
    index_.erase(lru_.back().key);
    lru_.pop_back();
  }
  lru_.push_front(entry{key, cached_answer{code, std::move(answers), std::move(soa), false}, now, now + lifetime});
  index_.emplace(std::move(key), lru_.begin());
  return true;
}

std::optional<cached_answer> dns_cache::lookup(const dns::name& qname, std::uint16_t qtype, clock::time_point now) {
  auto it = index_.find(key_of(qname, qtype));
  if (it == index_.end()) return std::nullopt;
  auto& e = *it->second;

  if (now >= e.expires && now - e.expires >= limits_.serve_stale) {
    lru_.erase(it->second);
    index_.erase(it);
    return std::nullopt;
  }
  lru_.splice(lru_.begin(), lru_, it->second);

  cached_answer out = e.answer;
  if (now < e.expires) {
    // Whole seconds, rounded down: a record never looks younger than it is.
    auto age = std::max<std::int64_t>(0, std::chrono::duration_cast<seconds>(now - e.stored).count());
    for (auto& rr : out.answers) rr.ttl = aged(rr.ttl, age);
    if (out.soa) out.soa->ttl = aged(out.soa->ttl, age);
  } else {
    out.stale = true;
    for (auto& rr : out.answers) rr.ttl = stale_ttl;
    if (out.soa) out.soa->ttl = stale_ttl;
  }
  return out;
}

}  // namespace switchyard::gateway
