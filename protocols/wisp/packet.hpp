// protocols/wisp/packet.hpp - Wisp v1/v2 packets: parse and build, no I/O.
//
// Every WebSocket binary message is one packet: u8 type, u32 LE stream id,
// payload to the end (../shared/PROTOCOLS.md). Parsers only look at the bytes
// they are given, never read past them, and return nullopt for anything
// malformed; views point into the caller's buffer.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::wisp {

enum class packet_type : std::uint8_t { connect = 0x01, data = 0x02, continue_ = 0x03, close = 0x04, info = 0x05 };
enum class stream_type : std::uint8_t { tcp = 0x01, udp = 0x02 };

/// CLOSE reasons (v1 and v2).
enum class close_reason : std::uint8_t {
  unspecified = 0x01,
  voluntary = 0x02,
  network_error = 0x03,
  incompatible_extensions = 0x04,
  invalid_info = 0x41,
  unreachable = 0x42,  ///< unreachable or unresolvable host
  no_response = 0x43,
  refused = 0x44,
  timed_out = 0x47,
  blocked = 0x48,    ///< by server policy
  throttled = 0x49,  ///< over a quota or ignoring flow control
  client_error = 0x81,
  bad_password = 0xc0,
  bad_signature = 0xc1,
  credentials_required = 0xc2,
};
std::string_view to_string(close_reason r);

/// Extension ids (v2 INFO records).
enum class extension_id : std::uint8_t {
  udp = 0x01,
  password_auth = 0x02,
  key_auth = 0x03,
  motd = 0x04,
  stream_confirmation = 0x05,
};

inline constexpr std::size_t header_size = 5;
/// Longest CONNECT hostname accepted (a DNS name is at most 253 characters).
inline constexpr std::size_t max_hostname = 255;
/// At most this many extension records are read from one INFO.
inline constexpr std::size_t max_extensions = 32;

struct packet_view {
  packet_type type;
  std::uint32_t stream_id = 0;
  std::span<const std::byte> payload;
};

struct connect_payload {
  stream_type type;
  std::uint16_t port = 0;
  std::string_view host;  ///< 1..max_hostname bytes, no NUL and no control characters
};

struct extension_record {
  std::uint8_t id = 0;
  std::span<const std::byte> payload;
};

struct info_payload {
  std::uint8_t major = 0, minor = 0;
  std::vector<extension_record> extensions;  ///< in wire order, at most max_extensions
};

struct credentials {
  std::string_view username, password;
};

/// The header and the payload span; nullopt when shorter than a header or the
/// type is not one of packet_type.
std::optional<packet_view> parse_packet(std::span<const std::byte> message);
/// CONNECT: stream type 1 or 2, a port, a non-empty printable hostname.
std::optional<connect_payload> parse_connect(std::span<const std::byte> payload);
/// CONTINUE: the u32 buffer_remaining (exactly 4 bytes).
std::optional<std::uint32_t> parse_continue(std::span<const std::byte> payload);
/// CLOSE: the reason byte (at least 1 byte; any value is returned as is).
std::optional<std::uint8_t> parse_close(std::span<const std::byte> payload);
/// INFO: version and extension records; nullopt when a record overruns the
/// payload or there are more than max_extensions.
std::optional<info_payload> parse_info(std::span<const std::byte> payload);
/// The password-auth record a client sent, read in both deployed layouts:
/// draft 5 (`u8 ulen, u16 LE plen, user, password`) and draft 6
/// (`u8 ulen, user, password to the end`). Every layout that fits exactly is
/// returned (draft 5 first); empty when none does.
std::vector<credentials> parse_client_password(std::span<const std::byte> payload);

/// Writes the 5-byte header.
void write_header(std::span<std::byte, header_size> out, packet_type type, std::uint32_t stream_id);
std::array<std::byte, 9> make_continue(std::uint32_t stream_id, std::uint32_t buffer_remaining);
std::array<std::byte, 6> make_close(std::uint32_t stream_id, close_reason reason);
std::vector<std::byte> make_connect(std::uint32_t stream_id, stream_type type, std::uint16_t port,
                                    std::string_view host);
std::vector<std::byte> make_data(std::uint32_t stream_id, std::span<const std::byte> data);

/// What a server announces in its INFO.
struct server_info {
  std::uint8_t major = 2, minor = 0;
  bool udp = false;
  bool password_required = false;  ///< announces password auth (required = 1)
  std::string motd;                ///< announced when not empty
  bool stream_confirmation = true;
};
std::vector<std::byte> make_server_info(const server_info& info);

/// A client INFO (for tests, fuzzing and the benchmark's client).
struct client_info {
  std::uint8_t major = 2, minor = 0;
  bool udp = false, motd = false, stream_confirmation = false;
  std::optional<std::pair<std::string, std::string>> password;  ///< draft-6 layout
  bool password_draft5 = false;                                 ///< write it in the draft-5 layout instead
};
std::vector<std::byte> make_client_info(const client_info& info);

}  // namespace switchyard::wisp
