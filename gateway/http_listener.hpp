// gateway/http_listener.hpp - the TCP listener: binds the configured address and
// starts one HTTP session per accepted connection.
#pragma once

#include <cstdint>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "gateway/config.hpp"

namespace switchyard::gateway {

class network_registry;

/// Accepts connections on the core loop until stop(). Not copyable; keep it
/// alive (server_app owns it) while the loop runs: handlers hold shared_from_this.
class http_listener : public std::enable_shared_from_this<http_listener> {
 public:
  /// Opens, binds (SO_REUSEADDR) and listens; throws std::runtime_error naming
  /// the address and the reason when that fails (a startup error). `networks` must
  /// outlive every session this listener starts.
  http_listener(boost::asio::io_context& core, const listen_address& address, network_registry& networks);

  /// Starts the accept loop and logs `listening on HOST:PORT` with the bound port.
  void run();
  /// Closes the acceptor; live sessions are not touched. Idempotent.
  void stop();

  /// The bound endpoint (the real port when the config asked for port 0).
  boost::asio::ip::tcp::endpoint local_endpoint() const { return local_endpoint_; }

 private:
  void do_accept();
  void on_accept(const boost::system::error_code& ec, boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& core_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;
  boost::asio::ip::tcp::endpoint local_endpoint_;
  network_registry& networks_;
  std::uint64_t next_session_id_ = 1;
};

}  // namespace switchyard::gateway
