// gateway/wisp/socket_upstream.hpp - a Wisp TCP stream to the internet: one
// server socket, connected with a deadline once the egress policy allowed it.
//
// Reads are readiness-based (async_wait, then one non-blocking read into the
// session's shared buffer): an idle stream holds no buffer of its own. Writes
// try the socket at once and queue only what it does not take.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <vector>

#include "gateway/wisp/packet_queue.hpp"
#include "gateway/wisp/wisp_upstream.hpp"

namespace switchyard::gateway {

class socket_upstream final : public wisp_upstream, public std::enable_shared_from_this<socket_upstream> {
 public:
  socket_upstream(boost::asio::io_context& io, owner& o, std::uint32_t id, boost::asio::ip::tcp::endpoint target,
                  std::chrono::milliseconds connect_timeout);

  void start() override;
  void send(std::span<const std::byte> data) override;
  void resume() override;
  void stop() override;
  std::size_t pending_bytes() const override { return pending_bytes_; }

 private:
  void on_connected(const boost::system::error_code& ec);
  void arm_read();
  void on_readable(const boost::system::error_code& ec);
  void write_pending();
  void fail(wisp::close_reason why);

  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer deadline_;
  boost::asio::ip::tcp::endpoint target_;
  std::chrono::milliseconds connect_timeout_;
  packet_queue pending_;  // packets not yet (fully) written; front may be partly sent
  std::size_t front_offset_ = 0;
  std::size_t pending_bytes_ = 0;
  bool connected_ = false, timed_out_ = false, stopped_ = false;
  bool reading_ = false, waiting_ = false, writing_ = false;
};

}  // namespace switchyard::gateway
