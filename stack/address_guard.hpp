// stack/address_guard.hpp - IP-level port security for one network.
//
// Theory of operation
//   The switch polices MACs; this polices the IPv4 addresses a VM port claims
//   in ARP (sender address) and IPv4 (source address):
//   * nobody but the gateway may claim the gateway's address;
//   * an address bound to one port (its DHCP lease) may not be claimed by
//     another port;
//   * a port that holds a lease may only claim its leased addresses and
//     0.0.0.0 (DHCP and ARP probes);
//   * a port without a lease (static addressing) may claim any other address —
//     static VMs keep working, and a DHCP lease tightens the rule.
//   VMs may not answer DHCP: IPv4/UDP with source port 67 from a VM is dropped.
//   Bindings follow lease events (bind/unbind) and die with the port (a
//   reconnecting v86 re-binds on its next renew).
#pragma once

#include <unordered_map>
#include <vector>

#include "protocols/net/ipv4.hpp"
#include "stack/network_switch.hpp"

namespace switchyard::stack {

class address_guard final : public ingress_filter {
 public:
  explicit address_guard(net::ipv4_address gateway) : gateway_(gateway) {}

  std::optional<drop_reason> check(port_id from, const net::ethernet_view& frame) override;

  /// `address` is `port`'s (a lease was granted or renewed on that port).
  void bind(port_id port, net::ipv4_address address);
  /// `address` is no longer bound (released, expired, declined).
  void unbind(net::ipv4_address address);
  /// The port is gone: its bindings go with it.
  void forget_port(port_id port);

  std::optional<port_id> owner(net::ipv4_address address) const;

 private:
  std::optional<drop_reason> check_claim(port_id from, net::ipv4_address claimed) const;

  net::ipv4_address gateway_;
  std::unordered_map<std::uint32_t, port_id> owner_;                  // address -> port
  std::unordered_map<port_id, std::vector<net::ipv4_address>> bound_;  // port -> its addresses
};

}  // namespace switchyard::stack
