// gateway/admin/capture_buffer.hpp - the bytes a live capture has not yet
// written to its client, bounded (pure: no I/O, time is an argument).
//
// Frames become Enhanced Packet Blocks in `queued`; the socket writer takes
// all of it at once (`start_write`) and, while that write is in flight, new
// blocks queue behind it. Queued plus in-flight bytes never exceed the
// budget: a frame that would is counted as dropped, never buffered, so a slow
// reader costs frames, not memory. Framing blocks (HTTP head, SHB, IDB, ISB)
// are small and always kept.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace switchyard::gateway::admin {

class capture_buffer {
 public:
  explicit capture_buffer(std::size_t max_pending) : max_pending_(max_pending) {}

  /// Adds bytes that must reach the client (headers, SHB, IDB, ISB), beyond the budget.
  void append(std::span<const std::byte> bytes);
  /// The queue itself, for the pcapng writer to append framing blocks to.
  std::vector<std::byte>& queue() { return queued_; }
  /// Adds `frame` seen at `timestamp_ns` as an EPB on interface 0, or counts
  /// it dropped when it does not fit the budget. True when kept.
  bool add_frame(std::uint64_t timestamp_ns, std::span<const std::byte> frame);

  /// True when bytes wait and no write is in flight.
  bool ready_to_write() const { return !queued_.empty() && in_flight_.empty(); }
  /// Moves everything queued into flight; the span stays valid until write_done().
  std::span<const std::byte> start_write();
  void write_done() { in_flight_.clear(); }
  bool writing() const { return !in_flight_.empty(); }
  std::size_t pending() const { return queued_.size() + in_flight_.size(); }

  std::uint64_t frames_kept() const { return frames_kept_; }
  std::uint64_t frames_dropped() const { return frames_dropped_; }
  std::uint64_t frame_bytes_kept() const { return frame_bytes_kept_; }

 private:
  std::size_t max_pending_;
  std::vector<std::byte> queued_, in_flight_;
  std::uint64_t frames_kept_ = 0, frames_dropped_ = 0, frame_bytes_kept_ = 0;
};

}  // namespace switchyard::gateway::admin
