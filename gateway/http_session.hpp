// gateway/http_session.hpp - one HTTP/1.1 connection: reads requests, answers
// /healthz, authorises and hands WebSocket upgrades on /net/{network} over.
#pragma once

#include <cstdint>
#include <string_view>

#include <boost/asio/ip/tcp.hpp>

namespace switchyard::gateway {

class network_registry;

/// Sent as the `Server` header on HTTP responses and WebSocket handshakes.
inline constexpr std::string_view server_version = "0.1.0";
inline constexpr std::string_view server_header = "switchyard/0.1.0";

/// Serves HTTP on `socket` until the peer closes, an error or timeout ends it,
/// or a WebSocket upgrade hands the socket to a session. The session keeps
/// itself alive; `networks` must outlive it. `session_id` tags its log lines
/// as `[S<id>]`. Core loop only. (The class lives in the .cpp so that only one
/// translation unit pays for Beast's HTTP headers.)
void start_http_session(boost::asio::ip::tcp::socket socket, network_registry& networks, std::uint64_t session_id);

}  // namespace switchyard::gateway
