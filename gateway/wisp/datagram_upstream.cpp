// gateway/wisp/datagram_upstream.cpp - Wisp UDP streams to the internet and into VMs.
#include "gateway/wisp/datagram_upstream.hpp"

#include <boost/asio/post.hpp>

namespace switchyard::gateway {

namespace asio = boost::asio;

socket_datagram_upstream::socket_datagram_upstream(asio::io_context& io, owner& o, std::uint32_t id,
                                                   asio::ip::udp::endpoint target)
    : wisp_upstream(o, id), socket_(io), target_(target) {}

void socket_datagram_upstream::start() {
  // Opening and connecting a UDP socket completes at once; report it posted.
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    if (self->stopped_) return;
    boost::system::error_code ec;
    self->socket_.open(self->target_.protocol(), ec);
    if (!ec) self->socket_.non_blocking(true, ec);
    if (!ec) self->socket_.connect(self->target_, ec);
    if (ec) return self->fail(wisp::close_reason::unreachable);
    self->open_ = true;
    self->owner_.upstream_open(self->id_);
    self->arm_read();
  });
}

void socket_datagram_upstream::send(std::span<const std::byte> data) {
  if (stopped_ || !open_) return;  // a datagram before the socket is open is dropped
  from_client_ += data.size();
  boost::system::error_code ec;
  socket_.send(asio::buffer(data.data(), data.size()), 0, ec);  // would_block: dropped, as UDP may
}

void socket_datagram_upstream::arm_read() {
  if (reading_ || waiting_ || stopped_) return;
  reading_ = true;
  socket_.async_wait(asio::socket_base::wait_read, [self = shared_from_this()](const boost::system::error_code& ec) {
    self->reading_ = false;
    self->on_readable(ec);
  });
}

void socket_datagram_upstream::on_readable(const boost::system::error_code& ec) {
  if (stopped_) return;
  if (ec) return fail(wisp::close_reason::network_error);
  if (!owner_.may_read()) {
    waiting_ = true;
    owner_.wait_for_room(id_);
    return;
  }
  auto buffer = owner_.read_buffer();
  boost::system::error_code read_ec;
  std::size_t n = socket_.receive(asio::buffer(buffer.data(), buffer.size()), 0, read_ec);
  // ICMP errors (port unreachable) surface as connection_refused: the peer
  // may come back, so the stream stays open.
  if (!read_ec) {
    to_client_ += n;
    owner_.upstream_read(id_, n);
  }
  arm_read();
}

void socket_datagram_upstream::resume() {
  if (!waiting_ || stopped_) return;
  waiting_ = false;
  arm_read();
}

void socket_datagram_upstream::stop() {
  if (stopped_) return;
  stopped_ = true;
  boost::system::error_code ignored;
  socket_.close(ignored);
}

void socket_datagram_upstream::fail(wisp::close_reason why) {
  if (stopped_) return;
  stop();
  owner_.upstream_closed(id_, why);
}

lan_datagram_upstream::lan_datagram_upstream(asio::io_context& io, owner& o, std::uint32_t id,
                                             stack::gateway_netif& network, net::ipv4_address vm, std::uint16_t port)
    : wisp_upstream(o, id), io_(io), network_(network), vm_(vm), port_(port) {}

lan_datagram_upstream::~lan_datagram_upstream() { stop(); }

void lan_datagram_upstream::start() {
  asio::post(io_, [self = shared_from_this()] {
    if (self->stopped_) return;
    auto port = self->network_.bind_udp_ephemeral(self.get());
    if (!port) {
      self->stopped_ = true;
      return self->owner_.upstream_closed(self->id_, wisp::close_reason::throttled);
    }
    self->local_port_ = *port;
    self->owner_.upstream_open(self->id_);
  });
}

void lan_datagram_upstream::send(std::span<const std::byte> data) {
  if (stopped_ || local_port_ == 0) return;
  from_client_ += data.size();
  network_.send_udp_to(vm_, port_, local_port_, data);  // too big for the MTU: dropped
}

void lan_datagram_upstream::on_datagram(const stack::udp_datagram& datagram) {
  if (stopped_ || datagram.source != vm_ || datagram.source_port != port_) return;
  if (!owner_.may_read()) return;  // no room: dropped, as UDP may
  to_client_ += datagram.payload.size();
  owner_.upstream_data(id_, datagram.payload);
}

void lan_datagram_upstream::stop() {
  if (stopped_) return;
  stopped_ = true;
  if (local_port_ != 0) network_.bind_udp(local_port_, nullptr);
  local_port_ = 0;
}

}  // namespace switchyard::gateway
