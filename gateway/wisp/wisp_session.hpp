// gateway/wisp/wisp_session.hpp - one Wisp connection (/wisp/{network}/):
// many TCP/UDP streams over one WebSocket, into the network's VMs or out
// through its egress.
//
// Theory of operation
//   handshake  Beast answers the upgrade (echoing the first offered
//              subprotocol: a subprotocol means Wisp v2); the socket then moves
//              to a batched_websocket. protocols/wisp/server_connection runs
//              the Wisp handshake, the stream table and the credit.
//   opening    A CONNECT is routed (wisp_route): LAN destinations get an lwIP
//              upstream at once; internet ones pass the network's egress policy
//              (names first through policy::may_resolve and the resolver, then
//              every address with the names that led to it) and get a server
//              socket. A refusal closes the stream with the Wisp reason
//              (0x48 policy, 0x42 unresolvable, 0x44 refused, 0x47 timeout) and
//              is recorded with the egress's refusals.
//   data       client -> upstream: DATA goes to the upstream (queued while it
//              connects); consumed packets become CONTINUE credit. When the
//              bytes queued towards upstreams pass `max_inflight`, the
//              WebSocket is not read until they drain to half (TCP
//              backpressure on the browser; bounds a client that ignores
//              credit). upstream -> client: upstreams read only while the
//              WebSocket queue is under `high_water`; otherwise they wait in a
//              FIFO and are resumed in turn as the queue drains (low_water).
//   closing    Upstream end -> CLOSE(id, reason) after the data before it.
//              Client CLOSE -> the upstream stops at once (no half-close in
//              Wisp). The WebSocket ending stops every upstream.
//
//   Re-entrancy: server_connection must not be called from inside its own
//   events, and upstreams must not be destroyed inside their callbacks. So
//   calls into server_connection made while it runs are deferred to right
//   after it returns, and finished upstreams are released from a posted task.
//
//   Memory per idle stream: one map entry and the upstream object (a socket,
//   no buffer); reads go through one buffer per session.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "gateway/batched_websocket.hpp"
#include "gateway/wisp/wisp_route.hpp"
#include "gateway/wisp/wisp_upstream.hpp"
#include "protocols/wisp/server_connection.hpp"

