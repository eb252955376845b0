// stack/tcp_listener.hpp - an lwIP TCP listener that keeps networks apart.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "stack/tcp_connection.hpp"

struct tcp_pcb;
struct netif;

namespace switchyard::stack {

class gateway_netif;

/// Listens on a port of one network's gateway, or — with no network given — on
/// any address of every network (the any-destination shape). Either way each
/// accepted pcb is bound to the netif its SYN came in on before the SYN|ACK
/// leaves (passive-open hook), so equal 4-tuples on different networks never
/// meet. Core loop only.
class tcp_listener {
 public:
  using accept_handler = std::function<void(std::unique_ptr<tcp_connection>)>;

  /// Throws std::runtime_error when lwIP cannot bind or listen (port in use, pool empty).
  tcp_listener(std::uint16_t port, gateway_netif* network, accept_handler on_accept);
  ~tcp_listener();
  tcp_listener(const tcp_listener&) = delete;
  tcp_listener& operator=(const tcp_listener&) = delete;

 private:
  static signed char on_accept(void* arg, struct tcp_pcb* pcb, signed char err);

  struct tcp_pcb* pcb_ = nullptr;
  accept_handler on_accept_;
};

}  // namespace switchyard::stack
