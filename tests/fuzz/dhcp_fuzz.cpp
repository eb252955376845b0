// tests/fuzz/dhcp_fuzz.cpp - libFuzzer target for the DHCP codec and server:
// arbitrary bytes through parse(), and a server driven by fuzz-chosen
// messages, ports and time steps, checking its invariants after every step.
//
// Part 1: the whole input is parsed as a DHCP payload. Whatever parses must
// serialize into bytes that parse back to the same message.
//
// Part 2: byte 0 picks settings (per-port limit 1-3, burst 2-17), then records
//   [a][b][c][d]
//   a bits 0-2: 0 DISCOVER, 1 REQUEST, 2 RELEASE, 3 DECLINE, 4 INFORM,
//               5 raw payload (b = length, then b bytes; c, d not read),
//               6 expire(now), 7 restore a lease
//     bits 3-6: client 0-15 (15 owns the reservation), bit 7: broadcast flag
//   b bits 0-2: port 1-8; bits 3-7: time step (250 ms .. 4 min; 31 = the
//               clock steps back an hour)
//   c: the address: 10.0.2.(c & 31) below 0xe0, 0.0.0.0 up to 0xef, else
//      192.168.0.x
//   d bit 0: option 50 = address; 1: ciaddr = address; 2: option 54; 3: 54 is
//     another server; 4: client id (01 + MAC); 5-6: hostname from a table;
//     7: misbehave: c bit 0 -> chaddr differs from the frame's MAC, bit 1 ->
//     giaddr set, bit 2 -> the client id is the next client's
//
// Invariants (beyond server::check_invariants): the lease events, applied to
// a shadow table, reproduce leases() exactly (so persisting events loses
// nothing); no address is leased twice; every lease is in the pool or is the
// reservation; no port holds more leases than its limit; a reply exists
// exactly when the disposition says so, NAKs are broadcast, and every reply
// serializes into bytes that parse back to it.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>

#include "protocols/dhcp/server.hpp"

