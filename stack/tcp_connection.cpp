// stack/tcp_connection.cpp - one lwIP TCP pcb, wrapped once (RAII).
#include "stack/tcp_connection.hpp"

#include <algorithm>

#include "lwip/tcp.h"

namespace switchyard::stack {

tcp_connection::tcp_connection(struct tcp_pcb* pcb) : pcb_(pcb) {
  tcp_arg(pcb_, this);
  tcp_recv(pcb_, &tcp_connection::on_recv);
  tcp_sent(pcb_, &tcp_connection::on_sent_cb);
  tcp_err(pcb_, &tcp_connection::on_err);
}

tcp_connection::~tcp_connection() {
  if (!pcb_) return;
  struct tcp_pcb* pcb = pcb_;
  detach();
  if (tcp_close(pcb) != ERR_OK) tcp_abort(pcb);
}

void tcp_connection::detach() {
  tcp_arg(pcb_, nullptr);
  tcp_recv(pcb_, nullptr);
  tcp_sent(pcb_, nullptr);
  tcp_err(pcb_, nullptr);
  pcb_ = nullptr;
}

std::size_t tcp_connection::write(std::span<const std::byte> data) {
  if (!pcb_) return 0;
  std::size_t n = std::min<std::size_t>({data.size(), tcp_sndbuf(pcb_), 0xffff});
  if (n == 0) return 0;
  if (tcp_write(pcb_, data.data(), static_cast<u16_t>(n), TCP_WRITE_FLAG_COPY) != ERR_OK) return 0;
  tcp_output(pcb_);
  return n;
}

void tcp_connection::disable_nagle() {
  if (pcb_) tcp_nagle_disable(pcb_);
}

std::size_t tcp_connection::send_buffer() const { return pcb_ ? tcp_sndbuf(pcb_) : 0; }

void tcp_connection::acknowledge(std::size_t n) {
  while (pcb_ && n > 0) {
    auto chunk = static_cast<u16_t>(std::min<std::size_t>(n, 0xffff));
    tcp_recved(pcb_, chunk);
    n -= chunk;
  }
}

void tcp_connection::shutdown_send() {
  if (pcb_) tcp_shutdown(pcb_, 0, 1);
}

void tcp_connection::abort() {
  if (!pcb_) return;
  struct tcp_pcb* pcb = pcb_;
  detach();
  tcp_abort(pcb);
}

tcp_connection::endpoint tcp_connection::local() const {
  if (!pcb_) return {};
  return {net::ipv4_address(lwip_ntohl(ip4_addr_get_u32(&pcb_->local_ip))), pcb_->local_port};
}

tcp_connection::endpoint tcp_connection::remote() const {
  if (!pcb_) return {};
  return {net::ipv4_address(lwip_ntohl(ip4_addr_get_u32(&pcb_->remote_ip))), pcb_->remote_port};
}

std::uint8_t tcp_connection::netif_index() const { return pcb_ ? pcb_->netif_idx : 0; }

err_t tcp_connection::on_recv(void* arg, struct tcp_pcb* /*pcb*/, struct pbuf* p, err_t /*err*/) {
  auto* self = static_cast<tcp_connection*>(arg);
  if (!self) {
    if (p) pbuf_free(p);
    return ERR_OK;
  }
  if (!p) {
    if (self->handlers_.on_peer_closed) self->handlers_.on_peer_closed();
    return ERR_OK;
  }
  for (struct pbuf* q = p; q; q = q->next) {
    if (self->handlers_.on_data) self->handlers_.on_data({static_cast<const std::byte*>(q->payload), q->len});
    else self->acknowledge(q->len);
  }
  pbuf_free(p);
  return ERR_OK;
}

err_t tcp_connection::on_sent_cb(void* arg, struct tcp_pcb* /*pcb*/, u16_t len) {
  auto* self = static_cast<tcp_connection*>(arg);
  if (self && self->handlers_.on_sent) self->handlers_.on_sent(len);
  return ERR_OK;
}

void tcp_connection::on_err(void* arg, err_t /*err*/) {
  auto* self = static_cast<tcp_connection*>(arg);
  if (!self) return;
  self->pcb_ = nullptr;  // lwIP has freed it already
  if (self->handlers_.on_error) self->handlers_.on_error();
}

}  // namespace switchyard::stack
