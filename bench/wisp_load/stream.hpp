// bench/wisp_load/stream.hpp - one stream as a workload drives it, whatever carries it (Wisp or plain TCP).
//
// Open latency: CONNECT (or connect()) started -> first byte from the target.
// One definition for both transports; it proves the stream reached the target
// (a v1 server need not confirm opens). `started` is set by open(), the first
// byte is seen by the workload.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "bench/wisp_load/common.hpp"

namespace switchyard::bench::wisp_load {

/// One stream as the workload sees it, over Wisp or plain TCP. Callbacks go
/// to the workload; after close() there are none.
class stream {
 public:
  virtual ~stream() = default;
  virtual void open() = 0;
  virtual bool can_send() const = 0;
  /// Queues up to `max` bytes of the pattern; returns how many.
  virtual std::size_t send(std::size_t max) = 0;
  /// Queues a few bytes (at most 16): the download request, the idle probe.
  virtual void send_bytes(std::span<const std::byte> bytes) = 0;
  virtual void close() = 0;

  steady::time_point started{};
  std::uint64_t sent = 0, received = 0;
  bool got_first = false, done = false;
};

}  // namespace switchyard::bench::wisp_load
