// bench/dns_dhcp_bench.cpp - the pure cost of Switchyard's DNS answer() and DHCP server, without sockets, relay or lwIP.
//
// What it answers: how much of dns_qps.sh's and dhcp_clients.sh's end-to-end
// figures is the protocol logic itself. Cases:
//   dns_answer/a_hit        A query for one of 50 host names (as dnsperf sends
//                           them: RD set, no EDNS), rotating through the names
//   dns_answer/a_hit_edns   the same with an EDNS OPT (dig's default)
//   dns_answer/ptr          PTR for one of the 50 addresses
//   dns_answer/nxdomain     a name in the domain that does not exist (SOA in authority)
//   dns_answer/refused      example.com
//   dhcp_dora               DISCOVER then REQUEST of a new client (parse, decide,
//                           lease events, reply built and serialised), each
//                           client on its own port; the server is rebuilt
//                           (untimed) before its 60000-address pool runs out.
#include <benchmark/benchmark.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "protocols/dhcp/server.hpp"
#include "protocols/dns/answer.hpp"
#include "protocols/dns/zone.hpp"
#include "tests/support/dhcp_packets.hpp"

namespace {

using namespace switchyard;

constexpr std::size_t host_count = 50;

std::unique_ptr<dns::zone> make_zone() {
  auto z = std::make_unique<dns::zone>(*dns::name::from_text("default.lan"), *net::ipv4_subnet::parse("10.0.2.0/24"));
  z->set_host("gateway", *net::ipv4_address::parse("10.0.2.2"));
  for (std::size_t i = 0; i < host_count; ++i) {
    char label[8];
    std::snprintf(label, sizeof label, "h%02zu", i + 1);
    z->set_host(label, net::ipv4_address(0x0a000265u + static_cast<std::uint32_t>(i)));  // 10.0.2.101..
  }
  return z;
}

// A query in wire form: id, RD, one question, optionally an OPT (bufsize 1232).
std::vector<std::byte> query(const std::string& qname, std::uint16_t qtype, bool edns, std::uint16_t id) {
  std::vector<std::byte> q;
  auto u8 = [&](unsigned v) { q.push_back(static_cast<std::byte>(v & 0xff)); };
  auto u16 = [&](unsigned v) { u8(v >> 8); u8(v); };
  u16(id);
  u16(0x0100);
  u16(1);
  u16(0);
  u16(0);
  u16(edns ? 1 : 0);
  std::size_t start = 0;
  while (start <= qname.size()) {
    std::size_t dot = qname.find('.', start);
    if (dot == std::string::npos) dot = qname.size();
    u8(static_cast<unsigned>(dot - start));
    for (std::size_t i = start; i < dot; ++i) u8(static_cast<unsigned char>(qname[i]));
    start = dot + 1;
  }
  u8(0);
  u16(qtype);
  u16(1);
  if (edns) {
    u8(0);
    u16(41);
    u16(1232);
    u16(0);
    u16(0);
    u16(0);
  }
  return q;
}

void run_queries(benchmark::State& state, const std::vector<std::vector<std::byte>>& queries) {
  auto z = make_zone();
  std::array<std::byte, dns::our_udp_payload_size> out{};
  std::size_t i = 0, bytes = 0;
  for (auto _ : state) {
    std::size_t n = dns::answer(*z, queries[i], dns::transport::udp, out);
    benchmark::DoNotOptimize(n);
    bytes += n;
    if (++i == queries.size()) i = 0;
  }
  if (bytes == 0) state.SkipWithError("no answers");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

std::vector<std::vector<std::byte>> host_queries(std::uint16_t qtype, bool edns) {
  std::vector<std::vector<std::byte>> qs;
  for (std::size_t i = 0; i < host_count; ++i) {
    char name[64];
    if (qtype == 12)
      std::snprintf(name, sizeof name, "%zu.2.0.10.in-addr.arpa", 101 + i);
    else
      std::snprintf(name, sizeof name, "h%02zu.default.lan", i + 1);
    qs.push_back(query(name, qtype, edns, static_cast<std::uint16_t>(i)));
  }
  return qs;
}

void a_hit(benchmark::State& s) { run_queries(s, host_queries(1, false)); }
void a_hit_edns(benchmark::State& s) { run_queries(s, host_queries(1, true)); }
void ptr(benchmark::State& s) { run_queries(s, host_queries(12, false)); }
void nxdomain(benchmark::State& s) { run_queries(s, {query("nobody.default.lan", 1, false, 7)}); }
void refused(benchmark::State& s) { run_queries(s, {query("example.com", 1, false, 7)}); }
BENCHMARK(a_hit)->Name("dns_answer/a_hit");
BENCHMARK(a_hit_edns)->Name("dns_answer/a_hit_edns");
BENCHMARK(ptr)->Name("dns_answer/ptr");
BENCHMARK(nxdomain)->Name("dns_answer/nxdomain");
BENCHMARK(refused)->Name("dns_answer/refused");

dhcp::server_config dhcp_config() {
  dhcp::server_config c;
  c.subnet = *net::ipv4_subnet::parse("10.0.0.0/16");
  c.server_address = c.router = c.dns_server = *net::ipv4_address::parse("10.0.0.2");
  c.domain = "default.lan";
  c.pool_first = *net::ipv4_address::parse("10.0.1.0");
  c.pool_last = *net::ipv4_address::parse("10.0.255.254");
  return c;
}

void dhcp_dora(benchmark::State& state) {
  constexpr std::uint32_t clients_per_server = 60000;
  auto server = std::make_unique<dhcp::server>(dhcp_config());
  auto now = std::chrono::system_clock::now();
  auto gateway = *net::ipv4_address::parse("10.0.0.2");
  std::uint32_t k = 0;
  std::uint64_t acks = 0;
  for (auto _ : state) {
    if (k == clients_per_server) {
      state.PauseTiming();
      server = std::make_unique<dhcp::server>(dhcp_config());
      k = 0;
      state.ResumeTiming();
    }
    ++k;
    auto mac = net::mac_address::from_u64(0x02b000000000ULL + k);
    test::dhcp_client client(mac, "h" + std::to_string(k));
    auto discover = client.discover().bytes();
    auto offer = server->handle(discover, {.port = k, .source_mac = mac}, now);
    if (!offer.response) {
      state.SkipWithError("no offer");
      break;
    }
    auto request = client.select(offer.response->msg.yiaddr, gateway).bytes();
    auto ack = server->handle(request, {.port = k, .source_mac = mac}, now);
    auto wire = dhcp::serialize(ack.response->msg);  // what the service sends
    benchmark::DoNotOptimize(wire.data());
    acks += ack.events.size();
  }
  if (acks == 0 && state.iterations() > 0) state.SkipWithError("no leases");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(dhcp_dora);

}  // namespace

BENCHMARK_MAIN();
