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
#include <set>
#include <memory>
#include <vector>

#include "gateway/config.hpp"
#include "protocols/dns/answer.hpp"
#include "protocols/dns/zone.hpp"
#include "stack/gateway_netif.hpp"
#include "stack/tcp_connection.hpp"
#include "stack/virtual_network.hpp"

namespace switchyard::gateway {

struct dns_counters {
  std::uint64_t udp_queries = 0, tcp_queries = 0, dropped = 0, tcp_connections = 0, tcp_refused = 0;
  std::uint64_t forwarded = 0, forward_refused = 0, forward_dropped = 0, aaaa_suppressed = 0;
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

  const dns::zone& zone() const { return zone_; }
  const dns_counters& counters() const { return counters_; }

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
  std::map<std::uint64_t, std::unique_ptr<tcp_client>> tcp_clients_;
  std::uint64_t next_client_ = 1;
  resolver* forwarder_;
  network_egress* egress_;
  std::map<std::uint32_t, std::size_t> in_flight_per_vm_;
  std::size_t in_flight_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // forwarded answers check it
  dns_counters counters_;
};

}  // namespace switchyard::gateway
