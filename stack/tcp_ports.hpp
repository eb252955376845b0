// stack/tcp_ports.hpp - TCP on the gateways: one lwIP listener per port, shared
// by every network's services and by any-destination TCP.
//
// lwIP allows one listener per local address and port, whatever netif it is
// bound to, and every network's gateway may have the same address (10.0.2.2).
// So a port is listened on once, on any address; the passive-open hook binds
// each new pcb to the netif its SYN came in on (tcp_listener), and the accept
// goes to the handler registered for that netif — or is refused. A connection
// to any other address than the gateway's is an admitted egress flow and goes
// to that network's tcp_interceptor. The table is process-wide like lwIP's own
// pcb lists. Core loop only.
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

/// Keeps a listener on `port` while an any-destination handshake is pending
/// (counted; the listener closes when nothing holds it). Throws like listen_tcp.
void retain_any_destination_port(std::uint16_t port);
void release_any_destination_port(std::uint16_t port);
/// Closes listeners nothing holds any more (from a timer, never from lwIP callbacks).
void reclaim_idle_tcp_ports();
/// How many ports have a listener (for metrics and tests).
std::size_t listening_tcp_ports();

}  // namespace switchyard::stack
