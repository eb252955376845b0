// gateway/resolver/doh_message.hpp - the DNS side of a DoH exchange: the query we send and the
// checks on the answer that comes back (pure).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "protocols/dns/message.hpp"
#include "protocols/dns/name.hpp"

namespace switchyard::gateway {

/// The query for (qname, qtype), class IN: ID 0 (RFC 8484 section 4.1, so
/// HTTP caches can share it), RD set, no EDNS (HTTP does not truncate).
std::vector<std::byte> make_doh_query(const dns::name& qname, std::uint16_t qtype);

/// What an upstream said, reduced to what may be cached under (qname, qtype).
struct upstream_answer {
  dns::rcode code = dns::rcode::servfail;
  /// The answer section's chain from qname: CNAMEs (unless qtype is CNAME)
  /// and the records of qtype at its end, in the upstream's order. Records
  /// off the chain are dropped: they were not asked for and are not cached.
  std::vector<dns::resource_record> answers;
  /// For NXDOMAIN and NODATA: the authority section's SOA above the chain's end.
  std::optional<dns::resource_record> soa;
};

enum class answer_problem : std::uint8_t {
  malformed,       ///< parse_message() refused it
  not_a_response,  ///< QR clear, or an opcode other than QUERY
  wrong_id,        ///< not the ID 0 we sent
  wrong_question,  ///< not exactly our question echoed
  truncated,       ///< TC set: nothing over HTTP should be
};

const char* to_string(answer_problem p);

/// Checks `bytes` as the answer to make_doh_query(qname, qtype). Any rcode is
/// passed on in `code` (records are kept only for NOERROR and NXDOMAIN); a
/// message that is not that answer yields nullopt and `*problem` says why.
std::optional<upstream_answer> read_doh_answer(std::span<const std::byte> bytes, const dns::name& qname,
                                               std::uint16_t qtype, answer_problem* problem = nullptr);

}  // namespace switchyard::gateway
