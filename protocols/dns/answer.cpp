// protocols/dns/answer.cpp - the DNS server's pure core: query bytes in, response bytes out, for one zone.
#include "protocols/dns/answer.hpp"

#include <algorithm>

#include "protocols/dns/message_writer.hpp"

namespace switchyard::dns {
namespace {

// Fills the answer and authority sections for a well-formed query and returns
// its rcode. If the records do not fit, the response is cut back to the
// question and flagged TC (RFC 2181 section 9): the client retries over TCP.
rcode answer_question(const zone& z, const question& q, message_writer& w) {
  switch (static_cast<rr_type>(q.qtype)) {
    case rr_type::opt:
    case rr_type::tsig:
    case rr_type::tkey: return rcode::formerr;  // they only exist as records, never as questions
    case rr_type::axfr:
    case rr_type::ixfr: return rcode::refused;  // no zone transfers
    case rr_type::maila:
    case rr_type::mailb: return rcode::notimp;
    default: break;
  }
  if (q.qclass != class_in && q.qclass != class_any) return rcode::refused;
  zone_answer za = z.resolve(q.qname, q.qtype);
  if (za.code == rcode::refused) return za.code;

  w.header().aa = true;
  auto after_question = w.save();
  bool fits = true;
  for (std::size_t i = 0; fits && i < za.cname_count; ++i) {
    const zone_record& r = *za.cnames[i];
    fits = w.add_record(section::answer, za.owners[i], r.type, r.ttl, r.rdata);
  }
  for (const auto& r : za.final_records) {
    if (!fits) break;
    if (za.matches(r)) fits = w.add_record(section::answer, za.owners[za.cname_count], r.type, r.ttl, r.rdata);
  }
  if (fits && za.soa) fits = w.add_record(section::authority, za.soa_owner, za.soa->type, za.soa->ttl, za.soa->rdata);
  if (!fits) {
    w.restore(after_question);
    w.header().tc = true;
  }
  return za.code;
}

// The response's header and question: the query's ID, opcode, RD and CD
// (RFC 4035 section 3.1.6), room kept for an OPT if the query had one. False
// when `out` is smaller than the API asks.
bool start_response(message_writer& w, const query& q, bool recursion_available) {
  header h;
  h.id = q.header.id;
  h.qr = true;
  h.opcode = q.header.opcode;
  h.rd = q.header.rd;
  h.ra = recursion_available;
  h.cd = q.header.cd;
  if (!w.start(h)) return false;
  if (q.question && !w.add_question(*q.question)) return false;
  if (q.edns) w.reserve(opt_record_size);
  return true;
}

// RFC 6891 section 7: a query with OPT gets OPT back, also with an error; DO is
// copied (RFC 3225) though we sign nothing.
std::size_t finish_response(message_writer& w, const query& q, rcode code) {
  w.set_rcode(code);
  if (q.edns && !w.add_opt(edns{our_udp_payload_size, 0, 0, q.edns->dnssec_ok})) return 0;
  return w.finish();
}

}  // namespace

std::size_t response_limit(transport t, const std::optional<edns>& client) {
  if (t == transport::tcp) return max_tcp_message;
  if (!client) return 512;
  return std::clamp<std::size_t>(client->udp_payload_size, 512, our_udp_payload_size);
}

std::size_t answer(const zone& z, std::span<const std::byte> query, transport t, std::span<std::byte> out) {
  parsed_query pq = parse_query(query);
  if (pq.drop) return 0;
  const dns::query& q = pq.query;
  message_writer w(out, response_limit(t, q.edns));
  if (!start_response(w, q, false)) return 0;
  rcode code = pq.error;
  if (code == rcode::noerror) code = answer_question(z, *q.question, w);
  return finish_response(w, q, code);
}

std::size_t answer_forwarded(const query& q, rcode code, std::span<const resource_record> answers,
                             const resource_record* soa, transport t, std::span<std::byte> out) {
  message_writer w(out, response_limit(t, q.edns));
  if (!start_response(w, q, true)) return 0;
  auto after_question = w.save();
  bool fits = true;
  for (const auto& rr : answers) {
    if (!fits) break;
    fits = w.add_record(section::answer, rr);
  }
  if (fits && soa) fits = w.add_record(section::authority, *soa);
  if (!fits) {
    w.restore(after_question);
    w.header().tc = true;
  }
  return finish_response(w, q, code);
}

}  // namespace switchyard::dns
