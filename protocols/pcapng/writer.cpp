// protocols/pcapng/writer.cpp - pcapng block builder (pure).
#include "protocols/pcapng/writer.hpp"

#include <cassert>
#include <cstring>

namespace switchyard::pcapng {
namespace {

// Option codes (pcapng draft, sections 3.5, 4.1, 4.2, 4.6).
constexpr std::uint16_t opt_endofopt = 0;
constexpr std::uint16_t shb_userappl = 4;
constexpr std::uint16_t if_name = 2;
constexpr std::uint16_t if_tsresol = 9;
constexpr std::uint16_t isb_starttime = 2;
constexpr std::uint16_t isb_endtime = 3;
constexpr std::uint16_t isb_ifrecv = 4;
constexpr std::uint16_t isb_ifdrop = 5;

constexpr std::size_t padded(std::size_t n) { return (n + 3) / 4 * 4; }

void put16(std::vector<std::byte>& out, std::uint16_t v) {
  out.push_back(static_cast<std::byte>(v));
  out.push_back(static_cast<std::byte>(v >> 8));
}
void put32(std::vector<std::byte>& out, std::uint32_t v) {
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<std::byte>(v >> shift));
}
void put64(std::vector<std::byte>& out, std::uint64_t v) {
  for (int shift = 0; shift < 64; shift += 8) out.push_back(static_cast<std::byte>(v >> shift));
}
// Timestamps are two 32-bit words, high first, each in the section's byte order.
void put_time(std::vector<std::byte>& out, std::uint64_t ns) {
  put32(out, static_cast<std::uint32_t>(ns >> 32));
  put32(out, static_cast<std::uint32_t>(ns));
}
void put_bytes(std::vector<std::byte>& out, std::span<const std::byte> bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
  out.resize(out.size() + padded(bytes.size()) - bytes.size(), std::byte{0});
}
void put_text_option(std::vector<std::byte>& out, std::uint16_t code, std::string_view text) {
  // Option lengths are 16 bits: longer text is cut (names here are short).
  text = text.substr(0, 0xFFFF);
  put16(out, code);
  put16(out, static_cast<std::uint16_t>(text.size()));
  put_bytes(out, std::as_bytes(std::span(text.data(), text.size())));
}
void put_u64_option(std::vector<std::byte>& out, std::uint16_t code, std::uint64_t v) {
  put16(out, code);
  put16(out, 8);
  put64(out, v);
}
void put_time_option(std::vector<std::byte>& out, std::uint16_t code, std::uint64_t ns) {
  put16(out, code);
  put16(out, 8);
  put_time(out, ns);
}
void put_end_of_options(std::vector<std::byte>& out) {
  put16(out, opt_endofopt);
  put16(out, 0);
}

// Opens a block: type and a placeholder length; close_block() fills in both lengths.
std::size_t open_block(std::vector<std::byte>& out, std::uint32_t type) {
  std::size_t start = out.size();
  put32(out, type);
  put32(out, 0);
  return start;
}
void close_block(std::vector<std::byte>& out, std::size_t start) {
  auto total = static_cast<std::uint32_t>(out.size() - start + 4);
  put32(out, total);
  for (int i = 0; i < 4; ++i) out[start + 4 + i] = static_cast<std::byte>(total >> (8 * i));
  assert(total % 4 == 0);
}

}  // namespace

void append_section_header(std::vector<std::byte>& out, std::string_view user_application) {
  auto start = open_block(out, section_header_type);
  put32(out, byte_order_magic);
  put16(out, 1);  // major version
  put16(out, 0);  // minor version
  put64(out, ~std::uint64_t{0});  // section length: unknown (-1), we stream
  if (!user_application.empty()) {
    put_text_option(out, shb_userappl, user_application);
    put_end_of_options(out);
  }
  close_block(out, start);
}

void append_interface_description(std::vector<std::byte>& out, const interface_description& interface) {
  auto start = open_block(out, interface_description_type);
  put16(out, linktype_ethernet);
  put16(out, 0);  // reserved
  put32(out, interface.snaplen);
  if (!interface.name.empty()) put_text_option(out, if_name, interface.name);
  put16(out, if_tsresol);
  put16(out, 1);
  out.push_back(std::byte{9});  // 10^-9 s: nanoseconds
  out.resize(out.size() + 3, std::byte{0});
  put_end_of_options(out);
  close_block(out, start);
}

void append_enhanced_packet(std::vector<std::byte>& out, std::uint32_t interface_id, std::uint64_t timestamp_ns,
                            std::span<const std::byte> captured, std::uint32_t original_length) {
  out.reserve(out.size() + enhanced_packet_size(captured.size()));
  auto start = open_block(out, enhanced_packet_type);
  put32(out, interface_id);
  put_time(out, timestamp_ns);
  put32(out, static_cast<std::uint32_t>(captured.size()));
  put32(out, original_length);
  put_bytes(out, captured);
  close_block(out, start);
}

void append_interface_statistics(std::vector<std::byte>& out, const interface_statistics& stats) {
  auto start = open_block(out, interface_statistics_type);
  put32(out, stats.interface_id);
  put_time(out, stats.timestamp_ns);
  if (stats.start_ns) put_time_option(out, isb_starttime, *stats.start_ns);
  if (stats.end_ns) put_time_option(out, isb_endtime, *stats.end_ns);
  put_u64_option(out, isb_ifrecv, stats.received);
  put_u64_option(out, isb_ifdrop, stats.dropped);
  put_end_of_options(out);
  close_block(out, start);
}

}  // namespace switchyard::pcapng
