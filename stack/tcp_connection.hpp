// stack/tcp_connection.hpp - one lwIP TCP pcb, wrapped once (RAII).
//
// The lwIP callback contract lives here and nowhere else: callbacks are detached
// before the pcb is closed; lwIP's error callback means the pcb is already gone;
// received bytes are acknowledged (tcp_recved) only when the owner says they were
// forwarded — that is the backpressure towards the VM. Core loop only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>

#include "protocols/net/ipv4.hpp"

struct tcp_pcb;
struct pbuf;

namespace switchyard::stack {

class tcp_connection {
 public:
  struct endpoint {
    net::ipv4_address address;
    std::uint16_t port = 0;
  };
  struct handlers {
    /// Bytes arrived; call acknowledge(n) once they were forwarded.
    std::function<void(std::span<const std::byte>)> on_data;
    /// The peer sent FIN (half-close): no more data will come.
    std::function<void()> on_peer_closed;
    /// n bytes were acknowledged by the peer: send buffer space is free again.
    std::function<void(std::size_t)> on_sent;
    /// The connection is gone (reset, timeout, abort); the object is now inert.
    std::function<void()> on_error;
  };

  /// Handlers must not destroy the connection synchronously (post the teardown).
  /// Takes ownership of an accepted or connected pcb.
  explicit tcp_connection(struct tcp_pcb* pcb);
  ~tcp_connection();  ///< closes gracefully (aborts if lwIP cannot queue the FIN)
  tcp_connection(const tcp_connection&) = delete;
  tcp_connection& operator=(const tcp_connection&) = delete;

  void set_handlers(handlers h) { handlers_ = std::move(h); }
  /// Queues up to send_buffer() bytes; returns how many were taken.
  std::size_t write(std::span<const std::byte> data);
  std::size_t send_buffer() const;
  void acknowledge(std::size_t n);  ///< opens the receive window by n bytes
  void shutdown_send();             ///< sends FIN, keeps receiving
  void abort();                     ///< sends RST, the object becomes inert
  void disable_nagle();             ///< small writes leave at once (interactive traffic)

  bool alive() const { return pcb_ != nullptr; }
  endpoint local() const;
  endpoint remote() const;
  /// lwIP's index of the netif (network) the pcb is bound to; 0 = unbound.
  std::uint8_t netif_index() const;

 private:
  static signed char on_recv(void* arg, struct tcp_pcb* pcb, struct pbuf* p, signed char err);
  static signed char on_sent_cb(void* arg, struct tcp_pcb* pcb, std::uint16_t len);
  static void on_err(void* arg, signed char err);
  void detach();

  struct tcp_pcb* pcb_;
  handlers handlers_;
};

}  // namespace switchyard::stack
