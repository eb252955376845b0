// gateway/resolver/resolver.cpp - the DoH resolver: cache, coalescing, failover, stale answers, deadlines.
//
// Theory of operation (see also resolver.hpp)
//   A query the cache cannot answer fresh becomes a `pending` lookup keyed by
//   (lowercased name, type); later identical queries wait on it instead of
//   asking again. A pending lookup asks one upstream at a time, in the
//   configured order, skipping upstreams in back-off (they are asked last, not
//   never: with all of them failing, one may have recovered). Each attempt
//   gets an equal share of the time left, so a silent first upstream cannot
//   use up the whole `timeout`. Transport, HTTP and message errors count
//   against the upstream (exponential back-off, 1 s doubling to 60 s); an
//   answer with an rcode other than NOERROR/NXDOMAIN is just passed over to
//   the next upstream. A valid answer is cached, then handed to every waiter.
//   With a stale entry at hand, the waiters get it after `stale_after` or as
//   soon as every upstream has failed, whichever is first (RFC 8767); the
//   lookup goes on until `timeout` to refresh the cache. Without one they get
//   SERVFAIL at the latest at `timeout`.
//   Bounds: at most max_pending lookups and max_waiters per lookup; beyond
//   them the query is answered at once (stale or SERVFAIL).
#include "gateway/resolver/resolver.hpp"

#include <algorithm>
#include <cctype>
#include <unordered_map>
#include <utility>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "gateway/logging.hpp"
#include "gateway/resolver/dns_cache.hpp"
#include "gateway/resolver/doh_client.hpp"
#include "gateway/resolver/doh_message.hpp"
#include "protocols/dns/rdata.hpp"

namespace switchyard::gateway {
namespace {

namespace asio = boost::asio;
using clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::size_t max_pending = 1024;
constexpr std::size_t max_waiters = 256;
constexpr milliseconds min_attempt_time{500};
constexpr seconds first_backoff{1};
constexpr seconds max_backoff{60};

// Types no recursive resolver answers as a plain question (RFC 6895 section 3.1).
bool is_meta_type(std::uint16_t qtype) {
  using t = dns::rr_type;
  switch (static_cast<t>(qtype)) {
    case t::opt:
    case t::tkey:
    case t::tsig:
    case t::ixfr:
    case t::axfr:
    case t::maila:
    case t::mailb: return true;
    default: return qtype == 0;
  }
}

std::string key_of(const dns::name& qname, std::uint16_t qtype) {
  std::string key(qname.lowercase().wire_view());
  key.push_back(static_cast<char>(qtype >> 8));
  key.push_back(static_cast<char>(qtype & 0xff));
  return key;
}

resolution from_cache(cached_answer a) {
  return resolution{a.code, std::move(a.answers), std::move(a.soa), true, a.stale};
}

}  // namespace

class resolver::impl {
  struct upstream {
    std::unique_ptr<doh_client> client;
    unsigned failures = 0;
    clock::time_point retry_at{};
  };

  struct pending {
    explicit pending(asio::io_context& core) : deadline_timer(core), stale_timer(core) {}
    std::uint64_t id = 0;
    std::string key;
    dns::name qname;
    std::uint16_t qtype = 0;
    std::vector<callback> waiters;
    std::optional<cached_answer> stale;
    bool stale_served = false;
    clock::time_point deadline;
    asio::steady_timer deadline_timer, stale_timer;
    std::vector<bool> tried;  // per upstream
    std::optional<std::size_t> asking;  // the upstream with our query
    doh_client::ticket ticket = 0;
  };

  // A completion handler that runs `f` only while this resolver and that very
  // lookup still exist (a timer may fire after its lookup ended, and a key may
  // be looked up again meanwhile).
  template <typename F>
  auto guarded(const pending& p, F f) {
    return [this, alive = std::weak_ptr<int>(alive_), key = p.key, id = p.id, f = std::move(f)](auto ec, auto&&...) {
      if (ec || alive.expired()) return;
      if (auto* q = find(key, id)) f(*q);
    };
  }

  pending* find(const std::string& key, std::uint64_t id) {
    auto it = pending_.find(key);
    return it != pending_.end() && it->second->id == id ? it->second.get() : nullptr;
  }

