// protocols/net/icmp.cpp - ICMPv4 echo and destination unreachable (RFC 792).
#include "protocols/net/icmp.hpp"

#include <algorithm>

#include "protocols/net/udp.hpp"

namespace switchyard::net {
namespace {

constexpr std::size_t ipv4_header_size = 20;

// A 20-byte header (no options, TTL 64, DF clear, identification 0) for `l4_size`
// bytes of `protocol`, checksum set.
void write_ipv4_header(std::span<std::byte> out, ipv4_address source, ipv4_address destination, std::uint8_t protocol,
                       std::size_t l4_size) {
  auto ip = out.subspan(0, ipv4_header_size);
  std::fill(ip.begin(), ip.end(), std::byte{0});
  ip[0] = std::byte{0x45};
  store_u16(ip, 2, static_cast<std::uint16_t>(ipv4_header_size + l4_size));
  ip[8] = std::byte{64};
  ip[9] = std::byte{protocol};
  store_u32(ip, 12, source.value());
  store_u32(ip, 16, destination.value());
  store_u16(ip, 10, checksum_finish(checksum_add(ip)));
}

// Header fields, then the checksum over the whole message (RFC 792: it covers the data too).
void write_icmp(std::span<std::byte> out, std::uint8_t type, std::uint8_t code, std::uint32_t rest_of_header,
                bytes data) {
  out[0] = std::byte{type};
  out[1] = std::byte{code};
  store_u16(out, 2, 0);
  store_u32(out, 4, rest_of_header);
  std::copy(data.begin(), data.end(), out.begin() + icmp_header_size);
  store_u16(out, 2, checksum_finish(checksum_add(out.subspan(0, icmp_header_size + data.size()))));
}

std::uint32_t echo_rest(std::uint16_t identifier, std::uint16_t sequence) {
  return (std::uint32_t{identifier} << 16) | sequence;
}

// An Ethernet + IPv4 frame with room for an ICMP message of `icmp_size` bytes
// after the two headers.
std::vector<std::byte> icmp_frame(mac_address eth_destination, mac_address eth_source, ipv4_address source,
                                  ipv4_address destination, std::size_t icmp_size) {
  std::vector<std::byte> f(ethernet_header_size + ipv4_header_size + icmp_size);
  std::span<std::byte> out(f);
  write_ethernet_header(out, eth_destination, eth_source, ethertype::ipv4);
  write_ipv4_header(out.subspan(ethernet_header_size), source, destination, ip_protocol::icmp, icmp_size);
  return f;
}

}  // namespace

std::optional<icmp_echo_view> parse_icmp_echo(bytes message) {
  byte_reader r(message);
  auto type = r.u8(), code = r.u8();
  r.skip(2);  // checksum: verified over the whole message below
  auto identifier = r.u16(), sequence = r.u16();
  if (r.bad() || *code != 0) return std::nullopt;
  if (*type != icmp_type::echo_request && *type != icmp_type::echo_reply) return std::nullopt;
  if (checksum_finish(checksum_add(message)) != 0) return std::nullopt;
  return icmp_echo_view{.type = *type, .identifier = *identifier, .sequence = *sequence, .payload = r.rest()};
}

std::optional<icmp_echo_view> parse_icmp_echo(const ipv4_view& ip) {
  if (ip.protocol != ip_protocol::icmp || ip.is_fragment()) return std::nullopt;
  return parse_icmp_echo(ip.payload);
}

std::vector<std::byte> build_icmp_echo_message(std::uint8_t type, std::uint16_t identifier, std::uint16_t sequence,
                                               bytes payload) {
  std::vector<std::byte> m(icmp_header_size + payload.size());
  write_icmp(m, type, 0, echo_rest(identifier, sequence), payload);
  return m;
}

std::vector<std::byte> build_icmp_echo_reply_frame(mac_address eth_destination, mac_address eth_source,
                                                   ipv4_address source, ipv4_address destination,
                                                   std::uint16_t identifier, std::uint16_t sequence, bytes payload) {
  auto f = icmp_frame(eth_destination, eth_source, source, destination, icmp_header_size + payload.size());
  write_icmp(std::span(f).subspan(ethernet_header_size + ipv4_header_size), icmp_type::echo_reply, 0,
             echo_rest(identifier, sequence), payload);
  return f;
}

std::size_t icmp_quote_length(bytes original) {
  // The IHL of a packet we are complaining about may lie: clamp it to what a
  // header can be, and the quote to what we hold.
  std::size_t header = ipv4_header_size;
  if (!original.empty()) header = std::max<std::size_t>(header, (std::to_integer<std::size_t>(original[0]) & 0x0f) * 4);
  return std::min(original.size(), header + 8);
}

std::vector<std::byte> build_icmp_unreachable_frame(mac_address eth_destination, mac_address eth_source,
                                                    ipv4_address source, ipv4_address destination, std::uint8_t code,
                                                    bytes original) {
  auto quote = original.first(icmp_quote_length(original));
  auto f = icmp_frame(eth_destination, eth_source, source, destination, icmp_header_size + quote.size());
  // Rest of header: unused (zero); next-hop MTU is only for code 4, which we never send.
  write_icmp(std::span(f).subspan(ethernet_header_size + ipv4_header_size), icmp_type::destination_unreachable,
             code, 0, quote);
  return f;
}

std::vector<std::byte> build_udp_packet(ipv4_address source, std::uint16_t source_port, ipv4_address destination,
                                        std::uint16_t destination_port, bytes payload) {
  auto f = build_udp_frame({}, {}, source, source_port, destination, destination_port, payload);
  f.erase(f.begin(), f.begin() + ethernet_header_size);
  return f;
}

std::vector<std::byte> build_icmp_echo_request_packet(ipv4_address source, ipv4_address destination,
                                                      std::uint16_t identifier, std::uint16_t sequence,
                                                      bytes payload) {
  std::vector<std::byte> p(ipv4_header_size + icmp_header_size + payload.size());
  std::span<std::byte> out(p);
  write_ipv4_header(out, source, destination, ip_protocol::icmp, icmp_header_size + payload.size());
  write_icmp(out.subspan(ipv4_header_size), icmp_type::echo_request, 0, echo_rest(identifier, sequence), payload);
  return p;
}

}  // namespace switchyard::net
