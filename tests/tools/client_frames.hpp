// tests/tools/client_frames.hpp - the client side of RFC 6455 framing, written independently of the server's codec.
//
// sy-tap-relay frames by hand so it can put many messages in one socket write
// (Beast's stream writes one message per operation, and at that rate the
// relays cost more CPU than the server they are meant to measure). It
// deliberately does not reuse protocols/websocket/: a test client sharing the
// server's codec would share its bugs, and they would cancel out in the tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

namespace switchyard::tools {

enum class ws_opcode : std::uint8_t { continuation = 0, text = 1, binary = 2, close = 8, ping = 9, pong = 10 };

/// Appends one final (FIN) frame, masked with `mask_key` as a client must,
/// to `out`. The payload is copied and masked on the way.
inline void append_client_frame(std::vector<std::byte>& out, ws_opcode op, std::span<const std::byte> payload,
                                std::uint32_t mask_key) {
  const std::size_t n = payload.size();
  std::byte header[14];
  std::size_t h = 0;
  header[h++] = std::byte(0x80 | static_cast<std::uint8_t>(op));
  if (n < 126) {
    header[h++] = std::byte(0x80 | n);
  } else if (n <= 0xffff) {
    header[h++] = std::byte(0x80 | 126);
    header[h++] = std::byte(n >> 8);
    header[h++] = std::byte(n & 0xff);
  } else {
    header[h++] = std::byte(0x80 | 127);
    for (int i = 7; i >= 0; --i) header[h++] = std::byte((static_cast<std::uint64_t>(n) >> (8 * i)) & 0xff);
  }
  std::byte key[4];
  for (int i = 0; i < 4; ++i) key[i] = std::byte((mask_key >> (8 * (3 - i))) & 0xff);
  std::memcpy(header + h, key, 4);
  h += 4;

  const std::size_t start = out.size();
  out.resize(start + h + n);
  std::byte* dst = out.data() + start;
  std::memcpy(dst, header, h);
  dst += h;
  if (n) std::memcpy(dst, payload.data(), n);
  // Eight bytes at a time: the key repeats every 4 bytes, so a doubled key
  // masks a u64 exactly; the tail byte by byte.
  std::uint64_t key8;
  std::memcpy(&key8, key, 4);
  std::memcpy(reinterpret_cast<std::byte*>(&key8) + 4, key, 4);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t v;
    std::memcpy(&v, dst + i, 8);
    v ^= key8;
    std::memcpy(dst + i, &v, 8);
  }
  for (; i < n; ++i) dst[i] ^= key[i & 3];
}

/// One frame from the server, viewed in the caller's buffer.
struct server_frame {
  enum class status { complete, need_more, error } state = status::need_more;
  bool fin = true;
  ws_opcode op = ws_opcode::binary;
  std::span<const std::byte> payload;  ///< aliases the buffer
  std::size_t size = 0;                ///< header + payload: bytes to consume
  const char* error = "";              ///< why, for status::error
};

/// Parses the frame at the start of `data`. Server frames must not be masked
/// and must not use reserved bits; control frames are at most 125 bytes and
/// never fragmented. Payloads over `max_payload` are an error.
inline server_frame parse_server_frame(std::span<const std::byte> data, std::uint64_t max_payload) {
  server_frame f;
  if (data.size() < 2) return f;
  const auto b0 = std::to_integer<unsigned>(data[0]);
  const auto b1 = std::to_integer<unsigned>(data[1]);
  f.fin = b0 & 0x80;
  f.op = static_cast<ws_opcode>(b0 & 0x0f);
  auto fail = [&](const char* why) {
    f.state = server_frame::status::error;
    f.error = why;
    return f;
  };
  if (b0 & 0x70) return fail("reserved bits set in a server frame");
  if (b1 & 0x80) return fail("server frame is masked");
  const unsigned opv = b0 & 0x0f;
  if ((opv > 2 && opv < 8) || opv > 10) return fail("unknown opcode");
  std::uint64_t len = b1 & 0x7f;
  std::size_t header = 2;
  if (len == 126) {
    if (data.size() < 4) return f;
    len = (std::to_integer<std::uint64_t>(data[2]) << 8) | std::to_integer<std::uint64_t>(data[3]);
    header = 4;
  } else if (len == 127) {
    if (data.size() < 10) return f;
    len = 0;
    for (int i = 2; i < 10; ++i) len = (len << 8) | std::to_integer<std::uint64_t>(data[i]);
    header = 10;
  }
  if (opv >= 8 && (len > 125 || !f.fin)) return fail("bad control frame");
  if (len > max_payload) return fail("server message over our limit");
  if (data.size() - header < len) return f;
  f.state = server_frame::status::complete;
  f.payload = data.subspan(header, static_cast<std::size_t>(len));
  f.size = header + static_cast<std::size_t>(len);
  return f;
}

}  // namespace switchyard::tools
