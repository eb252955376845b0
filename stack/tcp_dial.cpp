// stack/tcp_dial.cpp - an lwIP TCP connection from a gateway to a VM, until established.
#include "stack/tcp_dial.hpp"

#include "lwip/tcp.h"
#include "stack/gateway_netif.hpp"

namespace switchyard::stack {

tcp_dial::tcp_dial(gateway_netif& network, net::ipv4_address destination, std::uint16_t port, done_fn done)
    : done_(std::move(done)) {
  struct tcp_pcb* pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
  if (!pcb) {
    finish(nullptr, failure::no_memory);
    return;
  }
  tcp_bind_netif(pcb, network.lwip_netif());
  ip_addr_t local = IPADDR4_INIT(lwip_htonl(network.address().value()));
  ip_addr_t remote = IPADDR4_INIT(lwip_htonl(destination.value()));
  if (tcp_bind(pcb, &local, 0) != ERR_OK) {  // no ephemeral port left
    tcp_abort(pcb);
    finish(nullptr, failure::no_memory);
    return;
  }
  pcb_ = pcb;
  tcp_arg(pcb_, this);
  tcp_err(pcb_, &tcp_dial::on_error);
  if (tcp_connect(pcb_, &remote, port, &tcp_dial::on_connected) != ERR_OK) {
    tcp_arg(pcb_, nullptr);
    tcp_err(pcb_, nullptr);
    tcp_abort(pcb_);
    pcb_ = nullptr;
    finish(nullptr, failure::no_memory);
  }
}

tcp_dial::~tcp_dial() {
  if (!pcb_) return;
  tcp_arg(pcb_, nullptr);
  tcp_err(pcb_, nullptr);
  tcp_abort(pcb_);
}

signed char tcp_dial::on_connected(void* arg, struct tcp_pcb* pcb, signed char err) {
  auto* self = static_cast<tcp_dial*>(arg);
  if (!self) return ERR_OK;
  tcp_arg(pcb, nullptr);
  tcp_err(pcb, nullptr);
  self->pcb_ = nullptr;
  if (err != ERR_OK) {  // lwIP 2.1 never reports one here; be safe
    tcp_abort(pcb);
    self->finish(nullptr, failure::reset);
    return ERR_ABRT;
  }
  self->finish(std::make_unique<tcp_connection>(pcb), failure::none);
  return ERR_OK;
}

void tcp_dial::on_error(void* arg, signed char err) {
  auto* self = static_cast<tcp_dial*>(arg);
  if (!self) return;
  self->pcb_ = nullptr;  // lwIP has freed it
  self->finish(nullptr, err == ERR_RST ? failure::refused : failure::reset);
}

void tcp_dial::finish(std::unique_ptr<tcp_connection> connection, failure why) {
  auto done = std::move(done_);  // `this` may die inside done
  if (done) done(std::move(connection), why);
}

}  // namespace switchyard::stack
