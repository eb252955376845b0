// protocols/wisp/server_connection.hpp - the server side of one Wisp
// connection as a pure state machine: handshake, stream table, credit.
//
// Theory of operation
//   The session (gateway/wisp_session) feeds every WebSocket message to
//   receive() and reports what its upstreams do (stream_opened, consumed,
//   close). This class decides what goes back to the client and tells the
//   session through `events` what to open, forward and tear down. It owns no
//   sockets and no clock.
//
//   Handshake
//     v1: start() sends CONTINUE(0, buffer_size); streams may open at once.
//     v2: start() sends INFO (UDP when allowed, password auth when users are
//         configured, MOTD when set, stream-open confirmation). Without auth it
//         also sends CONTINUE(0) at once, so clients of older drafts that wait
//         for CONTINUE work and new ones save a round trip; the client's INFO
//         that follows only narrows the extensions. With auth, CONTINUE(0)
//         follows a client INFO whose credentials pass; otherwise the server
//         sends CLOSE(0, credentials_required | bad_password) and fails.
//         A v2 client that sends anything but INFO first is treated as v1 (or
//         refused with credentials_required when auth is required).
//
//   Streams
//     CONNECT with a new id opens a stream (events.open_stream). Rules:
//       id 0, or a malformed CONNECT         -> CLOSE(id, invalid_info) (id 0: ignored)
//       id already live                      -> the live stream is closed with
//                                               invalid_info (both sides); the
//                                               CONNECT is not opened
//       UDP when not allowed                 -> CLOSE(id, invalid_info)
//       more than max_streams live           -> CLOSE(id, throttled)
//     DATA for a live stream goes to events.stream_data (also while the
//     upstream is still connecting: the session queues it). DATA for an unknown
//     id is dropped silently: it crossed our CLOSE on the wire. DATA, CONTINUE
//     or CONNECT on stream 0 are counted as protocol errors and ignored; CLOSE
//     on stream 0 from the client ends the connection (events.fail).
//     CLOSE(id) from the client tears the stream down (events.close_stream);
//     nothing is sent back. Unknown packet types and CONTINUE from the client
//     are ignored (counted).
//
//   Credit (client -> server, TCP only)
//     Each TCP stream starts with buffer_size credit. The session calls
//     consumed(id, n) when n DATA packets have left for the upstream; once
//     half the buffer was consumed since the last grant, CONTINUE(id,
//     buffer_size - unconsumed) is sent. When the upstream opens
//     (stream_opened) a CONTINUE is sent too: v86's adapter needs one per
//     stream and v2's stream-open confirmation is exactly that.
//     A client sets its credit to each CONTINUE value, but packets it sent
//     before that CONTINUE arrived may still be on the wire, several grants'
//     worth when we read slowly. So the one bound a server can prove is the
//     sum: buffer_size plus every CONTINUE value sent on the stream. A stream
//     that sends more ignores flow control and is closed with throttled.
//     (What waits in memory is bounded per connection by the session, which
//     stops reading the WebSocket while too much waits for upstreams.)
//
//   Invariants (checked by tests/fuzz/wisp_fuzz.cpp)
//     * stream 0 is never a live stream; live ids are unique (a map);
//     * live streams <= max_streams; DATA packets received on a TCP stream
//       <= buffer_size + the CONTINUE values sent on it;
//     * every CONTINUE value sent is <= buffer_size;
//     * after close(id) or a CLOSE from the client, the id is gone and no
//       event names it until a new CONNECT opens it again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>

#include "protocols/wisp/packet.hpp"

