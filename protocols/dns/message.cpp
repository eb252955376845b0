// protocols/dns/message.cpp - DNS messages: header, question, records; parsing (pure).
#include "protocols/dns/message.hpp"

#include "protocols/net/byte_reader.hpp"

namespace switchyard::dns {
namespace {

using net::load_u16;
using net::load_u32;

// The fixed part of a record after its owner name, and where its RDATA is.
struct record_head {
  name owner;
  std::uint16_t type = 0;
  std::uint16_t rclass = 0;
  std::uint32_t ttl = 0;
  std::size_t rdata_offset = 0;
  std::size_t rdata_length = 0;
};

// Reads one record's owner and fixed fields at `pos` and checks that its RDATA
// is inside the message; advances `pos` past the record.
bool read_record_head(std::span<const std::byte> message, std::size_t& pos, record_head& out) {
  auto owner = parse_name(message, pos);
  if (!owner) return false;
  std::size_t p = owner->end;
  if (message.size() - p < 10) return false;
  out.owner = owner->value;
  out.type = load_u16(message, p);
  out.rclass = load_u16(message, p + 2);
  out.ttl = load_u32(message, p + 4);
  out.rdata_length = load_u16(message, p + 8);
  out.rdata_offset = p + 10;
  if (message.size() - out.rdata_offset < out.rdata_length) return false;
  pos = out.rdata_offset + out.rdata_length;
  return true;
}

std::optional<question> read_question(std::span<const std::byte> message, std::size_t& pos) {
  auto qname = parse_name(message, pos);
  if (!qname || message.size() - qname->end < 4) return std::nullopt;
  pos = qname->end + 4;
  return question{qname->value, load_u16(message, qname->end), load_u16(message, qname->end + 2)};
}

}  // namespace

std::uint16_t header::flags() const {
  unsigned f = (qr ? 0x8000u : 0) | ((opcode & 0xfu) << 11) | (aa ? 0x0400u : 0) | (tc ? 0x0200u : 0) |
               (rd ? 0x0100u : 0) | (ra ? 0x0080u : 0) | (ad ? 0x0020u : 0) | (cd ? 0x0010u : 0) | (rcode & 0xfu);
  return static_cast<std::uint16_t>(f);
}

void header::set_flags(std::uint16_t f) {
  qr = f & 0x8000;
  opcode = static_cast<std::uint8_t>((f >> 11) & 0xf);
  aa = f & 0x0400;
  tc = f & 0x0200;
  rd = f & 0x0100;
  ra = f & 0x0080;
  ad = f & 0x0020;
  cd = f & 0x0010;
  rcode = static_cast<std::uint8_t>(f & 0xf);
}

std::optional<header> parse_header(std::span<const std::byte> message) {
  if (message.size() < header_size) return std::nullopt;
  header h;
  h.id = load_u16(message, 0);
  h.set_flags(load_u16(message, 2));
  h.qdcount = load_u16(message, 4);
  h.ancount = load_u16(message, 6);
  h.nscount = load_u16(message, 8);
  h.arcount = load_u16(message, 10);
  return h;
}

void write_header(std::span<std::byte> out, const header& h) {
  net::store_u16(out, 0, h.id);
  net::store_u16(out, 2, h.flags());
  net::store_u16(out, 4, h.qdcount);
  net::store_u16(out, 6, h.ancount);
  net::store_u16(out, 8, h.nscount);
  net::store_u16(out, 10, h.arcount);
}

edns edns_from_opt(std::uint16_t rclass, std::uint32_t ttl) {
  return edns{rclass, static_cast<std::uint8_t>(ttl >> 24), static_cast<std::uint8_t>((ttl >> 16) & 0xff),
              (ttl & 0x8000) != 0};
}

parsed_query parse_query(std::span<const std::byte> message) {
  parsed_query out;
  auto h = parse_header(message);
  if (!h || h->qr) {
    out.drop = true;
    return out;
  }
  out.query.header = *h;
  // Another opcode is NOTIMP whatever else is wrong; we still read what we
  // can, to echo the question and OPT like any other answer.
  bool other_opcode = h->opcode != static_cast<std::uint8_t>(opcode::query);
  auto fail = [&out, other_opcode](rcode e) {
    out.error = other_opcode ? rcode::notimp : e;
    return out;
  };

  if (h->qdcount != 1) return fail(rcode::formerr);
  std::size_t pos = header_size;
  out.query.question = read_question(message, pos);
  if (!out.query.question) return fail(rcode::formerr);

  // Answer and authority: a plain query has none, but UPDATE and NOTIFY do;
  // skip whatever is there so the OPT record can be found.
  record_head rr;
  for (unsigned i = 0; i < unsigned{h->ancount} + h->nscount; ++i)
    if (!read_record_head(message, pos, rr)) return fail(rcode::formerr);
  for (unsigned i = 0; i < h->arcount; ++i) {
    if (!read_record_head(message, pos, rr)) return fail(rcode::formerr);
    if (rr.type != static_cast<std::uint16_t>(rr_type::opt)) continue;
    if (out.query.edns) {
      out.query.edns.reset();  // RFC 6891 section 6.1.1: which one would we believe?
      return fail(rcode::formerr);
    }
    if (!rr.owner.is_root() ||
        !valid_rdata(rr.type, message.subspan(rr.rdata_offset, rr.rdata_length)))
      return fail(rcode::formerr);
    out.query.edns = edns_from_opt(rr.rclass, rr.ttl);
  }
  if (other_opcode) return fail(rcode::notimp);
  if (out.query.edns && out.query.edns->version > 0) out.error = rcode::badvers;
  return out;
}

std::optional<message> parse_message(std::span<const std::byte> bytes, message_error* error) {
  auto fail = [error](message_error e) -> std::optional<message> {
    if (error) *error = e;
    return std::nullopt;
  };
  auto h = parse_header(bytes);
  if (!h) return fail(message_error::truncated);
  message m;
  m.header = *h;
  std::size_t pos = header_size;
  for (unsigned i = 0; i < h->qdcount; ++i) {
    auto q = read_question(bytes, pos);
    if (!q) return fail(message_error::truncated);
    m.questions.push_back(*q);
  }
  // No reserve() from the counts: they are the peer's claim, not the bytes'.
  struct section {
    std::uint16_t count;
    std::vector<resource_record>* records;
    bool additional;
  };
  const section sections[] = {{h->ancount, &m.answers, false},
                              {h->nscount, &m.authority, false},
                              {h->arcount, &m.additional, true}};
  for (const auto& s : sections) {
    for (unsigned i = 0; i < s.count; ++i) {
      record_head rr;
      if (!read_record_head(bytes, pos, rr)) return fail(message_error::truncated);
      resource_record out{rr.owner, rr.type, rr.rclass, rr.ttl, {}};
      if (!expand_rdata(bytes, rr.rdata_offset, rr.rdata_length, rr.type, out.rdata))
        return fail(rr.type == static_cast<std::uint16_t>(rr_type::opt) ? message_error::bad_opt
                                                                         : message_error::bad_rdata);
      if (rr.type == static_cast<std::uint16_t>(rr_type::opt)) {
        if (!s.additional || m.edns || !rr.owner.is_root()) return fail(message_error::bad_opt);
        m.edns = edns_from_opt(rr.rclass, rr.ttl);
      }
      s.records->push_back(std::move(out));
    }
  }
  if (pos != bytes.size()) return fail(message_error::trailing_bytes);
  return m;
}

}  // namespace switchyard::dns
