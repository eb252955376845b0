// gateway/policy/policy.cpp - evaluate() and may_resolve(): ordered rules,
// first match decides, reserved ranges and TCP 25 only for rules that name them.
#include "gateway/policy/policy.hpp"

#include <algorithm>

namespace switchyard::gateway::policy {
namespace {

constexpr std::uint16_t smtp_port = 25;

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return lower(x) == lower(y);
         });
}

std::string_view without_final_dot(std::string_view name) {
  if (name.ends_with('.')) name.remove_suffix(1);
  return name;
}

// "example.com" matches only itself; "*.example.com" every strict subdomain, at any depth.
bool domain_matches(std::string_view pattern, std::string_view name) {
  pattern = without_final_dot(pattern);
  name = without_final_dot(name);
  if (pattern.starts_with("*.")) {
    std::string_view suffix = pattern.substr(1);  // ".example.com": the dot keeps "badexample.com" out
    return name.size() > suffix.size() && iequals(name.substr(name.size() - suffix.size()), suffix);
  }
  return !pattern.empty() && iequals(pattern, name);
}

bool port_listed(const std::vector<port_range>& ports, std::uint16_t port) {
  return std::any_of(ports.begin(), ports.end(),
                     [&](const port_range& p) { return p.first <= port && port <= p.last; });
}

bool matches(const rule& r, const destination& dest, const address& canonical) {
  if (r.proto != protocol::any && r.proto != dest.proto) return false;
  // ICMP has no ports: a port list constrains only TCP and UDP destinations.
  if (dest.proto != protocol::icmp && !r.ports.empty() && !port_listed(r.ports, dest.port)) return false;
  if (r.range) return r.range->contains(canonical);
  return std::any_of(dest.names.begin(), dest.names.end(),
                     [&](const std::string& name) { return domain_matches(r.domain, name); });
}

// Only a CIDR rule wholly inside the reserved range unlocks it: "allow 0.0.0.0/0"
// means "the internet", not "my LAN"; domain rules never do (no DNS rebinding).
bool names_range(const rule& r, const cidr& reserved) { return r.range && r.range->inside(reserved); }

bool names_smtp(const rule& r) { return !r.ports.empty() && port_listed(r.ports, smtp_port); }

bool is_smtp(const destination& dest) { return dest.proto == protocol::tcp && dest.port == smtp_port; }

}  // namespace

std::string_view to_string(reason r) {
  switch (r) {
    case reason::allowed_by_rule: return "allowed_by_rule";
    case reason::allowed_internet: return "allowed_internet";
    case reason::egress_off: return "egress_off";
    case reason::denied_by_rule: return "denied_by_rule";
    case reason::not_on_allowlist: return "not_on_allowlist";
    case reason::reserved_address: return "reserved_address";
    case reason::smtp_port: return "smtp_port";
    case reason::local_address: return "local_address";
  }
  return "unknown";
}

verdict evaluate(const egress_policy& policy, const destination& dest) {
  if (policy.mode == egress_mode::off) return {false, reason::egress_off, -1};
  address canonical = canonicalize(dest.addr);
  std::optional<cidr> reserved = reserved_range(canonical);
  bool local = dest.host_local && !reserved;  // a reserved range says more (loopback)
  // Only a rule for exactly this address opens one of the host's own.
  auto names_host = [&](const rule& r) {
    return r.range && r.range->prefix == (canonical.is_v4() ? 32 : 128) && r.range->contains(canonical);
  };

  for (std::size_t i = 0; i < policy.rules.size(); ++i) {
    const rule& r = policy.rules[i];
    if (!matches(r, dest, canonical)) continue;
    int index = static_cast<int>(i);
    if (r.verdict == rule::action::deny) return {false, reason::denied_by_rule, index};
    if (reserved && !names_range(r, *reserved)) return {false, reason::reserved_address, index};
    if (local && !names_host(r)) return {false, reason::local_address, index};
    if (is_smtp(dest) && !names_smtp(r)) return {false, reason::smtp_port, index};
    return {true, reason::allowed_by_rule, index};
  }

  if (policy.mode == egress_mode::allowlist) return {false, reason::not_on_allowlist, -1};
  if (reserved) return {false, reason::reserved_address, -1};
  if (local) return {false, reason::local_address, -1};
  if (is_smtp(dest)) return {false, reason::smtp_port, -1};
  return {true, reason::allowed_internet, -1};
}

// The first domain rule that speaks for the whole name decides: any allow rule
// (its ports are checked when the connection comes), or a deny rule for every
// protocol and port. "deny mail.example.com tcp 25" must not break its web site.
bool may_resolve(const egress_policy& policy, std::string_view name) {
  if (policy.mode == egress_mode::off) return false;
  for (const rule& r : policy.rules) {
    if (r.range || !domain_matches(r.domain, name)) continue;
    if (r.verdict == rule::action::allow) return true;
    if (r.proto == protocol::any && r.ports.empty()) return false;
  }
  return policy.mode == egress_mode::internet;
}

}  // namespace switchyard::gateway::policy