 public:
  impl(asio::io_context& core, resolver_config config)
      : core_(core),
        config_(std::move(config)),
        cache_(dns_cache_limits{.max_entries = config_.cache_entries, .serve_stale = config_.serve_stale}),
        log_(get_logger("resolver")) {
    if (config_.upstreams.empty()) return;
    auto tls = make_doh_tls_context(config_.ca_file);
    for (const auto& u : config_.upstreams) upstreams_.push_back(upstream{std::make_unique<doh_client>(core_, tls, u)});
  }

  void resolve(const dns::name& qname, std::uint16_t qtype, callback done) {
    ++counters_.queries;
    auto now = clock::now();
    if (is_meta_type(qtype)) return answer(done, resolution{});

    auto cached = cache_.lookup(qname, qtype, now);
    if (cached && !cached->stale) {
      ++counters_.cache_hits;
      return answer(done, from_cache(std::move(*cached)));
    }
    auto key = key_of(qname, qtype);
    if (auto it = pending_.find(key); it != pending_.end()) {
      auto& p = *it->second;
      if (p.stale_served) return answer(done, from_cache(*p.stale));
      if (p.waiters.size() < max_waiters) {
        p.waiters.push_back(std::move(done));
        ++counters_.coalesced;
        return;
      }
      ++counters_.overloaded;
      return answer(done, p.stale ? from_cache(*p.stale) : resolution{});
    }
    if (upstreams_.empty() || pending_.size() >= max_pending) {
      if (!upstreams_.empty()) ++counters_.overloaded;
      return answer(done, cached ? from_cache(std::move(*cached)) : resolution{});
    }

    auto p = std::make_unique<pending>(core_);
    p->id = next_pending_++;
    p->key = key;
    p->qname = qname;
    p->qtype = qtype;
    p->stale = std::move(cached);
    p->deadline = now + config_.timeout;
    p->tried.assign(upstreams_.size(), false);
    p->waiters.push_back(std::move(done));
    p->deadline_timer.expires_at(p->deadline);
    p->deadline_timer.async_wait(guarded(*p, [this](pending& q) { give_up(q); }));
    if (p->stale) {
      p->stale_timer.expires_after(config_.stale_after);
      p->stale_timer.async_wait(guarded(*p, [this](pending& q) { serve_stale(q); }));
    }
    auto& ref = *p;
    pending_.emplace(key, std::move(p));
    ask_next_upstream(ref);
  }

  const resolver_counters& counters() const { return counters_; }
  std::size_t cache_size() const { return cache_.size(); }

 private:
  std::optional<std::size_t> pick_upstream(const pending& p, clock::time_point now) const {
    std::optional<std::size_t> best;
    for (std::size_t i = 0; i < upstreams_.size(); ++i) {
      if (p.tried[i]) continue;
      if (upstreams_[i].retry_at <= now) return i;
      if (!best || upstreams_[i].retry_at < upstreams_[*best].retry_at) best = i;
    }
    return best;
  }

  void ask_next_upstream(pending& p) {
    auto now = clock::now();
    auto index = pick_upstream(p, now);
    if (!index || now >= p.deadline) return give_up(p);
    p.tried[*index] = true;
    p.asking = index;
    auto left = static_cast<std::size_t>(std::count(p.tried.begin(), p.tried.end(), false)) + 1;
    auto share = std::max<clock::duration>((p.deadline - now) / static_cast<int>(left), min_attempt_time);
    auto attempt_deadline = std::min(p.deadline, now + share);
    ++counters_.upstream_requests;
    p.ticket = upstreams_[*index].client->query(
        make_doh_query(p.qname, p.qtype), attempt_deadline,
        [this, alive = std::weak_ptr<int>(alive_), key = p.key, id = p.id, i = *index](
            boost::system::error_code ec, std::vector<std::byte> body) {
          if (alive.expired()) return;
          if (auto* q = find(key, id)) on_upstream_answer(*q, i, ec, body);
        });
  }