namespace switchyard::gateway {

struct network_entry;
class resolver;

class wisp_session final : public batched_websocket::handler,
                           public wisp::server_events,
                           public wisp_upstream::owner,
                           public std::enable_shared_from_this<wisp_session> {
 public:
  using request_type = boost::beast::http::request<boost::beast::http::string_body>;

  static constexpr std::size_t max_data = 64 * 1024;              ///< DATA payload read per upstream read
  static constexpr std::size_t max_message = 64 * 1024 + wisp::header_size;  ///< larger client messages: 1009
  static constexpr std::size_t high_water = 1024 * 1024;          ///< WebSocket queue: upstreams stop reading
  static constexpr std::size_t low_water = 512 * 1024;            ///< ... and resume
  /// Client bytes waiting for upstreams before the WebSocket is no longer read:
  /// two streams' full default credit (2 x 128 x 64 KiB), so one stream
  /// uploading to a slow server does not stall the connection's others.
  static constexpr std::size_t max_inflight = 16 * 1024 * 1024;

  /// `network` is held: it may be deleted while we run (then every stream ends).
  wisp_session(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<network_entry> network, resolver* names,
               std::uint64_t session_id);
  ~wisp_session() override;

  /// Answers the upgrade; `v2` when it offered a subprotocol. Call once, on a shared_ptr.
  void run(request_type request);
  /// Server shutdown: close with 1001 after what is queued.
  void close_going_away();
  /// The networks are going away: every stream ends now, without a word to
  /// the client. Nothing touches the network afterwards.
  void abort_streams();

  /// For the admin API.
  struct stream_info {
    std::uint32_t id;
    wisp::stream_type type;
    std::string_view host;
    std::uint16_t port;
  };
  std::uint64_t id() const { return id_; }
  const std::string& peer() const { return peer_; }
  bool v2() const;
  std::chrono::system_clock::time_point connected_since() const { return connected_since_; }
  std::uint64_t bytes_from_client() const { return bytes_from_client_; }
  std::uint64_t bytes_to_client() const { return bytes_to_client_; }
  std::vector<stream_info> streams() const;

  // batched_websocket::handler
  void on_binary(std::span<const std::byte> message) override;
  void on_closed(std::string_view why) override;
  void on_drained() override;

  // wisp::server_events
  void send_packet(std::span<const std::byte> packet) override;
  void on_ready(bool v2) override;
  void open_stream(std::uint32_t id, wisp::stream_type type, std::uint16_t port, std::string_view host) override;
  void stream_data(std::uint32_t id, std::span<const std::byte> data) override;
  void close_stream(std::uint32_t id, wisp::close_reason reason) override;
  void fail(wisp::close_reason reason, std::string_view why) override;

  // wisp_upstream::owner
  void upstream_open(std::uint32_t id) override;
  void upstream_data(std::uint32_t id, std::span<const std::byte> data) override;
  void upstream_read(std::uint32_t id, std::size_t n) override;
  void upstream_consumed(std::uint32_t id, std::uint32_t packets, std::size_t bytes) override;
  void upstream_closed(std::uint32_t id, wisp::close_reason why) override;
  bool may_read() const override;
  void wait_for_room(std::uint32_t id) override;
  std::span<std::byte> read_buffer() override;

 private:
  struct stream_slot {
    std::uint64_t serial = 0;                 // tells a reused id apart in late callbacks
    wisp::stream_type type = wisp::stream_type::tcp;
    std::uint16_t port = 0;
    std::string host;                         // as the client asked, for the admin API
    std::shared_ptr<wisp_upstream> upstream;  // null while the route is being resolved
    std::vector<std::vector<std::byte>> early;  // DATA before the upstream exists
  };

  void on_handshake(boost::asio::ip::tcp::socket socket, bool v2);
  void connect_lan(std::uint32_t id, stream_slot& slot, net::ipv4_address vm);
  void connect_internet(std::uint32_t id, stream_slot& slot, const policy::address& address,
                        std::span<const std::string> names);
  void resolve_then_connect(std::uint32_t id, std::uint64_t serial, std::string name);
  void refuse(std::uint32_t id, wisp::close_reason reason, std::string_view why, const policy::address* address = nullptr);
  void start_upstream(stream_slot& slot, std::shared_ptr<wisp_upstream> upstream);
  void end_stream(std::uint32_t id, wisp::close_reason reason);
  void retire(std::shared_ptr<wisp_upstream> upstream);
  /// Runs `action` now, or right after server_connection returns when inside it.
  template <typename Action>
  void call_server(Action&& action) {
    if (in_server_) {
      deferred_.emplace_back(std::forward<Action>(action));
      return;
    }
    in_server_ = true;
    action();
    run_deferred();
  }
  void run_deferred();
  void send_data_packet(std::uint32_t id, std::span<const std::byte> data);
  void release_inflight(std::size_t bytes);

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::socket handshake_socket_;
  std::shared_ptr<network_entry> keep_network_;
  network_entry& network_;
  std::chrono::system_clock::time_point connected_since_ = std::chrono::system_clock::now();
  resolver* resolver_;
  std::uint64_t id_;
  std::string peer_;
  std::shared_ptr<batched_websocket> ws_;
  std::unique_ptr<wisp::server_connection> server_;
  std::unordered_map<std::uint32_t, stream_slot> streams_;
  std::uint64_t next_serial_ = 1;
  std::deque<std::uint32_t> waiting_;  // streams waiting for room in the WebSocket queue
  std::vector<std::byte> read_buffer_;  // header room + max_data
  std::vector<std::byte> packet_;       // scratch for copied DATA packets
  std::vector<std::shared_ptr<wisp_upstream>> retired_;
  bool retire_posted_ = false;
  bool in_server_ = false;
  std::vector<std::function<void()>> deferred_;
  std::size_t inflight_ = 0;
  bool reading_paused_ = false;
  bool closed_ = false;
  std::uint64_t streams_opened_ = 0, streams_refused_ = 0;
  std::uint64_t bytes_to_client_ = 0, bytes_from_client_ = 0;
};

}  // namespace switchyard::gateway
