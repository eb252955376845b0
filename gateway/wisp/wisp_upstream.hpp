// gateway/wisp/wisp_upstream.hpp - the far side of one Wisp stream: a socket
// to the internet or an lwIP connection into a VM, behind one interface.
//
// Flow control, as the session runs it:
//   client -> upstream  send() takes one DATA packet; the upstream reports
//                       consumed(id, packets, bytes) once it was handed on
//                       (written to the socket / taken by lwIP). The session
//                       turns that into CONTINUE credit.
//   upstream -> client  before reading, the upstream asks may_read(); when the
//                       session's WebSocket queue is above its high-water mark
//                       it calls wait_for_room(id) instead and reads nothing
//                       until resume(). Streams waiting are resumed in FIFO
//                       order as the queue drains (fair service).
// An upstream reports the end once (closed) and then stays silent; the
// session destroys it afterwards (never inside one of its own callbacks).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "protocols/wisp/packet.hpp"

namespace switchyard::gateway {

class wisp_upstream {
 public:
  /// The session, as its upstreams see it.
  class owner {
   public:
    virtual ~owner() = default;
    virtual void upstream_open(std::uint32_t id) = 0;
    /// Bytes for the client (one DATA packet, at most read_buffer().size()).
    virtual void upstream_data(std::uint32_t id, std::span<const std::byte> data) = 0;
    /// Zero-copy variant: the first `n` bytes of read_buffer() hold the data.
    virtual void upstream_read(std::uint32_t id, std::size_t n) = 0;
    virtual void upstream_consumed(std::uint32_t id, std::uint32_t packets, std::size_t bytes) = 0;
    virtual void upstream_closed(std::uint32_t id, wisp::close_reason why) = 0;
    virtual bool may_read() const = 0;
    virtual void wait_for_room(std::uint32_t id) = 0;
    /// Scratch space to read into (shared by all streams of the session).
    virtual std::span<std::byte> read_buffer() = 0;
  };

  explicit wisp_upstream(owner& o, std::uint32_t id) : owner_(o), id_(id) {}
  virtual ~wisp_upstream() = default;
  wisp_upstream(const wisp_upstream&) = delete;
  wisp_upstream& operator=(const wisp_upstream&) = delete;

  /// Starts connecting; reports upstream_open or upstream_closed later (never
  /// from inside start()).
  virtual void start() = 0;
  /// One DATA packet for the far side (queued while connecting).
  virtual void send(std::span<const std::byte> data) = 0;
  /// The WebSocket queue drained: read again.
  virtual void resume() = 0;
  /// Ends everything at once and reports nothing more (the owner is going
  /// away or the client closed the stream).
  virtual void stop() = 0;
  /// stop(), and release what belongs to the network synchronously (server
  /// shutdown, never from inside a network callback).
  virtual void abort_now() { stop(); }
  /// Bytes accepted by send() and not yet consumed.
  virtual std::size_t pending_bytes() const = 0;

  std::uint32_t id() const { return id_; }
  std::uint64_t bytes_to_client() const { return to_client_; }
  std::uint64_t bytes_from_client() const { return from_client_; }

 protected:
  owner& owner_;
  std::uint32_t id_;
  std::uint64_t to_client_ = 0, from_client_ = 0;
};

}  // namespace switchyard::gateway
