// bench/wisp_load/direct_stream.hpp - a stream over its own plain TCP connection to the target (`--direct`, the anchor).
#pragma once

#include <array>
#include <cstddef>
#include <span>

#include "bench/wisp_load/common.hpp"
#include "bench/wisp_load/stream.hpp"

namespace switchyard::bench::wisp_load {

class workload;

/// One TCP connection per stream: 1 MiB writes from the pattern, reads into
/// the workload's shared scratch buffer. `work` must outlive it.
class direct_stream final : public stream {
 public:
  direct_stream(asio::io_context& io, tcp::endpoint target, workload& w) : socket_(io), target_(target), work_(w) {}
  void open() override;
  bool can_send() const override { return connected_ && !writing_ && !closed_; }
  std::size_t send(std::size_t max) override;
  void send_bytes(std::span<const std::byte> bytes) override;
  void close() override {
    closed_ = true;
    error_code ignored;
    socket_.close(ignored);
  }

 private:
  void wait_read();
  void write(const std::byte* p, std::size_t n);
  void fail(int reason, const error_code& ec);

  tcp::socket socket_;
  tcp::endpoint target_;
  workload& work_;
  std::array<std::byte, 16> small_{};
  bool connected_ = false, writing_ = false, closed_ = false;
};

}  // namespace switchyard::bench::wisp_load
