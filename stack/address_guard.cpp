// stack/address_guard.cpp - IP-level port security for one network.
#include "stack/address_guard.hpp"

#include <algorithm>

#include "protocols/net/arp.hpp"
#include "protocols/net/udp.hpp"

namespace switchyard::stack {

constexpr std::uint16_t dhcp_server_port = 67;

std::optional<drop_reason> address_guard::check_claim(port_id from, net::ipv4_address claimed) const {
  if (claimed == net::ipv4_address{}) return std::nullopt;  // DHCP clients and ARP probes
  if (claimed == gateway_) return drop_reason::address_spoof;
  auto owned = owner_.find(claimed.value());
  if (owned != owner_.end()) return owned->second == from ? std::nullopt : std::optional(drop_reason::address_spoof);
  auto mine = bound_.find(from);
  if (mine != bound_.end() && !mine->second.empty()) return drop_reason::address_spoof;  // leased: only its lease
  return std::nullopt;
}

std::optional<drop_reason> address_guard::check(port_id from, const net::ethernet_view& frame) {
  if (frame.type == net::ethertype::arp) {
    auto arp = net::parse_arp(frame.payload);
    if (!arp) return std::nullopt;  // not ours to judge: the gateway ignores it, VMs may too
    return check_claim(from, arp->sender_ip);
  }
  if (frame.type == net::ethertype::ipv4) {
    auto ip = net::parse_ipv4(frame.payload);
    if (!ip) return std::nullopt;
    if (auto r = check_claim(from, ip->source)) return r;
    if (ip->protocol == net::ip_protocol::udp && !ip->is_fragment() && ip->payload.size() >= 2 &&
        net::load_u16(ip->payload, 0) == dhcp_server_port)
      return drop_reason::rogue_dhcp;
  }
  return std::nullopt;
}

void address_guard::bind(port_id port, net::ipv4_address address) {
  unbind(address);
  owner_[address.value()] = port;
  bound_[port].push_back(address);
}

void address_guard::unbind(net::ipv4_address address) {
  auto it = owner_.find(address.value());
  if (it == owner_.end()) return;
  auto port = bound_.find(it->second);
  if (port != bound_.end()) {
    std::erase(port->second, address);
    if (port->second.empty()) bound_.erase(port);
  }
  owner_.erase(it);
}

void address_guard::forget_port(port_id port) {
  auto it = bound_.find(port);
  if (it == bound_.end()) return;
  for (auto a : it->second) owner_.erase(a.value());
  bound_.erase(it);
}

std::optional<port_id> address_guard::owner(net::ipv4_address address) const {
  auto it = owner_.find(address.value());
  if (it == owner_.end()) return std::nullopt;
  return it->second;
}

}  // namespace switchyard::stack
