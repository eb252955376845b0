// bench/wisp_load/direct_stream.cpp - connecting, reading and writing one direct TCP stream.
#include "bench/wisp_load/direct_stream.hpp"

#include <algorithm>
#include <cstring>

#include "bench/wisp_load/workload.hpp"

namespace switchyard::bench::wisp_load {

void direct_stream::open() {
  started = steady::now();
  socket_.async_connect(target_, [this](error_code ec) {
    if (closed_) return;
    if (ec) return fail(-2, ec);
    socket_.set_option(tcp::no_delay(true), ec);
    connected_ = true;
    wait_read();
    work_.on_open(*this);
  });
}

void direct_stream::wait_read() {
  // All streams read into one scratch buffer: the bytes are counted, never
  // looked at, and one thread runs every read. async_read_some, not
  // async_wait + read_some: Asio re-registers the descriptor with epoll for
  // every wait, which made the 1000-stream anchor client-bound.
  auto buf = work_.scratch();
  socket_.async_read_some(asio::buffer(buf.data(), buf.size()), [this](error_code ec, std::size_t n) {
    if (closed_) return;
    if (ec == asio::error::eof) {
      close();
      return work_.on_end(*this, 0, "");
    }
    if (ec) return fail(-1, ec);
    work_.on_data(*this, n);
    if (!closed_) wait_read();
  });
}

void direct_stream::write(const std::byte* p, std::size_t n) {
  writing_ = true;
  asio::async_write(socket_, asio::buffer(p, n), [this](error_code ec, std::size_t) {
    writing_ = false;
    if (closed_) return;
    if (ec) return fail(-1, ec);
    work_.on_can_send(*this);
  });
}

std::size_t direct_stream::send(std::size_t max) {
  std::size_t n = std::min(max, pattern_size);
  write(pattern(), n);
  return n;
}

void direct_stream::send_bytes(std::span<const std::byte> bytes) {
  std::memcpy(small_.data(), bytes.data(), std::min(bytes.size(), small_.size()));
  write(small_.data(), std::min(bytes.size(), small_.size()));
}

void direct_stream::fail(int reason, const error_code& ec) {
  close();
  work_.on_end(*this, reason, ec.message());
}

}  // namespace switchyard::bench::wisp_load
