// gateway/config.cpp - Switchyard's configuration: embedded defaults, or a TOML
// file validated with errors that name the file, line and key.
//
// Validation is strict on purpose: an unknown key is an error, not a warning,
// because a typo such as `tokn = "..."` would otherwise open a network that the
// operator meant to protect. Every check fails with one line,
// "<file>:<line>: <key>: <message>", where <key> is a path such as
// `network[1].subnet` (array indexes count from 0, as in toml++ paths).
// The reader itself is in config_reader.hpp; the egress and [resolver] keys in
// config_egress.cpp.
#include "gateway/config.hpp"

#include <boost/url/ipv6_address.hpp>
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <map>
#include <span>
#include <sstream>

#include "gateway/config_egress.hpp"
#include "gateway/config_tables.hpp"
#include "gateway/config_wisp.hpp"
#include "gateway/config_reader.hpp"

namespace switchyard::gateway {
namespace {

using config_detail::locate;
using config_detail::one_line;
using config_detail::reader;
using config_detail::type_name;


constexpr std::string_view default_network_name = "default";
const net::ipv4_subnet default_subnet{net::ipv4_address(0x0a000200), 24};  // 10.0.2.0/24

bool valid_network_name(std::string_view name) {
  auto allowed_first = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (name.empty() || name.size() > 63 || !allowed_first(name[0])) return false;
  return std::all_of(name.begin() + 1, name.end(), [&](char c) { return allowed_first(c) || c == '_' || c == '-'; });
}

// Tokens travel in a query string or a Bearer header: spaces and control
// characters could not be sent unambiguously, so they are refused up front.
bool valid_token(std::string_view token) {
  return !token.empty() && std::all_of(token.begin(), token.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

// Host part of a listen address: an IPv4 literal or a DNS name (resolved later by the server).
bool valid_listen_host(std::string_view host) {
  bool numeric = std::all_of(host.begin(), host.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
  // Anything that looks numeric must be a strict dotted quad: "1.2.3" or "010.0.0.1" are mistakes, not names.
  if (numeric) return net::ipv4_address::parse(host).has_value();
  if (host.size() > 253) return false;
  std::size_t start = 0;
  while (start <= host.size()) {
    std::size_t dot = host.find('.', start);
    std::string_view label = host.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char c : label)
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) return false;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

// Why `text` is not a listen address, or nullopt after filling `out`.
std::optional<std::string> listen_address_error(std::string_view text, listen_address& out) {
  std::string quoted = "\"" + std::string(text) + "\"";
  std::string_view port_text;
  if (text.starts_with('[')) {
    auto close = text.find(']');
    if (close == std::string_view::npos) return quoted + ": missing ']' after the IPv6 address";
    std::string_view host = text.substr(1, close - 1);
    if (!boost::urls::parse_ipv6_address(host)) return quoted + ": not a valid IPv6 address in brackets";
    if (close + 1 >= text.size() || text[close + 1] != ':') return quoted + ": expected [IPv6]:PORT";
    out.host = std::string(host);
    port_text = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return quoted + ": expected HOST:PORT";
    std::string_view host = text.substr(0, colon);
    if (host.find(':') != std::string_view::npos) return quoted + ": an IPv6 address needs brackets, as in [::1]:8086";
    if (host.empty()) return quoted + ": the host is empty (use 0.0.0.0 or [::] for every address)";
    if (!valid_listen_host(host)) return quoted + ": \"" + std::string(host) + "\" is not an address or host name";
    out.host = std::string(host);
    port_text = text.substr(colon + 1);
  }
  // Digits only: from_chars alone would accept "80abc" up to the 'a' and a leading '+' elsewhere.
  bool digits_only = !port_text.empty() && port_text.size() <= 5 &&
                     std::all_of(port_text.begin(), port_text.end(), [](char c) { return c >= '0' && c <= '9'; });
  unsigned port = 0;
  if (digits_only) std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (!digits_only || port > 65535) return quoted + ": the port must be a number from 0 to 65535 (0 picks a free port)";
  out.port = static_cast<std::uint16_t>(port);
  return std::nullopt;
}

void read_server(const reader& r, const toml::table& table, server_config& out) {
  static constexpr std::array<std::string_view, 2> known{"listen", "state_dir"};
  r.reject_unknown_keys(table, known, "server");
  if (auto* node = table.get("state_dir")) out.state_dir = r.string_value(*node, "server.state_dir");
  if (auto* node = table.get("listen")) {
    const std::string& text = r.string_value(*node, "server.listen");
    if (auto message = listen_address_error(text, out.listen)) r.fail(node->source(), "server.listen", *message);
  }
}

void read_admin(const reader& r, const toml::table& table, admin_config& out) {
  static constexpr std::array<std::string_view, 2> known{"listen", "token"};
  r.reject_unknown_keys(table, known, "admin");
  if (auto* node = table.get("token")) {
    const std::string& text = r.string_value(*node, "admin.token");
    if (!valid_token(text)) r.fail(node->source(), "admin.token", "must be printable ASCII without spaces, not empty");
    if (text.size() < 16) r.fail(node->source(), "admin.token", "must be at least 16 characters (it guards every network)");
    out.token = text;
  }
  if (auto* node = table.get("listen")) {
    const std::string& text = r.string_value(*node, "admin.listen");
    if (text == "off") {
      out.enabled = false;
    } else if (auto message = listen_address_error(text, out.listen)) {
      r.fail(node->source(), "admin.listen", *message);
    }
    // The API can delete networks and read every VM's traffic: never open to
    // a network without a token.
    if (out.enabled && !out.token && !is_loopback_host(out.listen.host))
      r.fail(node->source(), "admin.listen",
             "\"" + text + "\" is not a loopback address: set [admin] token to expose the admin API");
  }
}

// A label of letters, digits and inner hyphens (RFC 952/1123), at most 63 long.
bool valid_ldh_label(std::string_view label) {
  if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
  return std::all_of(label.begin(), label.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// Dotted LDH labels; `allow_underscore` for SRV owner names such as _pg._tcp.
bool valid_dns_name(std::string_view name, bool allow_underscore = false) {
  if (name.ends_with('.')) name.remove_suffix(1);
  if (name.empty() || name.size() > 253) return false;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = name.find('.', start);
    std::string_view label = name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    bool ok = valid_ldh_label(label) || (allow_underscore && label.size() > 1 && label[0] == '_' &&
                                         valid_ldh_label(label.substr(1)));
    if (!ok) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

net::ipv4_address address_in_subnet(const reader& r, const toml::node& node, std::string_view key,
                                    const network_config& n) {
  const std::string& text = r.string_value(node, key);
  auto address = net::ipv4_address::parse(text);
  if (!address) r.fail(node.source(), key, "\"" + text + "\" is not an IPv4 address");
  if (!n.subnet.contains(*address) || *address == n.subnet.network || *address == n.subnet.broadcast())
    r.fail(node.source(), key, text + " is not a host address of " + n.subnet.to_string());
  return *address;
}

void read_hosts(const reader& r, const toml::node& node, std::string_view path, network_config& n) {
  auto* array = node.as_array();
  if (!array) r.fail(node.source(), reader::join(path, "host"), "expected an array of tables ([[network.host]])");
  for (std::size_t i = 0; i < array->size(); ++i) {
    std::string at = reader::join(path, "host[" + std::to_string(i) + "]");
    const toml::table& t = r.table_value(*array->get(i), at);
    static constexpr std::array<std::string_view, 3> known{"mac", "ip", "name"};
    r.reject_unknown_keys(t, known, at);
    host_reservation h;
    auto* mac = t.get("mac");
    if (!mac) r.fail(t.source(), at + ".mac", "missing");
    auto parsed = net::mac_address::parse(r.string_value(*mac, at + ".mac"));
    if (!parsed || parsed->is_group() || parsed->is_zero())
      r.fail(mac->source(), at + ".mac", "not a unicast MAC address such as 52:54:00:12:34:56");
    h.mac = *parsed;
    auto* ip = t.get("ip");
    if (!ip) r.fail(t.source(), at + ".ip", "missing");
    h.address = address_in_subnet(r, *ip, at + ".ip", n);
    if (h.address == n.gateway) r.fail(ip->source(), at + ".ip", "is the gateway's address");
    if (auto* name = t.get("name")) {
      h.name = r.string_value(*name, at + ".name");
      if (!valid_ldh_label(h.name)) r.fail(name->source(), at + ".name", "must be one label of letters, digits and '-'");
    }
    for (auto& other : n.hosts) {
      if (other.mac == h.mac) r.fail(mac->source(), at + ".mac", "reserved twice");
      if (other.address == h.address) r.fail(ip->source(), at + ".ip", "reserved twice");
    }
    n.hosts.push_back(std::move(h));
  }
}

dns_record read_record(const reader& r, const toml::table& t, const std::string& at) {
  static constexpr std::array<std::string_view, 8> known{"type", "name", "value", "ttl",
                                                         "priority", "weight", "port", "target"};
  r.reject_unknown_keys(t, known, at);
  dns_record rec;
  auto* type = t.get("type");
  auto* name = t.get("name");
  if (!type) r.fail(t.source(), reader::join(at, "type"), "missing (A, AAAA, CNAME, TXT, SRV or PTR)");
  if (!name) r.fail(t.source(), reader::join(at, "name"), "missing");
  rec.type = r.string_value(*type, reader::join(at, "type"));
  std::transform(rec.type.begin(), rec.type.end(), rec.type.begin(), [](char c) { return std::toupper(c); });
  rec.name = r.string_value(*name, reader::join(at, "name"));
  if (rec.name != "@" && !valid_dns_name(rec.name, rec.type == "SRV" || rec.type == "TXT"))
    r.fail(name->source(), reader::join(at, "name"), "\"" + rec.name + "\" is not a valid DNS name");
  // SRV names its target `target`; every other type its data `value`.
  auto* value = t.get(rec.type == "SRV" ? "target" : "value");
  std::string value_key = reader::join(at, rec.type == "SRV" ? "target" : "value");
  if (!value) r.fail(t.source(), value_key, "missing");
  rec.value = r.string_value(*value, value_key);
  if (rec.type == "A") {
    if (!net::ipv4_address::parse(rec.value)) r.fail(value->source(), value_key, "not an IPv4 address");
  } else if (rec.type == "AAAA") {
    if (!boost::urls::parse_ipv6_address(rec.value)) r.fail(value->source(), value_key, "not an IPv6 address");
  } else if (rec.type == "CNAME" || rec.type == "PTR" || rec.type == "SRV") {
    if (!valid_dns_name(rec.value)) r.fail(value->source(), value_key, "\"" + rec.value + "\" is not a DNS name");
  } else if (rec.type == "TXT") {
    if (rec.value.size() > 1024) r.fail(value->source(), value_key, "longer than 1024 bytes");
  } else {
    r.fail(type->source(), reader::join(at, "type"), "\"" + rec.type + "\" is not one of A, AAAA, CNAME, TXT, SRV, PTR");
  }
  if (auto* ttl = t.get("ttl")) rec.ttl = static_cast<std::uint32_t>(r.integer_in(*ttl, reader::join(at, "ttl"), 0, 604800));
  if (rec.type == "SRV") {
    auto* port = t.get("port");
    if (!port) r.fail(t.source(), reader::join(at, "port"), "missing (SRV needs a port)");
    rec.port = static_cast<std::uint16_t>(r.integer_in(*port, reader::join(at, "port"), 0, 65535));
    if (auto* p = t.get("priority"))
      rec.priority = static_cast<std::uint16_t>(r.integer_in(*p, reader::join(at, "priority"), 0, 65535));
    if (auto* w = t.get("weight"))
      rec.weight = static_cast<std::uint16_t>(r.integer_in(*w, reader::join(at, "weight"), 0, 65535));
  } else {
    for (const char* srv_only : {"port", "priority", "weight"})
      if (auto* x = t.get(srv_only)) r.fail(x->source(), reader::join(at, srv_only), "only SRV records take this key");
  }
  return rec;
}

void read_records(const reader& r, const toml::node& node, std::string_view path, network_config& n) {
  auto* array = node.as_array();
  if (!array) r.fail(node.source(), reader::join(path, "record"), "expected an array of tables ([[network.record]])");
  for (std::size_t i = 0; i < array->size(); ++i) {
    std::string at = reader::join(path, "record[" + std::to_string(i) + "]");
    n.records.push_back(read_record(r, r.table_value(*array->get(i), at), at));
  }
}

// The default pool leaves the low addresses for the gateway and static hosts,
// as QEMU's 10.0.2.15 made familiar; tiny subnets start right after the network.
void default_dhcp_range(network_config& n) {
  std::uint32_t network = n.subnet.network.value(), broadcast = n.subnet.broadcast().value();
  n.dhcp_first = net::ipv4_address(broadcast - network > 30 ? network + 15 : network + 1);
  n.dhcp_last = net::ipv4_address(broadcast - 1);
}

void read_dhcp_and_dns(const reader& r, const toml::table& table, std::string_view path, network_config& n) {
  auto key = [&](std::string_view k) { return reader::join(path, k); };
  default_dhcp_range(n);
  n.domain = n.name + ".lan";
  if (auto* node = table.get("dhcp")) {
    auto* b = node->as_boolean();
    if (!b) r.fail(node->source(), key("dhcp"), "expected true or false");
    n.dhcp = b->get();
  }
  if (auto* node = table.get("dhcp_range")) {
    auto* range = node->as_array();
    if (!range || range->size() != 2)
      r.fail(node->source(), key("dhcp_range"), "expected [\"FIRST\", \"LAST\"], e.g. [\"10.0.2.15\", \"10.0.2.254\"]");
    n.dhcp_first = address_in_subnet(r, *range->get(0), key("dhcp_range"), n);
    n.dhcp_last = address_in_subnet(r, *range->get(1), key("dhcp_range"), n);
    if (n.dhcp_first > n.dhcp_last) r.fail(node->source(), key("dhcp_range"), "the first address is after the last");
    if (n.dhcp_first == n.gateway && n.dhcp_last == n.gateway)
      r.fail(node->source(), key("dhcp_range"), "holds only the gateway's address");
  }
  if (auto* node = table.get("lease_time"))
    n.lease_time = std::chrono::seconds(r.integer_in(*node, key("lease_time"), 120, 604800));
  if (auto* node = table.get("max_leases_per_port"))
    n.max_leases_per_port = static_cast<std::size_t>(r.integer_in(*node, key("max_leases_per_port"), 1, 16));
  if (auto* node = table.get("domain")) {
    n.domain = r.string_value(*node, key("domain"));
    if (n.domain.ends_with('.')) n.domain.pop_back();
    std::transform(n.domain.begin(), n.domain.end(), n.domain.begin(), [](char c) { return std::tolower(c); });
    if (!valid_dns_name(n.domain)) r.fail(node->source(), key("domain"), "\"" + n.domain + "\" is not a DNS name");
  }
  if (auto* node = table.get("dns")) {
    auto* b = node->as_boolean();
    if (!b) r.fail(node->source(), key("dns"), "expected true or false");
    n.dns = b->get();
  }
  if (auto* node = table.get("host")) read_hosts(r, *node, path, n);
  if (auto* node = table.get("record")) read_records(r, *node, path, n);
}

network_config read_network(const reader& r, const toml::table& table, std::string_view path) {
  static const std::vector<std::string_view> known = [] {
    std::vector<std::string_view> keys{
        "name",       "subnet",     "gateway", "mtu",    "token",  "max_macs_per_port", "mac_ageing", "dhcp",
        "dhcp_range", "lease_time", "domain",  "host",   "record", "max_leases_per_port", "dns"};
    keys.insert(keys.end(), config_detail::network_egress_keys.begin(), config_detail::network_egress_keys.end());
    keys.insert(keys.end(), config_detail::network_wisp_keys.begin(), config_detail::network_wisp_keys.end());
    return keys;
  }();
  r.reject_unknown_keys(table, known, path);
  auto key = [&](std::string_view k) { return reader::join(path, k); };
  network_config n;

  auto* name = table.get("name");
  if (!name) r.fail(table.source(), key("name"), "missing (every [[network]] needs a name)");
  n.name = r.string_value(*name, key("name"));
  if (!valid_network_name(n.name))
    r.fail(name->source(), key("name"),
           "\"" + n.name + "\" is not a valid network name (lower-case letters, digits, '_' and '-', "
           "starting with a letter or digit, at most 63 characters)");

  // Absent subnet: the same 10.0.2.0/24 every network may share (each has its own netif).
  n.subnet = default_subnet;
  if (auto* node = table.get("subnet")) {
    const std::string& text = r.string_value(*node, key("subnet"));
    auto subnet = net::ipv4_subnet::parse(text);
    if (!subnet) {
      std::string message = "\"" + text + "\" is not a subnet in CIDR form such as 10.0.2.0/24";
      // The commonest mistake is a host address with a prefix: say what was meant.
      auto slash = text.find('/');
      auto address = net::ipv4_address::parse(std::string_view(text).substr(0, slash));
      unsigned length = 0;
      if (address && slash != std::string::npos &&
          std::from_chars(text.data() + slash + 1, text.data() + text.size(), length).ptr == text.data() + text.size() &&
          length <= 32 && (address->value() & ~net::ipv4_subnet{*address, length}.mask()) != 0) {
        net::ipv4_subnet probe{*address, length};
        message = "\"" + text + "\" has host bits set (did you mean " +
                  net::ipv4_subnet{net::ipv4_address(address->value() & probe.mask()), length}.to_string() + "?)";
      }
      r.fail(node->source(), key("subnet"), message);
    }
    if (subnet->prefix_length < 8 || subnet->prefix_length > 30)
      r.fail(node->source(), key("subnet"),
             "prefix length must be between 8 and 30, got /" + std::to_string(subnet->prefix_length));
    n.subnet = *subnet;
  }

  // Default gateway is network + 2, the 10.0.2.2 that QEMU's user networking made familiar.
  n.gateway = net::ipv4_address(n.subnet.network.value() + 2);
  if (auto* node = table.get("gateway")) {
    const std::string& text = r.string_value(*node, key("gateway"));
    auto address = net::ipv4_address::parse(text);
    if (!address) r.fail(node->source(), key("gateway"), "\"" + text + "\" is not an IPv4 address such as 10.0.2.2");
    if (!n.subnet.contains(*address))
      r.fail(node->source(), key("gateway"), text + " is outside the subnet " + n.subnet.to_string());
    if (*address == n.subnet.network)
      r.fail(node->source(), key("gateway"), text + " is the network address of " + n.subnet.to_string());
    if (*address == n.subnet.broadcast())
      r.fail(node->source(), key("gateway"), text + " is the broadcast address of " + n.subnet.to_string());
    n.gateway = *address;
  }

  if (auto* node = table.get("mtu")) n.mtu = static_cast<std::size_t>(r.integer_in(*node, key("mtu"), 576, 65500));
  if (auto* node = table.get("token")) {
    const std::string& text = r.string_value(*node, key("token"));
    if (!valid_token(text))
      r.fail(node->source(), key("token"),
             text.empty() ? "must not be empty (remove the key for an open network)"
                          : "must be printable ASCII without spaces");
    n.token = text;
  }
  if (auto* node = table.get("max_macs_per_port"))
    n.max_macs_per_port = static_cast<std::size_t>(r.integer_in(*node, key("max_macs_per_port"), 1, 64));
  if (auto* node = table.get("mac_ageing"))
    n.mac_ageing = std::chrono::seconds(r.integer_in(*node, key("mac_ageing"), 10, 86400));
  read_dhcp_and_dns(r, table, path, n);
  config_detail::read_network_egress(r, table, path, n);
  config_detail::read_network_wisp(r, table, path, n);
  return n;
}

void read_networks(const reader& r, const toml::node& node, std::vector<network_config>& out) {
  auto* array = node.as_array();
  if (!array)
    r.fail(node.source(), "network",
           "expected an array of tables ([[network]]), got " + std::string(type_name(node.type())));
  std::map<std::string, toml::source_index, std::less<>> first_line;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = *array->get(i);
    std::string path = "network[" + std::to_string(i) + "]";
    if (i >= max_networks)
      r.fail(element.source(), path,
             "too many networks (at most " + std::to_string(max_networks) + " per process; run more processes)");
    const toml::table& table = r.table_value(element, path);
    network_config n = read_network(r, table, path);
    const toml::node& name = *table.get("name");  // read_network checked it is there
    auto [it, inserted] = first_line.emplace(n.name, name.source().begin.line);
    if (!inserted) {
      std::string message = "duplicate network name \"" + n.name + "\"";
      if (it->second != 0) message += " (first defined at line " + std::to_string(it->second) + ")";
      r.fail(name.source(), path + ".name", message);
    }
    out.push_back(std::move(n));
  }
}

network_config default_network() {
  network_config n;
  n.name = std::string(default_network_name);
  n.subnet = default_subnet;
  n.gateway = net::ipv4_address(default_subnet.network.value() + 2);
  default_dhcp_range(n);
  n.domain = n.name + ".lan";
  return n;
}

}  // namespace

std::string listen_address::to_string() const {
  if (host.find(':') != std::string::npos) return '[' + host + "]:" + std::to_string(port);
  return host + ':' + std::to_string(port);
}

listen_address parse_listen_address(std::string_view text, std::string_view what) {
  listen_address out;
  if (auto message = listen_address_error(text, out)) throw config_error(one_line(std::string(what) + ": " + *message));
  return out;
}

config default_config() {
  config c;
  c.networks.push_back(default_network());
  return c;
}

config parse_config(std::string_view toml_text, std::string_view source_name) {
  reader r(source_name);
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    throw config_error(locate(source_name, e.source().begin.line, "syntax error", e.description()));
  }

  static constexpr std::array<std::string_view, 4> known{"server", "admin", "resolver", "network"};
  r.reject_unknown_keys(root, known, "");
  config c;
  c.source = std::string(source_name);
  if (auto* node = root.get("server")) read_server(r, r.table_value(*node, "server"), c.server);
  if (auto* node = root.get("admin")) read_admin(r, r.table_value(*node, "admin"), c.admin);
  if (auto* node = root.get("resolver")) config_detail::read_resolver(r, *node, source_name, c.resolver);
  if (auto* node = root.get("network")) read_networks(r, *node, c.networks);
  // No [[network]] at all: the operator only tuned the server, keep the default LAN.
  if (c.networks.empty()) c.networks.push_back(default_network());
  config_detail::add_default_upstreams(c);
  return c;
}

bool is_loopback_host(std::string_view host) {
  if (host == "localhost" || host == "::1") return true;
  auto address = net::ipv4_address::parse(host);
  return address && (address->value() >> 24) == 127;
}

network_config parse_network_table(const toml::table& table, std::string_view source_name) {
  return read_network(reader(source_name), table, "");
}

network_config parse_policy_table(const toml::table& table, const network_config& base, std::string_view source_name) {
  reader r(source_name);
  r.reject_unknown_keys(table, config_detail::network_egress_keys, "");
  network_config n = base;
  n.egress = {};  // a replacement, not a patch: absent keys take their defaults
  n.limits = {};
  config_detail::read_network_egress(r, table, "", n);
  return n;
}

dns_record parse_record_table(const toml::table& table, std::string_view source_name) {
  return read_record(reader(source_name), table, "");
}

config load_config_file(const std::filesystem::path& path) {
  std::string name = path.string();
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw config_error(name + ": cannot read: is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw config_error(name + ": cannot read: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw config_error(name + ": cannot read: " + std::strerror(errno));
  return parse_config(text.str(), name);
}

}  // namespace switchyard::gateway
