// protocols/dhcp/message.cpp - BOOTP/DHCPv4 messages (RFC 2131, 2132, 3396): parse and build (pure).
#include "protocols/dhcp/message.hpp"

#include <algorithm>
#include <array>
#include <bitset>

namespace switchyard::dhcp {

namespace {

// Field offsets in the BOOTP header (RFC 2131 figure 1).
constexpr std::size_t off_op = 0, off_htype = 1, off_hlen = 2, off_hops = 3, off_xid = 4, off_secs = 8,
                      off_flags = 10, off_ciaddr = 12, off_yiaddr = 16, off_siaddr = 20, off_giaddr = 24,
                      off_chaddr = 28, off_sname = 44, off_file = 108, off_cookie = 236, off_options = 240;
constexpr std::size_t sname_size = 64, file_size = 128;
constexpr std::uint16_t broadcast_flag = 0x8000;
constexpr std::uint8_t htype_ethernet = 1;

// The options parse() keeps; everything else is skipped without copying.
constexpr bool is_known(std::uint8_t code) {
  switch (code) {
    case option::subnet_mask: case option::router: case option::dns_server: case option::hostname:
    case option::domain_name: case option::interface_mtu: case option::requested_ip: case option::lease_time:
    case option::overload: case option::message_type: case option::server_id: case option::parameter_list:
    case option::text: case option::max_message_size: case option::renewal_time: case option::rebinding_time:
    case option::client_id:
      return true;
    default:
      return false;
  }
}

// Option data per code, concatenated over every occurrence (RFC 3396).
struct collected_options {
  std::array<std::vector<std::byte>, 256> data;
  std::bitset<256> seen;

