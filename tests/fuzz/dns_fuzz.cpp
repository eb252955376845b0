// tests/fuzz/dns_fuzz.cpp - the DNS server core (answer()) over arbitrary bytes, against zones holding every
// record type, over UDP and TCP; every response must be in bounds and parse back as the answer to that query.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "protocols/dns/answer.hpp"
#include "protocols/dns/message.hpp"

using namespace switchyard;
using namespace switchyard::dns;

namespace {

name text(std::string_view t) { return *name::from_text(t); }
std::uint16_t t(rr_type type) { return static_cast<std::uint16_t>(type); }

void add(zone& z, std::string_view owner, rr_type type, std::vector<std::byte> rdata, std::uint32_t ttl = 300) {
  if (!z.add_record({text(owner), t(type), class_in, ttl, std::move(rdata)})) std::abort();
}

// default.lan on 10.0.2.0/24 (the seeds ask about it) with every type, CNAME
// chains, a loop, a chain out of the zone and an RRset too big for UDP.
zone make_default_zone() {
  zone z(text("default.lan"), *net::ipv4_subnet::parse("10.0.2.0/24"));
  z.set_host("gateway", *net::ipv4_address::parse("10.0.2.2"));
  z.set_host("alice", *net::ipv4_address::parse("10.0.2.15"));
  z.set_host("bob", *net::ipv4_address::parse("10.0.2.16"));
  add(z, "alice.default.lan", rr_type::aaaa, aaaa_rdata({0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x15}));
  add(z, "www.default.lan", rr_type::cname, name_rdata(text("web.default.lan")));
  add(z, "web.default.lan", rr_type::cname, name_rdata(text("alice.default.lan")));
  add(z, "ping.default.lan", rr_type::cname, name_rdata(text("pong.default.lan")));
  add(z, "pong.default.lan", rr_type::cname, name_rdata(text("ping.default.lan")));
  add(z, "ext.default.lan", rr_type::cname, name_rdata(text("example.com")));
  add(z, "gone.default.lan", rr_type::cname, name_rdata(text("nobody.default.lan")));
  add(z, "rev.default.lan", rr_type::cname, name_rdata(text("15.2.0.10.in-addr.arpa")));
  std::string_view hello[] = {"hello", "world"};
  add(z, "info.default.lan", rr_type::txt, *txt_rdata(hello));
  for (int i = 0; i < 40; ++i) {
    std::string s = "record " + std::to_string(i) + " " + std::string(static_cast<std::size_t>(i * 5), 'x');
    std::string_view parts[] = {s};
    add(z, "many.default.lan", rr_type::txt, *txt_rdata(parts));
  }
  add(z, "_ssh._tcp.default.lan", rr_type::srv, srv_rdata({0, 5, 22, text("alice.default.lan")}));
  add(z, "_http._tcp.default.lan", rr_type::srv, srv_rdata({10, 1, 80, text("www.default.lan")}));
  add(z, "99.2.0.10.in-addr.arpa", rr_type::ptr, name_rdata(text("printer.default.lan")));
  add(z, "default.lan", rr_type::a, a_rdata(*net::ipv4_address::parse("10.0.2.2")));
  add(z, "Mixed.Case.default.lan", rr_type::a, a_rdata(*net::ipv4_address::parse("10.0.2.3")));
  return z;
}

// A /26 zone: 64 one-address reverse apexes, and a long domain name.
zone make_small_zone() {
  zone z(text("a-rather-long-network-name.with.several.labels.lan"), *net::ipv4_subnet::parse("192.168.1.64/26"));
  z.set_host("gateway", *net::ipv4_address::parse("192.168.1.65"));
  z.set_host("pc", *net::ipv4_address::parse("192.168.1.70"));
  return z;
}

void check(const zone& z, std::span<const std::byte> input, transport tr, std::vector<std::byte>& out) {
  std::size_t n = answer(z, input, tr, out);
  parsed_query pq = parse_query(input);
  if (n > out.size() || n > response_limit(tr, pq.query.edns)) std::abort();
  if (pq.drop) {
    if (n != 0) std::abort();
    return;
  }
  if (n == 0) std::abort();  // our buffers are big enough for every answer
  auto response = std::span<const std::byte>(out).first(n);
  auto m = parse_message(response);
  if (!m) std::abort();
  const header& h = m->header;
  const query& q = pq.query;
  if (!h.qr || h.id != q.header.id || h.opcode != q.header.opcode || h.rd != q.header.rd) std::abort();

  // The question comes back exactly as asked, or not at all when it was unreadable.
  if (q.question) {
    if (m->questions.size() != 1) std::abort();
    const question& back = m->questions[0];
    if (!back.qname.identical(q.question->qname) || back.qtype != q.question->qtype ||
        back.qclass != q.question->qclass)
      std::abort();
  } else if (!m->questions.empty()) {
    std::abort();
  }
  if (m->edns.has_value() != q.edns.has_value()) std::abort();

  unsigned code = h.rcode | (m->edns ? unsigned{m->edns->extended_rcode} << 4 : 0u);
  if (!pq.ok()) {
    if (code != static_cast<unsigned>(pq.error) || h.aa || !m->answers.empty() || !m->authority.empty()) std::abort();
  }
  if (h.tc && (!m->answers.empty() || !m->authority.empty())) std::abort();
  if (tr == transport::tcp && h.tc) std::abort();  // nothing in our zones needs more than 64 KiB
  // The first answer is owned by the name as asked (case preserved through compression).
  if (!m->answers.empty() && !m->answers[0].owner.identical(q.question->qname)) std::abort();
  // Answered names are ours; refusals carry nothing.
  if (code == static_cast<unsigned>(rcode::refused) && (!m->answers.empty() || h.aa)) std::abort();

  // A response is never answered: no reflection loops between two servers.
  static std::vector<std::byte> again(max_tcp_message);
  if (answer(z, response, tr, again) != 0) std::abort();
}

// Names that parse must survive the text form both ways.
void check_names(std::span<const std::byte> input) {
  auto m = parse_message(input);
  if (!m) return;
  auto round_trip = [](const name& n) {
    auto back = name::from_text(n.to_text());
    if (!back || !back->identical(n)) std::abort();
  };
  for (const auto& q : m->questions) round_trip(q.qname);
  for (const auto* section : {&m->answers, &m->authority, &m->additional})
    for (const auto& rr : *section) round_trip(rr.owner);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const zone default_zone = make_default_zone();
  static const zone small_zone = make_small_zone();
  static std::vector<std::byte> udp_out(our_udp_payload_size);
  static std::vector<std::byte> tcp_out(max_tcp_message);
  auto input = std::span(reinterpret_cast<const std::byte*>(data), size);
  for (const zone* z : {&default_zone, &small_zone}) {
    check(*z, input, transport::udp, udp_out);
    check(*z, input, transport::tcp, tcp_out);
  }
  check_names(input);
  return 0;
}
