// gateway/admin/capture_stream.hpp - GET /api/networks/{n}/capture: a live
// pcapng stream of a network's switch (every frame) or of one port.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include <boost/asio/ip/tcp.hpp>

namespace switchyard::gateway {
struct network_entry;
}

namespace switchyard::gateway::admin {

/// Captures running at once in the whole process (each network's switch takes
/// at most stack::network_switch::max_taps); more get 503.
inline constexpr std::size_t max_captures = 32;
/// Bytes a capture holds for a slow reader before it drops frames.
inline constexpr std::size_t capture_pending_limit = 4 * 1024 * 1024;

/// Takes over `socket` after an authorised GET of `network`'s capture and
/// writes the whole response: 400/404/503 JSON, or 200 and a pcapng stream
/// until the limit in `query`, the client leaving, the network's deletion or
/// end_captures(). `query` is read before this returns. Core loop only.
void serve_capture(boost::asio::ip::tcp::socket socket, std::shared_ptr<network_entry> network, std::string_view query,
                   unsigned http_version, std::uint64_t session_id);

/// Ends every live capture (each writes its statistics block and closes), for
/// a graceful shutdown; returns how many were running.
std::size_t end_captures();

/// Process-wide counters for /metrics.
struct capture_totals {
  std::uint64_t started = 0;          ///< captures that got a 200
  std::uint64_t live = 0;             ///< running now
  std::uint64_t packets_written = 0;  ///< frames put in the stream
  std::uint64_t packets_dropped = 0;  ///< frames lost to slow readers
};
capture_totals capture_stats();

}  // namespace switchyard::gateway::admin
