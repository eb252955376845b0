// protocols/net/udp.hpp - UDP over IPv4: a checked view and a frame builder.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "protocols/net/ethernet.hpp"
#include "protocols/net/ipv4.hpp"

namespace switchyard::net {

inline constexpr std::size_t udp_header_size = 8;

struct udp_view {
  std::uint16_t source_port = 0;
  std::uint16_t destination_port = 0;
  bytes payload;  ///< aliases the packet
};

/// Parses the UDP header of a validated IPv4 packet's payload: the length field
/// must fit, and a non-zero checksum must verify (zero means "none" in IPv4).
std::optional<udp_view> parse_udp(const ipv4_view& ip);

/// Builds a complete Ethernet + IPv4 + UDP frame (TTL 64, DF clear, checksums set).
std::vector<std::byte> build_udp_frame(mac_address eth_destination, mac_address eth_source, ipv4_address source,
                                       std::uint16_t source_port, ipv4_address destination,
                                       std::uint16_t destination_port, bytes payload);

}  // namespace switchyard::net
