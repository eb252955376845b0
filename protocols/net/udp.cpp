// protocols/net/udp.cpp - UDP over IPv4: a checked view and a frame builder.
#include "protocols/net/udp.hpp"

namespace switchyard::net {
namespace {

std::uint32_t pseudo_header_sum(ipv4_address source, ipv4_address destination, std::size_t udp_length) {
  std::byte pseudo[12] = {};
  std::span<std::byte> p(pseudo);
  store_u32(p, 0, source.value());
  store_u32(p, 4, destination.value());
  pseudo[9] = std::byte{ip_protocol::udp};
  store_u16(p, 10, static_cast<std::uint16_t>(udp_length));
  return checksum_add(pseudo);
}

}  // namespace

std::optional<udp_view> parse_udp(const ipv4_view& ip) {
  if (ip.protocol != ip_protocol::udp || ip.is_fragment() || ip.payload.size() < udp_header_size) return std::nullopt;
  std::uint16_t length = load_u16(ip.payload, 4);
  if (length < udp_header_size || length > ip.payload.size()) return std::nullopt;
  auto datagram = ip.payload.subspan(0, length);
  if (load_u16(datagram, 6) != 0) {
    std::uint32_t sum = checksum_add(datagram, pseudo_header_sum(ip.source, ip.destination, length));
    if (checksum_finish(sum) != 0) return std::nullopt;
  }
  return udp_view{load_u16(datagram, 0), load_u16(datagram, 2), datagram.subspan(udp_header_size)};
}

std::vector<std::byte> build_udp_frame(mac_address eth_destination, mac_address eth_source, ipv4_address source,
                                       std::uint16_t source_port, ipv4_address destination,
                                       std::uint16_t destination_port, bytes payload) {
  std::size_t udp_length = udp_header_size + payload.size();
  std::vector<std::byte> f(ethernet_header_size + 20 + udp_length);
  std::span<std::byte> out(f);
  write_ethernet_header(out, eth_destination, eth_source, ethertype::ipv4);
  auto ip = out.subspan(ethernet_header_size, 20);
  ip[0] = std::byte{0x45};
  store_u16(ip, 2, static_cast<std::uint16_t>(20 + udp_length));
  ip[8] = std::byte{64};
  ip[9] = std::byte{ip_protocol::udp};
  store_u32(ip, 12, source.value());
  store_u32(ip, 16, destination.value());
  store_u16(ip, 10, checksum_finish(checksum_add(ip)));
  auto udp = out.subspan(ethernet_header_size + 20);
  store_u16(udp, 0, source_port);
  store_u16(udp, 2, destination_port);
  store_u16(udp, 4, static_cast<std::uint16_t>(udp_length));
  std::copy(payload.begin(), payload.end(), udp.begin() + udp_header_size);
  std::uint16_t sum = checksum_finish(checksum_add(udp, pseudo_header_sum(source, destination, udp_length)));
  store_u16(udp, 6, sum == 0 ? 0xffff : sum);  // 0 would mean "no checksum"
  return f;
}

}  // namespace switchyard::net
