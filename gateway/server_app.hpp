// gateway/server_app.hpp - the composition root: builds the core loop, lwIP, the
// networks and the listener in order, runs them, and stops on SIGINT/SIGTERM.
#pragma once

#include <memory>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>

#include "gateway/admin/admin_api.hpp"
#include "gateway/admin/admin_session.hpp"
#include "gateway/admin/admin_store.hpp"
#include "gateway/config.hpp"
#include "gateway/http_listener.hpp"
#include "gateway/lease_store.hpp"
#include "gateway/network_registry.hpp"
#include "gateway/resolver/resolver.hpp"
#include "stack/lwip_core.hpp"

namespace switchyard::gateway {

class server_app {
 public:
  /// Builds everything; throws on startup errors (a port in use, a network the
  /// stack rejects) so main can print one line and exit non-zero.
  explicit server_app(const config& cfg);
  ~server_app();
  server_app(const server_app&) = delete;
  server_app& operator=(const server_app&) = delete;

  /// Runs the core loop on the calling thread until a signal or stop().
  /// Returns the process exit code.
  int run();
  /// Stops accepting and ends the loop. Call on the core loop.
  void stop();

 private:
  // Declaration order is construction order: each member needs the ones above
  // it, and destruction runs in reverse (listener, networks, lwIP, loop).
  boost::asio::io_context core_;
  stack::lwip_core lwip_;
  std::unique_ptr<lease_store> leases_;
  std::unique_ptr<resolver> resolver_;  ///< nullptr when every network's egress is off
  network_registry networks_;
  std::unique_ptr<admin::admin_store> admin_store_;  ///< the API's changes, next to the leases
  admin::admin_api admin_api_;
  std::optional<admin::admin_context> admin_context_;
  std::shared_ptr<http_listener> listener_;
  std::shared_ptr<http_listener> admin_listener_;  ///< nullptr with `[admin] listen = "off"`
  boost::asio::signal_set signals_;
  boost::asio::steady_timer shutdown_timer_;
  static constexpr std::chrono::milliseconds shutdown_grace{500};
};

}  // namespace switchyard::gateway
