// protocols/net/arp.cpp - ARP for IPv4 over Ethernet (RFC 826): view and builder.
#include "protocols/net/arp.hpp"

namespace switchyard::net {

std::optional<arp_view> parse_arp(bytes payload) {
  byte_reader r(payload);
  auto htype = r.u16();
  auto ptype = r.u16();
  auto hlen = r.u8();
  auto plen = r.u8();
  auto op = r.u16();
  auto sha = r.take(6);
  auto spa = r.u32();
  auto tha = r.take(6);
  auto tpa = r.u32();
  if (r.bad() || *htype != 1 || *ptype != ethertype::ipv4 || *hlen != 6 || *plen != 4) return std::nullopt;
  if (*op != 1 && *op != 2) return std::nullopt;
  return arp_view{
      .operation = static_cast<arp_operation>(*op),
      .sender_mac = mac_address::from_bytes(*sha),
      .sender_ip = ipv4_address(*spa),
      .target_mac = mac_address::from_bytes(*tha),
      .target_ip = ipv4_address(*tpa),
  };
}

std::array<std::byte, arp_frame_size> build_arp_frame(mac_address eth_destination, mac_address eth_source,
                                                      const arp_view& arp) {
  std::array<std::byte, arp_frame_size> f{};
  std::span<std::byte> out(f);
  write_ethernet_header(out, eth_destination, eth_source, ethertype::arp);
  auto a = out.subspan(ethernet_header_size);
  store_u16(a, 0, 1);
  store_u16(a, 2, ethertype::ipv4);
  a[4] = std::byte{6};
  a[5] = std::byte{4};
  store_u16(a, 6, static_cast<std::uint16_t>(arp.operation));
  arp.sender_mac.write_to(a.subspan(8, 6));
  store_u32(a, 14, arp.sender_ip.value());
  arp.target_mac.write_to(a.subspan(18, 6));
  store_u32(a, 24, arp.target_ip.value());
  return f;
}

}  // namespace switchyard::net
