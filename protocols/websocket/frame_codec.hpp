// protocols/websocket/frame_codec.hpp - RFC 6455 frame headers: parse and write (pure).
//
// Used by the relay's batched data path: after Beast has answered the upgrade,
// the session reads whatever the socket holds, parses every complete frame in
// place and writes many frames with one gathered write. Beast's stream reads and
// writes one message per operation, which caps a frame relay near 100 k
// messages/s (DESIGN.md, "Threads and lifetimes").
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace switchyard::websocket {

enum class opcode : std::uint8_t { continuation = 0, text = 1, binary = 2, close = 8, ping = 9, pong = 10 };

inline bool is_control(opcode op) { return static_cast<std::uint8_t>(op) & 0x8; }

/// Close codes we send (RFC 6455 section 7.4.1).
namespace close_code {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t going_away = 1001;
inline constexpr std::uint16_t protocol_error = 1002;
inline constexpr std::uint16_t unsupported_data = 1003;
inline constexpr std::uint16_t invalid_payload = 1007;
inline constexpr std::uint16_t policy_violation = 1008;
inline constexpr std::uint16_t too_big = 1009;
}  // namespace close_code

struct frame_header {
  bool fin = true;
  opcode op = opcode::binary;
  bool masked = false;
  std::uint8_t mask[4] = {};
  std::uint64_t payload_length = 0;
  std::size_t header_size = 0;  ///< bytes before the payload
};

enum class header_error {
  reserved_bits,         ///< RSV1-3 set without a negotiated extension
  unknown_opcode,
  bad_control_frame,     ///< fragmented, or payload over 125 bytes
  mask_mismatch,         ///< client frames must be masked, server frames must not
  non_minimal_length,    ///< a length encoded longer than needed
  too_big,               ///< over the caller's limit (`header` is filled in)
};

/// The result of looking at the start of a buffer: a header, a need for more
/// bytes, or a protocol error.
struct header_result {
  enum class status { complete, need_more, error } state = status::need_more;
  frame_header header;
  header_error error = header_error::reserved_bits;
};

/// Parses one frame header at the start of `data`. `from_client`: frames must
/// be masked (else unmasked). `max_payload` bounds data frames.
header_result parse_frame_header(std::span<const std::byte> data, bool from_client, std::uint64_t max_payload);

/// XORs `payload` with the mask in place; `offset` is the payload position of
/// payload[0] (for masks continued across calls).
void apply_mask(std::span<std::byte> payload, const std::uint8_t (&mask)[4], std::size_t offset = 0);

inline constexpr std::size_t max_header_size = 14;

/// Writes a frame header into `out` (at least max_header_size bytes) and returns
/// its size. With `mask` the frame is a client frame; the caller masks the payload.
std::size_t write_frame_header(std::span<std::byte> out, opcode op, bool fin, std::uint64_t payload_length,
                               const std::uint8_t (*mask)[4] = nullptr);

/// The close code in a close frame's payload, if it has one (1005 otherwise);
/// nullopt when the payload is malformed (1 byte, or a code that may not be sent).
std::optional<std::uint16_t> parse_close_code(std::span<const std::byte> payload);

}  // namespace switchyard::websocket
