// gateway/egress/tcp_splice.cpp - a VM connection joined to an outbound socket.
#include "gateway/egress/tcp_splice.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

namespace switchyard::gateway {
namespace {

constexpr std::size_t read_chunk = 64 * 1024;
constexpr std::chrono::milliseconds memory_retry{20};

}  // namespace

tcp_splice::tcp_splice(boost::asio::ip::tcp::socket upstream, std::unique_ptr<stack::tcp_connection> vm_side,
                       std::function<void(const tcp_splice&)> on_closed)
    : upstream_(std::move(upstream)),
      vm_(std::move(vm_side)),
      retry_(upstream_.get_executor()),
      on_closed_(std::move(on_closed)) {
  from_upstream_.resize(read_chunk);
}

tcp_splice::~tcp_splice() = default;

void tcp_splice::start() {
  // The handlers hold no ownership: lwIP callbacks only run while vm_ lives,
  // and vm_ dies with this object.
  vm_->set_handlers({.on_data = [this](std::span<const std::byte> data) { on_vm_data(data); },
                     .on_peer_closed = [this] { on_vm_fin(); },
                     .on_sent = [this](std::size_t) { push_to_vm(); },
                     .on_error = [this] { fail(); }});
  vm_->disable_nagle();
  boost::system::error_code ignored;
  upstream_.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
  read_upstream();
}

void tcp_splice::abort() { fail(); }

void tcp_splice::on_vm_data(std::span<const std::byte> data) {
  to_upstream_.insert(to_upstream_.end(), data.begin(), data.end());
  write_upstream();
}

void tcp_splice::on_vm_fin() {
  vm_fin_ = true;
  write_upstream();
}

void tcp_splice::write_upstream() {
  if (writing_active_ || finished_) return;
  if (to_upstream_.empty()) {
    if (vm_fin_ && !upstream_shut_) {
      boost::system::error_code ignored;
      upstream_.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
      upstream_shut_ = true;
      maybe_finish();
    }
    return;
  }
  writing_.swap(to_upstream_);
  to_upstream_.clear();
  writing_active_ = true;
  boost::asio::async_write(upstream_, boost::asio::buffer(writing_),
                           [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                             self->writing_active_ = false;
                             if (self->finished_) return;
                             if (ec) return self->fail();
                             self->bytes_to_upstream_ += n;
                             self->vm_->acknowledge(n);  // only now may the VM send more
                             self->writing_.clear();
                             self->write_upstream();
                           });
}

void tcp_splice::read_upstream() {
  if (reading_active_ || upstream_eof_ || finished_ || unsent_size_ > 0) return;
  std::size_t room = std::min(vm_->send_buffer(), from_upstream_.size());
  if (room == 0) return;  // lwIP's send buffer is full: on_sent resumes us
  reading_active_ = true;
  upstream_.async_read_some(boost::asio::buffer(from_upstream_.data(), room),
                            [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                              self->reading_active_ = false;
                              if (self->finished_) return;
                              if (ec == boost::asio::error::eof) {
                                self->upstream_eof_ = true;
                                self->push_to_vm();
                                return;
                              }
                              if (ec) return self->fail();
                              self->unsent_offset_ = 0;
                              self->unsent_size_ = n;
                              self->push_to_vm();
                            });
}

void tcp_splice::push_to_vm() {
  if (finished_) return;
  while (unsent_size_ > 0) {
    std::size_t taken = vm_->write(std::span(from_upstream_).subspan(unsent_offset_, unsent_size_));
    if (taken == 0) {
      // Send buffer full: on_sent calls us again. Buffer free but lwIP's heap
      // or segment pool exhausted (many busy connections): try again shortly.
      if (vm_->send_buffer() > 0) {
        retry_.expires_after(memory_retry);
        retry_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
          if (!ec) self->push_to_vm();
        });
      }
      return;
    }
    bytes_to_vm_ += taken;
    unsent_offset_ += taken;
    unsent_size_ -= taken;
  }
  if (upstream_eof_) {
    if (!vm_shut_) {
      vm_->shutdown_send();
      vm_shut_ = true;
    }
    maybe_finish();
    return;
  }
  read_upstream();
}

void tcp_splice::maybe_finish() {
  if (vm_fin_ && upstream_shut_ && upstream_eof_ && vm_shut_) finish();
}

void tcp_splice::fail() {
  if (finished_) return;
  if (vm_) vm_->abort();  // RST to the VM (a no-op when lwIP already dropped the pcb)
  finish();
}

void tcp_splice::finish() {
  if (finished_) return;
  finished_ = true;
  boost::system::error_code ignored;
  upstream_.close(ignored);
  retry_.cancel();
  // Destroying vm_ closes the pcb; never from inside one of its callbacks.
  boost::asio::post(upstream_.get_executor(), [self = shared_from_this()] {
    self->vm_.reset();
    if (self->on_closed_) self->on_closed_(*self);
  });
}

}  // namespace switchyard::gateway
