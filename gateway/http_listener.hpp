// gateway/http_listener.hpp - a TCP listener: binds the configured address and
// starts one HTTP session per accepted connection (public or admin).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "gateway/config.hpp"

namespace switchyard::gateway {

/// Accepts connections on the core loop until stop(). Not copyable; keep it
/// alive (server_app owns it) while the loop runs: handlers hold shared_from_this.
class http_listener : public std::enable_shared_from_this<http_listener> {
 public:
  /// Starts one session on an accepted socket; the number tags its log lines.
  using session_starter = std::function<void(boost::asio::ip::tcp::socket, std::uint64_t session_id)>;

  /// Opens, binds (SO_REUSEADDR) and listens; throws std::runtime_error naming
  /// the address and the reason when that fails (a startup error).
  http_listener(boost::asio::io_context& core, const listen_address& address, session_starter start_session,
                std::string_view banner = "listening on");

  /// Starts the accept loop and logs `<banner> HOST:PORT` with the bound port.
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
  session_starter start_session_;
  std::string banner_;
  std::uint64_t next_session_id_ = 1;
};

}  // namespace switchyard::gateway
