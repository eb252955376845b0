// stack/gateway_netif.hpp - a network's gateway: its switch port, ARP (ours) and
// its lwIP netif (ICMP echo, TCP termination).
//
// Theory of operation
//   The gateway is a port on the network's switch with a pinned MAC. Frames the
//   switch hands it (deliver) are ARP — answered here in C++ for the gateway
//   address — or IPv4 for the gateway MAC, which are validated and fed to the
//   network's own lwIP netif. lwIP's output comes back through `output`, gets an
//   Ethernet header from the neighbour cache (learned from the VMs' ARP and IP
//   frames; unknown neighbours are ARPed for, with a small bounded queue) and
//   re-enters the switch from the gateway port.
//
//   Each netif carries the gateway address with a /32 mask and none is lwIP's
//   default, so networks may share a subnet: routing answers "the netif the
//   current packet came in on" (lwip_hooks.cpp) and pcbs are bound to netifs.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "lwip/netif.h"
#include "protocols/net/arp.hpp"
#include "protocols/net/ethernet.hpp"
#include "protocols/net/ipv4.hpp"
#include "protocols/net/udp.hpp"
#include "stack/foreign_traffic.hpp"
#include "stack/network_switch.hpp"

namespace switchyard::stack {

/// A UDP datagram that arrived for the gateway (its address or a broadcast).
struct udp_datagram {
  net::mac_address source_mac;
  std::optional<port_id> port;  ///< the switch port the source MAC lives on
  net::ipv4_address source;
  std::uint16_t source_port = 0;
  net::ipv4_address destination;
  std::uint16_t destination_port = 0;
  net::bytes payload;  ///< valid only during the call
};

/// A service on one of the gateway's UDP ports (DHCP, DNS): C++, not lwIP.
class udp_service {
 public:
  virtual ~udp_service() = default;
  virtual void on_datagram(const udp_datagram& datagram) = 0;
};

struct gateway_counters {
  std::uint64_t arp_requests_answered = 0;
  std::uint64_t arp_requests_sent = 0;
  std::uint64_t ipv4_in = 0;
  std::uint64_t ipv4_out = 0;
  std::uint64_t dropped_invalid = 0;     ///< malformed ARP or IPv4
  std::uint64_t dropped_not_ours = 0;    ///< IPv4 for another address or protocol we do not serve yet
  std::uint64_t dropped_no_buffer = 0;   ///< lwIP pbuf pool exhausted
  std::uint64_t dropped_unresolved = 0;  ///< output to a neighbour that never answered ARP
  std::uint64_t udp_in = 0;
  std::uint64_t udp_out = 0;
  std::uint64_t foreign_udp = 0;  ///< datagrams handed to the egress
  std::uint64_t foreign_icmp = 0;  ///< echo requests handed to the egress
  std::uint64_t icmp_out = 0;      ///< echo replies and unreachables sent for the egress
};

class gateway_netif final : public frame_sink {
 public:
  gateway_netif(network_switch& sw, net::ipv4_subnet subnet, net::ipv4_address address, net::mac_address mac,
                std::size_t mtu);
  ~gateway_netif() override;
  gateway_netif(const gateway_netif&) = delete;
  gateway_netif& operator=(const gateway_netif&) = delete;

  /// A frame from the switch (broadcast, multicast or for our MAC).
  bool deliver(std::span<const std::byte> frame) override;

  /// Routes UDP for `port` (to our address or broadcast) to `service`; nullptr unbinds.
  void bind_udp(std::uint16_t port, udp_service* service);
  /// Binds `service` to a free port of the dynamic range (49152..65535) not
  /// used by another service; nullopt when all are taken.
  std::optional<std::uint16_t> bind_udp_ephemeral(udp_service* service);
  /// Sends a datagram from the gateway's own address to a VM, resolving its MAC
  /// like lwIP's output does (ARP, bounded queue). False when it does not fit the MTU.
  bool send_udp_to(net::ipv4_address destination, std::uint16_t destination_port, std::uint16_t source_port,
                   net::bytes payload);
  /// Sends a datagram from the gateway's side straight onto the switch.
  void send_udp(net::mac_address destination_mac, net::ipv4_address destination, std::uint16_t destination_port,
                net::ipv4_address source, std::uint16_t source_port, net::bytes payload);

