// protocols/net/ipv4.hpp - IPv4 addresses, subnets and the IPv4 header view.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocols/net/byte_reader.hpp"

namespace switchyard::net {

/// An IPv4 address in host byte order.
class ipv4_address {
 public:
  constexpr ipv4_address() = default;
  constexpr explicit ipv4_address(std::uint32_t host_order) : value_(host_order) {}
  static std::optional<ipv4_address> parse(std::string_view dotted);  ///< strict dotted quad
  constexpr std::uint32_t value() const { return value_; }
  std::string to_string() const;
  constexpr bool is_multicast() const { return (value_ >> 28) == 0xe; }  ///< 224.0.0.0/4
  constexpr auto operator<=>(const ipv4_address&) const = default;

 private:
  std::uint32_t value_ = 0;
};

/// An IPv4 prefix such as 10.0.2.0/24 (host bits must be zero).
struct ipv4_subnet {
  ipv4_address network;
  unsigned prefix_length = 0;

  static std::optional<ipv4_subnet> parse(std::string_view cidr);
  constexpr std::uint32_t mask() const {
    return prefix_length == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix_length);
  }
  constexpr bool contains(ipv4_address a) const { return (a.value() & mask()) == network.value(); }
  constexpr ipv4_address broadcast() const { return ipv4_address(network.value() | ~mask()); }
  std::string to_string() const;
  constexpr bool operator==(const ipv4_subnet&) const = default;
};

namespace ip_protocol {
inline constexpr std::uint8_t icmp = 1;
inline constexpr std::uint8_t tcp = 6;
inline constexpr std::uint8_t udp = 17;
}  // namespace ip_protocol

/// A validated IPv4 header. `payload` aliases the packet and is cut to the
/// header's total length (Ethernet padding removed).
struct ipv4_view {
  std::uint8_t header_length = 0;  ///< bytes
  std::uint16_t total_length = 0;
  std::uint16_t fragment_field = 0;  ///< flags + offset, as on the wire
  std::uint8_t ttl = 0;
  std::uint8_t protocol = 0;
  ipv4_address source;
  ipv4_address destination;
  bytes header;
  bytes payload;

  bool is_fragment() const { return (fragment_field & 0x3fff) != 0; }  // MF set or offset != 0
};

enum class ipv4_error { truncated, bad_version, bad_header_length, bad_total_length, bad_checksum };

/// Parses and fully validates an IPv4 header (version, lengths, header checksum).
/// Returns nullopt-like error through `error` when invalid.
std::optional<ipv4_view> parse_ipv4(bytes packet, ipv4_error* error = nullptr);

/// The Internet checksum (RFC 1071) of `data`, folded, not complemented, added to `sum`.
std::uint32_t checksum_add(bytes data, std::uint32_t sum = 0);
/// Folds and complements a running sum into the final 16-bit checksum.
std::uint16_t checksum_finish(std::uint32_t sum);

}  // namespace switchyard::net
