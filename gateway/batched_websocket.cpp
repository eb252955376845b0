// gateway/batched_websocket.cpp - WebSocket frames in batches: parse many per read,
// send many per gathered write. (Theory of operation in the header.)
#include "gateway/batched_websocket.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <cstring>
#include <random>

namespace switchyard::gateway {
namespace {

namespace asio = boost::asio;
using websocket::opcode;

constexpr std::size_t read_buffer_size = 256 * 1024;
constexpr std::size_t max_gather_frames = 128;
constexpr std::size_t max_gather_bytes = 512 * 1024;
constexpr std::chrono::seconds close_grace{5};

}  // namespace

batched_websocket::batched_websocket(asio::ip::tcp::socket socket, limits l)
    : socket_(std::move(socket)),
      limits_(l),
      reader_(!l.client, l.max_message),
      liveness_(socket_.get_executor()) {
  in_.resize(std::max(read_buffer_size, 2 * reader_.max_frame_size()));
  socket_.set_option(asio::ip::tcp::no_delay(true));
}

void batched_websocket::start(std::shared_ptr<handler> h, std::span<const std::byte> already_received) {
  handler_ = std::move(h);
  last_received_ = std::chrono::steady_clock::now();
  std::size_t n = std::min(already_received.size(), in_.size());
  std::memcpy(in_.data(), already_received.data(), n);
  arm_liveness();
  on_read({}, n);
}

void batched_websocket::do_read() {
  if (paused_) return;  // resume_reading() parses what is buffered and reads again
  reading_ = true;
  auto free = asio::buffer(in_.data() + in_used_, in_.size() - in_used_);
  socket_.async_read_some(free, [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
    self->reading_ = false;
    self->on_read(ec, n);
  });
}

void batched_websocket::resume_reading() {
  if (!paused_) return;
  paused_ = false;
  // Posted: the caller may be inside on_binary() or a completion of its own.
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    if (!self->paused_ && !self->reading_ && !self->finished_ && !self->peer_closed_) self->on_read({}, 0);
  });
}

void batched_websocket::on_read(const boost::system::error_code& ec, std::size_t n) {
  if (finished_) return;
  if (ec) {
    finish(closing_ ? close_why_ : (ec == asio::error::eof ? "peer closed the TCP connection" : "read failed: " + ec.message()));
    return;
  }
  if (discarding_) {  // after a protocol error: drain until the peer closes, never parse
    in_used_ = 0;
    return do_read();
  }
  if (skip_ > 0) {  // the rest of an oversized message: drop it, stay in sync
    std::size_t dropped = static_cast<std::size_t>(std::min<std::uint64_t>(skip_, n));
    std::memmove(in_.data() + in_used_, in_.data() + in_used_ + dropped, n - dropped);
    skip_ -= dropped;
    n -= dropped;
  }
  in_used_ += n;
  if (n > 0) {
    last_received_ = std::chrono::steady_clock::now();
    ping_outstanding_ = false;
  }
  using kind = websocket::message_event::kind;
  std::size_t consumed = 0;
  for (bool more = true; more && !finished_ && !paused_;) {
    auto e = reader_.next(std::span(in_.data() + consumed, in_used_ - consumed), consumed);
    switch (e.type) {
      case kind::need_more: more = false; break;
      case kind::binary:
        if (!closing_ && handler_) handler_->on_binary(e.payload);
        break;
      case kind::text:
        close(websocket::close_code::unsupported_data, "text message, closed with 1003");
        break;
      case kind::ping: queue_control(opcode::pong, e.payload); break;
      case kind::pong: break;
      case kind::close:
        if (closing_) {  // the answer to our close
          if (!writing_ && outbox_.empty()) return finish(close_why_);
          peer_closed_ = true;
        } else {
          peer_closed_ = true;
          close(e.code == 1005 ? websocket::close_code::normal : e.code,
                "closed by peer (" + std::to_string(e.code) + ")");
        }
        more = false;
        break;
      case kind::error:
        close(e.code, e.code == websocket::close_code::too_big ? "message too big, closed with 1009"
                                                                 : "protocol error, closed with 1002");
        if (e.code == websocket::close_code::too_big) {
          // Skip the oversized payload and keep parsing: the peer's close answer
          // follows it. What is already buffered is skipped here, the rest as it comes.
          std::size_t here = static_cast<std::size_t>(std::min<std::uint64_t>(e.skip, in_used_ - consumed));
          consumed += here;
          skip_ = e.skip - here;
          more = skip_ == 0;
        } else {
          // Out of sync: never parse again, but keep draining so that our close
          // frame is not lost to a reset (unread data at close).
          discarding_ = true;
          in_used_ = consumed = 0;
          more = false;
        }
        break;
    }
  }
  if (finished_) return;
  std::memmove(in_.data(), in_.data() + consumed, in_used_ - consumed);
  in_used_ -= consumed;
  if (!peer_closed_) do_read();
}

