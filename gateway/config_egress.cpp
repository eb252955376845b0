// gateway/config_egress.cpp - reads a network's egress mode, rules and limits,
// and the `[resolver]` table, with the same one-line "file:line: key: message"
// errors as the rest of the configuration.
#include "gateway/config_egress.hpp"

#include <boost/url/parse.hpp>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace switchyard::gateway::config_detail {
namespace {

std::string in_quotes(std::string_view text) { return "\"" + std::string(text) + "\""; }

policy::egress_mode read_mode(const reader& r, const toml::node& node, std::string_view key) {
  const std::string& text = r.string_value(node, key);
  if (text == "off") return policy::egress_mode::off;
  if (text == "allowlist") return policy::egress_mode::allowlist;
  if (text == "internet") return policy::egress_mode::internet;
  r.fail(node.source(), key, in_quotes(text) + " is not one of off, allowlist, internet");
}

policy::protocol read_protocol(const reader& r, const toml::node& node, std::string_view key) {
  const std::string& text = r.string_value(node, key);
  if (text == "any") return policy::protocol::any;
  if (text == "tcp") return policy::protocol::tcp;
  if (text == "udp") return policy::protocol::udp;
  if (text == "icmp") return policy::protocol::icmp;
  r.fail(node.source(), key, in_quotes(text) + " is not one of tcp, udp, icmp, any");
}

// Why `text` is not a CIDR range, as helpfully as the subnet key does it.
std::string cidr_error(std::string_view text) {
  std::string generic = in_quotes(text) + " is not an address range such as 192.0.2.0/24 or 2001:db8::/32";
  auto slash = text.find('/');
  std::string address_text(text.substr(0, slash));
  if (slash == std::string_view::npos || address_text.find('%') != std::string::npos) return generic;
  boost::system::error_code ec;
  policy::address address = boost::asio::ip::make_address(address_text, ec);
  if (ec) return generic;
  if (address.is_v6() && policy::canonicalize(address).is_v4())
    return in_quotes(text) + " embeds IPv4 addresses, which are compared in IPv4 form: write the IPv4 range";
  std::string_view length_text = text.substr(slash + 1);
  unsigned length = 0;
  auto [end, error] = std::from_chars(length_text.data(), length_text.data() + length_text.size(), length);
  if (error != std::errc() || end != length_text.data() + length_text.size()) return generic;
  auto range = policy::make_cidr(address, length);
  if (range && range->network != address)
    return in_quotes(text) + " has host bits set (did you mean " + range->to_string() + "?)";
  return generic;
}

policy::rule read_rule(const reader& r, const toml::table& t, const std::string& at) {
  static constexpr std::array<std::string_view, 5> known{"action", "cidr", "domain", "ports", "protocol"};
  r.reject_unknown_keys(t, known, at);
  policy::rule rule;

  auto* action = t.get("action");
  if (!action) r.fail(t.source(), at + ".action", "missing (allow or deny)");
  const std::string& verdict = r.string_value(*action, at + ".action");
  if (verdict == "allow")
    rule.verdict = policy::rule::action::allow;
  else if (verdict == "deny")
    rule.verdict = policy::rule::action::deny;
  else
    r.fail(action->source(), at + ".action", in_quotes(verdict) + " is not allow or deny");

  auto* cidr = t.get("cidr");
  auto* domain = t.get("domain");
  if (!cidr && !domain) r.fail(t.source(), at, "needs a cidr or a domain");
  if (cidr && domain) r.fail(domain->source(), at + ".domain", "cannot be combined with cidr in one rule");
  if (cidr) {
    const std::string& text = r.string_value(*cidr, at + ".cidr");
    rule.range = policy::parse_cidr(text);
    if (!rule.range) r.fail(cidr->source(), at + ".cidr", cidr_error(text));
  } else {
    const std::string& text = r.string_value(*domain, at + ".domain");
    auto normalized = policy::normalize_domain(text);
    if (!normalized)
      r.fail(domain->source(), at + ".domain",
             in_quotes(text) + " is not a domain such as example.com or *.example.com");
    rule.domain = *normalized;
  }

  if (auto* node = t.get("protocol")) rule.proto = read_protocol(r, *node, at + ".protocol");
  if (auto* node = t.get("ports")) {
    // A port on an ICMP rule would be silently ignored: say so instead.
    if (rule.proto == policy::protocol::icmp) r.fail(node->source(), at + ".ports", "icmp has no ports");
    if (!node->is_integer() && !node->is_string())
      r.fail(node->source(), at + ".ports",
             "expected a string such as \"80,443\" or an integer, got " + std::string(type_name(node->type())));
    if (node->is_integer()) {
      auto port = static_cast<std::uint16_t>(r.integer_in(*node, at + ".ports", 1, 65535));
      rule.ports.push_back({port, port});
    } else {
      const std::string& text = r.string_value(*node, at + ".ports");
      auto ports = policy::parse_ports(text);
      if (!ports)
        r.fail(node->source(), at + ".ports",
               in_quotes(text) + " is not a port list such as \"80,443,8000-8100\" (ports 1 to 65535)");
      rule.ports = std::move(*ports);
    }
  }
  return rule;
}

void read_rules(const reader& r, const toml::node& node, std::string_view path, policy::egress_policy& out) {
  auto* array = node.as_array();
  if (!array) r.fail(node.source(), reader::join(path, "rule"), "expected an array of tables ([[network.rule]])");
  for (std::size_t i = 0; i < array->size(); ++i) {
    std::string at = reader::join(path, "rule[" + std::to_string(i) + "]");
    out.rules.push_back(read_rule(r, r.table_value(*array->get(i), at), at));
  }
}

// "https://host[:port]/path": the DoH client speaks only TLS and POSTs to the path.
std::optional<std::string> upstream_url_error(std::string_view text) {
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) return "is not a URL";
  const auto& url = *parsed;
  if (url.scheme_id() != boost::urls::scheme::https) return "must start with https://";
  if (!url.has_authority() || url.encoded_host().empty()) return "has no host";
  if (url.has_userinfo()) return "must not hold a user name or password";
  if (url.host_type() == boost::urls::host_type::ipvfuture) return "has an unsupported address form";
  if (url.host_type() == boost::urls::host_type::name &&
      policy::classify_host(url.encoded_host()).kind != policy::host_kind::host_name)
    return "has a host that is neither a name nor a plain IP address";
  if (url.has_port()) {
    std::string_view port = url.port();
    bool digits = !port.empty() && port.size() <= 5 &&
                  std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits || url.port_number() == 0) return "has a port outside 1..65535";
  }
  if (url.encoded_path().empty()) return "needs a path, as in https://1.1.1.1/dns-query";
  if (url.has_query() || url.has_fragment()) return "must not have a query or fragment (DoH POSTs to the path)";
  return std::nullopt;
}

