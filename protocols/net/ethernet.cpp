// protocols/net/ethernet.cpp - MAC addresses and the Ethernet II header view.
#include "protocols/net/ethernet.hpp"

#include <cstdio>

namespace switchyard::net {

mac_address mac_address::from_bytes(bytes six) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 6; ++i) v = (v << 8) | std::to_integer<std::uint64_t>(six[i]);
  return mac_address(v);
}

std::optional<mac_address> mac_address::parse(std::string_view text) {
  if (text.size() != 17) return std::nullopt;
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 6; ++i) {
    if (i > 0 && text[i * 3 - 1] != ':' && text[i * 3 - 1] != '-') return std::nullopt;
    std::uint64_t octet = 0;
    for (std::size_t j = 0; j < 2; ++j) {
      char c = text[i * 3 + j];
      std::uint64_t d;
      if (c >= '0' && c <= '9') d = static_cast<std::uint64_t>(c - '0');
      else if (c >= 'a' && c <= 'f') d = static_cast<std::uint64_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') d = static_cast<std::uint64_t>(c - 'A' + 10);
      else return std::nullopt;
      octet = octet * 16 + d;
    }
    v = (v << 8) | octet;
  }
  return mac_address(v);
}

void mac_address::write_to(std::span<std::byte> out) const {
  for (std::size_t i = 0; i < 6; ++i) out[i] = std::byte((value_ >> (40 - 8 * i)) & 0xff);
}

std::string mac_address::to_string() const {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", unsigned(value_ >> 40) & 0xff,
                unsigned(value_ >> 32) & 0xff, unsigned(value_ >> 24) & 0xff, unsigned(value_ >> 16) & 0xff,
                unsigned(value_ >> 8) & 0xff, unsigned(value_) & 0xff);
  return buf;
}

std::optional<ethernet_view> parse_ethernet(bytes frame) {
  if (frame.size() < ethernet_header_size) return std::nullopt;
  return ethernet_view{
      .destination = mac_address::from_bytes(frame.subspan(0, 6)),
      .source = mac_address::from_bytes(frame.subspan(6, 6)),
      .type = load_u16(frame, 12),
      .payload = frame.subspan(ethernet_header_size),
  };
}

void write_ethernet_header(std::span<std::byte> out, mac_address destination, mac_address source,
                           std::uint16_t type) {
  destination.write_to(out.subspan(0, 6));
  source.write_to(out.subspan(6, 6));
  store_u16(out, 12, type);
}

}  // namespace switchyard::net