void batched_websocket::frame_into(std::vector<std::byte>& out, opcode op, std::span<const std::byte> payload) {
  out.resize(websocket::max_header_size + payload.size());
  std::size_t header;
  if (limits_.client) {
    static thread_local std::mt19937 rng{std::random_device{}()};
    auto r = static_cast<std::uint32_t>(rng());
    std::uint8_t mask[4] = {std::uint8_t(r), std::uint8_t(r >> 8), std::uint8_t(r >> 16), std::uint8_t(r >> 24)};
    header = websocket::write_frame_header(out, op, true, payload.size(), &mask);
    std::memcpy(out.data() + header, payload.data(), payload.size());
    websocket::apply_mask(std::span(out).subspan(header, payload.size()), mask);
  } else {
    header = websocket::write_frame_header(out, op, true, payload.size());
    std::memcpy(out.data() + header, payload.data(), payload.size());
  }
  out.resize(header + payload.size());
}

bool batched_websocket::send(std::span<const std::byte> payload) {
  if (closing_ || finished_) return false;
  if (counted_frames_ >= limits_.max_queued_frames || queued_bytes_ + payload.size() > limits_.max_queued_bytes)
    return false;
  outgoing item;
  if (!spare_.empty()) {  // a buffer that already carried a frame: no allocation
    item.bytes = std::move(spare_.back());
    spare_.pop_back();
  }
  frame_into(item.bytes, opcode::binary, payload);
  queued_bytes_ += payload.size();
  ++counted_frames_;
  item.payload_size = payload.size();
  outbox_.push_back(std::move(item));
  schedule_flush();
  return true;
}

void batched_websocket::queue_control(opcode op, std::span<const std::byte> payload) {
  if (finished_) return;
  outgoing item;
  item.counted = false;
  frame_into(item.bytes, op, payload.subspan(0, std::min<std::size_t>(payload.size(), 125)));
  outbox_.push_back(std::move(item));
  schedule_flush();
}

void batched_websocket::close(std::uint16_t code, std::string_view why) {
  if (closing_ || finished_) return;
  closing_ = true;
  close_why_ = why;
  std::byte payload[2] = {std::byte(code >> 8), std::byte(code & 0xff)};
  queue_control(opcode::close, payload);
  liveness_.expires_after(close_grace);  // bounded wait for the peer's close
  liveness_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec) self->finish(self->close_why_);
  });
}

void batched_websocket::schedule_flush() {
  if (writing_ || flush_posted_) return;
  flush_posted_ = true;
  // Posted, not immediate: every frame delivered during this loop turn (one read
  // batch on another socket fans out to many) leaves in the same write.
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    self->flush_posted_ = false;
    self->flush();
  });
}

void batched_websocket::flush() {
  if (writing_ || finished_ || outbox_.empty()) return;
  gather_.clear();
  std::size_t bytes = 0;
  for (auto& item : outbox_) {
    if (gather_.size() == max_gather_frames || (bytes > 0 && bytes + item.bytes.size() > max_gather_bytes)) break;
    gather_.push_back(asio::buffer(item.bytes));
    bytes += item.bytes.size();
  }
  writing_ = true;
  asio::async_write(socket_, gather_,
                    [self = shared_from_this(), frames = gather_.size()](const boost::system::error_code& ec,
                                                                         std::size_t) {
                      self->on_written(ec, frames);
                    });
}

void batched_websocket::on_written(const boost::system::error_code& ec, std::size_t frames) {
  writing_ = false;
  for (std::size_t i = 0; i < frames && !outbox_.empty(); ++i) {
    if (outbox_.front().counted) {
      --counted_frames_;
      queued_bytes_ -= outbox_.front().payload_size;
    }
    if (outbox_.front().counted && spare_.size() < max_spare_buffers &&
        outbox_.front().bytes.capacity() <= max_spare_capacity)
      spare_.push_back(std::move(outbox_.front().bytes));
    outbox_.pop_front();
  }
  // An idle connection keeps little: many connections sit idle.
  if (outbox_.empty() && spare_.size() > 2) spare_.resize(2);
  if (finished_) return;
  if (ec) return finish(closing_ ? close_why_ : "write failed: " + ec.message());
  if (!outbox_.empty()) flush();
  else if (closing_ && peer_closed_) return finish(close_why_);
  if (handler_ && !closing_ && queued_bytes_ <= limits_.low_water) handler_->on_drained();
}

void batched_websocket::arm_liveness() {
  liveness_.expires_after(limits_.ping_after / 2);
  liveness_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || self->finished_ || self->closing_) return;
    // While reading is paused the peer's bytes wait unread: its silence is
    // ours, not its own. Pings still go out; a vanished peer fails the write.
    if (self->paused_) {
      self->last_received_ = std::chrono::steady_clock::now() - self->limits_.ping_after;
      self->ping_outstanding_ = false;  // its pong is unread too
    }
    auto silent = std::chrono::steady_clock::now() - self->last_received_;
    if (silent >= self->limits_.idle_timeout) return self->finish("idle timeout");
    if (silent >= self->limits_.ping_after && !self->ping_outstanding_) {
      self->ping_outstanding_ = true;
      self->queue_control(opcode::ping, {});
    }
    self->arm_liveness();
  });
}

void batched_websocket::finish(std::string_view why) {
  if (finished_) return;
  finished_ = true;
  liveness_.cancel();
  boost::system::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  if (auto h = std::move(handler_)) h->on_closed(why);
}

}  // namespace switchyard::gateway
