// gateway/ethernet_session.hpp - the v86 relay: one WebSocket is one switch port,
// one binary message is one Ethernet frame, both ways.
//
// Theory of operation
//   Goals: carry frames between a v86 page and its network's switch with
//   bounded memory and without letting one slow page stall the network.
//
//   handshake  Beast answers the upgrade request (already authorised by
//              http_session). Not attached: the switch cannot see us yet.
//   open       The socket moves to a batched_websocket (many frames per read,
//              one gathered write per loop turn) and we attach to the switch.
//              Each binary message goes to the switch unchanged (the switch
//              counts runts and giants); deliver() queues the switch's frames
//              in the socket's bounded outbox (512 frames, 1 MiB) — a full
//              outbox is a counted queue_full drop, Ethernet's answer to a
//              slow receiver.
//   closed     batched_websocket reported the end (close either way, error,
//              idle timeout): we detach exactly once and are released.
//
//   Re-entrancy: deliver() runs inside network_switch::receive, possibly for
//   another session's frame; it only queues (the write is posted), so it never
//   re-enters the switch and never detaches.
//
//   Threads: everything runs on the one core-loop thread: no strands, no locks.
//
//   Limits: a message over 64 KiB closes with 1009, a text message with 1003;
//   a socket silent for 30 s is pinged and closed after 60 s of silence.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "gateway/batched_websocket.hpp"
#include "stack/frame_sink.hpp"

namespace switchyard::gateway {

struct network_entry;

class ethernet_session final : public stack::frame_sink,
                               public batched_websocket::handler,
                               public std::enable_shared_from_this<ethernet_session> {
 public:
  using request_type = boost::beast::http::request<boost::beast::http::string_body>;

  static constexpr std::size_t max_message_size = 65536;

  /// Takes over `socket` after an authorised upgrade request on `network`
  /// (held: it may be removed while we run). `session_id` continues the `[S<id>]` tag.
  ethernet_session(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<network_entry> network,
                   std::uint64_t session_id);
  ~ethernet_session() override;

  /// Answers the upgrade `request`; once the handshake completes, attaches to
  /// the switch. Call once, on a shared_ptr.
  void run(request_type request);

  /// Server shutdown: close with 1001 (going away) after what is queued.
  void close_going_away();
  /// The network is being deleted: detach now (the switch is about to go)
  /// and close with 1001.
  void end_for_removal();
  /// An administrator kicked this VM: close with 1008.
  void kick();

  stack::port_id port() const { return attached_ ? port_ : 0; }  ///< 0 until attached
  const std::string& peer() const { return peer_; }
  std::chrono::system_clock::time_point connected_since() const { return connected_since_; }

  bool deliver(std::span<const std::byte> frame) override;
  void on_binary(std::span<const std::byte> frame) override;
  void on_closed(std::string_view why) override;

 private:
  void on_handshake(boost::asio::ip::tcp::socket socket);

  void detach(std::string_view why);

  boost::asio::ip::tcp::socket handshake_socket_;
  std::shared_ptr<batched_websocket> ws_;
  std::shared_ptr<network_entry> keep_network_;
  network_entry& network_;
  std::string peer_;  ///< "address:port", for logs
  std::uint64_t id_;
  stack::port_id port_ = 0;
  bool attached_ = false;
  std::chrono::system_clock::time_point connected_since_;
};

}  // namespace switchyard::gateway
