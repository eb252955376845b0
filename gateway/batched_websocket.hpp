// gateway/batched_websocket.hpp - an open WebSocket connection with batched I/O:
// many frames parsed per read, many frames sent per gathered write.
//
// Theory of operation
//   Beast answers the upgrade; then the TCP socket comes here. A frame relay is
//   bound by per-message cost: Beast's stream reads and writes one message per
//   operation (one syscall or more each). Here a read takes whatever the socket
//   holds (up to 256 KiB), the pure codec (protocols/websocket) yields every
//   complete message in place, and the handler sees each one. Messages sent
//   meanwhile are framed into a bounded outbox and leave together in one
//   gathered write per loop turn (writev).
//
//   Limits: the outbox holds at most `max_queued_frames` / `max_queued_bytes`;
//   send() refuses beyond that (the caller counts a drop: for Ethernet frames
//   that is the right answer to a slow reader). Control frames (pong, close,
//   ping) bypass the limits but are few. Messages over `max_message` close the
//   connection with 1009, protocol errors with 1002.
//
//   Liveness: after `ping_after` without receiving anything we ping; after
//   `idle_timeout` without receiving anything the connection is closed. While
//   reading is paused (pause_reading) the peer is not judged: pings go on,
//   and a peer that vanished shows as a failed write.
//
//   Closing: close() sends a close frame after what is queued, stops delivering
//   messages and waits (bounded) for the peer's close or EOF. The handler's
//   on_closed() runs exactly once, after which the handler is released.
//
//   Threads: one executor (the core loop); no strand needed while everything
//   runs on one thread.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "protocols/websocket/message_reader.hpp"

namespace switchyard::gateway {

class batched_websocket : public std::enable_shared_from_this<batched_websocket> {
 public:
  struct handler {
    virtual ~handler() = default;
    /// A complete binary message; `payload` is valid only during the call.
    virtual void on_binary(std::span<const std::byte> payload) = 0;
    /// The connection ended (closed by either side, or failed); `why` is for logs.
    virtual void on_closed(std::string_view why) = 0;
    /// A write completed and the outbox holds at most `low_water` bytes
    /// (limits::low_water): producers that paused may go on.
    virtual void on_drained() {}
  };
  struct limits {
    std::size_t max_message = 65536;
    std::size_t max_queued_frames = 512;
    std::size_t max_queued_bytes = std::size_t{1} << 20;
    std::chrono::seconds ping_after{30};
    std::chrono::seconds idle_timeout{60};
    bool client = false;  ///< we are the client: mask what we send, expect unmasked frames
    std::size_t low_water = 0;  ///< on_drained() fires when a write leaves at most this many bytes queued
  };

  batched_websocket(boost::asio::ip::tcp::socket socket, limits l);

  /// Starts reading; `already_received` holds bytes read past the handshake.
  void start(std::shared_ptr<handler> h, std::span<const std::byte> already_received = {});
  /// Queues one binary message; false when the outbox is full or closing.
  bool send(std::span<const std::byte> payload);
  /// Sends a close frame after what is queued and ends the connection.
  void close(std::uint16_t code, std::string_view why);

  std::size_t queued_frames() const { return outbox_.size(); }
  /// Payload bytes of data messages waiting to be written.
  std::size_t queued_bytes() const { return queued_bytes_; }

  /// Stops delivering messages after the current one (what is buffered stays
  /// and the socket is not read: TCP backpressure on the peer) until resume_reading().
  void pause_reading() { paused_ = true; }
  void resume_reading();

 private:
  struct outgoing {
    std::vector<std::byte> bytes;  // header + payload, ready to send
    bool counted = true;           // data frames count against the limits
    std::size_t payload_size = 0;
  };

  void do_read();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  void queue_control(websocket::opcode op, std::span<const std::byte> payload);
  void schedule_flush();
  void flush();
  void on_written(const boost::system::error_code& ec, std::size_t frames);
  void arm_liveness();
  void finish(std::string_view why);
  void frame_into(std::vector<std::byte>& out, websocket::opcode op, std::span<const std::byte> payload);

  boost::asio::ip::tcp::socket socket_;
  limits limits_;
  websocket::message_reader reader_;
  std::shared_ptr<handler> handler_;
  std::vector<std::byte> in_;
  std::size_t in_used_ = 0;
  std::deque<outgoing> outbox_;
  // Written frames' buffers, reused for the next ones (sending 64 KiB messages
  // otherwise costs an allocation and a page-faulting copy each).
  static constexpr std::size_t max_spare_buffers = 16;
  static constexpr std::size_t max_spare_capacity = 128 * 1024;
  std::vector<std::vector<std::byte>> spare_;
  std::size_t queued_bytes_ = 0;
  std::size_t counted_frames_ = 0;
  std::vector<boost::asio::const_buffer> gather_;
  bool writing_ = false;
  bool flush_posted_ = false;
  bool closing_ = false;   // our close frame is queued or sent
  bool finished_ = false;  // on_closed ran
  bool peer_closed_ = false;   // the peer's close frame arrived
  bool discarding_ = false;    // a protocol error: drain without parsing until the peer closes
  bool paused_ = false;        // pause_reading(): parse nothing more, read nothing more
  bool reading_ = false;       // a read is outstanding
  std::uint64_t skip_ = 0;     // bytes of an oversized message still to drop
  std::string close_why_;
  boost::asio::steady_timer liveness_;
  std::chrono::steady_clock::time_point last_received_;
  bool ping_outstanding_ = false;
};

}  // namespace switchyard::gateway
