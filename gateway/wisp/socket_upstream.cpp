// gateway/wisp/socket_upstream.cpp - a Wisp TCP stream to the internet.
#include "gateway/wisp/socket_upstream.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/write.hpp>

namespace switchyard::gateway {
namespace {

namespace asio = boost::asio;
constexpr std::size_t max_gather = 64;
constexpr int reads_per_wakeup = 4;

wisp::close_reason connect_reason(const boost::system::error_code& ec, bool timed_out) {
  if (timed_out) return wisp::close_reason::timed_out;
  if (ec == asio::error::connection_refused) return wisp::close_reason::refused;
  if (ec == asio::error::host_unreachable || ec == asio::error::network_unreachable)
    return wisp::close_reason::unreachable;
  if (ec == asio::error::timed_out) return wisp::close_reason::timed_out;
  return wisp::close_reason::network_error;
}

}  // namespace

socket_upstream::socket_upstream(asio::io_context& io, owner& o, std::uint32_t id, asio::ip::tcp::endpoint target,
                                 std::chrono::milliseconds connect_timeout)
    : wisp_upstream(o, id), socket_(io), deadline_(io), target_(target), connect_timeout_(connect_timeout) {}

void socket_upstream::start() {
  deadline_.expires_after(connect_timeout_);
  deadline_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self || self->connected_ || self->stopped_) return;
    self->timed_out_ = true;
    boost::system::error_code ignored;
    self->socket_.close(ignored);  // the connect completes with operation_aborted
  });
  socket_.async_connect(target_, [self = shared_from_this()](const boost::system::error_code& ec) {
    self->on_connected(ec);
  });
}

void socket_upstream::on_connected(const boost::system::error_code& ec) {
  if (stopped_) return;
  deadline_.cancel();
  if (ec) return fail(connect_reason(ec, timed_out_));
  connected_ = true;
  boost::system::error_code ignored;
  socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
  socket_.non_blocking(true, ignored);
  owner_.upstream_open(id_);
  if (stopped_) return;
  write_pending();
  arm_read();
}

void socket_upstream::send(std::span<const std::byte> data) {
  if (stopped_) return;
  from_client_ += data.size();
  if (connected_ && pending_.empty() && !writing_) {
    boost::system::error_code ec;
    std::size_t n = socket_.write_some(asio::buffer(data.data(), data.size()), ec);
    if (ec && ec != asio::error::would_block && ec != asio::error::try_again) return fail(wisp::close_reason::network_error);
    if (!ec && n == data.size()) {
      owner_.upstream_consumed(id_, 1, data.size());
      return;
    }
    if (ec) n = 0;
    pending_.push(data);
    front_offset_ = n;
    pending_bytes_ += data.size();
  } else {
    pending_.push(data);
    pending_bytes_ += data.size();
  }
  if (connected_) write_pending();
}

void socket_upstream::write_pending() {
  if (writing_ || pending_.empty() || stopped_) return;
  std::vector<asio::const_buffer> gather;
  gather.reserve(std::min(pending_.size(), max_gather));
  for (std::size_t i = 0; i < pending_.size() && i < max_gather; ++i) {
    std::size_t skip = i == 0 ? front_offset_ : 0;
    gather.emplace_back(pending_[i].data() + skip, pending_[i].size() - skip);
  }
  writing_ = true;
  asio::async_write(socket_, gather,
                    [self = shared_from_this(), packets = gather.size()](const boost::system::error_code& ec,
                                                                        std::size_t) {
                      self->writing_ = false;
                      if (self->stopped_) return;
                      if (ec) return self->fail(wisp::close_reason::network_error);
                      std::size_t bytes = 0;
                      for (std::size_t i = 0; i < packets; ++i) {
                        bytes += self->pending_.front().size();
                        self->pending_.pop_front();
                      }
                      self->front_offset_ = 0;
                      self->pending_bytes_ -= bytes;
                      self->owner_.upstream_consumed(self->id_, static_cast<std::uint32_t>(packets), bytes);
                      self->write_pending();
                    });
}

void socket_upstream::arm_read() {
  if (reading_ || waiting_ || stopped_) return;
  reading_ = true;
  socket_.async_wait(asio::socket_base::wait_read, [self = shared_from_this()](const boost::system::error_code& ec) {
    self->reading_ = false;
    self->on_readable(ec);
  });
}

void socket_upstream::on_readable(const boost::system::error_code& ec) {
  if (stopped_) return;
  if (ec) return fail(wisp::close_reason::network_error);
  // A few reads per wake-up while the socket keeps filling the buffer: fewer
  // trips through the reactor, and the next stream's turn comes soon enough.
  for (int turn = 0; turn < reads_per_wakeup; ++turn) {
    if (!owner_.may_read()) {
      waiting_ = true;
      owner_.wait_for_room(id_);
      return;
    }
    auto buffer = owner_.read_buffer();
    boost::system::error_code read_ec;
    std::size_t n = socket_.read_some(asio::buffer(buffer.data(), buffer.size()), read_ec);
    if (read_ec == asio::error::would_block || read_ec == asio::error::try_again) break;
    if (read_ec == asio::error::eof) return fail(wisp::close_reason::voluntary);
    if (read_ec) return fail(wisp::close_reason::network_error);
    to_client_ += n;
    owner_.upstream_read(id_, n);
    if (stopped_) return;
    if (n < buffer.size()) break;  // drained for now
  }
  arm_read();
}

void socket_upstream::resume() {
  if (!waiting_ || stopped_) return;
  waiting_ = false;
  arm_read();
}

void socket_upstream::stop() {
  if (stopped_) return;
  stopped_ = true;
  deadline_.cancel();
  boost::system::error_code ignored;
  socket_.close(ignored);
}

void socket_upstream::fail(wisp::close_reason why) {
  if (stopped_) return;
  stop();
  owner_.upstream_closed(id_, why);
}

}  // namespace switchyard::gateway
