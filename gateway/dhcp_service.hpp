// gateway/dhcp_service.hpp - DHCPv4 on a network's gateway: the pure server
// (protocols/dhcp) wired to UDP port 67, the lease store, the address guard
// and the network's DNS names.
//
// Order for every message: the server decides; its lease events are persisted
// (granted/renewed before the reply leaves: an ACKed lease is on disk, so kill
// -9 loses none); then the guard and DNS follow the events; then the reply is
// sent. A lease that cannot be persisted is not ACKed.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "gateway/config.hpp"
#include "protocols/dhcp/server.hpp"
#include "stack/gateway_netif.hpp"
#include "stack/virtual_network.hpp"

namespace switchyard::gateway {

class lease_store;

class dhcp_service final : public stack::udp_service {
 public:
  /// Called when a lease's name appears (bound = true) or goes.
  using name_observer = std::function<void(const dhcp::lease&, bool bound)>;

  /// Restores `store`'s leases for this network (store may be nullptr: no persistence).
  dhcp_service(boost::asio::io_context& core, stack::virtual_network& network, const network_config& config,
               lease_store* store, name_observer on_name);
  ~dhcp_service() override;

  void on_datagram(const stack::udp_datagram& datagram) override;

  const dhcp::server& server() const { return server_; }
  /// The admin API deletes a lease: it is forgotten, persisted, its name
  /// removed. False when `ip` held no binding.
  bool revoke(net::ipv4_address ip);

 private:
  bool apply(const std::vector<dhcp::lease_event>& events);
  void update_name(const dhcp::lease& lease, bool bound);
  void schedule_expiry();

  stack::virtual_network& network_;
  std::string name_;
  dhcp::server server_;
  lease_store* store_;
  name_observer on_name_;
  boost::asio::steady_timer expiry_timer_;
  std::map<std::uint32_t, std::string> names_;  // address -> the name published for it
};

/// The pure server's configuration for a configured network.
dhcp::server_config to_dhcp_config(const network_config& config);

}  // namespace switchyard::gateway
