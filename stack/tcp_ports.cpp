// stack/tcp_ports.cpp - TCP on the gateways: one shared listener per port.
#include "stack/tcp_ports.hpp"

#include <map>

#include "lwip/netif.h"
#include "stack/gateway_netif.hpp"
#include "stack/tcp_interceptor.hpp"
#include "stack/tcp_listener.hpp"

namespace switchyard::stack {
namespace {

using accept_handler = std::function<void(std::unique_ptr<tcp_connection>)>;

struct port_entry {
  std::unique_ptr<tcp_listener> listener;
  std::map<std::uint8_t, accept_handler> by_netif;  // netif index -> that network's service
  std::size_t egress_holds = 0;                     // pending any-destination handshakes
  bool idle() const { return by_netif.empty() && egress_holds == 0; }
};

std::map<std::uint16_t, port_entry>& ports() {
  static std::map<std::uint16_t, port_entry> table;
  return table;
}

// Closing a just-accepted pcb is safe in the accept callback (it only queues a
// FIN), so connections nobody wants are simply dropped.
void dispatch(std::uint16_t port, std::unique_ptr<tcp_connection> c) {
  auto* network = gateway_netif::from(netif_get_by_index(c->netif_index()));
  if (!network) return;
  if (c->local().address != network->address()) {
    if (auto* interceptor = tcp_interceptor::from_index(c->netif_index())) interceptor->on_accepted(std::move(c));
    return;
  }
  auto& handlers = ports()[port].by_netif;
  auto it = handlers.find(c->netif_index());
  if (it != handlers.end()) it->second(std::move(c));
}

port_entry& open_port(std::uint16_t port) {
  auto& entry = ports()[port];
  if (entry.listener) return entry;
  try {
    entry.listener = std::make_unique<tcp_listener>(
        port, nullptr, [port](std::unique_ptr<tcp_connection> c) { dispatch(port, std::move(c)); });
  } catch (...) {
    ports().erase(port);
    throw;
  }
  return entry;
}

void close_if_idle(std::map<std::uint16_t, port_entry>::iterator it) {
  if (it->second.idle()) ports().erase(it);
}

}  // namespace

void listen_tcp(gateway_netif& network, std::uint16_t port, accept_handler on_accept) {
  open_port(port).by_netif[netif_get_index(network.lwip_netif())] = std::move(on_accept);
}

void unlisten_tcp(gateway_netif& network, std::uint16_t port) {
  auto it = ports().find(port);
  if (it == ports().end()) return;
  it->second.by_netif.erase(netif_get_index(network.lwip_netif()));
  close_if_idle(it);
}

void retain_any_destination_port(std::uint16_t port) { ++open_port(port).egress_holds; }

void release_any_destination_port(std::uint16_t port) {
  auto it = ports().find(port);
  if (it == ports().end() || it->second.egress_holds == 0) return;
  --it->second.egress_holds;  // closed later by reclaim: this may run inside the listener's accept callback
}

void reclaim_idle_tcp_ports() {
  for (auto it = ports().begin(); it != ports().end();) close_if_idle(it++);
}

std::size_t listening_tcp_ports() { return ports().size(); }

}  // namespace switchyard::stack
