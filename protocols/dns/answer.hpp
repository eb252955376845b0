// protocols/dns/answer.hpp - the DNS server's pure core: query bytes in, response bytes out, for one zone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "protocols/dns/message.hpp"
#include "protocols/dns/zone.hpp"

namespace switchyard::dns {

enum class transport : std::uint8_t { udp, tcp };

/// The UDP payload size we offer in OPT: the DNS flag day 2020 value, which
/// fits any real path's MTU without IP fragmentation.
inline constexpr std::uint16_t our_udp_payload_size = 1232;
inline constexpr std::size_t max_tcp_message = 65535;

/// The largest response for `t`: TCP 65535; UDP 512 without EDNS, else the
/// client's size clamped to [512, our_udp_payload_size].
std::size_t response_limit(transport t, const std::optional<edns>& client);

/// Answers one DNS message received over `t` from the zone's network, writing
/// the response (without TCP's 2-byte length prefix) into `out` and returning
/// its size; 0 means send nothing (not a query, or not even a header). The
/// response never exceeds out.size() nor response_limit(); one that does not
/// fit is sent as header + question (+ OPT) with TC=1. Offer at least
/// our_udp_payload_size bytes for UDP and max_tcp_message for TCP.
/// Allocation-free: safe to call per packet.
///  * a malformed query with a full header → FORMERR, other opcodes → NOTIMP,
///    EDNS version > 0 → BADVERS;
///  * names outside the zone (and classes other than IN) → REFUSED, so the
///    caller can choose to forward them instead;
///  * zone transfers → REFUSED; meta types (OPT, TSIG, TKEY) as QTYPE → FORMERR.
std::size_t answer(const zone& z, std::span<const std::byte> query, transport t, std::span<std::byte> out);

/// Answers a parsed query (pq.ok(), with a question) with records from
/// elsewhere — a forwarding resolver: RA set, AA clear, `answers` in the answer
/// section and `soa` (NXDOMAIN / NODATA) in the authority section. The same
/// size rules as answer(): what does not fit is cut back to the question with TC=1.
std::size_t answer_forwarded(const query& q, rcode code, std::span<const resource_record> answers,
                             const resource_record* soa, transport t, std::span<std::byte> out);

}  // namespace switchyard::dns