  bool has(std::uint8_t code) const { return seen.test(code); }
  const std::vector<std::byte>& get(std::uint8_t code) const { return data[code]; }
};

// Reads one option area. `require_end`: the area must contain an end option
// (true for the options field; in sname/file the field's end also ends the list).
std::optional<parse_error> scan_options(net::bytes area, bool require_end, bool allow_overload,
                                        collected_options& out) {
  net::byte_reader reader(area);
  for (;;) {
    auto code = reader.u8();
    if (!code) return require_end ? std::optional(parse_error::missing_end) : std::nullopt;
    if (*code == option::pad) continue;
    if (*code == option::end) return std::nullopt;
    auto length = reader.u8();
    if (!length) return parse_error::option_overflow;
    auto value = reader.take(*length);
    if (!value) return parse_error::option_overflow;
    if (!is_known(*code) || (*code == option::overload && !allow_overload)) continue;
    auto& buffer = out.data[*code];
    buffer.insert(buffer.end(), value->begin(), value->end());
    out.seen.set(*code);
  }
}

net::ipv4_address address_at(const std::vector<std::byte>& v, std::size_t at) {
  return net::ipv4_address(net::load_u32(v, at));
}

std::string text_of(const std::vector<std::byte>& v) {
  std::size_t n = std::min(v.size(), max_text_size);
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>(std::to_integer<unsigned char>(v[i]));
  return s;
}

// Turns the collected option bytes into message fields, checking lengths.
std::optional<parse_error> interpret(const collected_options& o, message& m) {
  if (!o.has(option::message_type)) return parse_error::not_dhcp;
  const auto& type = o.get(option::message_type);
  if (type.size() != 1) return parse_error::bad_option_length;
  auto t = std::to_integer<std::uint8_t>(type[0]);
  if (t < 1 || t > 8) return parse_error::unknown_message_type;
  m.type = static_cast<message_type>(t);

  bool bad = false;
  auto fixed_address = [&](std::uint8_t code) -> std::optional<net::ipv4_address> {
    if (!o.has(code)) return std::nullopt;
    if (o.get(code).size() != 4) {
      bad = true;
      return std::nullopt;
    }
    return address_at(o.get(code), 0);
  };
  auto first_of_list = [&](std::uint8_t code) -> std::optional<net::ipv4_address> {
    if (!o.has(code)) return std::nullopt;
    const auto& v = o.get(code);
    if (v.empty() || v.size() % 4 != 0) {
      bad = true;
      return std::nullopt;
    }
    return address_at(v, 0);
  };
  auto u32 = [&](std::uint8_t code) -> std::optional<std::uint32_t> {
    if (!o.has(code)) return std::nullopt;
    if (o.get(code).size() != 4) {
      bad = true;
      return std::nullopt;
    }
    return net::load_u32(o.get(code), 0);
  };
  auto u16 = [&](std::uint8_t code) -> std::optional<std::uint16_t> {
    if (!o.has(code)) return std::nullopt;
    if (o.get(code).size() != 2) {
      bad = true;
      return std::nullopt;
    }
    return net::load_u16(o.get(code), 0);
  };

  m.subnet_mask = fixed_address(option::subnet_mask);
  m.router = first_of_list(option::router);
  m.dns_server = first_of_list(option::dns_server);
  m.hostname = text_of(o.get(option::hostname));
  m.domain_name = text_of(o.get(option::domain_name));
  m.interface_mtu = u16(option::interface_mtu);
  m.requested_ip = fixed_address(option::requested_ip);
  m.lease_time = u32(option::lease_time);
  m.server_id = fixed_address(option::server_id);
  const auto& params = o.get(option::parameter_list);
  for (std::size_t i = 0; i < std::min(params.size(), max_text_size); ++i)
    m.parameter_list.push_back(std::to_integer<std::uint8_t>(params[i]));
  m.text = text_of(o.get(option::text));
  m.max_message_size = u16(option::max_message_size);
  m.renewal_time = u32(option::renewal_time);
  m.rebinding_time = u32(option::rebinding_time);
  const auto& id = o.get(option::client_id);
  if (id.size() > max_client_id_size) return parse_error::bad_option_length;
  m.client_id = id;
  if (bad) return parse_error::bad_option_length;
  return std::nullopt;
}

// Appends option `code` with `data`, split into 255-byte pieces (RFC 3396).
// Empty data means "absent": nothing is written.
void put_option(std::vector<std::byte>& out, std::uint8_t code, net::bytes data) {
  while (!data.empty()) {
    std::size_t n = std::min<std::size_t>(data.size(), 255);
    out.push_back(std::byte{code});
    out.push_back(static_cast<std::byte>(n));
    out.insert(out.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n));
    data = data.subspan(n);
  }
}

void put_u32(std::vector<std::byte>& out, std::uint8_t code, std::optional<std::uint32_t> v) {
  if (!v) return;
  std::array<std::byte, 4> b;
  net::store_u32(b, 0, *v);
  put_option(out, code, b);
}

void put_u16(std::vector<std::byte>& out, std::uint8_t code, std::optional<std::uint16_t> v) {
  if (!v) return;
  std::array<std::byte, 2> b;
  net::store_u16(b, 0, *v);
  put_option(out, code, b);
}

void put_address(std::vector<std::byte>& out, std::uint8_t code, std::optional<net::ipv4_address> a) {
  if (a) put_u32(out, code, a->value());
}

void put_text(std::vector<std::byte>& out, std::uint8_t code, const std::string& s) {
  put_option(out, code, net::bytes(reinterpret_cast<const std::byte*>(s.data()), s.size()));
}

}  // namespace

const char* to_string(message_type t) {
  switch (t) {
    case message_type::discover: return "DISCOVER";
    case message_type::offer: return "OFFER";
    case message_type::request: return "REQUEST";
    case message_type::decline: return "DECLINE";
    case message_type::ack: return "ACK";
    case message_type::nak: return "NAK";
    case message_type::release: return "RELEASE";
    case message_type::inform: return "INFORM";
  }
  return "?";
}

const char* to_string(parse_error e) {
  switch (e) {
    case parse_error::truncated: return "truncated";
    case parse_error::bad_op: return "bad op";
    case parse_error::unsupported_hardware: return "not Ethernet";
    case parse_error::bad_cookie: return "no DHCP magic cookie";
    case parse_error::option_overflow: return "option runs past its field";
    case parse_error::missing_end: return "no end option";
    case parse_error::bad_option_length: return "bad option length";
    case parse_error::not_dhcp: return "no message type (BOOTP)";
    case parse_error::unknown_message_type: return "unknown message type";
  }
  return "?";
}

