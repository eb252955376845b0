// gateway/admin/capture_query.hpp - what GET /api/networks/{n}/capture asks
// for (the query string: which port, when to stop) and what it names (the
// download's file name, the capture interface's name). Pure.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace switchyard::gateway::admin {

inline constexpr std::chrono::seconds max_capture_duration{86400};
inline constexpr std::uint64_t max_capture_packets = 10'000'000;

struct capture_query {
  std::optional<std::uint32_t> port;              ///< `port=ID`; none: the whole network
  std::optional<std::chrono::seconds> duration;   ///< `limit=30s`
  std::optional<std::uint64_t> packets;           ///< `limit=500` or `limit=500p`
};

/// Why a query was refused: the parameter at fault and a sentence for people.
struct capture_query_error {
  std::string field;
  std::string message;
};

/// Parses `query` (the part after '?', no '?'). `token` and unknown parameters
/// are ignored; a parameter given twice or a bad value is an error naming it.
std::variant<capture_query, capture_query_error> parse_capture_query(std::string_view query);

/// "lab-20261128T061500Z.pcapng", or "lab-3-…" for port 3; the time in UTC.
std::string capture_file_name(std::string_view network, std::optional<std::uint32_t> port,
                              std::chrono::system_clock::time_point started);

/// The pcapng if_name: "lab", or "lab/port3".
std::string capture_interface_name(std::string_view network, std::optional<std::uint32_t> port);

}  // namespace switchyard::gateway::admin
