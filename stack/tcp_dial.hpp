// stack/tcp_dial.hpp - an lwIP TCP connection opened *from* a network's
// gateway to a VM (Wisp streams into the LAN), until it is established.
//
// The pcb is bound to the network's netif (several networks may share the
// gateway address and the VM's address) and to the gateway address with an
// ephemeral port, then connects. Once lwIP reports the handshake complete the
// pcb moves into a tcp_connection, which owns it from then on. Destroying a
// dial that has not finished aborts the attempt. There is no deadline here:
// lwIP retries a SYN for a long time, so the owner keeps its own. Core loop only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "protocols/net/ipv4.hpp"
#include "stack/tcp_connection.hpp"

struct tcp_pcb;

namespace switchyard::stack {

class gateway_netif;

class tcp_dial {
 public:
  enum class failure { none, refused, reset, no_memory };
  /// Called once from inside lwIP: either a connection or a failure. It may
  /// destroy the dial, but must not destroy the connection synchronously
  /// (tcp_connection's rule: post the teardown).
  using done_fn = std::function<void(std::unique_ptr<tcp_connection>, failure)>;

  /// Starts connecting; `done` reports no_memory at once when lwIP has no pcb.
  tcp_dial(gateway_netif& network, net::ipv4_address destination, std::uint16_t port, done_fn done);
  ~tcp_dial();
  tcp_dial(const tcp_dial&) = delete;
  tcp_dial& operator=(const tcp_dial&) = delete;

  bool pending() const { return pcb_ != nullptr; }

 private:
  static signed char on_connected(void* arg, struct tcp_pcb* pcb, signed char err);
  static void on_error(void* arg, signed char err);
  void finish(std::unique_ptr<tcp_connection> connection, failure why);

  struct tcp_pcb* pcb_ = nullptr;
  done_fn done_;
};

}  // namespace switchyard::stack
