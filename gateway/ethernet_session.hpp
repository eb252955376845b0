// gateway/ethernet_session.hpp - the v86 relay: one WebSocket is one switch port,
// one binary message is one Ethernet frame, both ways.
//
// Theory of operation
//   Goals: carry frames between a v86 page and its network's switch with
//   bounded memory and without letting one slow page stall the network.
//
//   States: handshake -> open -> closing -> closed.
//     handshake  The upgrade request was authorised by http_session; Beast
//                answers it. Not attached: the switch cannot see us yet.
//     open       Attached to the switch. The read loop hands each binary
//                message to the switch unchanged (the switch counts runts and
//                giants, not us); deliver() queues the switch's frames for us.
//     closing    We sent (or are about to send) a close frame: detached, no
//                further reads or queued frames are written.
//     closed     Detached; the last handler releases the session.
//   Every way out of `open` goes through detach(), which runs exactly once, so
//   the switch never holds a sink pointer to a dying session.
//
//   Write side: a bounded frame_queue (256 frames, 1 MiB). deliver() pushes and
//   starts a write if none is in flight; a full queue makes deliver() return
//   false and the switch counts a queue_full drop at our port - Ethernet's own
//   answer to a slow receiver. One async_write in flight, writing the queue's
//   front in place (deque elements do not move on push_back); the next frame
//   goes out when it completes.
//
//   Re-entrancy: deliver() runs inside network_switch::receive (possibly for
//   another session's frame). It only queues and initiates a write - Asio never
//   completes an operation inside its initiating call - so it never re-enters
//   the switch and never detaches.
//
//   Threads: everything - Beast's handlers, the switch, lwIP - runs on the one
//   core-loop thread, so the session has no strand and no locks. Moving
//   sessions to another executor would need a strand and posted hand-offs to
//   the switch (DESIGN.md, "Threads and lifetimes").
//
//   Limits: a message over 64 KiB is closed with 1009 (too big) - by us, not by
//   Beast's read_message_max (see run()) - and a text message with 1003
//   (unsupported data); the read buffer never holds more than 64 KiB + 1. 60 s
//   without any traffic closes the connection, and Beast pings at half that
//   so a quiet but live VM stays connected.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "stack/frame_queue.hpp"
#include "stack/frame_sink.hpp"

namespace switchyard::gateway {

struct network_entry;

class ethernet_session final : public stack::frame_sink, public std::enable_shared_from_this<ethernet_session> {
 public:
  using request_type = boost::beast::http::request<boost::beast::http::string_body>;

  static constexpr std::size_t max_message_size = 65536;
  static constexpr std::size_t queue_max_frames = 256;
  static constexpr std::size_t queue_max_bytes = std::size_t{1} << 20;
  static constexpr std::chrono::seconds idle_timeout{60};

  /// Takes over `socket` after an authorised upgrade request on `network`,
  /// which must outlive the session. `session_id` continues the HTTP session's
  /// `[S<id>]` tag.
  ethernet_session(boost::asio::ip::tcp::socket&& socket, network_entry& network, std::uint64_t session_id);
  ~ethernet_session() override;
  ethernet_session(const ethernet_session&) = delete;
  ethernet_session& operator=(const ethernet_session&) = delete;

  /// Answers the upgrade `request` (already read by http_session) and, once the
  /// handshake completes, attaches to the switch. Call once, on a shared_ptr.
  void run(request_type request);

  /// A frame from the switch for this VM: copied into the send queue. false
  /// when the queue is full or the session is no longer open.
  bool deliver(std::span<const std::byte> frame) override;

 private:
  enum class state { handshake, open, closing, closed };

  void on_accept(boost::beast::error_code ec);
  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void do_write();
  void on_write(boost::beast::error_code ec, std::size_t bytes);
  void do_close(boost::beast::websocket::close_code code, std::string_view why);
  void on_close(boost::beast::error_code ec);
  /// Leaves the switch and logs the port's counters; runs once per session.
  void detach(std::string_view why);

  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::beast::flat_buffer read_buffer_;
  stack::frame_queue queue_{queue_max_frames, queue_max_bytes};
  network_entry& network_;
  std::string peer_;  ///< "address:port", for logs
  std::uint64_t id_;
  stack::port_id port_ = 0;
  state state_ = state::handshake;
  bool attached_ = false;
  bool writing_ = false;  ///< an async_write (of queue_.front()) is in flight
  /// A close requested while a write was in flight: Beast allows one write-type
  /// operation at a time, so it is sent when that write completes.
  std::optional<boost::beast::websocket::close_code> pending_close_;
};

}  // namespace switchyard::gateway
