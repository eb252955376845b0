// gateway/dns_service.hpp - DNS on a network's gateway, UDP and TCP port 53,
// authoritative for the network's domain and reverse zone (protocols/dns).
//
// The zone holds the configured static records, `gateway.<domain>`, and the
// names of DHCP leases (set and removed as leases come and go). UDP queries are
// answered in place from a reused buffer; TCP (RFC 7766: 2-byte length prefix,
// several queries per connection) runs on lwIP connections bound to this
// network's netif (stack/tcp_ports: one shared listener per port), with bounded buffers, at most
// `max_tcp_clients` connections (`max_tcp_per_client` per VM address) and a deadline per query
// that partial data does not extend. Names outside the zone answer REFUSED.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <set>
#include <memory>
#include <vector>

#include "gateway/config.hpp"
#include "protocols/dns/zone.hpp"
#include "stack/gateway_netif.hpp"
#include "stack/tcp_connection.hpp"
#include "stack/virtual_network.hpp"

namespace switchyard::gateway {

struct dns_counters {
  std::uint64_t udp_queries = 0, tcp_queries = 0, dropped = 0, tcp_connections = 0, tcp_refused = 0;
};

class dns_service final : public stack::udp_service {
 public:
  static constexpr std::size_t max_tcp_clients = 64;
  static constexpr std::size_t max_tcp_per_client = 4;  ///< per VM address
  static constexpr std::chrono::seconds tcp_idle_timeout{10};

  /// Builds the zone from `config` (throws config_error for a record the zone refuses).
  dns_service(boost::asio::io_context& core, stack::virtual_network& network, const network_config& config);
  ~dns_service() override;

  void on_datagram(const stack::udp_datagram& datagram) override;

  /// A DHCP lease's name: set (bound) or removed.
  void set_host(const std::string& label, net::ipv4_address address, bool bound);

  const dns::zone& zone() const { return zone_; }
  const dns_counters& counters() const { return counters_; }

 private:
  class tcp_client;
  void accept(std::unique_ptr<stack::tcp_connection> connection);
  void close_client(std::uint64_t id);

  boost::asio::io_context& core_;
  stack::virtual_network& network_;
  dns::zone zone_;
  std::vector<std::byte> out_;
  std::set<std::string> static_names_;  // configured labels DHCP clients may not claim
  std::map<std::uint64_t, std::unique_ptr<tcp_client>> tcp_clients_;
  std::uint64_t next_client_ = 1;
  dns_counters counters_;
};

}  // namespace switchyard::gateway
