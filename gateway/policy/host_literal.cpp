// gateway/policy/host_literal.cpp - is a host string an address, a name, or
// neither? Every spelling a URL parser or inet_aton() would read as an address
// must be recognised here, or "0x7f.1" would slip past the policy as a "name".
//
// IPv4 follows the WHATWG URL host parser, which is inet_aton() made strict:
//   * one trailing dot is dropped ("127.0.0.1." is 127.0.0.1);
//   * if the last part is a number (decimal digits, or 0x and hex digits, "0x"
//     alone being 0) the host is IPv4, and each of its 1-4 parts is decimal,
//     octal (leading 0) or hex (0x); the last part fills the remaining bytes
//     ("127.1" = 127.0.0.1, "2130706433" = 127.0.0.1);
//   * a part that does not parse, too many parts, or a value too big for its
//     bytes makes the host invalid: browsers refuse it, and so do we (it is
//     neither an address nor a name worth resolving).
// IPv6 is RFC 4291 text via inet_pton, bare or in brackets, with an optional
// %zone that is dropped (policy has no use for it; link-local is reserved).
// Unlike inet_aton we never stop at the first bad byte: "127.0.0.1 x" is invalid.
#include <algorithm>
#include <cstdint>

#include "gateway/policy/policy.hpp"

namespace switchyard::gateway::policy {
namespace {

constexpr std::size_t max_name_length = 253, max_label_length = 63;

host_classification invalid() { return {host_kind::invalid, std::nullopt}; }
host_classification found(const address& a) { return {host_kind::ip_address, canonicalize(a)}; }

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex_digit(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
int digit_value(char c) {
  if (is_digit(c)) return c - '0';
  return (c | 0x20) - 'a' + 10;
}

// One IPv4 part: decimal, 0-prefixed octal or 0x-prefixed hex. Values past
// 32 bits fail here; the caller checks the tighter per-part limits.
std::optional<std::uint32_t> parse_ipv4_number(std::string_view text) {
  if (text.empty()) return std::nullopt;
  int radix = 10;
  if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    radix = 16;
    text.remove_prefix(2);
  } else if (text.size() >= 2 && text[0] == '0') {
    radix = 8;
    text.remove_prefix(1);
  }
  std::uint64_t value = 0;
  for (char c : text) {
    bool ok = radix == 16 ? is_hex_digit(c) : (is_digit(c) && digit_value(c) < radix);
    if (!ok) return std::nullopt;
    value = value * static_cast<std::uint64_t>(radix) + static_cast<std::uint64_t>(digit_value(c));
    if (value > 0xffffffffu) return std::nullopt;
  }
  return static_cast<std::uint32_t>(value);
}

// WHATWG "ends in a number": decides between the IPv4 parser and a name. Too
// big a number still counts ("0x1ffffffff" is an invalid address, not a name).
bool looks_numeric(std::string_view last) {
  if (last.size() >= 2 && last[0] == '0' && (last[1] == 'x' || last[1] == 'X'))
    return std::all_of(last.begin() + 2, last.end(), is_hex_digit);
  return !last.empty() && std::all_of(last.begin(), last.end(), is_digit);
}

host_classification classify_ipv4(const std::vector<std::string_view>& parts) {
  if (parts.size() > 4) return invalid();
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    auto number = parse_ipv4_number(parts[i]);
    if (!number) return invalid();
    bool last = i + 1 == parts.size();
    if (!last) {
      if (*number > 255) return invalid();
      value |= *number << (8 * (3 - i));
    } else {
      // The last part fills the bytes the others left: 4 bytes after 0 parts, 1 after 3.
      std::size_t bytes = 5 - parts.size();
      if (bytes < 4 && *number >= (std::uint32_t{1} << (8 * bytes))) return invalid();
      value |= *number;
    }
  }
  return found(boost::asio::ip::make_address_v4(value));
}

// RFC 4291 text with an optional %zone; anything else is invalid, since a colon
// never appears in a host name.
host_classification classify_ipv6(std::string_view text) {
  auto percent = text.find('%');
  if (percent != std::string_view::npos) {
    std::string_view zone = text.substr(percent + 1);
    bool zone_ok = !zone.empty() && std::all_of(zone.begin(), zone.end(), [](char c) {
      return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_' || c == '.' ||
             c == '~';
    });
    if (!zone_ok) return invalid();
    text = text.substr(0, percent);
  }
  bool chars_ok = std::all_of(text.begin(), text.end(), [](char c) { return is_hex_digit(c) || c == ':' || c == '.'; });
  if (text.empty() || !chars_ok) return invalid();
  boost::system::error_code ec;
  auto v6 = boost::asio::ip::make_address_v6(std::string(text), ec);  // no '%' left: a pure inet_pton
  if (ec) return invalid();
  return found(v6);
}

bool name_byte(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_' || c == '.';
}

}  // namespace

host_classification classify_host(std::string_view host) {
  if (host.empty()) return invalid();
  if (host.front() == '[') {
    if (host.size() < 2 || host.back() != ']') return invalid();
    return classify_ipv6(host.substr(1, host.size() - 2));
  }
  if (host.find(':') != std::string_view::npos) return classify_ipv6(host);
  if (!std::all_of(host.begin(), host.end(), name_byte)) return invalid();

  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    std::size_t dot = host.find('.', start);
    parts.push_back(host.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (parts.size() > 1 && parts.back().empty()) parts.pop_back();  // one final dot, as in "example.com."
  if (looks_numeric(parts.back())) return classify_ipv4(parts);

  std::size_t length = host.ends_with('.') ? host.size() - 1 : host.size();
  if (length > max_name_length) return invalid();
  for (std::string_view label : parts)
    if (label.empty() || label.size() > max_label_length) return invalid();
  return {host_kind::host_name, std::nullopt};
}

std::optional<address> parse_host_address(std::string_view host) { return classify_host(host).addr; }

}  // namespace switchyard::gateway::policy
