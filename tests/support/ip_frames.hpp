// tests/support/ip_frames.hpp - builders and readers of IPv4/TCP/ICMP frames for tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocols/net/ethernet.hpp"
#include "protocols/net/ipv4.hpp"

namespace switchyard::test {

using frame = std::vector<std::byte>;

namespace tcp_flag {
inline constexpr std::uint8_t fin = 0x01, syn = 0x02, rst = 0x04, psh = 0x08, ack = 0x10;
}

struct tcp_segment {
  net::ipv4_address source, destination;
  std::uint16_t source_port = 0, destination_port = 0;
  std::uint32_t seq = 0, ack = 0;
  std::uint8_t flags = 0;
  std::uint16_t window = 65535;
  std::string payload;
};

inline frame ipv4_frame(net::mac_address dst, net::mac_address src, net::ipv4_address from, net::ipv4_address to,
                        std::uint8_t protocol, const frame& l4) {
  frame f(14 + 20 + l4.size());
  std::span<std::byte> out(f);
  net::write_ethernet_header(out, dst, src, net::ethertype::ipv4);
  auto ip = out.subspan(14);
  ip[0] = std::byte{0x45};
  net::store_u16(ip, 2, static_cast<std::uint16_t>(20 + l4.size()));
  ip[8] = std::byte{64};
  ip[9] = std::byte{protocol};
  net::store_u32(ip, 12, from.value());
  net::store_u32(ip, 16, to.value());
  net::store_u16(ip, 10, net::checksum_finish(net::checksum_add(ip.subspan(0, 20))));
  std::copy(l4.begin(), l4.end(), ip.begin() + 20);
  return f;
}

inline frame tcp_frame(net::mac_address dst, net::mac_address src, const tcp_segment& s) {
  frame tcp(20 + s.payload.size());
  std::span<std::byte> t(tcp);
  net::store_u16(t, 0, s.source_port);
  net::store_u16(t, 2, s.destination_port);
  net::store_u32(t, 4, s.seq);
  net::store_u32(t, 8, s.ack);
  t[12] = std::byte{5 << 4};
  t[13] = std::byte{s.flags};
  net::store_u16(t, 14, s.window);
  for (std::size_t i = 0; i < s.payload.size(); ++i) t[20 + i] = std::byte(s.payload[i]);
  std::byte pseudo[12];
  net::store_u32(pseudo, 0, s.source.value());
  net::store_u32(pseudo, 4, s.destination.value());
  pseudo[8] = std::byte{0};
  pseudo[9] = std::byte{net::ip_protocol::tcp};
  net::store_u16(pseudo, 10, static_cast<std::uint16_t>(tcp.size()));
  net::store_u16(t, 16, net::checksum_finish(net::checksum_add(t, net::checksum_add(pseudo))));
  return ipv4_frame(dst, src, s.source, s.destination, net::ip_protocol::tcp, tcp);
}

inline frame icmp_echo_frame(net::mac_address dst, net::mac_address src, net::ipv4_address from,
                             net::ipv4_address to, std::uint16_t id, std::uint16_t seq) {
  frame icmp(8 + 16);
  std::span<std::byte> m(icmp);
  m[0] = std::byte{8};
  net::store_u16(m, 4, id);
  net::store_u16(m, 6, seq);
  for (std::size_t i = 8; i < icmp.size(); ++i) m[i] = std::byte(i);
  net::store_u16(m, 2, net::checksum_finish(net::checksum_add(m)));
  return ipv4_frame(dst, src, from, to, net::ip_protocol::icmp, icmp);
}

/// Reads a TCP segment out of an Ethernet frame; nullopt if it is not one.
inline std::optional<tcp_segment> read_tcp(const frame& f) {
  auto eth = net::parse_ethernet(f);
  if (!eth || eth->type != net::ethertype::ipv4) return std::nullopt;
  auto ip = net::parse_ipv4(eth->payload);
  if (!ip || ip->protocol != net::ip_protocol::tcp || ip->payload.size() < 20) return std::nullopt;
  auto t = ip->payload;
  std::size_t offset = (std::to_integer<std::size_t>(t[12]) >> 4) * 4;
  if (offset < 20 || offset > t.size()) return std::nullopt;
  tcp_segment s{.source = ip->source,
                .destination = ip->destination,
                .source_port = net::load_u16(t, 0),
                .destination_port = net::load_u16(t, 2),
                .seq = net::load_u32(t, 4),
                .ack = net::load_u32(t, 8),
                .flags = std::to_integer<std::uint8_t>(t[13]),
                .window = net::load_u16(t, 14),
                .payload = {}};
  for (auto b : t.subspan(offset)) s.payload.push_back(static_cast<char>(b));
  return s;
}

}  // namespace switchyard::test
