// stack/tcp_ports.hpp - TCP services on the gateways: one lwIP listener per port,
// shared by every network, each accepted connection handed to its network's handler.
//
// lwIP allows one listener per local address and port, whatever netif it is
// bound to, and every network's gateway may have the same address (10.0.2.2).
// So a port is listened on once, on any address; the passive-open hook binds
// each new pcb to the netif its SYN came in on (tcp_listener), and the accept
// goes to the handler registered for that netif — or is refused. The table is
// process-wide like lwIP's own pcb lists. Core loop only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "stack/tcp_connection.hpp"

namespace switchyard::stack {

class gateway_netif;

/// Registers `on_accept` for connections to `network`'s gateway on `port`.
/// Throws std::runtime_error when lwIP cannot listen (pool exhausted).
void listen_tcp(gateway_netif& network, std::uint16_t port,
                std::function<void(std::unique_ptr<tcp_connection>)> on_accept);
/// Removes the registration; the port's listener closes with its last network.
void unlisten_tcp(gateway_netif& network, std::uint16_t port);

}  // namespace switchyard::stack
