// gateway/resolver/doh_message.cpp - the DoH query and the checks on its answer (pure).
#include "gateway/resolver/doh_message.hpp"

#include <algorithm>
#include <array>

#include "protocols/dns/message_writer.hpp"
#include "protocols/dns/rdata.hpp"

namespace switchyard::gateway {
namespace {

// A longer chain is a loop or an abuse; real ones are a few links.
constexpr std::size_t max_cname_chain = 16;

constexpr auto cname_type = static_cast<std::uint16_t>(dns::rr_type::cname);
constexpr auto soa_type = static_cast<std::uint16_t>(dns::rr_type::soa);
constexpr auto any_type = static_cast<std::uint16_t>(dns::rr_type::any);

bool matches(std::uint16_t qtype, std::uint16_t type) { return qtype == any_type || type == qtype; }

// Follows the chain from qname through the answer section; returns the name it ends at.
dns::name follow_chain(const std::vector<dns::resource_record>& section, const dns::name& qname,
                       std::uint16_t qtype, std::vector<dns::resource_record>& out) {
  dns::name current = qname;
  for (std::size_t links = 0; links <= max_cname_chain; ++links) {
    bool found = false;
    for (const auto& rr : section) {
      if (rr.rclass == dns::class_in && rr.owner == current && matches(qtype, rr.type)) {
        out.push_back(rr);
        found = true;
      }
    }
    if (found || qtype == cname_type) return current;
    const dns::resource_record* cname = nullptr;
    for (const auto& rr : section) {
      if (rr.rclass == dns::class_in && rr.owner == current && rr.type == cname_type) {
        cname = &rr;
        break;
      }
    }
    auto target = cname ? dns::read_name(cname->rdata) : std::nullopt;
    if (!target) return current;
    bool loops = std::any_of(out.begin(), out.end(), [&](const auto& seen) { return seen.owner == cname->owner; });
    if (loops) return current;
    out.push_back(*cname);
    current = *target;
  }
  return current;
}

}  // namespace

const char* to_string(answer_problem p) {
  switch (p) {
    case answer_problem::malformed: return "malformed message";
    case answer_problem::not_a_response: return "not a response";
    case answer_problem::wrong_id: return "wrong message id";
    case answer_problem::wrong_question: return "question not echoed";
    case answer_problem::truncated: return "truncated";
  }
  return "?";
}

std::vector<std::byte> make_doh_query(const dns::name& qname, std::uint16_t qtype) {
  std::array<std::byte, dns::header_size + dns::name::max_wire_size + 4> buffer{};
  dns::message_writer writer(buffer, buffer.size());
  dns::header h;
  h.id = 0;
  h.rd = true;
  writer.start(h);
  writer.add_question(dns::question{qname, qtype, dns::class_in});  // always fits: the buffer is sized for it
  auto size = writer.finish();
  return {buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(size)};
}

std::optional<upstream_answer> read_doh_answer(std::span<const std::byte> bytes, const dns::name& qname,
                                               std::uint16_t qtype, answer_problem* problem) {
  auto fail = [problem](answer_problem p) -> std::optional<upstream_answer> {
    if (problem) *problem = p;
    return std::nullopt;
  };
  auto m = dns::parse_message(bytes);
  if (!m) return fail(answer_problem::malformed);
  const auto& h = m->header;
  if (!h.qr || h.opcode != static_cast<std::uint8_t>(dns::opcode::query)) return fail(answer_problem::not_a_response);
  if (h.id != 0) return fail(answer_problem::wrong_id);
  if (m->questions.size() != 1) return fail(answer_problem::wrong_question);
  const auto& q = m->questions.front();
  if (!(q.qname == qname) || q.qtype != qtype || q.qclass != dns::class_in) return fail(answer_problem::wrong_question);
  if (h.tc) return fail(answer_problem::truncated);

  upstream_answer out;
  auto code = static_cast<std::uint16_t>(h.rcode | (m->edns ? m->edns->extended_rcode << 4 : 0));
  out.code = static_cast<dns::rcode>(code);
  if (out.code != dns::rcode::noerror && out.code != dns::rcode::nxdomain) return out;

  auto end = follow_chain(m->answers, qname, qtype, out.answers);
  bool negative = out.code == dns::rcode::nxdomain;
  if (!negative) {
    negative = true;
    for (const auto& rr : out.answers) negative = negative && !matches(qtype, rr.type);
  }
  if (negative) {
    for (const auto& rr : m->authority) {
      if (rr.type == soa_type && rr.rclass == dns::class_in && dns::is_subdomain(end, rr.owner)) {
        out.soa = rr;
        break;
      }
    }
  }
  return out;
}

}  // namespace switchyard::gateway