namespace {

using namespace switchyard;
using namespace std::chrono_literals;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "invariant violated: %s\n", what);
  std::abort();
}
#define FUZZ_CHECK(condition) \
  do {                        \
    if (!(condition)) fail(#condition); \
  } while (0)

constexpr std::uint32_t client_count = 16;
const net::ipv4_address gateway(0x0a000202);
const net::ipv4_address other_server(0x0a000203);
const net::ipv4_address pool_first(0x0a00020f);  // 10.0.2.15
const net::ipv4_address pool_last(0x0a00021e);   // 10.0.2.30
const net::ipv4_address reserved_ip(0x0a00020a);  // 10.0.2.10, outside the pool
const char* const hostnames[4] = {"", "alice", "Alice.lan", "printer"};

net::mac_address client_mac(std::uint32_t index) {
  return net::mac_address::from_u64(0x02'00'00'00'00'01ULL + index % client_count);
}

std::vector<std::byte> client_id_of(net::mac_address mac) {
  std::vector<std::byte> id(7);
  id[0] = std::byte{1};
  mac.write_to(std::span(id).subspan(1, 6));
  return id;
}

void check_codec(net::bytes input) {
  auto m = dhcp::parse(input);
  if (!m) return;
  auto bytes = dhcp::serialize(*m);
  FUZZ_CHECK(bytes.size() >= dhcp::min_reply_size);
  auto again = dhcp::parse(bytes);
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(*again == *m);
  FUZZ_CHECK(m->client_id.size() <= dhcp::max_client_id_size);
  FUZZ_CHECK(m->hostname.size() <= dhcp::max_text_size);
}

class harness {
 public:
  explicit harness(std::uint8_t settings) : server_(make_config(settings)), limit_(1 + settings % 3) {}

  void run(const std::uint8_t* data, std::size_t size) {
    std::size_t i = 0;
    while (i + 4 <= size) {
      std::uint8_t a = data[i], b = data[i + 1], c = data[i + 2], d = data[i + 3];
      advance(b);
      std::uint32_t port = 1 + (b & 7u);
      std::uint32_t client = (a >> 3) & 15u;
      switch (a & 7u) {
        case 5: {  // raw payload
          std::size_t length = std::min<std::size_t>(b, size - i - 2);
          net::bytes payload(reinterpret_cast<const std::byte*>(data + i + 2), length);
          deliver(server_.handle(payload, {.port = port, .source_mac = client_mac(client)}, now_), nullptr);
          i += 2 + length;
          continue;
        }
        case 6: apply(server_.expire(now_)); break;
        case 7: restore(client, c, d); break;
        default: {
          auto m = build(a, c, d, client);
          net::mac_address source = m.chaddr;
          if ((d & 0x80) && (c & 1)) source = client_mac(client + 1);
          deliver(server_.handle(m, {.port = port, .source_mac = source}, now_), &m);
        }
      }
      i += 4;
      check();
    }
    check();
  }

 private:
  static dhcp::server_config make_config(std::uint8_t settings) {
    dhcp::server_config c;
    c.subnet = *net::ipv4_subnet::parse("10.0.2.0/24");
    c.server_address = gateway;
    c.router = gateway;
    c.dns_server = gateway;
    c.domain = "fuzz.lan";
    c.pool_first = pool_first;
    c.pool_last = pool_last;
    c.lease_time = 60s;
    c.offer_hold = 5s;
    c.decline_hold = 20s;
    c.max_declined = 4;
    c.max_leases_per_port = 1 + settings % 3;
    c.rate_burst = 2 + (settings >> 4);
    c.remembered_clients = 8;
    c.reservations = {{.mac = client_mac(client_count - 1), .ip = reserved_ip, .name = "printer"}};
    return c;
  }

  void advance(std::uint8_t b) {
    unsigned step = b >> 3;
    if (step == 31) now_ -= 1h;
    else if (step < 16) now_ += std::chrono::milliseconds(250 * step);
    else if (step < 28) now_ += std::chrono::seconds(5 * (step - 15));
    else now_ += std::chrono::minutes(step - 27);
  }

  static net::ipv4_address address(std::uint8_t c) {
    if (c < 0xe0) return net::ipv4_address(0x0a000200u | (c & 31u));
    if (c < 0xf0) return net::ipv4_address(0);
    return net::ipv4_address(0xc0a80000u | c);
  }

  dhcp::message build(std::uint8_t a, std::uint8_t c, std::uint8_t d, std::uint32_t client) {
    static constexpr dhcp::message_type types[5] = {dhcp::message_type::discover, dhcp::message_type::request,
                                                    dhcp::message_type::release, dhcp::message_type::decline,
                                                    dhcp::message_type::inform};
    dhcp::message m;
    m.type = types[a & 7u];
    m.xid = 0x1000u + a + (std::uint32_t{c} << 8);
    m.chaddr = client_mac(client);
    m.broadcast = (a & 0x80) != 0;
    auto ip = address(c);
    if (d & 1) m.requested_ip = ip;
    if (d & 2) m.ciaddr = ip;
    if (d & 4) m.server_id = (d & 8) ? other_server : gateway;
    if (d & 16) m.client_id = client_id_of(m.chaddr);
    m.hostname = hostnames[(d >> 5) & 3u];
    if (d & 0x80) {
      if (c & 2) m.giaddr = net::ipv4_address(0x0a000201);
      if (c & 4) m.client_id = client_id_of(client_mac(client + 1));
    }
    return m;
  }

  void restore(std::uint32_t client, std::uint8_t c, std::uint8_t d) {
    dhcp::lease l{.ip = address(c),
                  .mac = client_mac(client),
                  .client_id = (d & 16) ? client_id_of(client_mac(client)) : std::vector<std::byte>{},
                  .hostname = hostnames[(d >> 5) & 3u],
                  .port = d & 7u,
                  .expires_at = now_ + std::chrono::seconds(d) - 30s};
    if (server_.restore(l, now_) != dhcp::restore_result::restored) return;
    for (const auto& got : server_.leases())
      if (got.ip == l.ip) shadow_[dhcp::make_client_key(got.client_id, got.mac)] = got;
  }

  void deliver(const dhcp::outcome& out, const dhcp::message* request) {
    apply(out.events);
    FUZZ_CHECK((out.result == dhcp::disposition::replied) == out.response.has_value());
    if (!out.response) return;
    const dhcp::message& r = out.response->msg;
    FUZZ_CHECK(r.op == dhcp::op_code::reply);
    FUZZ_CHECK(r.type == dhcp::message_type::offer || r.type == dhcp::message_type::ack ||
               r.type == dhcp::message_type::nak);
    FUZZ_CHECK(r.server_id == gateway);
    if (request) FUZZ_CHECK(r.xid == request->xid && r.chaddr == request->chaddr);
    if (r.type == dhcp::message_type::nak) {
      FUZZ_CHECK(out.response->destination_mac.is_broadcast());
      FUZZ_CHECK(r.yiaddr.value() == 0);
    }
    if (r.type == dhcp::message_type::offer || (r.type == dhcp::message_type::ack && r.lease_time)) {
      FUZZ_CHECK(r.yiaddr == reserved_ip || (r.yiaddr >= pool_first && r.yiaddr <= pool_last));
      FUZZ_CHECK(r.lease_time == 60u && r.renewal_time == 30u && r.rebinding_time == 52u);
    }
    if (r.type == dhcp::message_type::ack && !r.lease_time) FUZZ_CHECK(r.yiaddr.value() == 0);  // INFORM
    auto bytes = dhcp::serialize(r);
    auto back = dhcp::parse(bytes);
    FUZZ_CHECK(back.has_value() && *back == r);
  }

  void apply(const std::vector<dhcp::lease_event>& events) {
    for (const auto& e : events) {
      auto key = dhcp::make_client_key(e.what.client_id, e.what.mac);
      switch (e.kind) {
        case dhcp::lease_event_kind::granted:
        case dhcp::lease_event_kind::renewed: shadow_[key] = e.what; break;
        case dhcp::lease_event_kind::released:
        case dhcp::lease_event_kind::expired:
          FUZZ_CHECK(shadow_.count(key) == 1);
          FUZZ_CHECK(shadow_[key].ip == e.what.ip);
          shadow_.erase(key);
          break;
      }
    }
  }

  void check() {
    std::string why;
    if (!server_.check_invariants(&why)) {
      std::fprintf(stderr, "check_invariants: %s\n", why.c_str());
      std::abort();
    }
    auto leases = server_.leases();
    FUZZ_CHECK(leases.size() == shadow_.size());
    std::set<std::uint32_t> addresses;
    std::map<std::uint32_t, std::size_t> per_port;
    for (const auto& l : leases) {
      FUZZ_CHECK(addresses.insert(l.ip.value()).second);
      FUZZ_CHECK(l.ip == reserved_ip || (l.ip >= pool_first && l.ip <= pool_last));
      if (l.port != dhcp::no_port) FUZZ_CHECK(++per_port[l.port] <= limit_);
      auto it = shadow_.find(dhcp::make_client_key(l.client_id, l.mac));
      FUZZ_CHECK(it != shadow_.end());
      FUZZ_CHECK(it->second == l);
    }
  }

  dhcp::server server_;
  std::size_t limit_;
  dhcp::system_time now_ = dhcp::system_time(std::chrono::hours(24 * 365 * 55));
  std::map<dhcp::client_key, dhcp::lease> shadow_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  check_codec(net::bytes(reinterpret_cast<const std::byte*>(data), size));
  if (size < 1) return 0;
  harness h(data[0]);
  h.run(data + 1, size - 1);
  return 0;
}