namespace switchyard::wisp {

struct server_options {
  bool v2 = false;               ///< the upgrade carried Sec-WebSocket-Protocol
  std::uint32_t buffer_size = 128;  ///< packets of credit per TCP stream (>= 1)
  std::size_t max_streams = 64;  ///< live streams per connection
  bool udp = true;               ///< UDP streams allowed
  std::string motd;              ///< v2 MOTD; empty: none
  /// v2 password auth: when set, clients must present credentials it accepts.
  std::function<bool(std::string_view username, std::string_view password)> check_password;
};

/// What the state machine asks of the session. Calls happen synchronously
/// inside receive(), start(), stream_opened(), consumed() and close(); the
/// session must not call back into the same server_connection from them.
class server_events {
 public:
  virtual ~server_events() = default;
  /// A packet for the client (INFO, CONTINUE, CLOSE): send it as one message.
  virtual void send_packet(std::span<const std::byte> packet) = 0;
  /// The handshake is complete (v1: at start). `v2` says which version won.
  virtual void on_ready(bool v2) = 0;
  virtual void open_stream(std::uint32_t id, stream_type type, std::uint16_t port, std::string_view host) = 0;
  virtual void stream_data(std::uint32_t id, std::span<const std::byte> data) = 0;
  /// Tear the stream's upstream down (the client closed it or broke a rule).
  virtual void close_stream(std::uint32_t id, close_reason reason) = 0;
  /// The connection must end: `reason` was already sent as CLOSE(0) when the
  /// server initiated it; close the WebSocket.
  virtual void fail(close_reason reason, std::string_view why) = 0;
};

struct connection_counters {
  std::uint64_t packets_in = 0;
  std::uint64_t protocol_errors = 0;  ///< malformed or misplaced packets
  std::uint64_t streams_opened = 0;
  std::uint64_t streams_refused = 0;  ///< CONNECTs answered with CLOSE at once
  std::uint64_t credit_overruns = 0;  ///< DATA beyond all credit ever granted (stream closed)
  std::uint64_t continues_sent = 0;
};

class server_connection {
 public:
  enum class phase { idle, awaiting_client_info, open, failed };

  server_connection(server_options options, server_events& events);

  void start();
  /// One WebSocket binary message from the client; ignored before start() and
  /// after the connection failed. The DATA path does not allocate.
  void receive(std::span<const std::byte> message);

  /// The upstream of `id` is connected: data may flow (sends CONTINUE for TCP,
  /// and for UDP when v2 stream confirmation was agreed).
  void stream_opened(std::uint32_t id);
  /// `packets` DATA packets of `id` were handed to its upstream.
  void consumed(std::uint32_t id, std::uint32_t packets);
  /// The server ends stream `id` (upstream failed or finished): sends
  /// CLOSE(id, reason) and forgets it. No event is raised. Unknown ids: no-op.
  void close(std::uint32_t id, close_reason reason);

  bool is_live(std::uint32_t id) const { return streams_.contains(id); }
  bool is_open(std::uint32_t id) const;  ///< live and stream_opened() was called
  std::size_t live_streams() const { return streams_.size(); }
  /// DATA packets received for `id` and not yet consumed (0 for unknown ids).
  std::uint32_t unconsumed(std::uint32_t id) const;
  phase state() const { return phase_; }
  /// The version announced at start(). A v2 client whose first packet is not
  /// INFO still reports true (on_ready(true) was already raised); it keeps UDP
  /// as announced and gets no stream-open confirmation.
  bool v2() const { return v2_; }
  bool udp_allowed() const;
  const server_options& options() const { return options_; }
  const connection_counters& counters() const { return counters_; }

 private:
  struct stream {
    stream_type type;
    bool open = false;
    std::uint32_t unconsumed = 0;
    std::uint32_t consumed_since_grant = 0;
    std::uint64_t received = 0;  ///< DATA packets, ever
    std::uint64_t allowed = 0;   ///< the first buffer_size plus every CONTINUE value sent
  };

  void handle_handshake(const packet_view& p);
  void handle(const packet_view& p);
  void handle_connect(const packet_view& p);
  void handle_data(const packet_view& p);
  void grant(std::uint32_t id, stream& s);
  void refuse(std::uint32_t id, close_reason reason);
  /// Ends the connection: CLOSE(0, reason) unless the client closed it, drops
  /// every stream without per-stream events, then events.fail.
  void fail(close_reason reason, std::string_view why, bool send_close = true);
  void become_open(bool v2);

  server_options options_;
  server_events& events_;
  phase phase_ = phase::idle;
  bool v2_ = false;
  bool client_udp_ = true;          ///< the client listed UDP (v2) or v1
  bool confirmation_ = false;       ///< both listed stream-open confirmation
  bool continue0_sent_ = false;
  bool client_info_pending_ = false;  ///< v2 without auth: the client's first packet may be its INFO
  std::map<std::uint32_t, stream> streams_;
  connection_counters counters_;
};

}  // namespace switchyard::wisp
