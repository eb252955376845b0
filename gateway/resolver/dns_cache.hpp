// gateway/resolver/dns_cache.hpp - the resolver's answer cache: (name, type) → rcode, records, SOA (pure).
//
// Theory of operation
//   Keys are the lowercased wire name plus the QTYPE, so "WWW.Example." and
//   "www.example." share an entry (RFC 4343). An entry lives for its TTL:
//    * positive answers: the smallest record TTL, capped at `max_ttl`;
//    * NXDOMAIN and NODATA (RFC 2308 section 5): min(SOA TTL, SOA MINIMUM),
//      or `default_negative_ttl` without an SOA, capped at `max_negative_ttl`
//      (and never longer than a CNAME that led there).
//   Lookups age the TTLs by the time spent here. After expiry an entry is
//   still returned for `serve_stale`, flagged stale with TTL 30 (RFC 8767):
//   the resolver decides whether the upstreams had their chance first.
//   Anything else (SERVFAIL, REFUSED, ...) is not stored: a failure must not
//   hide the stale data that RFC 8767 would answer instead, and the upstream
//   is itself a caching resolver that remembers its failures (RFC 9520), so
//   asking again costs one request on a kept-alive connection.
//   The cache holds at most `max_entries`; the least recently used goes first.
//   Time is an argument: no clock is read here.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "protocols/dns/message.hpp"
#include "protocols/dns/name.hpp"

namespace switchyard::gateway {

struct dns_cache_limits {
  std::size_t max_entries = 10000;
  std::chrono::seconds max_ttl{86400};
  std::chrono::seconds max_negative_ttl{3600};   ///< Unbound's default cap; RFC 2308 suggests 1-3 hours
  std::chrono::seconds default_negative_ttl{60};  ///< NXDOMAIN / NODATA without an SOA
  std::chrono::seconds serve_stale{86400};       ///< how long past expiry an entry may be answered
};

/// One cached answer as handed out: TTLs already reduced by its age.
struct cached_answer {
  dns::rcode code = dns::rcode::noerror;  ///< noerror or nxdomain
  std::vector<dns::resource_record> answers;
  std::optional<dns::resource_record> soa;
  bool stale = false;  ///< expired, within the serve-stale window; every TTL is stale_ttl
};

class dns_cache {
 public:
  using clock = std::chrono::steady_clock;
  static constexpr std::uint32_t stale_ttl = 30;  ///< RFC 8767 section 4

  explicit dns_cache(dns_cache_limits limits = {});

  /// Stores the upstream's answer to (qname, qtype) received at `now`,
  /// replacing any older entry. Only NOERROR and NXDOMAIN are stored (see the
  /// header); returns whether it was.
  bool store(const dns::name& qname, std::uint16_t qtype, dns::rcode code, std::vector<dns::resource_record> answers,
             std::optional<dns::resource_record> soa, clock::time_point now);

  /// The entry for (qname, qtype) if fresh or within the serve-stale window at
  /// `now` (and marks it recently used); entries past the window are dropped.
  std::optional<cached_answer> lookup(const dns::name& qname, std::uint16_t qtype, clock::time_point now);

  std::size_t size() const { return index_.size(); }
  const dns_cache_limits& limits() const { return limits_; }

  /// How long an answer with these records lives (see the header).
  std::chrono::seconds ttl_of(std::uint16_t qtype, dns::rcode code, const std::vector<dns::resource_record>& answers,
                              const std::optional<dns::resource_record>& soa) const;

 private:
  struct entry {
    std::string key;
    cached_answer answer;  // TTLs as they were when stored (capped)
    clock::time_point stored;
    clock::time_point expires;
  };
  static std::string key_of(const dns::name& qname, std::uint16_t qtype);

  dns_cache_limits limits_;
  std::list<entry> lru_;  // most recently used first
  std::unordered_map<std::string, std::list<entry>::iterator> index_;
};

/// True when `answers` hold data of `qtype` (else a NOERROR answer is NODATA).
bool has_records_of(std::uint16_t qtype, const std::vector<dns::resource_record>& answers);

}  // namespace switchyard::gateway
