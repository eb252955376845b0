// gateway/admin/metrics.cpp - GET /metrics: the server's counters in the Prometheus text format.
//
// Everything here reads counters the parts keep anyway; nothing is counted
// for metrics alone. Counters must never go back (Prometheus reads a decrease
// as a restart): the switch's totals are the network's own and outlive its
// ports (per-port counters vanish with their port, so they are not exported);
// lwIP's narrow error counters are widened in stack/lwip_stats.
#include "gateway/admin/metrics.hpp"

#include "gateway/admin/capture_stream.hpp"
#include "gateway/admin/process_stats.hpp"
#include "gateway/admin/prometheus_text.hpp"
#include "gateway/egress/icmp_echo.hpp"
#include "gateway/egress/udp_nat.hpp"
#include "gateway/network_registry.hpp"
#include "gateway/resolver/resolver.hpp"
#include "stack/lwip_stats.hpp"

namespace switchyard::gateway {
namespace {

using counter = std::uint64_t;

void add_switch(prometheus_text& m, std::string_view network, const stack::virtual_network& net) {
  const auto& sw = net.ethernet_switch();
  const auto& t = sw.totals();
  metric_labels l{{"network", network}};
  // The gateway's own port is always attached; the rest are VMs (relay sessions).
  auto ports = sw.port_count() > 0 ? sw.port_count() - 1 : 0;
  m.gauge("switchyard_network_ports", "VM ports (relay sessions) attached to the network's switch")
      .add(l, counter{ports});
  m.gauge("switchyard_network_mac_entries", "MAC addresses the switch knows, the gateway's included")
      .add(l, counter{sw.mac_count()});
  m.counter("switchyard_network_frames_in_total", "Frames that entered the switch from any port (VMs and the gateway)")
      .add(l, t.frames_in);
  m.counter("switchyard_network_bytes_in_total", "Bytes of the frames that entered the switch").add(l, t.bytes_in);
  m.counter("switchyard_network_frames_out_total", "Frames the switch delivered to a port (VMs and the gateway)")
      .add(l, t.frames_out);
  m.counter("switchyard_network_bytes_out_total", "Bytes of the frames the switch delivered").add(l, t.bytes_out);
  auto& drops = m.counter("switchyard_network_drops_total", "Frames the switch dropped, by reason");
  for (std::size_t r = 0; r < stack::drop_reason_count; ++r)
    drops.add({{"network", network}, {"reason", stack::to_string(static_cast<stack::drop_reason>(r))}}, t.drops[r]);
}

void add_dhcp(prometheus_text& m, std::string_view network, const dhcp_service& dhcp) {
  const auto& server = dhcp.server();
  const auto& c = server.counters();
  metric_labels l{{"network", network}};
  m.gauge("switchyard_dhcp_leases", "Bound DHCP leases").add(l, counter{server.leases().size()});
  m.gauge("switchyard_dhcp_offers", "DHCP offers waiting for their REQUEST").add(l, counter{server.offer_count()});
  m.gauge("switchyard_dhcp_quarantined_addresses", "Addresses held back after a DECLINE")
      .add(l, counter{server.quarantined_count()});
  auto& messages =
      m.counter("switchyard_dhcp_messages_total", "DHCP messages from clients that passed the checks, by type");
  for (auto [type, value] : {std::pair{"discover", c.discover}, {"request", c.request}, {"decline", c.decline},
                             {"release", c.release}, {"inform", c.inform}})
    messages.add({{"network", network}, {"type", type}}, value);
  auto& replies = m.counter("switchyard_dhcp_replies_total", "DHCP replies sent, by type");
  for (auto [type, value] : {std::pair{"offer", c.offer}, {"ack", c.ack}, {"nak", c.nak}})
    replies.add({{"network", network}, {"type", type}}, value);
  auto& dropped = m.counter("switchyard_dhcp_dropped_total", "DHCP messages dropped unanswered, by reason");
  for (auto [reason, value] :
       {std::pair{"malformed", c.dropped_malformed}, {"mac_mismatch", c.dropped_mac_mismatch},
        {"rate_limited", c.dropped_rate_limited}, {"relayed", c.dropped_relayed},
        {"client_conflict", c.dropped_client_conflict}})
    dropped.add({{"network", network}, {"reason", reason}}, value);
  auto& refused = m.counter("switchyard_dhcp_refused_total", "DHCP clients given no address, by reason");
  for (auto [reason, value] : {std::pair{"pool_exhausted", c.pool_exhausted}, {"port_limit", c.port_limit}})
    refused.add({{"network", network}, {"reason", reason}}, value);
  m.counter("switchyard_dhcp_declined_addresses_total", "Addresses clients declined (put in quarantine)")
      .add(l, c.declined_addresses);
}

void add_latency(prometheus_text::family& f, std::string_view network, std::string_view source,
                 const latency_histogram& h) {
  f.add_histogram({{"network", network}, {"source", source}},
                  {.bounds = latency_histogram::bounds_seconds, .bucket_counts = h.bucket_counts(),
                   .sum = h.sum_seconds()});
}

void add_dns(prometheus_text& m, std::string_view network, const dns_service& dns) {
  const auto& c = dns.counters();
  metric_labels l{{"network", network}};
  auto& queries = m.counter("switchyard_dns_queries_total", "DNS queries received, by transport");
  for (auto [transport, value] : {std::pair{"udp", c.udp_queries}, {"tcp", c.tcp_queries}, {"https", c.https_queries}})
    queries.add({{"network", network}, {"transport", transport}}, value);
  auto& dropped = m.counter("switchyard_dns_dropped_total", "DNS queries left unanswered, by reason");
  dropped.add({{"network", network}, {"reason", "malformed"}}, c.dropped);
  dropped.add({{"network", network}, {"reason", "forward_limit"}}, c.forward_dropped);
  m.counter("switchyard_dns_forwarded_total", "DNS queries for names outside the zone handed to the resolver")
      .add(l, c.forwarded);
  m.counter("switchyard_dns_forward_refused_total", "DNS queries outside the zone answered REFUSED by policy")
      .add(l, c.forward_refused);
  m.counter("switchyard_dns_forward_cache_hits_total", "Forwarded DNS queries answered from a fresh cache entry")
      .add(l, c.forward_cache_hits);
  m.counter("switchyard_dns_forward_failures_total", "Forwarded DNS queries answered SERVFAIL")
      .add(l, c.forward_failures);
  m.gauge("switchyard_dns_forwards_in_flight", "Forwarded DNS queries waiting for the resolver")
      .add(l, counter{dns.forwarded_in_flight()});
  m.counter("switchyard_dns_aaaa_suppressed_total", "AAAA queries outside the zone answered empty (no IPv6 egress)")
      .add(l, c.aaaa_suppressed);
  m.counter("switchyard_dns_tcp_connections_total", "DNS-over-TCP connections accepted").add(l, c.tcp_connections);
  m.counter("switchyard_dns_tcp_refused_total", "DNS-over-TCP connections refused (connection limits)")
      .add(l, c.tcp_refused);
  m.gauge("switchyard_dns_tcp_clients", "DNS-over-TCP connections open").add(l, counter{dns.tcp_client_count()});
  auto& latency = m.histogram("switchyard_dns_forward_duration_seconds",
                              "Time from forwarding a DNS query to its answer, by source (cache or upstream)");
  add_latency(latency, network, "cache", dns.forward_latency().cache);
  add_latency(latency, network, "upstream", dns.forward_latency().upstream);
}

void add_egress(prometheus_text& m, std::string_view network, const network_egress& egress) {
  const auto& c = egress.counters();
  const udp_nat* udp = egress.udp();
  const icmp_echo* icmp = egress.icmp();
  metric_labels l{{"network", network}};
  auto& flows = m.gauge("switchyard_egress_flows", "Egress flows open (TCP: connecting or spliced), by protocol");
  flows.add({{"network", network}, {"proto", "tcp"}}, counter{egress.tcp_active()});
  flows.add({{"network", network}, {"proto", "udp"}}, counter{udp ? udp->flow_count() : 0});
  flows.add({{"network", network}, {"proto", "icmp"}}, counter{icmp ? icmp->pending() : 0});
  auto& opened = m.counter("switchyard_egress_flows_opened_total",
                           "Egress flows opened (TCP: spliced, UDP: NAT flows, ICMP: echo requests sent)");
  opened.add({{"network", network}, {"proto", "tcp"}}, c.tcp_opened);
  opened.add({{"network", network}, {"proto", "udp"}}, udp ? udp->counters().flows_opened : 0);
  opened.add({{"network", network}, {"proto", "icmp"}}, icmp ? icmp->counters().requests : 0);
  m.counter("switchyard_egress_tcp_connect_failures_total",
            "Outbound TCP connects that failed or timed out (the VM got a RST)")
      .add(l, c.tcp_connect_failed);
  auto& refusals = m.counter("switchyard_egress_refusals_total",
                             "Egress refused (VM flows of every protocol, and Wisp streams), by reason");
  for (const auto& [reason, value] : c.refusals) refusals.add({{"network", network}, {"reason", reason}}, value);
  // Finished connections' bytes plus the live ones': a connection's bytes
  // move into the counters as it ends, so the sum never goes back.
  counter tcp_out = c.tcp_bytes_out, tcp_in = c.tcp_bytes_in;
  for (const auto& flow : egress.tcp_flows()) {
    tcp_out += flow.bytes_out;
    tcp_in += flow.bytes_in;
  }
  auto& out = m.counter("switchyard_egress_bytes_out_total", "Payload bytes from VMs to the internet, by protocol");
  out.add({{"network", network}, {"proto", "tcp"}}, tcp_out);
  out.add({{"network", network}, {"proto", "udp"}}, udp ? udp->counters().bytes_out : 0);
  auto& in = m.counter("switchyard_egress_bytes_in_total", "Payload bytes from the internet to VMs, by protocol");
  in.add({{"network", network}, {"proto", "tcp"}}, tcp_in);
  in.add({{"network", network}, {"proto", "udp"}}, udp ? udp->counters().bytes_in : 0);
  if (udp) {
    auto& drops = m.counter("switchyard_egress_udp_drops_total", "UDP datagrams the NAT dropped, by reason");
    for (std::size_t d = 0; d < udp_drop_kinds; ++d)
      drops.add({{"network", network}, {"reason", to_string(static_cast<udp_drop>(d))}}, udp->counters().drops[d]);
  }
}

void add_wisp(prometheus_text& m, std::string_view network, const network_entry& entry) {
  const auto& w = entry.wisp;
  metric_labels l{{"network", network}};
  counter live = 0;
  for (const auto& session : entry.wisp_sessions) live += session.expired() ? 0 : 1;
  m.gauge("switchyard_wisp_connections", "Wisp WebSocket connections open").add(l, live);
  m.counter("switchyard_wisp_connections_total", "Wisp WebSocket connections accepted").add(l, w.connections);
  m.counter("switchyard_wisp_streams_opened_total", "Wisp streams opened").add(l, w.streams_opened);
  m.counter("switchyard_wisp_streams_refused_total", "Wisp streams refused (policy, route or connect)")
      .add(l, w.streams_refused);
  m.counter("switchyard_wisp_bytes_in_total", "Stream payload bytes from Wisp clients").add(l, w.bytes_from_clients);
  m.counter("switchyard_wisp_bytes_out_total", "Stream payload bytes to Wisp clients").add(l, w.bytes_to_clients);
}

void add_resolver(prometheus_text& m, const resolver& r) {
  const auto& c = r.counters();
  m.counter("switchyard_resolver_queries_total", "Lookups asked of the DoH resolver (all networks)").add({}, c.queries);
  m.counter("switchyard_resolver_cache_hits_total", "Lookups answered from a fresh cache entry").add({}, c.cache_hits);
  m.counter("switchyard_resolver_stale_answers_total", "Lookups answered with an expired entry (RFC 8767)")
      .add({}, c.stale_answers);
  m.counter("switchyard_resolver_upstream_requests_total", "DoH requests sent upstream").add({}, c.upstream_requests);
  m.counter("switchyard_resolver_upstream_errors_total", "DoH requests that failed (error, timeout, bad answer)")
      .add({}, c.upstream_errors);
  m.counter("switchyard_resolver_servfails_total", "Lookups answered SERVFAIL").add({}, c.servfails);
  m.counter("switchyard_resolver_coalesced_total", "Lookups that joined an identical one already upstream")
      .add({}, c.coalesced);
  m.counter("switchyard_resolver_overloaded_total", "Lookups answered at once because too many were in flight")
      .add({}, c.overloaded);
  m.gauge("switchyard_resolver_cache_entries", "Record sets in the resolver's cache").add({}, counter{r.cache_size()});
}

void add_lwip(prometheus_text& m) {
  auto memory = stack::read_lwip_memory();
  auto& used = m.gauge("switchyard_lwip_pool_used", "lwIP pool elements in use");
  auto& max_used = m.gauge("switchyard_lwip_pool_max_used", "lwIP pool elements ever in use at once");
  auto& size = m.gauge("switchyard_lwip_pool_size", "lwIP pool capacity in elements");
  auto& errors = m.counter("switchyard_lwip_pool_errors_total", "lwIP pool allocations refused (pool empty)");
  for (const auto& p : memory.pools) {
    metric_labels l{{"pool", p.name}};
    used.add(l, p.used);
    max_used.add(l, p.max_used);
    size.add(l, p.size);
    errors.add(l, p.errors);
  }
  m.gauge("switchyard_lwip_heap_used_bytes", "lwIP heap bytes in use").add({}, memory.heap.used);
  m.gauge("switchyard_lwip_heap_max_used_bytes", "lwIP heap bytes ever in use at once").add({}, memory.heap.max_used);
  m.gauge("switchyard_lwip_heap_size_bytes", "lwIP heap size").add({}, memory.heap.size);
  m.counter("switchyard_lwip_heap_errors_total", "lwIP heap allocations refused").add({}, memory.heap.errors);
}

void add_captures(prometheus_text& m) {
  auto c = admin::capture_stats();
  m.counter("switchyard_captures_started_total", "Live captures started (GET .../capture answered 200)")
      .add({}, c.started);
  m.gauge("switchyard_captures", "Live captures running").add({}, c.live);
  m.counter("switchyard_capture_packets_written_total", "Frames written to live captures")
      .add({}, c.packets_written);
  m.counter("switchyard_capture_packets_dropped_total", "Frames live captures dropped for slow readers")
      .add({}, c.packets_dropped);
}

void add_process(prometheus_text& m) {
  auto p = read_process_stats();
  if (p.resident_memory_bytes)
    m.gauge("process_resident_memory_bytes", "Resident memory size in bytes.").add({}, *p.resident_memory_bytes);
  if (p.virtual_memory_bytes)
    m.gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.").add({}, *p.virtual_memory_bytes);
  if (p.open_fds) m.gauge("process_open_fds", "Number of open file descriptors.").add({}, *p.open_fds);
  if (p.max_fds) m.gauge("process_max_fds", "Maximum number of open file descriptors.").add({}, *p.max_fds);
  if (p.cpu_seconds)
    m.counter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.").add({}, *p.cpu_seconds);
  if (p.start_time_seconds)
    m.gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.")
        .add({}, *p.start_time_seconds);
}

}  // namespace

std::string render_metrics(const network_registry& networks) {
  prometheus_text m;
  counter live = 0;
  networks.for_each([&](const network_entry& entry) {
    if (entry.retired()) return;  // deleted over the API: its parts are gone
    ++live;
    const std::string& name = entry.config.name;
    add_switch(m, name, *entry.network);
    if (entry.dhcp) add_dhcp(m, name, *entry.dhcp);
    if (entry.dns) add_dns(m, name, *entry.dns);
    if (entry.egress) add_egress(m, name, *entry.egress);
    add_wisp(m, name, entry);
  });
  m.gauge("switchyard_networks", "Networks defined (from the config file and the API)").add({}, live);
  if (const resolver* r = networks.names_resolver()) add_resolver(m, *r);
  add_captures(m);
  add_lwip(m);
  add_process(m);
  return m.text();
}

}  // namespace switchyard::gateway