doh_upstream read_upstream(const reader& r, const toml::table& t, const std::string& at) {
  static constexpr std::array<std::string_view, 2> known{"url", "address"};
  r.reject_unknown_keys(t, known, at);
  doh_upstream upstream;
  auto* url = t.get("url");
  if (!url) r.fail(t.source(), at + ".url", "missing (such as https://1.1.1.1/dns-query)");
  upstream.url = r.string_value(*url, at + ".url");
  if (auto message = upstream_url_error(upstream.url))
    r.fail(url->source(), at + ".url", in_quotes(upstream.url) + " " + *message);
  if (auto* node = t.get("address")) {
    const std::string& text = r.string_value(*node, at + ".address");
    boost::system::error_code ec;
    // No zone: Asio would look the interface up, and an upstream on a link-local address makes no sense.
    policy::address address;
    if (text.find('%') == std::string::npos) address = boost::asio::ip::make_address(text, ec);
    if (text.find('%') != std::string::npos || ec)
      r.fail(node->source(), at + ".address", in_quotes(text) + " is not an IPv4 or IPv6 address");
    upstream.address = address.to_string();
  }
  return upstream;
}

// Checked at load time so a typo fails at startup, not at the first lookup.
std::string readable_ca_file(const reader& r, const toml::node& node, std::string_view source_name) {
  const std::string& text = r.string_value(node, "resolver.ca_file");
  if (text.empty())
    r.fail(node.source(), "resolver.ca_file", "must not be empty (remove it for the system's trust store)");
  std::filesystem::path path(text);
  if (path.is_relative()) path = std::filesystem::path(source_name).parent_path() / path;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    r.fail(node.source(), "resolver.ca_file", "cannot read " + in_quotes(path.string()) + ": is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in)
    r.fail(node.source(), "resolver.ca_file", "cannot read " + in_quotes(path.string()) + ": " + std::strerror(errno));
  return path.string();
}

}  // namespace

