// stack/tcp_listener.cpp - an lwIP TCP listener that keeps networks apart.
#include "stack/tcp_listener.hpp"

#include <stdexcept>

#include "lwip/ip.h"
#include "lwip/tcp.h"
#include "stack/gateway_netif.hpp"

namespace switchyard::stack {
namespace {

// Runs after the SYN matched the listener and before the SYN|ACK is queued: from
// here on the pcb only ever routes through, and matches segments from, its netif.
err_t bind_to_input_netif(u8_t /*id*/, struct tcp_pcb_listen* /*listener*/, struct tcp_pcb* pcb) {
  struct netif* input = ip_current_input_netif();
  if (!gateway_netif::from(input)) return ERR_VAL;
  tcp_bind_netif(pcb, input);
  return ERR_OK;
}

const tcp_ext_arg_callbacks passive_open_binding = {.destroy = nullptr, .passive_open = &bind_to_input_netif};

u8_t binding_arg_id() {
  static const u8_t id = tcp_ext_arg_alloc_id();
  return id;
}

}  // namespace

tcp_listener::tcp_listener(std::uint16_t port, gateway_netif* network, accept_handler on_accept)
    : on_accept_(std::move(on_accept)) {
  struct tcp_pcb* pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
  if (!pcb) throw std::runtime_error("lwIP: no TCP pcb left for a listener");
  ip_set_option(pcb, SOF_REUSEADDR);
  if (network) tcp_bind_netif(pcb, network->lwip_netif());
  ip4_addr_t local;
  ip4_addr_set_u32(&local, network ? lwip_htonl(network->address().value()) : IPADDR_ANY);
  if (tcp_bind(pcb, &local, port) != ERR_OK) {
    tcp_close(pcb);
    throw std::runtime_error("lwIP: cannot bind TCP port " + std::to_string(port));
  }
  tcp_ext_arg_set_callbacks(pcb, binding_arg_id(), &passive_open_binding);
  err_t err = ERR_OK;
  pcb_ = tcp_listen_with_backlog_and_err(pcb, TCP_DEFAULT_LISTEN_BACKLOG, &err);
  if (!pcb_) {
    tcp_close(pcb);
    throw std::runtime_error("lwIP: cannot listen on TCP port " + std::to_string(port));
  }
  tcp_arg(pcb_, this);
  tcp_accept(pcb_, &tcp_listener::on_accept);
}

tcp_listener::~tcp_listener() {
  tcp_arg(pcb_, nullptr);
  tcp_accept(pcb_, nullptr);
  tcp_close(pcb_);
}

err_t tcp_listener::on_accept(void* arg, struct tcp_pcb* pcb, err_t err) {
  auto* self = static_cast<tcp_listener*>(arg);
  if (err != ERR_OK || !pcb) return ERR_VAL;
  if (!self) {
    tcp_abort(pcb);
    return ERR_ABRT;
  }
  self->on_accept_(std::make_unique<tcp_connection>(pcb));
  return ERR_OK;
}

}  // namespace switchyard::stack
