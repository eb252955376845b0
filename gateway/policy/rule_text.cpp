// gateway/policy/rule_text.cpp - rules as text: port lists and domain patterns
// parsed from configuration (and the admin API), rules printed for logs.
#include <algorithm>
#include <charconv>

#include "gateway/policy/policy.hpp"

namespace switchyard::gateway::policy {
namespace {

std::string_view trim_spaces(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

// 1..65535, digits only: port 0 cannot be connected to, so it is a mistake.
std::optional<std::uint16_t> parse_port(std::string_view text) {
  bool digits = std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (text.empty() || text.size() > 5 || !digits) return std::nullopt;
  unsigned value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  if (value == 0 || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

bool valid_label(std::string_view label) {
  return !label.empty() && label.front() != '-' && label.back() != '-';
}

std::string_view protocol_name(protocol p) {
  switch (p) {
    case protocol::any: return "any";
    case protocol::tcp: return "tcp";
    case protocol::udp: return "udp";
    case protocol::icmp: return "icmp";
  }
  return "any";
}

}  // namespace

std::optional<std::vector<port_range>> parse_ports(std::string_view text) {
  std::vector<port_range> out;
  for (std::size_t start = 0;;) {
    std::size_t comma = text.find(',', start);
    std::string_view item =
        trim_spaces(text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    std::size_t dash = item.find('-');
    auto first = parse_port(trim_spaces(item.substr(0, dash)));
    auto last = dash == std::string_view::npos ? first : parse_port(trim_spaces(item.substr(dash + 1)));
    if (!first || !last || *first > *last) return std::nullopt;
    out.push_back({*first, *last});
    if (comma == std::string_view::npos) return out;
    start = comma + 1;
  }
}

std::optional<std::string> normalize_domain(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c; });
  if (out.ends_with('.')) out.pop_back();
  std::string_view name = out;
  if (name.starts_with("*.")) name.remove_prefix(2);
  // A name, not an address ("127.0.0.1" belongs in a cidr rule), with no second final dot.
  if (name.empty() || name.ends_with('.') || classify_host(name).kind != host_kind::host_name) return std::nullopt;
  for (std::size_t start = 0;;) {
    std::size_t dot = name.find('.', start);
    if (!valid_label(name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start)))
      return std::nullopt;
    if (dot == std::string_view::npos) return out;
    start = dot + 1;
  }
}

std::string rule::to_string() const {
  std::string out = verdict == action::allow ? "allow " : "deny ";
  out += range ? range->to_string() : domain;
  if (proto != protocol::any || !ports.empty()) {
    out += ' ';
    out += protocol_name(proto);
  }
  for (std::size_t i = 0; i < ports.size(); ++i) {
    out += i == 0 ? ' ' : ',';
    out += std::to_string(ports[i].first);
    if (ports[i].last != ports[i].first) out += '-' + std::to_string(ports[i].last);
  }
  return out;
}

}  // namespace switchyard::gateway::policy