std::optional<message> parse(net::bytes payload, parse_error* error) {
  auto fail = [error](parse_error e) -> std::optional<message> {
    if (error) *error = e;
    return std::nullopt;
  };
  if (payload.size() < min_message_size) return fail(parse_error::truncated);
  auto u8_at = [&payload](std::size_t at) { return std::to_integer<std::uint8_t>(payload[at]); };

  message m;
  auto op = u8_at(off_op);
  if (op != 1 && op != 2) return fail(parse_error::bad_op);
  m.op = static_cast<op_code>(op);
  if (u8_at(off_htype) != htype_ethernet || u8_at(off_hlen) != 6) return fail(parse_error::unsupported_hardware);
  if (net::load_u32(payload, off_cookie) != magic_cookie) return fail(parse_error::bad_cookie);
  m.hops = u8_at(off_hops);
  m.xid = net::load_u32(payload, off_xid);
  m.secs = net::load_u16(payload, off_secs);
  m.broadcast = (net::load_u16(payload, off_flags) & broadcast_flag) != 0;
  m.ciaddr = net::ipv4_address(net::load_u32(payload, off_ciaddr));
  m.yiaddr = net::ipv4_address(net::load_u32(payload, off_yiaddr));
  m.siaddr = net::ipv4_address(net::load_u32(payload, off_siaddr));
  m.giaddr = net::ipv4_address(net::load_u32(payload, off_giaddr));
  m.chaddr = net::mac_address::from_bytes(payload.subspan(off_chaddr, 6));

  collected_options options;
  if (auto e = scan_options(payload.subspan(off_options), true, true, options)) return fail(*e);
  if (options.has(option::overload)) {
    const auto& v = options.get(option::overload);
    if (v.size() != 1) return fail(parse_error::bad_option_length);
    auto which = std::to_integer<std::uint8_t>(v[0]);
    if (which < 1 || which > 3) return fail(parse_error::bad_option_length);
    if (which & 1)
      if (auto e = scan_options(payload.subspan(off_file, file_size), false, false, options)) return fail(*e);
    if (which & 2)
      if (auto e = scan_options(payload.subspan(off_sname, sname_size), false, false, options)) return fail(*e);
  }
  if (auto e = interpret(options, m)) return fail(*e);
  return m;
}

std::vector<std::byte> serialize(const message& m) {
  std::vector<std::byte> out(off_options, std::byte{0});
  out.reserve(min_reply_size + 64);
  out[off_op] = static_cast<std::byte>(m.op);
  out[off_htype] = std::byte{htype_ethernet};
  out[off_hlen] = std::byte{6};
  out[off_hops] = std::byte{m.hops};
  net::store_u32(out, off_xid, m.xid);
  net::store_u16(out, off_secs, m.secs);
  net::store_u16(out, off_flags, m.broadcast ? broadcast_flag : 0);
  net::store_u32(out, off_ciaddr, m.ciaddr.value());
  net::store_u32(out, off_yiaddr, m.yiaddr.value());
  net::store_u32(out, off_siaddr, m.siaddr.value());
  net::store_u32(out, off_giaddr, m.giaddr.value());
  m.chaddr.write_to(std::span(out).subspan(off_chaddr, 6));
  net::store_u32(out, off_cookie, magic_cookie);

  // 53 first: some old clients look for it there.
  std::array<std::byte, 1> type{static_cast<std::byte>(m.type)};
  put_option(out, option::message_type, type);
  put_address(out, option::server_id, m.server_id);
  put_u32(out, option::lease_time, m.lease_time);
  put_u32(out, option::renewal_time, m.renewal_time);
  put_u32(out, option::rebinding_time, m.rebinding_time);
  put_address(out, option::subnet_mask, m.subnet_mask);
  put_address(out, option::router, m.router);
  put_address(out, option::dns_server, m.dns_server);
  put_text(out, option::domain_name, m.domain_name);
  put_u16(out, option::interface_mtu, m.interface_mtu);
  put_text(out, option::hostname, m.hostname);
  put_text(out, option::text, m.text);
  put_option(out, option::client_id, m.client_id);
  // Client-side options, so requests round-trip too.
  put_address(out, option::requested_ip, m.requested_ip);
  put_option(out, option::parameter_list,
             net::bytes(reinterpret_cast<const std::byte*>(m.parameter_list.data()), m.parameter_list.size()));
  put_u16(out, option::max_message_size, m.max_message_size);
  out.push_back(std::byte{option::end});
  if (out.size() < min_reply_size) out.resize(min_reply_size, std::byte{0});
  return out;
}

}  // namespace switchyard::dhcp
