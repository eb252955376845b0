// gateway/wisp/lan_tcp_upstream.hpp - a Wisp TCP stream into a VM: lwIP
// connects from the network's gateway address (stack/tcp_dial), then the
// stream runs on a stack::tcp_connection.
//
// Backpressure towards the VM is lwIP's receive window: bytes are acknowledged
// (tcp_recved) only once they are in the WebSocket queue. While the queue is
// above its high-water mark, what lwIP delivered is held here (at most one
// window) and the window stays closed. Towards the VM, lwIP's send buffer
// takes what fits; the rest waits for on_sent. lwIP callbacks never destroy
// anything: the end is posted.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <vector>

#include "gateway/wisp/packet_queue.hpp"
#include "gateway/wisp/wisp_upstream.hpp"
#include "stack/tcp_connection.hpp"
#include "stack/tcp_dial.hpp"

namespace switchyard::stack {
class gateway_netif;
}

namespace switchyard::gateway {

class lan_tcp_upstream final : public wisp_upstream, public std::enable_shared_from_this<lan_tcp_upstream> {
 public:
  lan_tcp_upstream(boost::asio::io_context& io, owner& o, std::uint32_t id, stack::gateway_netif& network,
                   net::ipv4_address vm, std::uint16_t port, std::chrono::milliseconds connect_timeout);
  ~lan_tcp_upstream() override;

  void start() override;
  void send(std::span<const std::byte> data) override;
  void resume() override;
  void stop() override;
  void abort_now() override;
  std::size_t pending_bytes() const override { return pending_bytes_; }

 private:
  void on_dialed(stack::tcp_dial::failure why);
  void attach_handlers();
  void on_data(std::span<const std::byte> data);
  void forward_held();
  void write_pending();
  void finish_later(wisp::close_reason why);

  boost::asio::io_context& io_;
  stack::gateway_netif& network_;
  net::ipv4_address vm_;
  std::uint16_t port_;
  std::chrono::milliseconds connect_timeout_;
  boost::asio::steady_timer deadline_;
  std::unique_ptr<stack::tcp_dial> dial_;
  std::unique_ptr<stack::tcp_connection> connection_;
  std::vector<std::byte> held_;                 // from the VM, not yet in the WebSocket queue
  packet_queue pending_;  // to the VM, not yet taken by lwIP
  std::size_t front_offset_ = 0;
  std::size_t pending_bytes_ = 0;
  bool stopped_ = false, waiting_ = false, peer_closed_ = false, ending_ = false;
};

}  // namespace switchyard::gateway
