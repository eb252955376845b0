// protocols/net/icmp.hpp - ICMPv4 echo and destination unreachable (RFC 792):
// a checked echo view, and builders for the frames the gateway sends VMs.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "protocols/net/ethernet.hpp"
#include "protocols/net/ipv4.hpp"

namespace switchyard::net {

inline constexpr std::size_t icmp_header_size = 8;

namespace icmp_type {
inline constexpr std::uint8_t echo_reply = 0;
inline constexpr std::uint8_t destination_unreachable = 3;
inline constexpr std::uint8_t echo_request = 8;
}  // namespace icmp_type

namespace icmp_unreachable {
inline constexpr std::uint8_t host = 1;
inline constexpr std::uint8_t port = 3;
inline constexpr std::uint8_t administratively_prohibited = 13;
}  // namespace icmp_unreachable

struct icmp_echo_view {
  std::uint8_t type = icmp_type::echo_request;  ///< echo_request or echo_reply
  std::uint16_t identifier = 0;
  std::uint16_t sequence = 0;
  bytes payload;  ///< aliases the message
};

/// Parses an ICMP echo request or reply message (ICMP header first, as a ping
/// socket returns it): code 0 and a checksum that verifies.
std::optional<icmp_echo_view> parse_icmp_echo(bytes message);
/// The same for the payload of a validated IPv4 packet (fragments refused).
std::optional<icmp_echo_view> parse_icmp_echo(const ipv4_view& ip);

/// An ICMP echo message (header + payload, checksum set); what a ping socket sends.
std::vector<std::byte> build_icmp_echo_message(std::uint8_t type, std::uint16_t identifier, std::uint16_t sequence,
                                               bytes payload);

/// A complete Ethernet + IPv4 + ICMP echo reply frame from `source` (the address
/// the VM pinged) to `destination` (TTL 64, checksums set).
std::vector<std::byte> build_icmp_echo_reply_frame(mac_address eth_destination, mac_address eth_source,
                                                   ipv4_address source, ipv4_address destination,
                                                   std::uint16_t identifier, std::uint16_t sequence, bytes payload);

/// How many leading bytes of `original` an ICMP error quotes: its IP header and
/// the first 8 bytes after it (RFC 792), never more than it holds.
std::size_t icmp_quote_length(bytes original);

/// A complete Ethernet + IPv4 + ICMP destination unreachable frame from `source`
/// to `destination`, quoting `original` (an IPv4 packet; see icmp_quote_length).
std::vector<std::byte> build_icmp_unreachable_frame(mac_address eth_destination, mac_address eth_source,
                                                    ipv4_address source, ipv4_address destination, std::uint8_t code,
                                                    bytes original);

/// An IPv4 + UDP packet rebuilt from what a parsed datagram still knows (TTL 64,
/// identification 0, checksums set): for ICMP errors about a datagram whose
/// original bytes are gone. The UDP checksum covers `payload`, so the quote
/// matches what the VM sent except for the IP header's bookkeeping fields.
std::vector<std::byte> build_udp_packet(ipv4_address source, std::uint16_t source_port, ipv4_address destination,
                                        std::uint16_t destination_port, bytes payload);
/// The same for an ICMP echo request.
std::vector<std::byte> build_icmp_echo_request_packet(ipv4_address source, ipv4_address destination,
                                                      std::uint16_t identifier, std::uint16_t sequence, bytes payload);

}  // namespace switchyard::net