  void on_upstream_answer(pending& p, std::size_t index, boost::system::error_code ec,
                          const std::vector<std::byte>& body) {
    p.asking.reset();
    auto& u = upstreams_[index];
    if (ec) {
      upstream_failed(index, ec.message());
      return ask_next_upstream(p);
    }
    answer_problem problem{};
    auto a = read_doh_answer(body, p.qname, p.qtype, &problem);
    if (!a) {
      upstream_failed(index, to_string(problem));
      return ask_next_upstream(p);
    }
    if (u.failures > 0) log_->info("upstream {} answers again", u.client->url());
    u.failures = 0;
    u.retry_at = {};
    if (a->code != dns::rcode::noerror && a->code != dns::rcode::nxdomain) {
      log_->debug("upstream {}: rcode {} for {}", u.client->url(), static_cast<int>(a->code), p.qname.to_text());
      return ask_next_upstream(p);
    }
    auto cap = static_cast<std::uint32_t>(cache_.limits().max_ttl.count());
    for (auto& rr : a->answers) rr.ttl = std::min(rr.ttl, cap);
    cache_.store(p.qname, p.qtype, a->code, a->answers, a->soa, clock::now());
    finish(p, resolution{a->code, std::move(a->answers), std::move(a->soa), false, false});
  }

  void upstream_failed(std::size_t index, const std::string& why) {
    ++counters_.upstream_errors;
    auto& u = upstreams_[index];
    auto backoff = std::min<seconds>(first_backoff * (1u << std::min(u.failures, 6u)), max_backoff);
    ++u.failures;
    u.retry_at = clock::now() + backoff;
    // Once per outage at warn: an operator must act on a dead upstream, but not once per query.
    if (u.failures == 1)
      log_->warn("upstream {} failed: {}; asking it last for {} s", u.client->url(), why, backoff.count());
    else
      log_->debug("upstream {} failed again: {}", u.client->url(), why);
  }

  void serve_stale(pending& p) {
    if (p.stale_served || !p.stale) return;
    p.stale_served = true;
    auto waiters = std::move(p.waiters);
    p.waiters.clear();
    deliver(std::move(waiters), from_cache(*p.stale));
  }

  // Out of upstreams or out of time. Once every upstream has failed, a stale
  // answer need not wait for stale_after.
  void give_up(pending& p) {
    if (p.stale) return finish(p, from_cache(*p.stale));
    finish(p, resolution{});
  }

  void finish(pending& p, const resolution& r) {
    auto node = pending_.extract(p.key);  // p lives in node until the end of this function
    if (p.asking) upstreams_[*p.asking].client->cancel(p.ticket);
    p.deadline_timer.cancel();
    p.stale_timer.cancel();
    deliver(std::move(p.waiters), r);
  }

  // A callback may destroy the resolver: stop calling (and touching members) then.
  void deliver(std::vector<callback> waiters, const resolution& r) {
    std::weak_ptr<int> alive = alive_;
    for (auto& w : waiters) {
      if (alive.expired()) return;
      answer(w, r);
    }
  }

  void answer(const callback& done, const resolution& r) {
    if (r.stale) ++counters_.stale_answers;
    if (r.code == dns::rcode::servfail) ++counters_.servfails;
    done(r);
  }

  asio::io_context& core_;
  resolver_config config_;
  dns_cache cache_;
  std::shared_ptr<spdlog::logger> log_;
  std::vector<upstream> upstreams_;
  std::unordered_map<std::string, std::unique_ptr<pending>> pending_;
  std::uint64_t next_pending_ = 1;
  resolver_counters counters_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // handlers hold it weakly: expired = we are gone
};

resolver::resolver(asio::io_context& core, resolver_config config)
    : impl_(std::make_unique<impl>(core, std::move(config))) {}

resolver::~resolver() = default;

void resolver::resolve(const dns::name& qname, std::uint16_t qtype, callback done) {
  impl_->resolve(qname, qtype, std::move(done));
}

const resolver_counters& resolver::counters() const { return impl_->counters(); }

std::size_t resolver::cache_size() const { return impl_->cache_size(); }

std::vector<std::string> names_in_answer(std::string qname, const std::vector<dns::resource_record>& answers) {
  std::vector<std::string> chain{std::move(qname)};
  for (const auto& rr : answers) {
    if (rr.type != static_cast<std::uint16_t>(dns::rr_type::cname)) continue;
    if (auto target = dns::read_name(rr.rdata)) {
      std::string text = target->to_text();
      if (text.ends_with('.')) text.pop_back();
      std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
      chain.push_back(std::move(text));
    }
  }
  return chain;
}

}  // namespace switchyard::gateway
