// gateway/admin/event_stream.hpp - GET /api/events: server-sent events for the
// dashboard. One `event: overview` a second (networks, VMs, traffic, recent
// refusals), so the page never polls. A slow reader skips ticks instead of
// queueing them: at most one event is ever in flight per client.
#pragma once

#include <cstdint>

#include <boost/asio/ip/tcp.hpp>

namespace switchyard::gateway::admin {

class admin_api;

/// Clients at once; more get 503.
inline constexpr std::size_t max_event_streams = 32;

/// Takes over `socket` after an authorised GET and streams until the client
/// goes. `api` outlives the stream (it lives as long as the loop runs).
void start_event_stream(boost::asio::ip::tcp::socket socket, admin_api& api, unsigned http_version,
                        std::uint64_t session_id);

}  // namespace switchyard::gateway::admin
