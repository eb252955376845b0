// gateway/admin/json_views.cpp - the admin API's objects as JSON, read from the
// live network (README "Admin API").
#include "gateway/admin/json_views.hpp"

#include <algorithm>
#include <ctime>
#include <map>

#include <fmt/format.h>

#include "gateway/dhcp_service.hpp"
#include "gateway/egress/udp_nat.hpp"
#include "gateway/ethernet_session.hpp"
#include "gateway/wisp/wisp_session.hpp"
#include "stack/network_switch.hpp"

namespace switchyard::gateway::admin {
namespace json = boost::json;

namespace {

std::string_view mode_text(policy::egress_mode m) {
  switch (m) {
    case policy::egress_mode::off: return "off";
    case policy::egress_mode::allowlist: return "allowlist";
    case policy::egress_mode::internet: return "internet";
  }
  return "off";
}

std::string_view protocol_text(policy::protocol p) {
  switch (p) {
    case policy::protocol::any: return "any";
    case policy::protocol::tcp: return "tcp";
    case policy::protocol::udp: return "udp";
    case policy::protocol::icmp: return "icmp";
  }
  return "any";
}

std::string ports_text(const std::vector<policy::port_range>& ports) {
  std::string out;
  for (const auto& p : ports) {
    if (!out.empty()) out += ',';
    out += p.first == p.last ? std::to_string(p.first) : fmt::format("{}-{}", p.first, p.last);
  }
  return out;
}

json::value optional_text(const std::string& s) { return s.empty() ? json::value(nullptr) : json::value(s); }

// The live DHCP leases by switch port: a port's VM is known by its lease.
std::map<std::uint32_t, dhcp::lease> leases_by_port(const network_entry& e) {
  std::map<std::uint32_t, dhcp::lease> out;
  if (!e.dhcp) return out;
  for (const auto& l : e.dhcp->server().leases())
    if (l.port != dhcp::no_port) out.emplace(l.port, l);
  return out;
}

}  // namespace

std::string time_text(std::chrono::system_clock::time_point t) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

json::object network_json(const network_entry& e) {
  const auto& c = e.config;
  json::object o;
  o["name"] = c.name;
  o["origin"] = e.origin;
  o["subnet"] = c.subnet.to_string();
  o["gateway"] = c.gateway.to_string();
  o["domain"] = c.domain;
  o["mtu"] = c.mtu;
  o["token_required"] = c.token.has_value();
  o["dhcp"] = c.dhcp;
  o["dns"] = c.dns;
  o["wisp"] = c.wisp.enabled;
  o["egress"] = mode_text(e.egress ? e.egress->policy().mode : c.egress.mode);
  o["created"] = time_text(e.created);
  std::size_t ports = 0, wisp_live = 0;
  for (const auto& w : e.sessions)
    if (auto s = w.lock(); s && s->port() != 0) ++ports;
  for (const auto& w : e.wisp_sessions)
    if (!w.expired()) ++wisp_live;
  o["ports"] = ports;
  o["leases"] = e.dhcp ? e.dhcp->server().leases().size() : 0;
  o["wisp_connections"] = wisp_live;
  o["join"] = {{"net", "/net/" + c.name}, {"wisp", "/wisp/" + c.name + "/"}};
  json::object traffic{{"frames_in", 0}, {"bytes_in", 0}, {"frames_out", 0}, {"bytes_out", 0}, {"drops", 0}};
  if (e.network) {
    // Live ports only: a departed VM's counters leave with it (metrics keep totals).
    std::uint64_t fi = 0, bi = 0, fo = 0, bo = 0, drops = 0;
    for (const auto& w : e.sessions) {
      auto s = w.lock();
      if (!s || s->port() == 0) continue;
      if (const auto* pc = e.network->ethernet_switch().counters(s->port())) {
        fi += pc->frames_in, bi += pc->bytes_in, fo += pc->frames_out, bo += pc->bytes_out;
        for (auto d : pc->drops) drops += d;
      }
    }
    traffic = {{"frames_in", fi}, {"bytes_in", bi}, {"frames_out", fo}, {"bytes_out", bo}, {"drops", drops}};
  }
  o["traffic"] = std::move(traffic);
  return o;
}

json::array ports_json(const network_entry& e) {
  json::array out;
  if (!e.network) return out;
  auto leases = leases_by_port(e);
  const auto& sw = e.network->ethernet_switch();
  for (const auto& w : e.sessions) {
    auto s = w.lock();
    if (!s || s->port() == 0) continue;
    json::object p;
    p["id"] = s->port();
    auto lease = leases.find(s->port());
    bool leased = lease != leases.end();
    // The lease's MAC names the VM; the switch knows every MAC the port sources.
    json::array macs;
    for (const auto& mac : sw.macs(s->port())) macs.push_back(json::value(mac.to_string()));
    if (leased) p["mac"] = lease->second.mac.to_string();
    else p["mac"] = macs.empty() ? json::value(nullptr) : macs.front();
    p["macs"] = std::move(macs);
    p["ip"] = leased ? json::value(lease->second.ip.to_string()) : json::value(nullptr);
    p["hostname"] = leased ? optional_text(lease->second.hostname) : json::value(nullptr);
    p["peer"] = s->peer();
    p["connected_since"] = time_text(s->connected_since());
    if (const auto* c = sw.counters(s->port())) {
      p["frames_in"] = c->frames_in;
      p["bytes_in"] = c->bytes_in;
      p["frames_out"] = c->frames_out;
      p["bytes_out"] = c->bytes_out;
      json::object drops;
      for (std::size_t i = 0; i < stack::drop_reason_count; ++i)
        drops[stack::to_string(static_cast<stack::drop_reason>(i))] = c->drops[i];
      p["drops"] = std::move(drops);
    }
    out.push_back(std::move(p));
  }
  std::sort(out.begin(), out.end(),
            [](const json::value& a, const json::value& b) { return a.at("id").as_uint64() < b.at("id").as_uint64(); });
  return out;
}

json::array leases_json(const network_entry& e) {
  json::array out;
  if (!e.dhcp) return out;
  for (const auto& l : e.dhcp->server().leases())
    out.push_back(json::object{{"ip", l.ip.to_string()},
                               {"mac", l.mac.to_string()},
                               {"hostname", optional_text(l.hostname)},
                               {"expires", time_text(l.expires_at)},
                               {"state", "bound"}});
  return out;
}

json::array wisp_json(const network_entry& e) {
  json::array out;
  for (const auto& w : e.wisp_sessions) {
    auto s = w.lock();
    if (!s) continue;
    json::array streams;
    for (const auto& st : s->streams())
      streams.push_back(json::object{{"id", st.id},
                                     {"type", st.type == wisp::stream_type::udp ? "udp" : "tcp"},
                                     {"host", st.host},
                                     {"port", st.port}});
    out.push_back(json::object{{"id", s->id()},
                               {"peer", s->peer()},
                               {"version", s->v2() ? 2 : 1},
                               {"connected_since", time_text(s->connected_since())},
                               {"streams", std::move(streams)},
                               {"bytes_in", s->bytes_from_client()},
                               {"bytes_out", s->bytes_to_client()}});
  }
  return out;
}

json::array refusals_json(const network_entry& e, std::size_t limit) {
  json::array out;
  if (!e.egress) return out;
  const auto& recent = e.egress->recent_refusals();
  for (auto it = recent.rbegin(); it != recent.rend() && out.size() < limit; ++it)
    out.push_back(json::object{{"when", time_text(it->when)},
                               {"proto", protocol_text(it->proto)},
                               {"source", it->source.to_string()},
                               {"destination", it->destination.to_string()},
                               {"port", it->port},
                               {"reason", it->reason}});
  return out;
}

json::object egress_json(const network_entry& e) {
  json::object o;
  o["mode"] = mode_text(e.egress ? e.egress->policy().mode : e.config.egress.mode);
  json::array flows;
  json::object counters;
  if (e.egress) {
    for (const auto& f : e.egress->tcp_flows())
      flows.push_back(json::object{{"proto", "tcp"},
                                   {"vm", f.flow.source.to_string()},
                                   {"vm_port", f.flow.source_port},
                                   {"destination", f.flow.destination.to_string()},
                                   {"port", f.flow.destination_port},
                                   {"state", f.established ? "open" : "connecting"},
                                   {"bytes_out", f.bytes_out},
                                   {"bytes_in", f.bytes_in}});
    const auto& c = e.egress->counters();
    counters["tcp_active"] = e.egress->tcp_active();
    counters["tcp_opened"] = c.tcp_opened;
    counters["tcp_refused"] = c.tcp_refused;
    counters["tcp_connect_failed"] = c.tcp_connect_failed;
    counters["tcp_bytes_out"] = c.tcp_bytes_out;
    counters["tcp_bytes_in"] = c.tcp_bytes_in;
    counters["udp_flows"] = e.egress->udp() ? e.egress->udp()->flow_count() : 0;
    json::object by_reason;
    for (const auto& [reason, n] : c.refusals) by_reason[reason] = n;
    counters["refusals"] = std::move(by_reason);
  }
  o["flows"] = std::move(flows);
  o["counters"] = std::move(counters);
  o["refusals"] = refusals_json(e, network_egress::recent_refusals_kept);
  return o;
}

json::object policy_json(const network_config& c) {
  json::object o;
  o["egress"] = mode_text(c.egress.mode);
  json::array rules;
  for (const auto& r : c.egress.rules) {
    json::object rule;
    rule["action"] = r.verdict == policy::rule::action::allow ? "allow" : "deny";
    if (r.range) rule["cidr"] = r.range->to_string();
    else rule["domain"] = r.domain;
    if (r.proto != policy::protocol::any) rule["protocol"] = protocol_text(r.proto);
    if (!r.ports.empty()) rule["ports"] = ports_text(r.ports);
    rules.push_back(std::move(rule));
  }
  o["rule"] = std::move(rules);
  const auto& l = c.limits;
  o["egress_tcp_per_vm"] = l.tcp_per_vm;
  o["egress_tcp_per_network"] = l.tcp_per_network;
  o["egress_udp_flows_per_vm"] = l.udp_flows_per_vm;
  o["egress_udp_pps_per_vm"] = l.udp_packets_per_second;
  o["egress_udp_idle"] = l.udp_idle_timeout.count();
  o["egress_connect_timeout_ms"] = l.connect_timeout.count();
  return o;
}

}  // namespace switchyard::gateway::admin
