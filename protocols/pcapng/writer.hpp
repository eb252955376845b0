// protocols/pcapng/writer.hpp - pcapng block builder (pure: bytes out, no I/O).
//
// Builds the four blocks a live Ethernet capture needs (draft-ietf-opsawg-pcapng):
// one Section Header Block, one Interface Description Block, an Enhanced
// Packet Block per frame and an Interface Statistics Block at the end. Blocks
// are written little-endian whatever the host (readers follow the byte-order
// magic); the section length is -1 (unknown) because the file is a stream.
// Every block carries its total length at both ends and a body padded to 32
// bits; option lists end with opt_endofopt.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace switchyard::pcapng {

inline constexpr std::uint32_t section_header_type = 0x0A0D0D0A;
inline constexpr std::uint32_t interface_description_type = 0x00000001;
inline constexpr std::uint32_t interface_statistics_type = 0x00000005;
inline constexpr std::uint32_t enhanced_packet_type = 0x00000006;
inline constexpr std::uint32_t byte_order_magic = 0x1A2B3C4D;
inline constexpr std::uint16_t linktype_ethernet = 1;

/// What an Interface Description Block says about the capture's one interface.
struct interface_description {
  std::string_view name;      ///< if_name; empty: option left out
  std::uint32_t snaplen = 0;  ///< 0: no limit
};

/// An Interface Statistics Block's counters; times are nanoseconds since the epoch.
struct interface_statistics {
  std::uint32_t interface_id = 0;
  std::uint64_t timestamp_ns = 0;
  std::optional<std::uint64_t> start_ns, end_ns;  ///< isb_starttime, isb_endtime
  std::uint64_t received = 0;  ///< isb_ifrecv: frames the capture saw
  std::uint64_t dropped = 0;   ///< isb_ifdrop: frames it saw but could not keep
};

/// Appends a Section Header Block (version 1.0, length unknown) with
/// shb_userappl = `user_application` (left out when empty).
void append_section_header(std::vector<std::byte>& out, std::string_view user_application = "switchyard");

/// Appends an Interface Description Block: LINKTYPE_ETHERNET, nanosecond
/// timestamps (if_tsresol 9), if_name when given.
void append_interface_description(std::vector<std::byte>& out, const interface_description& interface);

/// Appends an Enhanced Packet Block for `captured` (the bytes kept) of a frame
/// `original_length` bytes long, seen at `timestamp_ns` (ns since the epoch).
void append_enhanced_packet(std::vector<std::byte>& out, std::uint32_t interface_id, std::uint64_t timestamp_ns,
                            std::span<const std::byte> captured, std::uint32_t original_length);

/// Appends an Interface Statistics Block.
void append_interface_statistics(std::vector<std::byte>& out, const interface_statistics& stats);

/// The size append_enhanced_packet() adds for `captured_length` bytes (for buffer budgets).
constexpr std::size_t enhanced_packet_size(std::size_t captured_length) {
  return 32 + (captured_length + 3) / 4 * 4;
}

}  // namespace switchyard::pcapng
