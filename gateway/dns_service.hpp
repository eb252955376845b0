// gateway/dns_service.hpp - DNS on a network's gateway, UDP and TCP port 53,
// authoritative for the network's domain and reverse zone (protocols/dns).
//
// The zone holds the configured static records, `gateway.<domain>`, and the
// names of DHCP leases (set and removed as leases come and go). UDP queries are
// answered in place from a reused buffer; TCP (RFC 7766: 2-byte length prefix,
// several queries per connection) runs on lwIP connections bound to this
// network's netif (stack/tcp_ports: one shared listener per port), with bounded buffers, at most
// `max_tcp_clients` connections (`max_tcp_per_client` per VM address) and a deadline per query
// that partial data does not extend.
//
// Names outside the zone are forwarded to the DoH resolver when the network's
// egress policy may resolve them (policy::may_resolve), else answered REFUSED.
// AAAA questions get an empty answer at once (VMs have no IPv6 egress, so
// guests fall back to IPv4 without waiting). Addresses handed out are recorded
// in the egress's name memory, so domain rules apply to the connections that
// follow. Forwarded queries in flight are bounded per network and per VM.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <memory>
#include <vector>

#include "gateway/config.hpp"
#include "gateway/latency_histogram.hpp"
#include "protocols/dns/answer.hpp"
#include "protocols/dns/zone.hpp"
#include "stack/gateway_netif.hpp"
#include "stack/tcp_connection.hpp"
#include "stack/virtual_network.hpp"

namespace switchyard::gateway {

struct dns_counters {
  std::uint64_t udp_queries = 0, tcp_queries = 0, dropped = 0, tcp_connections = 0, tcp_refused = 0;
  std::uint64_t https_queries = 0;  ///< DNS-over-HTTPS (/dns-query) queries for this network
  std::uint64_t forwarded = 0, forward_refused = 0, forward_dropped = 0, aaaa_suppressed = 0;
  std::uint64_t forward_cache_hits = 0;  ///< forwarded queries the resolver answered from a fresh cache entry
  std::uint64_t forward_failures = 0;    ///< forwarded queries answered SERVFAIL (every upstream failed or timed out)
};

/// How long forwarded queries waited for their answer (the time from handing
/// the query to the resolver to its answer), split by where it came from.
struct dns_forward_latency {
  latency_histogram cache;     ///< a fresh cache entry (at once)
  latency_histogram upstream;  ///< everything that waited: upstream answers, stale fallbacks, SERVFAIL
};

class resolver;
class network_egress;

class dns_service final : public stack::udp_service {
 public:
  static constexpr std::size_t max_tcp_clients = 64;
  static constexpr std::size_t max_tcp_per_client = 4;  ///< per VM address
  static constexpr std::chrono::seconds tcp_idle_timeout{10};
  static constexpr std::size_t max_forwarded_in_flight = 512;
  static constexpr std::size_t max_forwarded_per_vm = 64;
  static constexpr std::size_t max_api_records = 1024;  ///< records the admin API may add to one zone

  /// Builds the zone from `config` (throws config_error for a record the zone
  /// refuses). With `forwarder` and `egress` (both outlive this service), names
  /// outside the zone may be forwarded.
  dns_service(boost::asio::io_context& core, stack::virtual_network& network, const network_config& config,
              resolver* forwarder = nullptr, network_egress* egress = nullptr);
  ~dns_service() override;

  void on_datagram(const stack::udp_datagram& datagram) override;

  /// A DNS-over-HTTPS query (RFC 8484) from `client` (an HTTP peer; its
  /// address only keys the in-flight limit), answered like TCP: never
  /// truncated. `reply` gets the response, now or later. Returns false, without
  /// calling `reply`, when the query is dropped (malformed, or too many in flight).
  bool answer_https(std::span<const std::byte> query, net::ipv4_address client,
                    std::function<void(std::span<const std::byte>)> reply);

  /// A DHCP lease's name: set (bound) or removed.
  void set_host(const std::string& label, net::ipv4_address address, bool bound);

  /// One record of the zone, for the admin API.
  struct record_view {
    std::string name;   ///< absolute, with the final dot
    std::string type;   ///< "A", "SRV", ...
    std::string value;  ///< presentation form
    std::uint32_t ttl = 0;
    std::string source;  ///< "config", "api", "dhcp", "gateway" or "zone" (SOA, NS)
  };
  std::vector<record_view> records() const;
  /// Adds a record as the admin API's (validated like a `[[network.record]]`).
  /// Returns why the zone refused it, or nullopt; `added` gets its view.
  std::optional<std::string> add_api_record(const dns_record& record, record_view* added = nullptr);
  /// Removes the API's records of `name` (as given when added, or absolute)
  /// and `type`; returns how many went. Config-file records are never removed.
  std::size_t remove_api_records(std::string_view name, std::string_view type);
  /// `name` as a record's owner in this zone ("db", "@", "db.lab.lan."), absolute
  /// and lower-case without the final dot: "db.lab.lan". nullopt when invalid.
  std::optional<std::string> absolute_owner(std::string_view name) const;

  const dns::zone& zone() const { return zone_; }
  const dns_counters& counters() const { return counters_; }
  const dns_forward_latency& forward_latency() const { return forward_latency_; }
  std::size_t tcp_client_count() const { return tcp_clients_.size(); }
  std::size_t forwarded_in_flight() const { return in_flight_; }

 private:
  class tcp_client;
  void accept(std::unique_ptr<stack::tcp_connection> connection);
  void close_client(std::uint64_t id);
  /// The response to a forwarded query is ready; `reply` sends it.
  using reply_fn = std::function<void(std::span<const std::byte>)>;
  /// Answers from the zone, or starts forwarding (the reply comes later);
  /// returns the size of an immediate answer written to `out` (0: none now).
  std::size_t handle_query(std::span<const std::byte> query, dns::transport t, net::ipv4_address client,
                           std::span<std::byte> out, reply_fn reply);
  void remember_addresses(const std::string& qname, const std::vector<dns::resource_record>& answers);

  boost::asio::io_context& core_;
  stack::virtual_network& network_;
  dns::zone zone_;
  std::vector<std::byte> out_;
  std::set<std::string> static_names_;  // configured labels DHCP clients may not claim
  std::set<std::pair<std::string, std::string>> api_records_;  // (absolute owner, type) added over the admin API
  std::size_t api_record_count_ = 0;                           // records behind them, at most max_api_records
  std::map<std::uint64_t, std::unique_ptr<tcp_client>> tcp_clients_;
  std::uint64_t next_client_ = 1;
  resolver* forwarder_;
  network_egress* egress_;
  std::map<std::uint32_t, std::size_t> in_flight_per_vm_;
  std::size_t in_flight_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // forwarded answers check it
  dns_counters counters_;
  dns_forward_latency forward_latency_;
};

}  // namespace switchyard::gateway
