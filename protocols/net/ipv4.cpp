// protocols/net/ipv4.cpp - IPv4 addresses, subnets and the IPv4 header view.
#include "protocols/net/ipv4.hpp"

#include <charconv>

namespace switchyard::net {

std::optional<ipv4_address> ipv4_address::parse(std::string_view text) {
  std::uint32_t v = 0;
  const char* p = text.data();
  const char* end = text.data() + text.size();
  for (int i = 0; i < 4; ++i) {
    if (i > 0) {
      if (p == end || *p != '.') return std::nullopt;
      ++p;
    }
    // Strict: 1-3 decimal digits, no leading zeros (they mean octal to some parsers).
    const char* start = p;
    unsigned octet = 0;
    auto [next, ec] = std::from_chars(p, end, octet);
    if (ec != std::errc{} || next == start || next - start > 3 || octet > 255) return std::nullopt;
    if (next - start > 1 && *start == '0') return std::nullopt;
    v = (v << 8) | octet;
    p = next;
  }
  if (p != end) return std::nullopt;
  return ipv4_address(v);
}

std::string ipv4_address::to_string() const {
  return std::to_string(value_ >> 24) + '.' + std::to_string((value_ >> 16) & 0xff) + '.' +
         std::to_string((value_ >> 8) & 0xff) + '.' + std::to_string(value_ & 0xff);
}

std::optional<ipv4_subnet> ipv4_subnet::parse(std::string_view cidr) {
  auto slash = cidr.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto address = ipv4_address::parse(cidr.substr(0, slash));
  auto len_text = cidr.substr(slash + 1);
  unsigned len = 0;
  auto [next, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
  if (!address || ec != std::errc{} || next != len_text.data() + len_text.size() || len_text.empty() || len > 32)
    return std::nullopt;
  // Strict like the address: "/024" or "/00024" is not how anyone writes a prefix.
  if (len_text.size() > 1 && len_text[0] == '0') return std::nullopt;
  ipv4_subnet s{*address, len};
  if ((address->value() & ~s.mask()) != 0) return std::nullopt;
  return s;
}

std::string ipv4_subnet::to_string() const { return network.to_string() + '/' + std::to_string(prefix_length); }

std::uint32_t checksum_add(bytes data, std::uint32_t sum) {
  std::size_t i = 0;
  for (; i + 1 < data.size(); i += 2) sum += load_u16(data, i);
  if (i < data.size()) sum += std::to_integer<std::uint32_t>(data[i]) << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return sum;
}

std::uint16_t checksum_finish(std::uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum & 0xffff);
}

std::optional<ipv4_view> parse_ipv4(bytes packet, ipv4_error* error) {
  auto fail = [error](ipv4_error e) -> std::optional<ipv4_view> {
    if (error) *error = e;
    return std::nullopt;
  };
  if (packet.size() < 20) return fail(ipv4_error::truncated);
  auto version_ihl = std::to_integer<std::uint8_t>(packet[0]);
  if ((version_ihl >> 4) != 4) return fail(ipv4_error::bad_version);
  std::uint8_t header_length = static_cast<std::uint8_t>((version_ihl & 0x0f) * 4);
  if (header_length < 20 || header_length > packet.size()) return fail(ipv4_error::bad_header_length);
  std::uint16_t total_length = load_u16(packet, 2);
  if (total_length < header_length || total_length > packet.size()) return fail(ipv4_error::bad_total_length);
  if (checksum_finish(checksum_add(packet.subspan(0, header_length))) != 0) return fail(ipv4_error::bad_checksum);
  return ipv4_view{
      .header_length = header_length,
      .total_length = total_length,
      .fragment_field = load_u16(packet, 6),
      .ttl = std::to_integer<std::uint8_t>(packet[8]),
      .protocol = std::to_integer<std::uint8_t>(packet[9]),
      .source = ipv4_address(load_u32(packet, 12)),
      .destination = ipv4_address(load_u32(packet, 16)),
      .header = packet.subspan(0, header_length),
      .payload = packet.subspan(header_length, total_length - header_length),
  };
}

}  // namespace switchyard::net
