// gateway/resolver/resolver.hpp - names outside the LAN: DNS-over-HTTPS
// (RFC 8484) with a cache. Core loop only.
//
// Theory of operation
//   resolve() answers from the cache while a record set is fresh. Otherwise it
//   asks the upstreams in order (kept-alive TLS connections, POST
//   application/dns-message), failing over on error or timeout. A stale entry
//   (expired less than `serve_stale` ago) is answered when the upstreams do not
//   answer within `stale_after`; with nothing cached the caller gets SERVFAIL
//   no later than `timeout`. Answers (and NXDOMAIN / NODATA, RFC 2308) are cached
//   for their TTL; concurrent queries for one (name, type) share one upstream
//   request.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gateway/resolver/resolver_config.hpp"
#include "protocols/dns/message.hpp"
#include "protocols/dns/name.hpp"

namespace switchyard::gateway {

struct resolution {
  dns::rcode code = dns::rcode::servfail;  ///< noerror (answers may be empty: NODATA), nxdomain, servfail
  /// The answer section: CNAME chain and final records, owners absolute, TTLs
  /// already reduced by the time spent in the cache (stale answers: 30 s).
  std::vector<dns::resource_record> answers;
  /// For NXDOMAIN / NODATA: the SOA from the authority section, if the upstream sent one.
  std::optional<dns::resource_record> soa;
  bool from_cache = false;
  bool stale = false;
};

/// `qname` (lowercase, no final dot) and every CNAME target in `answers`, in
/// the same form: the names a domain rule may match for the addresses found.
std::vector<std::string> names_in_answer(std::string qname, const std::vector<dns::resource_record>& answers);

struct resolver_counters {
  std::uint64_t queries = 0, cache_hits = 0, stale_answers = 0, upstream_requests = 0, upstream_errors = 0,
                servfails = 0;
  std::uint64_t coalesced = 0;   ///< queries that waited for an identical one already upstream
  std::uint64_t overloaded = 0;  ///< answered at once (stale or SERVFAIL): too many lookups in flight
};

class resolver {
 public:
  using callback = std::function<void(const resolution&)>;

  resolver(boost::asio::io_context& core, resolver_config config);
  ~resolver();
  resolver(const resolver&) = delete;
  resolver& operator=(const resolver&) = delete;

  /// Calls `done` exactly once, on the core loop (possibly before returning when
  /// the cache answers), unless the resolver is destroyed first.
  void resolve(const dns::name& qname, std::uint16_t qtype, callback done);

  const resolver_counters& counters() const;
  /// Record sets in the cache now (fresh or stale).
  std::size_t cache_size() const;

 private:
  class impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace switchyard::gateway
