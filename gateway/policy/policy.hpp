// gateway/policy/policy.hpp - the egress policy engine: may this network reach
// that destination? Pure: no I/O, no clocks, no globals.
//
// Theory of operation
//   A network's policy is a mode (off | allowlist | internet) and ordered rules.
//   A destination is a canonical address (IPv4-mapped, IPv4-compatible, NAT64
//   and 6to4 forms of IPv6 are reduced to the IPv4 address they carry), a
//   protocol, a port and the names this network was told the address belongs to
//   (the resolver's answers, or the host a Wisp client asked for).
//
//   evaluate():
//     1. mode off                    -> denied (egress_off)
//     2. the first rule that matches decides:
//          deny  -> denied (denied_by_rule)
//          allow -> allowed, unless the address is reserved (loopback, private,
//                   metadata, ...) or the port is TCP 25 and the rule does not
//                   name that range or port explicitly (see names_reserved).
//     3. no rule matched: internet -> allowed unless reserved / TCP 25;
//                         allowlist -> denied (not_on_allowlist)
//   A rule "names" a reserved range when it is a CIDR rule lying inside that
//   range (allow 10.1.0.0/16 names 10/8; allow 0.0.0.0/0 names nothing), and
//   names TCP 25 when its port list is given and contains 25. Domain rules never
//   unlock reserved addresses: a name that resolves to 127.0.0.1 stays refused
//   (no DNS rebinding).
#pragma once

#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::gateway::policy {

using address = boost::asio::ip::address;

enum class egress_mode : std::uint8_t { off, allowlist, internet };
enum class protocol : std::uint8_t { any, tcp, udp, icmp };

struct cidr {
  address network;  ///< canonical, host bits zero
  std::uint8_t prefix = 0;
  bool contains(const address& a) const;  ///< `a` canonical; v4 never inside a v6 cidr and vice versa
  bool inside(const cidr& outer) const;   ///< this range is wholly within `outer`
  std::string to_string() const;
};

struct port_range {
  std::uint16_t first = 0, last = 65535;
};

struct rule {
  enum class action : std::uint8_t { allow, deny };
  action verdict = action::deny;
  std::optional<cidr> range;       ///< exactly one of range / domain is set
  std::string domain;              ///< lowercase, no final dot; "*.example.com" = strict subdomains
  protocol proto = protocol::any;  ///< icmp rules ignore ports
  std::vector<port_range> ports;   ///< empty: every port
  std::string to_string() const;   ///< "allow 10.0.0.0/8 tcp 80,443", for logs and the API
};

struct egress_policy {
  egress_mode mode = egress_mode::off;
  std::vector<rule> rules;
};

struct destination {
  protocol proto = protocol::tcp;  ///< tcp, udp or icmp
  address addr;                    ///< canonicalised by evaluate() itself too
  std::uint16_t port = 0;          ///< ignored for icmp
  std::span<const std::string> names;  ///< lowercase, no final dot; may be empty
  /// The address belongs to the server's own host (any interface): refused
  /// like a reserved range unless a rule names exactly that address (/32, /128).
  bool host_local = false;
};

enum class reason : std::uint8_t {
  allowed_by_rule,
  allowed_internet,
  egress_off,
  denied_by_rule,
  not_on_allowlist,
  reserved_address,  ///< loopback, private, link-local, CGNAT, metadata, multicast, ...
  smtp_port,         ///< TCP 25
  local_address,     ///< one of the server's own addresses
};
std::string_view to_string(reason r);  ///< snake_case, stable: used in metrics labels

struct verdict {
  bool allowed = false;
  policy::reason why = reason::egress_off;
  int rule_index = -1;  ///< the rule that decided, or -1
};

verdict evaluate(const egress_policy& policy, const destination& dest);

/// May the LAN resolver forward `name` (lowercase, no final dot) upstream for
/// this network? off: never; internet: unless a deny domain rule matches it;
/// allowlist: only when an allow domain rule matches it.
bool may_resolve(const egress_policy& policy, std::string_view name);

/// Reduces IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d, not :: or
/// ::1), NAT64 (64:ff9b::/96, 64:ff9b:1::/48) and 6to4 (2002::/16) addresses to
/// the IPv4 address inside; anything else is returned unchanged.
address canonicalize(const address& a);

/// The built-in reserved range `a` (canonical) falls in, e.g. "127.0.0.0/8",
/// or nullopt for an ordinary public address.
std::optional<cidr> reserved_range(const address& a);

/// Parses a host as URL parsers and inet_aton do, so every spelling of an
/// address is recognised: dotted quads with 1-4 parts, each decimal, octal
/// (leading 0) or hex (0x); a bare 32-bit integer; "[v6]" or bare v6, with an
/// optional %zone. Returns the canonical address, or nullopt for a name.
/// nullopt also covers hosts that are neither (classify_host() tells them apart).
std::optional<address> parse_host_address(std::string_view host);

/// What a host string is. `invalid` is numeric-looking but out of range or
/// malformed ("1.2.3.256", "0x1g.1", "foo.123", "[::1"), or holds bytes no host
/// name has (space, '%', '/', non-ASCII): refuse it, never resolve it, because
/// some other parser (inet_aton stops at a space) might read it as an address.
enum class host_kind : std::uint8_t { ip_address, host_name, invalid };
struct host_classification {
  host_kind kind = host_kind::invalid;
  std::optional<address> addr;  ///< canonical; set only for host_kind::ip_address
};
host_classification classify_host(std::string_view host);

// Parsers for configuration (and the admin API later); nullopt on bad input.
/// Strict: a plain dotted quad or RFC 4291 text (no inet_aton forms, no zone),
/// host bits zero. A bare address is canonicalised (::ffff:10.0.0.1 -> 10.0.0.1/32);
/// a v6 range whose network address embeds IPv4 (::ffff:10.0.0.0/104, 2002::/16)
/// is refused, because destinations are compared in IPv4 form: write it in IPv4.
std::optional<cidr> parse_cidr(std::string_view text);  ///< "10.0.0.0/8", "2001:db8::/32", bare address = /32 or /128
/// The range of length `prefix` that holds `a` (host bits cleared; `a` taken as
/// is, not canonicalised), or nullopt if `prefix` exceeds 32 / 128.
std::optional<cidr> make_cidr(const address& a, unsigned prefix);
std::optional<std::vector<port_range>> parse_ports(std::string_view text);  ///< "80,443,8000-8100"
std::optional<std::string> normalize_domain(std::string_view text);  ///< "Example.COM." -> "example.com"; "*.x" kept

}  // namespace switchyard::gateway::policy
