// gateway/wisp/lan_tcp_upstream.cpp - a Wisp TCP stream into a VM through lwIP.
#include "gateway/wisp/lan_tcp_upstream.hpp"

#include <boost/asio/post.hpp>

#include "stack/gateway_netif.hpp"

namespace switchyard::gateway {

lan_tcp_upstream::lan_tcp_upstream(boost::asio::io_context& io, owner& o, std::uint32_t id,
                                   stack::gateway_netif& network, net::ipv4_address vm, std::uint16_t port,
                                   std::chrono::milliseconds connect_timeout)
    : wisp_upstream(o, id),
      io_(io),
      network_(network),
      vm_(vm),
      port_(port),
      connect_timeout_(connect_timeout),
      deadline_(io) {}

lan_tcp_upstream::~lan_tcp_upstream() = default;

void lan_tcp_upstream::start() {
  deadline_.expires_after(connect_timeout_);
  deadline_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self || self->connection_ || self->stopped_) return;
    self->dial_.reset();  // aborts the attempt
    // A VM that never answered ARP is not there at all.
    bool known = self->network_.neighbour_mac(self->vm_).has_value();
    self->finish_later(known ? wisp::close_reason::timed_out : wisp::close_reason::unreachable);
  });
  // The dial lives in this object, so its report finds us alive. It may come
  // from inside lwIP (or at once): keep the connection, handle it posted.
  dial_ = std::make_unique<stack::tcp_dial>(
      network_, vm_, port_, [this](std::unique_ptr<stack::tcp_connection> c, stack::tcp_dial::failure why) {
        connection_ = std::move(c);
        // Handlers at once: the VM may speak first (a banner) before the post runs.
        if (connection_) attach_handlers();
        boost::asio::post(io_, [weak = weak_from_this(), why] {
          if (auto self = weak.lock()) self->on_dialed(why);
        });
      });
}

void lan_tcp_upstream::on_dialed(stack::tcp_dial::failure why) {
  dial_.reset();
  if (stopped_) return;
  if (!connection_) {
    return finish_later(why == stack::tcp_dial::failure::refused ? wisp::close_reason::refused
                        : why == stack::tcp_dial::failure::no_memory ? wisp::close_reason::throttled
                                                                      : wisp::close_reason::network_error);
  }
  deadline_.cancel();
  connection_->disable_nagle();
  owner_.upstream_open(id_);
  if (stopped_) return;
  write_pending();
}

void lan_tcp_upstream::attach_handlers() {
  auto* self = this;
  connection_->set_handlers({
      .on_data = [self](std::span<const std::byte> data) { self->on_data(data); },
      .on_peer_closed =
          [self] {
            self->peer_closed_ = true;
            if (self->held_.empty()) self->finish_later(wisp::close_reason::voluntary);
          },
      .on_sent = [self](std::size_t) { self->write_pending(); },
      .on_error =
          [self] {
            self->finish_later(self->peer_closed_ ? wisp::close_reason::voluntary : wisp::close_reason::network_error);
          },
  });
}

void lan_tcp_upstream::on_data(std::span<const std::byte> data) {
  if (stopped_ || ending_) return;
  if (!held_.empty() || !owner_.may_read()) {
    held_.insert(held_.end(), data.begin(), data.end());  // at most one receive window
    if (!waiting_) {
      waiting_ = true;
      owner_.wait_for_room(id_);
    }
    return;
  }
  std::size_t chunk = owner_.read_buffer().size();
  for (std::size_t at = 0; at < data.size(); at += chunk) owner_.upstream_data(id_, data.subspan(at, std::min(chunk, data.size() - at)));
  to_client_ += data.size();
  connection_->acknowledge(data.size());
}

void lan_tcp_upstream::resume() {
  if (!waiting_ || stopped_) return;
  waiting_ = false;
  forward_held();
}

void lan_tcp_upstream::forward_held() {
  std::size_t chunk = owner_.read_buffer().size();
  std::size_t sent = 0;
  while (sent < held_.size() && owner_.may_read()) {
    std::size_t n = std::min(chunk, held_.size() - sent);
    owner_.upstream_data(id_, std::span(held_).subspan(sent, n));
    sent += n;
  }
  held_.erase(held_.begin(), held_.begin() + static_cast<std::ptrdiff_t>(sent));
  to_client_ += sent;
  if (connection_) connection_->acknowledge(sent);
  if (!held_.empty()) {
    waiting_ = true;
    owner_.wait_for_room(id_);
  } else if (peer_closed_) {
    finish_later(wisp::close_reason::voluntary);
  }
}

void lan_tcp_upstream::send(std::span<const std::byte> data) {
  if (stopped_) return;
  from_client_ += data.size();
  pending_.push(data);
  pending_bytes_ += data.size();
  if (connection_) write_pending();
}

void lan_tcp_upstream::write_pending() {
  if (stopped_ || !connection_) return;
  std::uint32_t packets = 0;
  std::size_t bytes = 0;
  while (!pending_.empty()) {
    auto& front = pending_.front();
    std::size_t n = connection_->write(std::span(front).subspan(front_offset_));
    front_offset_ += n;
    if (front_offset_ < front.size()) break;  // lwIP's send buffer is full: on_sent brings us back
    ++packets;
    bytes += front.size();
    pending_bytes_ -= front.size();
    pending_.pop_front();
    front_offset_ = 0;
  }
  if (packets > 0) owner_.upstream_consumed(id_, packets, bytes);
}

void lan_tcp_upstream::stop() {
  if (stopped_) return;
  stopped_ = true;
  deadline_.cancel();
  dial_.reset();
  // Closing from inside an lwIP callback is not allowed: the connection dies posted.
  if (connection_) {
    std::shared_ptr<stack::tcp_connection> doomed(std::move(connection_));
    doomed->set_handlers({});
    boost::asio::post(io_, [doomed] {});
  }
}

void lan_tcp_upstream::abort_now() {
  if (connection_) connection_->abort();  // frees the pcb now; the object left is inert
  stop();
}

void lan_tcp_upstream::finish_later(wisp::close_reason why) {
  if (stopped_ || ending_) return;
  ending_ = true;
  boost::asio::post(io_, [weak = weak_from_this(), why] {
    auto self = weak.lock();
    if (!self || self->stopped_) return;
    self->stop();
    self->owner_.upstream_closed(self->id_, why);
  });
}

}  // namespace switchyard::gateway
