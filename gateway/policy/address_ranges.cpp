// gateway/policy/address_ranges.cpp - CIDR ranges, canonical addresses and the
// built-in reserved ranges that egress refuses unless a rule names them.
//
// Every IPv6 form that carries an IPv4 address (mapped, compatible, NAT64,
// 6to4) is reduced to that IPv4 address before any range check, so
// "::ffff:127.0.0.1" and "2002:7f00:1::" are refused exactly like 127.0.0.1.
#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

#include "gateway/policy/policy.hpp"

namespace switchyard::gateway::policy {
namespace {

using v4_bytes = boost::asio::ip::address_v4::bytes_type;
using v6_bytes = boost::asio::ip::address_v6::bytes_type;

// True when the first `prefix` bits of `a` and `b` (each `size` bytes) agree.
bool same_prefix(const unsigned char* a, const unsigned char* b, unsigned prefix) {
  unsigned whole = prefix / 8, rest = prefix % 8;
  if (std::memcmp(a, b, whole) != 0) return false;
  if (rest == 0) return true;
  auto mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

// Clears every bit after the first `prefix` of `bytes`.
template <typename Bytes>
Bytes masked(Bytes bytes, unsigned prefix) {
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    unsigned first_bit = static_cast<unsigned>(i) * 8;
    if (first_bit >= prefix)
      bytes[i] = 0;
    else if (prefix - first_bit < 8)
      bytes[i] = static_cast<unsigned char>(bytes[i] & (0xff << (8 - (prefix - first_bit))));
  }
  return bytes;
}

address v4_from(const unsigned char* four) {
  return boost::asio::ip::make_address_v4(v4_bytes{four[0], four[1], four[2], four[3]});
}

bool all_zero(const unsigned char* p, std::size_t n) {
  return std::all_of(p, p + n, [](unsigned char c) { return c == 0; });
}

// The IPv4 address embedded in `b`, if `b` is one of the forms canonicalize() reduces.
std::optional<address> embedded_v4(const v6_bytes& b) {
  const unsigned char* p = b.data();
  bool first_80_zero = all_zero(p, 10);
  if (first_80_zero && p[10] == 0xff && p[11] == 0xff) return v4_from(p + 12);  // ::ffff:a.b.c.d
  if (first_80_zero && p[10] == 0 && p[11] == 0) {
    // ::a.b.c.d (deprecated "compatible"); :: and ::1 are IPv6's own unspecified and loopback.
    if (all_zero(p + 12, 3) && p[15] <= 1) return std::nullopt;
    return v4_from(p + 12);
  }
  static constexpr unsigned char nat64_well_known[12] = {0x00, 0x64, 0xff, 0x9b};  // 64:ff9b::/96 (RFC 6052)
  if (std::memcmp(p, nat64_well_known, 12) == 0) return v4_from(p + 12);
  // 64:ff9b:1::/48 (RFC 8215, local use): operators carve a /96 out of it, so
  // the IPv4 address is the low 32 bits, as in the well-known prefix.
  static constexpr unsigned char nat64_local[6] = {0x00, 0x64, 0xff, 0x9b, 0x00, 0x01};
  if (std::memcmp(p, nat64_local, 6) == 0) return v4_from(p + 12);
  if (p[0] == 0x20 && p[1] == 0x02) return v4_from(p + 2);  // 2002:AABB:CCDD::/48 (6to4, RFC 3056)
  return std::nullopt;
}

cidr range(const char* network, std::uint8_t prefix) {
  return cidr{boost::asio::ip::make_address(network), prefix};
}

// Deny by default. TEST-NET-1/2/3 (192.0.2.0/24, 198.51.100.0/24,
// 203.0.113.0/24) are deliberately absent: the tests use them as "the internet".
const std::vector<cidr>& reserved_ranges() {
  static const std::vector<cidr> ranges{
      range("0.0.0.0", 8),       // "this network"
      range("10.0.0.0", 8),      // private
      range("100.64.0.0", 10),   // CGNAT, shared address space
      range("127.0.0.0", 8),     // loopback
      range("169.254.0.0", 16),  // link-local, cloud metadata (169.254.169.254)
      range("172.16.0.0", 12),   // private
      range("192.0.0.0", 24),    // IETF protocol assignments
      range("192.168.0.0", 16),  // private
      range("198.18.0.0", 15),   // benchmarking
      range("224.0.0.0", 4),     // multicast
      range("240.0.0.0", 4),     // reserved, and 255.255.255.255 broadcast
      range("::", 128),          // unspecified
      range("::1", 128),         // loopback
      range("fc00::", 7),        // unique local (AWS metadata fd00:ec2::254 too)
      range("fe80::", 10),       // link-local
      range("fec0::", 10),       // site-local: deprecated, but still private wherever it is routed
      range("ff00::", 8),        // multicast
  };
  return ranges;
}

// Digits only, no sign, no leading zero: "/08" is a typo, not a length.
std::optional<unsigned> parse_prefix_length(std::string_view text) {
  if (text.empty() || text.size() > 3 || (text.size() > 1 && text[0] == '0')) return std::nullopt;
  if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
  unsigned value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

}  // namespace

bool cidr::contains(const address& a) const {
  if (a.is_v4() && network.is_v4()) {
    auto x = a.to_v4().to_bytes(), n = network.to_v4().to_bytes();
    return same_prefix(x.data(), n.data(), prefix);
  }
  if (a.is_v6() && network.is_v6()) {
    auto x = a.to_v6().to_bytes(), n = network.to_v6().to_bytes();
    return same_prefix(x.data(), n.data(), prefix);
  }
  return false;
}

bool cidr::inside(const cidr& outer) const { return prefix >= outer.prefix && outer.contains(network); }

std::string cidr::to_string() const { return network.to_string() + '/' + std::to_string(prefix); }

std::optional<cidr> make_cidr(const address& a, unsigned prefix) {
  if (a.is_v4()) {
    if (prefix > 32) return std::nullopt;
    return cidr{boost::asio::ip::make_address_v4(masked(a.to_v4().to_bytes(), prefix)),
                static_cast<std::uint8_t>(prefix)};
  }
  if (prefix > 128) return std::nullopt;
  return cidr{boost::asio::ip::make_address_v6(masked(a.to_v6().to_bytes(), prefix)),
              static_cast<std::uint8_t>(prefix)};
}

address canonicalize(const address& a) {
  if (a.is_v4()) return a;
  if (auto v4 = embedded_v4(a.to_v6().to_bytes())) return *v4;
  return a;
}

std::optional<cidr> reserved_range(const address& a) {
  address canonical = canonicalize(a);
  for (const cidr& r : reserved_ranges())
    if (r.contains(canonical)) return r;
  return std::nullopt;
}

std::optional<cidr> parse_cidr(std::string_view text) {
  auto slash = text.find('/');
  std::string_view address_text = text.substr(0, slash);
  // A zone would make Asio look the interface up (I/O); ranges have no zones anyway.
  if (address_text.empty() || address_text.find('%') != std::string_view::npos) return std::nullopt;
  boost::system::error_code ec;
  address parsed = boost::asio::ip::make_address(std::string(address_text), ec);
  if (ec) return std::nullopt;
  if (slash == std::string_view::npos) {
    address canonical = canonicalize(parsed);
    return cidr{canonical, static_cast<std::uint8_t>(canonical.is_v4() ? 32 : 128)};
  }
  auto length = parse_prefix_length(text.substr(slash + 1));
  if (!length) return std::nullopt;
  if (parsed.is_v6() && canonicalize(parsed).is_v4()) return std::nullopt;  // see the header: write it in IPv4
  auto result = make_cidr(parsed, *length);
  if (!result || result->network != parsed) return std::nullopt;  // prefix too long, or host bits set
  return result;
}

}  // namespace switchyard::gateway::policy
