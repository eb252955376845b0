// tests/fuzz/policy_fuzz.cpp - the egress policy's text parsers (host literals,
// CIDR ranges, port lists, domain patterns) over arbitrary bytes, then
// evaluate() and may_resolve() on whatever parsed; aborts on a broken invariant.
//
// Input: one control byte (mode, action, protocol), then up to four fields
// separated by '\n': host, cidr, ports, domain. Every parser also sees the
// whole remaining text, so each is fuzzed on unstructured bytes too.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/policy/policy.hpp"

using namespace switchyard::gateway::policy;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

std::optional<address> host_checked(std::string_view text) {
  host_classification c = classify_host(text);
  check(c.addr.has_value() == (c.kind == host_kind::ip_address));
  check(parse_host_address(text) == c.addr);
  if (!c.addr) return std::nullopt;
  check(canonicalize(*c.addr) == *c.addr);
  // The canonical text is itself a host literal for the same address.
  auto again = parse_host_address(c.addr->to_string());
  check(again && *again == *c.addr);
  return c.addr;
}

std::optional<cidr> cidr_checked(std::string_view text) {
  auto c = parse_cidr(text);
  if (!c) return std::nullopt;
  check(c->prefix <= (c->network.is_v4() ? 32 : 128));
  check(c->contains(c->network) && c->inside(*c));
  auto same = make_cidr(c->network, c->prefix);
  check(same && same->network == c->network);
  auto again = parse_cidr(c->to_string());
  check(again && again->network == c->network && again->prefix == c->prefix);
  return c;
}

std::optional<std::vector<port_range>> ports_checked(std::string_view text) {
  auto ports = parse_ports(text);
  if (!ports) return std::nullopt;
  check(!ports->empty());
  for (const port_range& p : *ports) check(p.first >= 1 && p.first <= p.last);
  return ports;
}

std::optional<std::string> domain_checked(std::string_view text) {
  auto domain = normalize_domain(text);
  if (!domain) return std::nullopt;
  check(normalize_domain(*domain) == domain);  // idempotent
  std::string_view name = *domain;
  if (name.starts_with("*.")) name.remove_prefix(2);
  check(classify_host(name).kind == host_kind::host_name);
  return domain;
}

void check_verdict(const egress_policy& p, const destination& d, const verdict& v) {
  check(v.rule_index >= -1 && v.rule_index < static_cast<int>(p.rules.size()));
  if (p.mode == egress_mode::off) check(!v.allowed && v.why == reason::egress_off);
  if (!v.allowed) return;
  check(v.why == reason::allowed_by_rule || v.why == reason::allowed_internet);
  // Allowed and reserved: only a CIDR rule inside that range may have done it.
  if (auto reserved = reserved_range(d.addr)) {
    check(v.rule_index >= 0);
    const rule& r = p.rules[static_cast<std::size_t>(v.rule_index)];
    check(r.range && r.range->inside(*reserved));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::uint8_t control = data[0];
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  // Every parser on the whole text.
  host_checked(text);
  cidr_checked(text);
  ports_checked(text);
  domain_checked(text);

  std::string_view fields[4];
  for (std::size_t i = 0, start = 0; i < 4 && start <= text.size(); ++i) {
    std::size_t end = i == 3 ? text.size() : std::min(text.find('\n', start), text.size());
    fields[i] = text.substr(start, end - start);
    start = end + 1;
  }
  auto host = host_checked(fields[0]);
  auto range = cidr_checked(fields[1]);
  auto ports = ports_checked(fields[2]);
  auto domain = domain_checked(fields[3]);

  egress_policy p;
  p.mode = static_cast<egress_mode>(control % 3);
  auto action = (control & 0x04) ? rule::action::deny : rule::action::allow;
  auto proto = static_cast<protocol>((control >> 3) % 4);
  if (range) {
    rule r;
    r.verdict = action;
    r.range = range;
    r.proto = proto;
    if (ports) r.ports = *ports;
    p.rules.push_back(std::move(r));
  }
  if (domain) {
    rule r;
    r.verdict = (control & 0x20) ? rule::action::deny : rule::action::allow;
    r.domain = *domain;
    if (ports) r.ports = *ports;
    p.rules.push_back(std::move(r));
  }
  for (const rule& r : p.rules) check(!r.to_string().empty());

  std::vector<std::string> names;
  if (domain) names.push_back(domain->starts_with("*.") ? "x" + domain->substr(1) : *domain);
  auto dest_proto = static_cast<protocol>(1 + (control >> 6) % 3);
  std::uint16_t port = ports ? ports->front().first : 25;
  for (const std::optional<address>& a : {host, range ? std::optional<address>(range->network) : std::nullopt}) {
    if (!a) continue;
    destination d{dest_proto, *a, port, names};
    check_verdict(p, d, evaluate(p, d));
  }
  if (domain && p.mode == egress_mode::off) check(!may_resolve(p, names.front()));
  if (!names.empty()) may_resolve(p, names.front());
  may_resolve(p, text);
  return 0;
}
