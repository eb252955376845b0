// protocols/wisp/packet.cpp - Wisp v1/v2 packets: parse and build, no I/O.
#include "protocols/wisp/packet.hpp"

#include "protocols/net/byte_reader.hpp"

namespace switchyard::wisp {
namespace {

using net::byte_reader;

// Wisp is little-endian throughout; byte_reader's integers are big-endian, so
// only its bounds-checked take() is used here.
std::optional<std::uint16_t> le16(byte_reader& r) {
  auto b = r.take(2);
  if (!b) return std::nullopt;
  return static_cast<std::uint16_t>(std::to_integer<unsigned>((*b)[0]) | (std::to_integer<unsigned>((*b)[1]) << 8));
}

std::optional<std::uint32_t> le32(byte_reader& r) {
  auto b = r.take(4);
  if (!b) return std::nullopt;
  std::uint32_t v = 0;
  for (std::size_t i = 4; i-- > 0;) v = (v << 8) | std::to_integer<std::uint32_t>((*b)[i]);
  return v;
}

void store_le16(std::span<std::byte> out, std::size_t at, std::uint16_t v) {
  out[at] = std::byte(v & 0xff);
  out[at + 1] = std::byte(v >> 8);
}

void store_le32(std::span<std::byte> out, std::size_t at, std::uint32_t v) {
  for (std::size_t i = 0; i < 4; ++i) out[at + i] = std::byte((v >> (8 * i)) & 0xff);
}

void append_le32(std::vector<std::byte>& out, std::uint32_t v) {
  for (std::size_t i = 0; i < 4; ++i) out.push_back(std::byte((v >> (8 * i)) & 0xff));
}

void append_text(std::vector<std::byte>& out, std::string_view text) {
  for (char c : text) out.push_back(static_cast<std::byte>(c));
}

std::string_view as_text(std::span<const std::byte> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

std::vector<std::byte> packet_with_header(packet_type type, std::uint32_t stream_id, std::size_t payload_reserve) {
  std::vector<std::byte> out(header_size);
  out.reserve(header_size + payload_reserve);
  write_header(std::span<std::byte, header_size>(out.data(), header_size), type, stream_id);
  return out;
}

void append_record(std::vector<std::byte>& out, extension_id id, std::span<const std::byte> payload) {
  out.push_back(std::byte(static_cast<std::uint8_t>(id)));
  append_le32(out, static_cast<std::uint32_t>(payload.size()));
  out.insert(out.end(), payload.begin(), payload.end());
}

}  // namespace

std::string_view to_string(close_reason r) {
  switch (r) {
    case close_reason::unspecified: return "unspecified";
    case close_reason::voluntary: return "voluntary";
    case close_reason::network_error: return "network_error";
    case close_reason::incompatible_extensions: return "incompatible_extensions";
    case close_reason::invalid_info: return "invalid_info";
    case close_reason::unreachable: return "unreachable";
    case close_reason::no_response: return "no_response";
    case close_reason::refused: return "refused";
    case close_reason::timed_out: return "timed_out";
    case close_reason::blocked: return "blocked";
    case close_reason::throttled: return "throttled";
    case close_reason::client_error: return "client_error";
    case close_reason::bad_password: return "bad_password";
    case close_reason::bad_signature: return "bad_signature";
    case close_reason::credentials_required: return "credentials_required";
  }
  return "unknown";  // a peer's reason byte outside the enum
}

std::optional<packet_view> parse_packet(std::span<const std::byte> message) {
  if (message.size() < header_size) return std::nullopt;
  byte_reader r(message);
  auto type = *r.u8();
  if (type < 0x01 || type > 0x05) return std::nullopt;
  packet_view p;
  p.type = static_cast<packet_type>(type);
  p.stream_id = *le32(r);
  p.payload = r.rest();
  return p;
}

std::optional<connect_payload> parse_connect(std::span<const std::byte> payload) {
  byte_reader r(payload);
  auto type = r.u8();
  auto port = le16(r);
  if (!type || !port) return std::nullopt;
  if (*type != 0x01 && *type != 0x02) return std::nullopt;
  auto host = r.rest();
  if (host.empty() || host.size() > max_hostname) return std::nullopt;
  // Bytes >= 0x80 pass: the hostname is UTF-8 and policy decides about names.
  for (auto b : host) {
    auto c = std::to_integer<std::uint8_t>(b);
    if (c < 0x20 || c == 0x7f) return std::nullopt;
  }
  return connect_payload{static_cast<stream_type>(*type), *port, as_text(host)};
}

std::optional<std::uint32_t> parse_continue(std::span<const std::byte> payload) {
  if (payload.size() != 4) return std::nullopt;
  byte_reader r(payload);
  return le32(r);
}

std::optional<std::uint8_t> parse_close(std::span<const std::byte> payload) {
  byte_reader r(payload);
  return r.u8();
}

std::optional<info_payload> parse_info(std::span<const std::byte> payload) {
  byte_reader r(payload);
  auto major = r.u8();
  auto minor = r.u8();
  if (!major || !minor) return std::nullopt;
  info_payload info;
  info.major = *major;
  info.minor = *minor;
  while (r.remaining() > 0) {
    if (info.extensions.size() == max_extensions) return std::nullopt;
    auto id = r.u8();
    auto length = le32(r);
    if (!id || !length) return std::nullopt;
    auto body = r.take(*length);
    if (!body) return std::nullopt;
    info.extensions.push_back({*id, *body});
  }
  return info;
}

std::vector<credentials> parse_client_password(std::span<const std::byte> payload) {
  std::vector<credentials> out;
  {  // draft 5: u8 ulen, u16 LE plen, user, password; must end exactly
    byte_reader r(payload);
    auto ulen = r.u8();
    auto plen = le16(r);
    if (ulen && plen) {
      auto user = r.take(*ulen);
      auto pass = r.take(*plen);
      if (user && pass && r.remaining() == 0) out.push_back({as_text(*user), as_text(*pass)});
    }
  }
  {  // draft 6: u8 ulen, user, password to the end
    byte_reader r(payload);
    auto ulen = r.u8();
    if (ulen) {
      auto user = r.take(*ulen);
      if (user) out.push_back({as_text(*user), as_text(r.rest())});
    }
  }
  return out;
}

void write_header(std::span<std::byte, header_size> out, packet_type type, std::uint32_t stream_id) {
  out[0] = std::byte(static_cast<std::uint8_t>(type));
  store_le32(out, 1, stream_id);
}

std::array<std::byte, 9> make_continue(std::uint32_t stream_id, std::uint32_t buffer_remaining) {
  std::array<std::byte, 9> out{};
  write_header(std::span<std::byte, header_size>(out.data(), header_size), packet_type::continue_, stream_id);
  store_le32(out, header_size, buffer_remaining);
  return out;
}

std::array<std::byte, 6> make_close(std::uint32_t stream_id, close_reason reason) {
  std::array<std::byte, 6> out{};
  write_header(std::span<std::byte, header_size>(out.data(), header_size), packet_type::close, stream_id);
  out[header_size] = std::byte(static_cast<std::uint8_t>(reason));
  return out;
}

std::vector<std::byte> make_connect(std::uint32_t stream_id, stream_type type, std::uint16_t port,
                                    std::string_view host) {
  auto out = packet_with_header(packet_type::connect, stream_id, 3 + host.size());
  out.push_back(std::byte(static_cast<std::uint8_t>(type)));
  out.resize(out.size() + 2);
  store_le16(out, header_size + 1, port);
  append_text(out, host);
  return out;
}

std::vector<std::byte> make_data(std::uint32_t stream_id, std::span<const std::byte> data) {
  auto out = packet_with_header(packet_type::data, stream_id, data.size());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

std::vector<std::byte> make_server_info(const server_info& info) {
  auto out = packet_with_header(packet_type::info, 0, 2 + 4 * 5 + 1 + info.motd.size());
  out.push_back(std::byte(info.major));
  out.push_back(std::byte(info.minor));
  if (info.udp) append_record(out, extension_id::udp, {});
  if (info.password_required) {
    const std::byte required{1};
    append_record(out, extension_id::password_auth, std::span(&required, 1));
  }
  if (!info.motd.empty()) {
    append_record(out, extension_id::motd,
                  std::span(reinterpret_cast<const std::byte*>(info.motd.data()), info.motd.size()));
  }
  if (info.stream_confirmation) append_record(out, extension_id::stream_confirmation, {});
  return out;
}

std::vector<std::byte> make_client_info(const client_info& info) {
  auto out = packet_with_header(packet_type::info, 0, 64);
  out.push_back(std::byte(info.major));
  out.push_back(std::byte(info.minor));
  if (info.udp) append_record(out, extension_id::udp, {});
  if (info.password) {
    // Lengths the layouts cannot express are cut: this builder serves tests.
    std::string_view user = info.password->first, pass = info.password->second;
    user = user.substr(0, 0xff);
    std::vector<std::byte> body{std::byte(static_cast<std::uint8_t>(user.size()))};
    if (info.password_draft5) {
      pass = pass.substr(0, 0xffff);
      body.resize(3);
      store_le16(body, 1, static_cast<std::uint16_t>(pass.size()));
    }
    append_text(body, user);
    append_text(body, pass);
    append_record(out, extension_id::password_auth, body);
  }
  if (info.motd) append_record(out, extension_id::motd, {});
  if (info.stream_confirmation) append_record(out, extension_id::stream_confirmation, {});
  return out;
}

}  // namespace switchyard::wisp
