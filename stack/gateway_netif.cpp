// stack/gateway_netif.cpp - a network's gateway: switch port, ARP, lwIP netif.
#include "stack/gateway_netif.hpp"

#include <algorithm>
#include <cstring>

#include "lwip/ip4.h"
#include "lwip/pbuf.h"
#include "protocols/net/icmp.hpp"
#include "protocols/net/udp.hpp"

namespace switchyard::stack {
namespace {

constexpr std::size_t max_neighbours = 4096;
constexpr std::size_t max_pending = 64;
constexpr std::chrono::seconds pending_timeout{3};
constexpr std::chrono::minutes neighbour_ageing{20};
constexpr std::size_t min_frame = 60;  // Ethernet minimum without FCS: pad like a real NIC

ip4_addr_t to_lwip(net::ipv4_address a) {
  ip4_addr_t out;
  ip4_addr_set_u32(&out, lwip_htonl(a.value()));
  return out;
}

}  // namespace

gateway_netif::gateway_netif(network_switch& sw, net::ipv4_subnet subnet, net::ipv4_address address,
                             net::mac_address mac, std::size_t mtu)
    : switch_(sw), subnet_(subnet), address_(address), mac_(mac), mtu_(mtu) {
  scratch_.resize(net::ethernet_header_size + mtu_ + min_frame);
  ip4_addr_t ip = to_lwip(address_), mask = to_lwip(net::ipv4_address(0xffffffffu)), gw = to_lwip({});
  if (!netif_add(&netif_, &ip, &mask, &gw, this, &gateway_netif::netif_init, ip4_input))
    throw std::runtime_error("lwIP: netif_add failed (too many networks?)");
  netif_set_up(&netif_);
  netif_set_link_up(&netif_);
  port_ = switch_.attach_gateway(*this, mac_);
}

gateway_netif::~gateway_netif() {
  switch_.detach(port_);
  netif_remove(&netif_);
}

err_t gateway_netif::netif_init(struct netif* n) {
  auto* self = static_cast<gateway_netif*>(n->state);
  n->name[0] = 's';
  n->name[1] = 'y';
  n->mtu = static_cast<u16_t>(self->mtu_);
  n->output = &gateway_netif::netif_output;
  n->flags = 0;  // no ETHARP, no BROADCAST: ARP is ours, and subnet broadcasts are not for lwIP
  n->hwaddr_len = 6;
  self->mac_.write_to(std::as_writable_bytes(std::span(n->hwaddr)));
  return ERR_OK;
}

gateway_netif* gateway_netif::from(struct netif* n) {
  return n && n->output == &gateway_netif::netif_output ? static_cast<gateway_netif*>(n->state) : nullptr;
}

bool gateway_netif::deliver(std::span<const std::byte> frame) {
  auto eth = net::parse_ethernet(frame);
  if (!eth) return true;
  if (eth->type == net::ethertype::arp) {
    handle_arp(*eth);
  } else if (eth->type == net::ethertype::ipv4 && (eth->destination == mac_ || eth->destination.is_broadcast())) {
    handle_ipv4(*eth);  // broadcast: DHCP DISCOVERs; nothing else broadcast reaches lwIP
  }
  // Anything else flooded to us (IPv6, multicast chatter) is not for the gateway.
  return true;
}

void gateway_netif::handle_arp(const net::ethernet_view& eth) {
  auto arp = net::parse_arp(eth.payload);
  if (!arp) {
    ++counters_.dropped_invalid;
    return;
  }
  auto now = std::chrono::steady_clock::now();
  learn(arp->sender_ip, arp->sender_mac, now);
  if (arp->operation != net::arp_operation::request || arp->target_ip != address_) return;
  if (arp->sender_mac != eth.source) return;  // a relayed or forged request: do not answer
  auto reply = net::build_arp_frame(arp->sender_mac, mac_,
                                    net::arp_view{.operation = net::arp_operation::reply,
                                                  .sender_mac = mac_,
                                                  .sender_ip = address_,
                                                  .target_mac = arp->sender_mac,
                                                  .target_ip = arp->sender_ip});
  ++counters_.arp_requests_answered;
  transmit(reply);
}

void gateway_netif::learn(net::ipv4_address ip, net::mac_address mac, steady_time now) {
  if (!subnet_.contains(ip) || ip == address_ || ip == subnet_.network || ip == subnet_.broadcast()) return;
  if (mac.is_group() || mac.is_zero()) return;
  auto it = neighbours_.find(ip.value());
  if (it == neighbours_.end()) {
    if (neighbours_.size() >= max_neighbours) {
      std::erase_if(neighbours_, [&](const auto& kv) { return now - kv.second.last_seen > neighbour_ageing; });
      if (neighbours_.size() >= max_neighbours) return;
    }
    it = neighbours_.emplace(ip.value(), neighbour{mac, now}).first;
  } else {
    it->second = neighbour{mac, now};
  }
  // Flush what waited for this neighbour, in order.
  for (auto p = pending_.begin(); p != pending_.end();) {
    if (p->next_hop == ip) {
      mac.write_to(std::span(p->frame).subspan(0, 6));
      transmit(p->frame);
      p = pending_.erase(p);
    } else {
      ++p;
    }
  }
}

void gateway_netif::handle_ipv4(const net::ethernet_view& eth) {
  auto ip = net::parse_ipv4(eth.payload);
  if (!ip) {
    ++counters_.dropped_invalid;
    return;
  }
  ++counters_.ipv4_in;
  if (ip->protocol == net::ip_protocol::udp) {
    handle_udp(eth, *ip);  // UDP never enters lwIP: our services, later the NAT
    return;
  }
  if (eth.destination != mac_) return;
  learn(ip->source, eth.source, std::chrono::steady_clock::now());
  if (ip->protocol == net::ip_protocol::icmp && ip->destination != address_ && handle_foreign_icmp(eth, *ip)) return;
  // The packet is validated; lwIP's input hook decides what it may see.
  auto packet = eth.payload.subspan(0, ip->total_length);
  struct pbuf* p = pbuf_alloc(PBUF_RAW, static_cast<u16_t>(packet.size()), PBUF_POOL);
  if (!p) {
    ++counters_.dropped_no_buffer;
    return;
  }
  pbuf_take(p, packet.data(), static_cast<u16_t>(packet.size()));
  netif_.input(p, &netif_);  // ip4_input always consumes the pbuf
}

bool gateway_netif::handle_udp(const net::ethernet_view& eth, const net::ipv4_view& ip) {
  auto udp = net::parse_udp(ip);
  if (!udp) {
    ++counters_.dropped_invalid;
    return false;
  }
  bool for_us = ip.destination == address_ || ip.destination == net::ipv4_address(0xffffffffu) ||
                ip.destination == subnet_.broadcast();
  if (!for_us) return handle_foreign_udp(eth, ip, *udp);
  auto service = udp_services_.find(udp->destination_port);
  if (!for_us || service == udp_services_.end() || !service->second) {
    ++counters_.dropped_not_ours;
    return false;
  }
  auto now = std::chrono::steady_clock::now();
  if (eth.destination == mac_) learn(ip.source, eth.source, now);
  ++counters_.udp_in;
  service->second->on_datagram(udp_datagram{.source_mac = eth.source,
                                            .port = switch_.lookup(eth.source, now),
                                            .source = ip.source,
                                            .source_port = udp->source_port,
                                            .destination = ip.destination,
                                            .destination_port = udp->destination_port,
                                            .payload = udp->payload});
  return true;
}

// Unicast to an address that is not the gateway's, sent to our MAC: the VM
// routes it through us, so it is egress. Subnet-local and group destinations
// are not (VMs reach each other through the switch, not through us).
bool gateway_netif::handle_foreign_udp(const net::ethernet_view& eth, const net::ipv4_view& ip,
                                       const net::udp_view& udp) {
  if (!foreign_ || eth.destination != mac_ || subnet_.contains(ip.destination) || ip.destination.is_multicast()) {
    ++counters_.dropped_not_ours;
    return false;
  }
  auto now = std::chrono::steady_clock::now();
  learn(ip.source, eth.source, now);
  ++counters_.foreign_udp;
  foreign_->on_udp(udp_datagram{.source_mac = eth.source,
                                .port = switch_.lookup(eth.source, now),
                                .source = ip.source,
                                .source_port = udp.source_port,
                                .destination = ip.destination,
                                .destination_port = udp.destination_port,
                                .payload = udp.payload});
  return true;
}

// Echo requests to foreign unicast addresses go to the egress (pings to the
// gateway itself stay lwIP's). Other ICMP to foreign addresses (errors the VM
// sends about our replies) goes on to lwIP's input hook, which drops it.
bool gateway_netif::handle_foreign_icmp(const net::ethernet_view& eth, const net::ipv4_view& ip) {
  if (!foreign_ || subnet_.contains(ip.destination) || ip.destination.is_multicast() ||
      ip.destination == net::ipv4_address(0xffffffffu))
    return false;
  if (ip.payload.empty() || std::to_integer<std::uint8_t>(ip.payload[0]) != net::icmp_type::echo_request)
    return false;
  auto echo = net::parse_icmp_echo(ip);
  if (!echo) {
    ++counters_.dropped_invalid;
    return true;
  }
  ++counters_.foreign_icmp;
  foreign_->on_icmp_echo(icmp_echo_request{.source_mac = eth.source,
                                           .source = ip.source,
                                           .destination = ip.destination,
                                           .identifier = echo->identifier,
                                           .sequence = echo->sequence,
                                           .payload = echo->payload});
  return true;
}

std::optional<net::mac_address> gateway_netif::neighbour_mac(net::ipv4_address ip) const {
  auto it = neighbours_.find(ip.value());
  if (it == neighbours_.end() || std::chrono::steady_clock::now() - it->second.last_seen > neighbour_ageing)
    return std::nullopt;
  return it->second.mac;
}

void gateway_netif::bind_udp(std::uint16_t port, udp_service* service) {
  if (service) udp_services_[port] = service;
  else udp_services_.erase(port);
}

void gateway_netif::send_udp(net::mac_address destination_mac, net::ipv4_address destination,
                             std::uint16_t destination_port, net::ipv4_address source, std::uint16_t source_port,
                             net::bytes payload) {
  if (payload.size() + 28 > mtu_) return;
  auto frame = net::build_udp_frame(destination_mac, mac_, source, source_port, destination, destination_port, payload);
  ++counters_.udp_out;
  transmit(frame);
}

void gateway_netif::send_icmp_echo_reply(net::mac_address vm_mac, net::ipv4_address vm_ip, net::ipv4_address from,
                                         std::uint16_t identifier, std::uint16_t sequence, net::bytes payload) {
  if (payload.size() + 28 > mtu_) return;
  auto frame = net::build_icmp_echo_reply_frame(vm_mac, mac_, from, vm_ip, identifier, sequence, payload);
  ++counters_.icmp_out;
  transmit(frame);
}

void gateway_netif::send_icmp_unreachable(net::mac_address vm_mac, net::bytes original, std::uint8_t code,
                                          net::ipv4_address from) {
  if (original.size() < 20) return;  // no header: nobody to tell
  net::ipv4_address vm_ip(net::load_u32(original, 12));
  auto frame = net::build_icmp_unreachable_frame(vm_mac, mac_, from, vm_ip, code, original);
  if (frame.size() - net::ethernet_header_size > mtu_) return;  // a quote is < 100 bytes: only a toy MTU
  ++counters_.icmp_out;
  transmit(frame);
}

err_t gateway_netif::netif_output(struct netif* n, struct pbuf* p, const ip4_addr_t* next_hop) {
  return static_cast<gateway_netif*>(n->state)->output(p, net::ipv4_address(lwip_ntohl(ip4_addr_get_u32(next_hop))));
}

err_t gateway_netif::output(struct pbuf* p, net::ipv4_address next_hop) {
  if (p->tot_len > mtu_) return ERR_BUF;
  std::size_t size = net::ethernet_header_size + p->tot_len;
  std::span<std::byte> frame(scratch_.data(), std::max(size, min_frame));
  std::fill(frame.begin() + static_cast<std::ptrdiff_t>(size), frame.end(), std::byte{0});
  pbuf_copy_partial(p, frame.data() + net::ethernet_header_size, p->tot_len, 0);
  ++counters_.ipv4_out;
  send_to_neighbour(frame, next_hop);
  return ERR_OK;
}

void gateway_netif::send_to_neighbour(std::span<std::byte> frame, net::ipv4_address next_hop) {
  auto it = neighbours_.find(next_hop.value());
  if (it != neighbours_.end()) {
    net::write_ethernet_header(frame, it->second.mac, mac_, net::ethertype::ipv4);
    transmit(frame);
    return;
  }
  // Unknown neighbour: queue (bounded, oldest dropped) and ask once.
  bool asked = std::any_of(pending_.begin(), pending_.end(), [&](auto& q) { return q.next_hop == next_hop; });
  if (pending_.size() >= max_pending) {
    pending_.pop_front();
    ++counters_.dropped_unresolved;
  }
  net::write_ethernet_header(frame, net::mac_address{}, mac_, net::ethertype::ipv4);
  pending_.push_back({next_hop, std::chrono::steady_clock::now(), {frame.begin(), frame.end()}});
  if (!asked) send_arp_request(next_hop);
}

std::optional<std::uint16_t> gateway_netif::bind_udp_ephemeral(udp_service* service) {
  constexpr std::uint32_t first = 49152, count = 65536 - first;
  for (std::uint32_t tries = 0; tries < count; ++tries) {
    std::uint16_t port = next_ephemeral_;
    next_ephemeral_ = static_cast<std::uint16_t>(port == 65535 ? first : port + 1);
    auto it = udp_services_.find(port);
    if (it != udp_services_.end() && it->second) continue;
    udp_services_[port] = service;
    return port;
  }
  return std::nullopt;
}

bool gateway_netif::send_udp_to(net::ipv4_address destination, std::uint16_t destination_port,
                                std::uint16_t source_port, net::bytes payload) {
  if (payload.size() + 28 > mtu_) return false;
  auto frame = net::build_udp_frame(net::mac_address{}, mac_, address_, source_port, destination, destination_port,
                                    payload);
  ++counters_.udp_out;
  send_to_neighbour(frame, destination);
  return true;
}

void gateway_netif::send_arp_request(net::ipv4_address target) {
  auto request = net::build_arp_frame(net::mac_address::broadcast(), mac_,
                                      net::arp_view{.operation = net::arp_operation::request,
                                                    .sender_mac = mac_,
                                                    .sender_ip = address_,
                                                    .target_mac = {},
                                                    .target_ip = target});
  ++counters_.arp_requests_sent;
  transmit(request);
}

void gateway_netif::transmit(std::span<std::byte> frame) {
  if (frame.size() < min_frame) {
    std::byte padded[min_frame] = {};
    std::memcpy(padded, frame.data(), frame.size());
    switch_.receive(port_, std::span<const std::byte>(padded), std::chrono::steady_clock::now());
    return;
  }
  switch_.receive(port_, frame, std::chrono::steady_clock::now());
}

void gateway_netif::expire(steady_time now) {
  while (!pending_.empty() && now - pending_.front().queued > pending_timeout) {
    pending_.pop_front();
    ++counters_.dropped_unresolved;
  }
  std::erase_if(neighbours_, [&](const auto& kv) { return now - kv.second.last_seen > neighbour_ageing; });
}

}  // namespace switchyard::stack
