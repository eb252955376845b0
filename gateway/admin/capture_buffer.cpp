// gateway/admin/capture_buffer.cpp - a live capture's bounded output buffer (pure).
#include "gateway/admin/capture_buffer.hpp"

#include "protocols/pcapng/writer.hpp"

namespace switchyard::gateway::admin {

void capture_buffer::append(std::span<const std::byte> bytes) { queued_.insert(queued_.end(), bytes.begin(), bytes.end()); }

bool capture_buffer::add_frame(std::uint64_t timestamp_ns, std::span<const std::byte> frame) {
  if (pending() + pcapng::enhanced_packet_size(frame.size()) > max_pending_) {
    ++frames_dropped_;
    return false;
  }
  pcapng::append_enhanced_packet(queued_, 0, timestamp_ns, frame, static_cast<std::uint32_t>(frame.size()));
  ++frames_kept_;
  frame_bytes_kept_ += frame.size();
  return true;
}

std::span<const std::byte> capture_buffer::start_write() {
  // Swapping keeps both vectors' capacity: steady state allocates nothing.
  in_flight_.swap(queued_);
  queued_.clear();
  return in_flight_;
}

}  // namespace switchyard::gateway::admin
