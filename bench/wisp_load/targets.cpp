// bench/wisp_load/targets.cpp - the echo and download targets: one session per accepted TCP connection.
#include "bench/wisp_load/targets.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <utility>

#include "bench/wisp_load/common.hpp"

namespace switchyard::bench::wisp_load {

namespace {

class echo_session : public std::enable_shared_from_this<echo_session> {
 public:
  explicit echo_session(tcp::socket socket) : socket_(std::move(socket)) {}
  void start() { do_read(); }

 private:
  static constexpr std::size_t buffer_size = 256 * 1024;

  void do_read() {
    if (reading_ >= 0 || eof_) return;
    int i = 0;
    while (i < 2 && (i == writing_ || i == queued_)) ++i;
    if (i == 2) return;
    // Not zeroed: an idle stream touches one page of it.
    if (!buffer_[i]) buffer_[i].reset(new std::byte[buffer_size]);
    reading_ = i;
    socket_.async_read_some(asio::buffer(buffer_[i].get(), buffer_size),
                            [self = shared_from_this(), i](error_code ec, std::size_t n) { self->on_read(i, ec, n); });
  }
  void on_read(int i, error_code ec, std::size_t n) {
    reading_ = -1;
    if (ec) {
      eof_ = true;
      if (writing_ < 0) socket_.close(ec);
      return;
    }
    length_[i] = n;
    if (writing_ < 0) do_write(i);
    else queued_ = i;
    do_read();
  }
  void do_write(int i) {
    writing_ = i;
    asio::async_write(socket_, asio::buffer(buffer_[i].get(), length_[i]),
                      [self = shared_from_this()](error_code ec, std::size_t) { self->on_write(ec); });
  }
  void on_write(error_code ec) {
    writing_ = -1;
    if (ec) {
      eof_ = true;
      socket_.close(ec);
      return;
    }
    if (queued_ >= 0) {
      int q = std::exchange(queued_, -1);
      do_write(q);
    } else if (eof_) {
      socket_.close(ec);
      return;
    }
    do_read();
  }

  tcp::socket socket_;
  std::array<std::unique_ptr<std::byte[]>, 2> buffer_;
  std::array<std::size_t, 2> length_{};
  int reading_ = -1, writing_ = -1, queued_ = -1;
  bool eof_ = false;
};

class download_session : public std::enable_shared_from_this<download_session> {
 public:
  explicit download_session(tcp::socket socket) : socket_(std::move(socket)) {}
  void start() {
    asio::async_read(socket_, asio::buffer(request_), [self = shared_from_this()](error_code ec, std::size_t) {
      if (ec) return;
      for (int i = 7; i >= 0; --i) self->remaining_ = self->remaining_ << 8 | request_byte(self->request_[i]);
      self->do_write();
    });
  }

 private:
  static std::uint64_t request_byte(std::byte b) { return std::to_integer<std::uint64_t>(b); }
  void do_write() {
    if (remaining_ == 0) {
      error_code ignored;
      socket_.shutdown(tcp::socket::shutdown_send, ignored);
      socket_.close(ignored);
      return;
    }
    auto n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, pattern_size));
    asio::async_write(socket_, asio::buffer(pattern(), n), [self = shared_from_this()](error_code ec, std::size_t w) {
      if (ec) return;
      self->remaining_ -= w;
      self->do_write();
    });
  }

  tcp::socket socket_;
  std::array<std::byte, 8> request_{};
  std::uint64_t remaining_ = 0;
};

}  // namespace

int serve(const options& o) {
  asio::io_context io;
  tcp::acceptor acceptor(io);
  auto ep = endpoint_of(o.listen);
  acceptor.open(ep.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  acceptor.bind(ep);
  acceptor.listen(asio::socket_base::max_listen_connections);
  std::printf("listening on %s:%u\n", ep.address().to_string().c_str(), acceptor.local_endpoint().port());
  std::fflush(stdout);
  asio::steady_timer backoff(io);
  std::function<void()> accept = [&] {
    acceptor.async_accept([&](error_code ec, tcp::socket socket) {
      if (ec) {  // e.g. EMFILE: retry shortly instead of spinning
        backoff.expires_after(std::chrono::milliseconds(10));
        backoff.async_wait([&](error_code) { accept(); });
        return;
      }
      socket.set_option(tcp::no_delay(true), ec);
      if (o.serve == "echo") std::make_shared<echo_session>(std::move(socket))->start();
      else std::make_shared<download_session>(std::move(socket))->start();
      accept();
    });
  };
  accept();
  io.run();
  return 0;
}

}  // namespace switchyard::bench::wisp_load
