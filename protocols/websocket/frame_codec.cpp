// protocols/websocket/frame_codec.cpp - RFC 6455 frame headers: parse and write (pure).
#include "protocols/websocket/frame_codec.hpp"

#include <cstring>

namespace switchyard::websocket {

header_result parse_frame_header(std::span<const std::byte> data, bool from_client, std::uint64_t max_payload) {
  header_result r;
  auto fail = [&r](header_error e) {
    r.state = header_result::status::error;
    r.error = e;
    return r;
  };
  if (data.size() < 2) return r;
  auto b0 = std::to_integer<std::uint8_t>(data[0]);
  auto b1 = std::to_integer<std::uint8_t>(data[1]);
  if (b0 & 0x70) return fail(header_error::reserved_bits);
  auto op = static_cast<opcode>(b0 & 0x0f);
  switch (op) {
    case opcode::continuation: case opcode::text: case opcode::binary:
    case opcode::close: case opcode::ping: case opcode::pong: break;
    default: return fail(header_error::unknown_opcode);
  }
  frame_header h;
  h.fin = b0 & 0x80;
  h.op = op;
  h.masked = b1 & 0x80;
  if (h.masked != from_client) return fail(header_error::mask_mismatch);

  std::uint64_t length = b1 & 0x7f;
  std::size_t pos = 2;
  if (length == 126) {
    if (data.size() < pos + 2) return r;
    length = (std::to_integer<std::uint64_t>(data[2]) << 8) | std::to_integer<std::uint64_t>(data[3]);
    if (length < 126) return fail(header_error::non_minimal_length);
    pos += 2;
  } else if (length == 127) {
    if (data.size() < pos + 8) return r;
    length = 0;
    for (std::size_t i = 0; i < 8; ++i) length = (length << 8) | std::to_integer<std::uint64_t>(data[2 + i]);
    if (length <= 0xffff || (length >> 63)) return fail(header_error::non_minimal_length);
    pos += 8;
  }
  if (is_control(op) && (!h.fin || length > 125)) return fail(header_error::bad_control_frame);
  if (h.masked) {
    if (data.size() < pos + 4) return r;
    for (std::size_t i = 0; i < 4; ++i) h.mask[i] = std::to_integer<std::uint8_t>(data[pos + i]);
    pos += 4;
  }
  h.payload_length = length;
  h.header_size = pos;
  r.header = h;  // complete even for too_big: the caller may skip the payload and stay in sync
  if (length > max_payload) return fail(header_error::too_big);
  r.state = header_result::status::complete;
  return r;
}

void apply_mask(std::span<std::byte> payload, const std::uint8_t (&mask)[4], std::size_t offset) {
  // Eight bytes at a time: unmasking is the only per-byte work on the relay's
  // receive path. The mask repeats every 4 bytes, so a u64 of it rotated to the
  // starting offset covers any position.
  std::uint8_t rotated[8];
  for (std::size_t i = 0; i < 8; ++i) rotated[i] = mask[(offset + i) & 3];
  std::uint64_t wide;
  std::memcpy(&wide, rotated, 8);
  std::size_t i = 0;
  for (; i + 8 <= payload.size(); i += 8) {
    std::uint64_t chunk;
    std::memcpy(&chunk, payload.data() + i, 8);
    chunk ^= wide;
    std::memcpy(payload.data() + i, &chunk, 8);
  }
  for (; i < payload.size(); ++i) payload[i] ^= std::byte{rotated[i & 7]};
}

std::size_t write_frame_header(std::span<std::byte> out, opcode op, bool fin, std::uint64_t payload_length,
                               const std::uint8_t (*mask)[4]) {
  out[0] = std::byte(static_cast<std::uint8_t>((fin ? 0x80 : 0) | static_cast<std::uint8_t>(op)));
  std::uint8_t mask_bit = mask ? 0x80 : 0;
  std::size_t pos;
  if (payload_length < 126) {
    out[1] = std::byte(static_cast<std::uint8_t>(mask_bit | payload_length));
    pos = 2;
  } else if (payload_length <= 0xffff) {
    out[1] = std::byte(static_cast<std::uint8_t>(mask_bit | 126));
    out[2] = std::byte((payload_length >> 8) & 0xff);
    out[3] = std::byte(payload_length & 0xff);
    pos = 4;
  } else {
    out[1] = std::byte(static_cast<std::uint8_t>(mask_bit | 127));
    for (std::size_t i = 0; i < 8; ++i) out[2 + i] = std::byte((payload_length >> (56 - 8 * i)) & 0xff);
    pos = 10;
  }
  if (mask) {
    for (std::size_t i = 0; i < 4; ++i) out[pos + i] = std::byte{(*mask)[i]};
    pos += 4;
  }
  return pos;
}

std::optional<std::uint16_t> parse_close_code(std::span<const std::byte> payload) {
  if (payload.empty()) return std::uint16_t{1005};
  if (payload.size() < 2) return std::nullopt;
  auto code = static_cast<std::uint16_t>((std::to_integer<unsigned>(payload[0]) << 8) |
                                         std::to_integer<unsigned>(payload[1]));
  bool sendable = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
  if (!sendable) return std::nullopt;
  return code;
}

}  // namespace switchyard::websocket
