// protocols/net/arp.hpp - ARP for IPv4 over Ethernet (RFC 826): view and builder.
#pragma once

#include <array>
#include <optional>

#include "protocols/net/ethernet.hpp"
#include "protocols/net/ipv4.hpp"

namespace switchyard::net {

inline constexpr std::size_t arp_packet_size = 28;
/// Ethernet header + ARP, unpadded (Linux sends these 42-byte frames as they are).
inline constexpr std::size_t arp_frame_size = ethernet_header_size + arp_packet_size;

enum class arp_operation : std::uint16_t { request = 1, reply = 2 };

struct arp_view {
  arp_operation operation = arp_operation::request;
  mac_address sender_mac;
  ipv4_address sender_ip;
  mac_address target_mac;
  ipv4_address target_ip;
};

/// Parses an ARP payload (after the Ethernet header). Only Ethernet/IPv4 ARP with
/// operation request or reply is accepted.
std::optional<arp_view> parse_arp(bytes payload);

/// Builds a complete 42-byte Ethernet frame carrying `arp`.
std::array<std::byte, arp_frame_size> build_arp_frame(mac_address eth_destination, mac_address eth_source,
                                                      const arp_view& arp);

}  // namespace switchyard::net
