// tests/fuzz/ethernet_arp_ipv4_fuzz.cpp - libFuzzer target for the Ethernet, ARP,
// IPv4 and ICMP parsers and the address parsers: no crash, and views stay inside
// the input; ICMP errors quoting any bytes stay well-formed.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "protocols/net/arp.hpp"
#include "protocols/net/ethernet.hpp"
#include "protocols/net/icmp.hpp"
#include "protocols/net/ipv4.hpp"

namespace {

using namespace switchyard;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "invariant violated: %s\n", what);
  std::abort();
}
#define FUZZ_CHECK(condition) \
  do {                        \
    if (!(condition)) fail(#condition); \
  } while (0)

bool inside(net::bytes part, net::bytes whole) {
  if (part.empty()) return true;
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

void check_arp(net::bytes payload) {
  auto arp = net::parse_arp(payload);
  if (!arp) return;
  FUZZ_CHECK(payload.size() >= net::arp_packet_size);
  // Only one encoding is accepted, so rebuilding gives back the same 28 bytes.
  auto rebuilt = net::build_arp_frame(net::mac_address{}, net::mac_address{}, *arp);
  FUZZ_CHECK(std::equal(rebuilt.begin() + net::ethernet_header_size, rebuilt.end(), payload.begin()));
}

// An accepted echo rebuilds to the same bytes (the checksum field aside: 0x0000
// and 0xffff both verify when the sum is zero).
void check_icmp_echo(net::bytes message) {
  auto echo = net::parse_icmp_echo(message);
  if (!echo) return;
  FUZZ_CHECK(message.size() >= net::icmp_header_size);
  FUZZ_CHECK(echo->type == net::icmp_type::echo_request || echo->type == net::icmp_type::echo_reply);
  FUZZ_CHECK(inside(echo->payload, message));
  FUZZ_CHECK(echo->payload.size() == message.size() - net::icmp_header_size);
  auto rebuilt = net::build_icmp_echo_message(echo->type, echo->identifier, echo->sequence, echo->payload);
  FUZZ_CHECK(rebuilt.size() == message.size());
  FUZZ_CHECK(std::equal(rebuilt.begin(), rebuilt.begin() + 2, message.begin()));
  FUZZ_CHECK(std::equal(rebuilt.begin() + 4, rebuilt.end(), message.begin() + 4));
  FUZZ_CHECK(net::checksum_finish(net::checksum_add(rebuilt)) == 0);
}

// Whatever a VM sent, the unreachable we send back quotes at most header + 8
// bytes of it and carries valid checksums.
void check_icmp_unreachable(net::bytes original) {
  auto quote = net::icmp_quote_length(original);
  FUZZ_CHECK(quote <= original.size() && quote <= 60 + 8);
  auto frame = net::build_icmp_unreachable_frame(net::mac_address{}, net::mac_address{}, net::ipv4_address(1),
                                                 net::ipv4_address(2), net::icmp_unreachable::host, original);
  auto eth = net::parse_ethernet(frame);
  FUZZ_CHECK(eth.has_value());
  auto ip = net::parse_ipv4(eth->payload);
  FUZZ_CHECK(ip.has_value());
  FUZZ_CHECK(ip->payload.size() == net::icmp_header_size + quote);
  FUZZ_CHECK(net::checksum_finish(net::checksum_add(ip->payload)) == 0);
  FUZZ_CHECK(std::equal(ip->payload.begin() + net::icmp_header_size, ip->payload.end(), original.begin()));
}

void check_ipv4(net::bytes packet) {
  net::ipv4_error error{};
  auto ip = net::parse_ipv4(packet, &error);
  if (!ip) return;
  FUZZ_CHECK(ip->header_length >= 20 && ip->header_length <= 60 && ip->header_length % 4 == 0);
  FUZZ_CHECK(ip->header.data() == packet.data() && ip->header.size() == ip->header_length);
  FUZZ_CHECK(ip->total_length <= packet.size());
  FUZZ_CHECK(inside(ip->payload, packet));
  FUZZ_CHECK(ip->payload.size() == std::size_t{ip->total_length} - ip->header_length);
  FUZZ_CHECK(ip->payload.empty() || ip->payload.data() == packet.data() + ip->header_length);
  FUZZ_CHECK(net::checksum_finish(net::checksum_add(ip->header)) == 0);
  if (auto echo = net::parse_icmp_echo(*ip)) {
    FUZZ_CHECK(ip->protocol == net::ip_protocol::icmp && !ip->is_fragment());
    FUZZ_CHECK(inside(echo->payload, ip->payload));
  }
  check_icmp_echo(ip->payload);
}

// The text parsers are strict: whatever they accept prints back identically.
void check_text(std::string_view text) {
  if (auto a = net::ipv4_address::parse(text)) FUZZ_CHECK(a->to_string() == text);
  if (auto s = net::ipv4_subnet::parse(text)) {
    FUZZ_CHECK(s->to_string() == text);
    FUZZ_CHECK((s->network.value() & ~s->mask()) == 0);
  }
  if (auto m = net::mac_address::parse(text)) FUZZ_CHECK(net::mac_address::parse(m->to_string()) == m);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  net::bytes input(reinterpret_cast<const std::byte*>(data), size);

  if (auto eth = net::parse_ethernet(input)) {
    FUZZ_CHECK(size >= net::ethernet_header_size);
    FUZZ_CHECK(inside(eth->payload, input));
    FUZZ_CHECK(eth->payload.size() == size - net::ethernet_header_size);
    std::array<std::byte, net::ethernet_header_size> header{};
    net::write_ethernet_header(header, eth->destination, eth->source, eth->type);
    FUZZ_CHECK(std::equal(header.begin(), header.end(), input.begin()));
    if (eth->type == net::ethertype::arp) check_arp(eth->payload);
    if (eth->type == net::ethertype::ipv4) check_ipv4(eth->payload);
  } else {
    FUZZ_CHECK(size < net::ethernet_header_size);
  }

  // Also without an Ethernet header, so the fuzzer reaches them from any prefix.
  check_arp(input);
  check_ipv4(input);
  check_icmp_echo(input);
  check_icmp_unreachable(input);
  if (size <= 64) check_text(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