  /// Sends an echo reply from `from` (the address the VM pinged) straight onto the switch.
  void send_icmp_echo_reply(net::mac_address vm_mac, net::ipv4_address vm_ip, net::ipv4_address from,
                            std::uint16_t identifier, std::uint16_t sequence, net::bytes payload);
  /// Sends destination unreachable `code` from `from` to the source of
  /// `original` (an IPv4 packet the VM sent, or at least its header + 8 bytes).
  void send_icmp_unreachable(net::mac_address vm_mac, net::bytes original, std::uint8_t code,
                             net::ipv4_address from);

  /// Where traffic for foreign addresses goes (the network's egress); nullptr:
  /// it is dropped (and a TCP SYN is reset).
  void set_foreign_traffic_handler(foreign_traffic_handler* handler) { foreign_ = handler; }
  foreign_traffic_handler* foreign_traffic() const { return foreign_; }

  /// The MAC last seen using `ip` on this network (ARP or IPv4 from a VM), if
  /// it was seen within the neighbour ageing time.
  std::optional<net::mac_address> neighbour_mac(net::ipv4_address ip) const;

  net::ipv4_address address() const { return address_; }
  net::ipv4_subnet subnet() const { return subnet_; }
  net::mac_address mac() const { return mac_; }
  const gateway_counters& counters() const { return counters_; }
  /// lwIP's netif, for binding pcbs to this network (stack-internal users only).
  struct netif* lwip_netif() { return &netif_; }
  /// The gateway behind a netif, or nullptr for a netif that is not ours.
  static gateway_netif* from(struct netif* n);

  /// Drops pending packets whose neighbour did not answer within a few seconds.
  void expire(steady_time now);

 private:
  struct neighbour {
    net::mac_address mac;
    steady_time last_seen;
  };
  struct pending_packet {
    net::ipv4_address next_hop;
    steady_time queued;
    std::vector<std::byte> frame;  // complete frame; destination MAC filled on resolve
  };

  static err_t netif_init(struct netif* n);
  static err_t netif_output(struct netif* n, struct pbuf* p, const ip4_addr_t* next_hop);
  err_t output(struct pbuf* p, net::ipv4_address next_hop);
  /// Sends an IPv4 frame (Ethernet header's destination still to fill) to `next_hop`.
  void send_to_neighbour(std::span<std::byte> frame, net::ipv4_address next_hop);

  void handle_arp(const net::ethernet_view& eth);
  void handle_ipv4(const net::ethernet_view& eth);
  bool handle_udp(const net::ethernet_view& eth, const net::ipv4_view& ip);
  bool handle_foreign_udp(const net::ethernet_view& eth, const net::ipv4_view& ip, const net::udp_view& udp);
  bool handle_foreign_icmp(const net::ethernet_view& eth, const net::ipv4_view& ip);
  void learn(net::ipv4_address ip, net::mac_address mac, steady_time now);
  void send_arp_request(net::ipv4_address target);
  void transmit(std::span<std::byte> frame);  // pads to 60 bytes, enters the switch

  network_switch& switch_;
  port_id port_ = 0;
  net::ipv4_subnet subnet_;
  net::ipv4_address address_;
  net::mac_address mac_;
  std::size_t mtu_;
  struct netif netif_ {};
  std::unordered_map<std::uint32_t, neighbour> neighbours_;
  std::deque<pending_packet> pending_;
  std::vector<std::byte> scratch_;
  std::unordered_map<std::uint16_t, udp_service*> udp_services_;
  foreign_traffic_handler* foreign_ = nullptr;
  std::uint16_t next_ephemeral_ = 49152;
  gateway_counters counters_;
};

}  // namespace switchyard::stack
