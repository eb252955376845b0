// stack/tcp_ports.cpp - TCP services on the gateways: one shared listener per port.
#include "stack/tcp_ports.hpp"

#include <map>

#include "lwip/netif.h"
#include "stack/gateway_netif.hpp"
#include "stack/tcp_listener.hpp"

namespace switchyard::stack {
namespace {

using accept_handler = std::function<void(std::unique_ptr<tcp_connection>)>;

struct port_entry {
  std::unique_ptr<tcp_listener> listener;
  std::map<std::uint8_t, accept_handler> by_netif;  // netif index -> that network's service
};

std::map<std::uint16_t, port_entry>& ports() {
  static std::map<std::uint16_t, port_entry> table;
  return table;
}

}  // namespace

void listen_tcp(gateway_netif& network, std::uint16_t port, accept_handler on_accept) {
  auto& entry = ports()[port];
  entry.by_netif[netif_get_index(network.lwip_netif())] = std::move(on_accept);
  if (entry.listener) return;
  try {
    entry.listener = std::make_unique<tcp_listener>(port, nullptr, [port](std::unique_ptr<tcp_connection> c) {
      auto& handlers = ports()[port].by_netif;
      auto it = handlers.find(c->netif_index());
      // No service on this network's port: closing a just-accepted pcb is safe
      // here (it only queues a FIN).
      if (it != handlers.end()) it->second(std::move(c));
    });
  } catch (...) {
    ports().erase(port);
    throw;
  }
}

void unlisten_tcp(gateway_netif& network, std::uint16_t port) {
  auto it = ports().find(port);
  if (it == ports().end()) return;
  it->second.by_netif.erase(netif_get_index(network.lwip_netif()));
  if (it->second.by_netif.empty()) ports().erase(it);
}

}  // namespace switchyard::stack
