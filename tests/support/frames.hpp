// tests/support/frames.hpp - builders for Ethernet, ARP and IPv4 test frames.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <vector>

#include "protocols/net/arp.hpp"
#include "protocols/net/ethernet.hpp"
#include "protocols/net/ipv4.hpp"

namespace switchyard::test {

using frame = std::vector<std::byte>;

/// A locally administered unicast MAC 02:00:00:00:00:nn, distinct per `n`.
inline net::mac_address mac(std::uint64_t n) { return net::mac_address::from_u64(0x02'00'00'00'00'00ULL | n); }
/// A multicast MAC (01:00:5e:...), as IPv4 multicast uses.
inline net::mac_address multicast_mac(std::uint64_t n = 1) {
  return net::mac_address::from_u64(0x01'00'5e'00'00'00ULL | n);
}

inline net::ipv4_address ip(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  return net::ipv4_address((std::uint32_t{a} << 24) | (std::uint32_t{b} << 16) | (std::uint32_t{c} << 8) | d);
}

/// Bytes from a list of small integers, for golden vectors.
inline frame bytes_of(std::initializer_list<int> values) {
  frame out;
  out.reserve(values.size());
  for (int v : values) out.push_back(static_cast<std::byte>(v));
  return out;
}

/// An Ethernet frame of exactly `total_size` bytes (at least 14): header, then a
/// payload of counting bytes.
inline frame ethernet_frame(net::mac_address destination, net::mac_address source,
                            std::uint16_t type = net::ethertype::ipv4, std::size_t total_size = 60) {
  frame f(total_size < net::ethernet_header_size ? net::ethernet_header_size : total_size);
  net::write_ethernet_header(f, destination, source, type);
  for (std::size_t i = net::ethernet_header_size; i < f.size(); ++i) f[i] = static_cast<std::byte>(i & 0xff);
  return f;
}

/// The 42-byte ARP request "who has `target` tell `sender_ip`", broadcast.
inline frame arp_request(net::mac_address sender, net::ipv4_address sender_ip, net::ipv4_address target) {
  auto f = net::build_arp_frame(net::mac_address::broadcast(), sender,
                                net::arp_view{.operation = net::arp_operation::request,
                                              .sender_mac = sender,
                                              .sender_ip = sender_ip,
                                              .target_mac = {},
                                              .target_ip = target});
  return frame(f.begin(), f.end());
}

/// An IPv4 packet (no Ethernet header) with a correct header checksum, the
/// given payload and `options` (a multiple of 4 bytes) after the fixed header.
inline frame ipv4_packet(net::ipv4_address source, net::ipv4_address destination, std::uint8_t protocol,
                         std::span<const std::byte> payload, std::span<const std::byte> options = {}) {
  std::size_t header = 20 + options.size();
  frame p(header + payload.size());
  p[0] = static_cast<std::byte>(0x40 | (header / 4));
  net::store_u16(p, 2, static_cast<std::uint16_t>(p.size()));
  net::store_u16(p, 4, 0x1234);  // identification
  net::store_u16(p, 6, 0x4000);  // DF
  p[8] = std::byte{64};
  p[9] = static_cast<std::byte>(protocol);
  net::store_u32(p, 12, source.value());
  net::store_u32(p, 16, destination.value());
  for (std::size_t i = 0; i < options.size(); ++i) p[20 + i] = options[i];
  for (std::size_t i = 0; i < payload.size(); ++i) p[header + i] = payload[i];
  net::store_u16(p, 10, net::checksum_finish(net::checksum_add(std::span<const std::byte>(p).first(header))));
  return p;
}

/// `packet` behind an Ethernet header.
inline frame in_ethernet(net::mac_address destination, net::mac_address source, std::uint16_t type,
                         std::span<const std::byte> packet) {
  frame f(net::ethernet_header_size + packet.size());
  net::write_ethernet_header(f, destination, source, type);
  for (std::size_t i = 0; i < packet.size(); ++i) f[net::ethernet_header_size + i] = packet[i];
  return f;
}

}  // namespace switchyard::test
