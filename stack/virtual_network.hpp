// stack/virtual_network.hpp - one virtual LAN: its switch, its gateway netif
// (lwIP) and the timer that ages its MAC table. Built by the gateway from config.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <string>

#include "protocols/net/ethernet.hpp"
#include "protocols/net/ipv4.hpp"
#include "stack/address_guard.hpp"
#include "stack/network_switch.hpp"

namespace switchyard::stack {

class gateway_netif;
class tcp_interceptor;

/// What the stack needs to know about a network (the gateway maps config onto it).
struct network_settings {
  std::string name;
  net::ipv4_subnet subnet;
  net::ipv4_address gateway;
  std::size_t mtu = 1500;
  std::size_t max_macs_per_port = 4;
  std::chrono::seconds mac_ageing{300};
  /// Maximum Ethernet frame: mtu + 14 (header) + 4 (a VLAN tag).
  std::size_t max_frame_size() const { return mtu + 18; }
};

class virtual_network {
 public:
  /// Creates the network's netif in lwIP; the lwip_core must exist already.
  virtual_network(boost::asio::io_context& core, network_settings settings);
  ~virtual_network();
  virtual_network(const virtual_network&) = delete;
  virtual_network& operator=(const virtual_network&) = delete;

  const network_settings& settings() const { return settings_; }
  net::mac_address gateway_mac() const { return gateway_mac_; }

  /// Attaches a VM port whose frames go to `sink`; detach before `sink` dies.
  port_id attach(frame_sink& sink) { return switch_.attach(sink); }
  void detach(port_id id) {
    switch_.detach(id);
    guard_.forget_port(id);
  }
  /// A frame arrived from a VM on port `from`.
  void receive(port_id from, std::span<const std::byte> frame);

  network_switch& ethernet_switch() { return switch_; }
  const network_switch& ethernet_switch() const { return switch_; }
  gateway_netif& gateway() { return *gateway_; }
  /// Any-destination TCP: the egress admits or refuses held SYNs here.
  tcp_interceptor& interceptor() { return *interceptor_; }
  /// IP-level port security: DHCP binds leases here.
  address_guard& guard() { return guard_; }

 private:
  void schedule_ageing();

  network_settings settings_;
  net::mac_address gateway_mac_;
  network_switch switch_;
  address_guard guard_;
  std::unique_ptr<gateway_netif> gateway_;
  std::unique_ptr<tcp_interceptor> interceptor_;
  boost::asio::steady_timer ageing_timer_;
};

/// A locally administered MAC for a network's gateway, stable for its name.
net::mac_address gateway_mac_for(std::string_view network_name);

}  // namespace switchyard::stack