void read_network_egress(const reader& r, const toml::table& table, std::string_view path, network_config& n) {
  auto key = [&](std::string_view k) { return reader::join(path, k); };
  if (auto* node = table.get("egress")) n.egress.mode = read_mode(r, *node, key("egress"));
  if (auto* node = table.get("rule")) read_rules(r, *node, path, n.egress);

  egress_limits& l = n.limits;
  auto size_in = [&](std::string_view k, std::int64_t low, std::int64_t high, std::size_t& out) {
    if (auto* node = table.get(k)) out = static_cast<std::size_t>(r.integer_in(*node, key(k), low, high));
  };
  size_in("egress_tcp_per_vm", 1, 4096, l.tcp_per_vm);
  size_in("egress_tcp_per_network", 1, 65536, l.tcp_per_network);
  size_in("egress_udp_flows_per_vm", 1, 4096, l.udp_flows_per_vm);
  size_in("egress_udp_pps_per_vm", 1, 1000000, l.udp_packets_per_second);
  if (auto* node = table.get("egress_udp_idle"))
    l.udp_idle_timeout = std::chrono::seconds(r.integer_in(*node, key("egress_udp_idle"), 5, 3600));
  if (auto* node = table.get("egress_connect_timeout_ms"))
    l.connect_timeout = std::chrono::milliseconds(r.integer_in(*node, key("egress_connect_timeout_ms"), 100, 60000));
}

void read_resolver(const reader& r, const toml::node& node, std::string_view source_name, resolver_config& out) {
  const toml::table& table = r.table_value(node, "resolver");
  static constexpr std::array<std::string_view, 6> known{"ca_file",     "timeout_ms",    "stale_after_ms",
                                                         "serve_stale", "cache_entries", "upstream"};
  r.reject_unknown_keys(table, known, "resolver");

  if (auto* n = table.get("timeout_ms"))
    out.timeout = std::chrono::milliseconds(r.integer_in(*n, "resolver.timeout_ms", 500, 30000));
  // Stale data is only useful before the hard timeout; an unset default follows a short timeout down.
  if (auto* n = table.get("stale_after_ms"))
    out.stale_after = std::chrono::milliseconds(r.integer_in(*n, "resolver.stale_after_ms", 100, out.timeout.count()));
  else
    out.stale_after = std::min(out.stale_after, out.timeout);
  if (auto* n = table.get("serve_stale"))
    out.serve_stale = std::chrono::seconds(r.integer_in(*n, "resolver.serve_stale", 0, 604800));
  if (auto* n = table.get("cache_entries"))
    out.cache_entries = static_cast<std::size_t>(r.integer_in(*n, "resolver.cache_entries", 0, 1000000));
  if (auto* n = table.get("ca_file")) out.ca_file = readable_ca_file(r, *n, source_name);

  if (auto* n = table.get("upstream")) {
    auto* array = n->as_array();
    if (!array) r.fail(n->source(), "resolver.upstream", "expected an array of tables ([[resolver.upstream]])");
    for (std::size_t i = 0; i < array->size(); ++i) {
      std::string at = "resolver.upstream[" + std::to_string(i) + "]";
      out.upstreams.push_back(read_upstream(r, r.table_value(*array->get(i), at), at));
    }
  }
}

// A network with egress needs names resolved: without [[resolver.upstream]] it
// gets two public DoH resolvers, by address so no bootstrap lookup is needed.
// Tests always configure their own upstream and never reach these.
void add_default_upstreams(config& c) {
  if (!c.resolver.upstreams.empty()) return;
  bool egress = std::any_of(c.networks.begin(), c.networks.end(),
                            [](const network_config& n) { return n.egress.mode != policy::egress_mode::off; });
  if (!egress) return;
  c.resolver.upstreams.push_back({"https://1.1.1.1/dns-query", std::nullopt});
  c.resolver.upstreams.push_back({"https://8.8.8.8/dns-query", std::nullopt});
}

}  // namespace switchyard::gateway::config_detail
