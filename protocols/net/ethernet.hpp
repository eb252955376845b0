// protocols/net/ethernet.hpp - MAC addresses and the Ethernet II header view.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocols/net/byte_reader.hpp"

namespace switchyard::net {

/// A 48-bit MAC address, stored in the low bits of a u64 (cheap to hash and compare).
class mac_address {
 public:
  constexpr mac_address() = default;
  static constexpr mac_address from_u64(std::uint64_t v) { return mac_address(v & 0xffff'ffff'ffffULL); }
  static mac_address from_bytes(bytes six);  ///< `six` must hold at least 6 bytes.
  static std::optional<mac_address> parse(std::string_view text);  ///< "aa:bb:cc:dd:ee:ff"
  static constexpr mac_address broadcast() { return mac_address(0xffff'ffff'ffffULL); }

  constexpr std::uint64_t value() const { return value_; }
  constexpr bool is_broadcast() const { return value_ == 0xffff'ffff'ffffULL; }
  /// The I/G bit: set for multicast and broadcast destinations.
  constexpr bool is_group() const { return (value_ >> 40) & 0x01; }
  constexpr bool is_zero() const { return value_ == 0; }
  void write_to(std::span<std::byte> out) const;  ///< Writes 6 bytes.
  std::string to_string() const;

  constexpr auto operator<=>(const mac_address&) const = default;

 private:
  constexpr explicit mac_address(std::uint64_t v) : value_(v) {}
  std::uint64_t value_ = 0;
};

namespace ethertype {
inline constexpr std::uint16_t ipv4 = 0x0800;
inline constexpr std::uint16_t arp = 0x0806;
inline constexpr std::uint16_t vlan = 0x8100;
inline constexpr std::uint16_t ipv6 = 0x86dd;
}  // namespace ethertype

inline constexpr std::size_t ethernet_header_size = 14;

/// A parsed Ethernet II header. `payload` aliases the frame.
struct ethernet_view {
  mac_address destination;
  mac_address source;
  std::uint16_t type = 0;
  bytes payload;
};

/// Parses the 14-byte header; nullopt if the frame is shorter. VLAN tags are
/// not interpreted (`type` is then 0x8100): the switch forwards them as they are.
std::optional<ethernet_view> parse_ethernet(bytes frame);

/// Writes a 14-byte header at the start of `out` (which must hold 14 bytes).
void write_ethernet_header(std::span<std::byte> out, mac_address destination, mac_address source,
                           std::uint16_t type);

}  // namespace switchyard::net

template <>
struct std::hash<switchyard::net::mac_address> {
  std::size_t operator()(const switchyard::net::mac_address& m) const noexcept {
    return std::hash<std::uint64_t>{}(m.value() * 0x9e3779b97f4a7c15ULL);
  }
};
