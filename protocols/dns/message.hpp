// protocols/dns/message.hpp - DNS messages (RFC 1035, EDNS(0) RFC 6891): header, question, records; parsing (pure).
//
// Decision: our own codec, not ldns. ldns allocates per packet and per record
// (ldns_pkt, ldns_rr_list, one ldns_rdf per field); what we need is narrow — a
// small authoritative zone per network now, raw forwarding later — and the goal
// is to match or beat dnsmasq's queries per second. So: a pure, bounds-checked
// codec that parses a query without touching the heap, writes the response into
// the caller's buffer (message_writer.hpp), and is fuzzed (tests/fuzz/dns_fuzz).
//
// Theory of operation
//  * parse_query() is the hot path. It reads the header, the one question and
//    walks the other sections only to find (and check) the OPT record; record
//    data is skipped, never copied. Every length is checked against the bytes
//    that are really there, names go through parse_name() (pointers strictly
//    backwards, hop limit, 255-octet cap), so a lying count costs at most one
//    pass over the message.
//  * A query we cannot answer normally still gets an answer when we can tell
//    who asked: parsed_query says which rcode (FORMERR, NOTIMP, BADVERS) and
//    carries what could be read (id, flags, the question, EDNS) to echo.
//    Messages without a full header, and responses, are dropped (as BIND and
//    Unbound do): without a header we cannot even tell a query from a
//    response, and answering either would reflect junk or loop with another
//    server.
//  * parse_message() reads any message completely into vectors (records with
//    RDATA expanded, see rdata.hpp): for tests, the fuzz target's round trip,
//    and later the forwarder. It allocates; it is not on the query path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "protocols/dns/name.hpp"
#include "protocols/dns/rdata.hpp"

namespace switchyard::dns {

inline constexpr std::size_t header_size = 12;

enum class opcode : std::uint8_t { query = 0, iquery = 1, status = 2, notify = 4, update = 5 };

/// Response codes, extended ones included (the upper 8 bits travel in OPT).
enum class rcode : std::uint16_t {
  noerror = 0,
  formerr = 1,
  servfail = 2,
  nxdomain = 3,
  notimp = 4,
  refused = 5,
  badvers = 16,
};

struct header {
  std::uint16_t id = 0;
  bool qr = false;   ///< a response
  std::uint8_t opcode = 0;
  bool aa = false;   ///< authoritative answer
  bool tc = false;   ///< truncated
  bool rd = false;   ///< recursion desired (copied into the response)
  bool ra = false;   ///< recursion available
  bool ad = false;
  bool cd = false;
  std::uint8_t rcode = 0;  ///< the low 4 bits
  std::uint16_t qdcount = 0;
  std::uint16_t ancount = 0;
  std::uint16_t nscount = 0;
  std::uint16_t arcount = 0;

  std::uint16_t flags() const;
  void set_flags(std::uint16_t flags);
};

/// The 12-byte header at the start of `message`, or nullopt if there is less.
std::optional<header> parse_header(std::span<const std::byte> message);
/// Writes `h` into out[0..12) (the caller checked the size).
void write_header(std::span<std::byte> out, const header& h);

struct question {
  name qname;  ///< as received: case preserved
  std::uint16_t qtype = 0;
  std::uint16_t qclass = class_in;
};

/// What an OPT pseudo-record says (RFC 6891 section 6.1.3).
struct edns {
  std::uint16_t udp_payload_size = 512;
  std::uint8_t extended_rcode = 0;  ///< the upper 8 bits of a 12-bit rcode
  std::uint8_t version = 0;
  bool dnssec_ok = false;
};

/// Wire size of an OPT record without options: root owner, type, class, ttl, rdlength.
inline constexpr std::size_t opt_record_size = 11;

struct resource_record {
  name owner;
  std::uint16_t type = 0;
  std::uint16_t rclass = class_in;
  std::uint32_t ttl = 0;
  std::vector<std::byte> rdata;  ///< uncompressed (rdata.hpp)
};

struct query {
  dns::header header;
  std::optional<dns::question> question;  ///< set when exactly one question parsed
  std::optional<dns::edns> edns;          ///< set when exactly one valid OPT record was present
};

struct parsed_query {
  bool drop = false;                  ///< send nothing: no full header, or QR=1
  rcode error = rcode::noerror;       ///< noerror: answer it; else answer with this rcode
  dns::query query;                   ///< what could be read, to echo in any answer
  bool ok() const { return !drop && error == rcode::noerror; }
};

/// Parses a query (QR=0) as a server receives it. Never allocates.
///  * opcode other than QUERY → notimp;
///  * QDCOUNT != 1, a malformed section, a second OPT, an OPT not owned by the
///    root or with malformed options → formerr;
///  * EDNS version above 0 → badvers (RFC 6891 section 6.1.3).
/// Bytes after the last record are ignored.
parsed_query parse_query(std::span<const std::byte> message);

struct message {
  dns::header header;
  std::vector<dns::question> questions;
  std::vector<resource_record> answers;
  std::vector<resource_record> authority;
  std::vector<resource_record> additional;  ///< the OPT record stays here too
  std::optional<dns::edns> edns;            ///< from the OPT record, when there is exactly one
};

enum class message_error {
  truncated,       ///< a header, question or record cut short, or a bad name in one
  bad_rdata,       ///< RDATA malformed for its (known) type
  bad_opt,         ///< OPT outside additional, a second one, not owned by the root, bad options
  trailing_bytes,  ///< bytes after the last record
};

/// Parses a whole message, expanding every name. Strict: counts must match the
/// records, RDATA of known types must be well-formed, at most one OPT (owned by
/// the root, in additional), and no bytes may follow the last record.
std::optional<message> parse_message(std::span<const std::byte> bytes, message_error* error = nullptr);

/// The EDNS fields of an OPT record's class and TTL.
edns edns_from_opt(std::uint16_t rclass, std::uint32_t ttl);

}  // namespace switchyard::dns
