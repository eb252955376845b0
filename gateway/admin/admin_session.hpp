// gateway/admin/admin_session.hpp - one HTTP/1.1 connection on the admin
// listener: the dashboard's files, /healthz, /readyz, /metrics and the JSON API,
// with the admin token checked; capture and event streams take the socket over.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>

namespace switchyard::gateway {
class network_registry;
}

namespace switchyard::gateway::admin {

class admin_api;

struct admin_context {
  network_registry& networks;
  admin_api& api;
  std::optional<std::string> token;  ///< `[admin] token`
};

/// Serves `socket` until the peer closes or a stream takes it over. `context`
/// outlives every session (server_app owns it). Core loop only.
void start_admin_session(boost::asio::ip::tcp::socket socket, admin_context& context, std::uint64_t session_id);

}  // namespace switchyard::gateway::admin
