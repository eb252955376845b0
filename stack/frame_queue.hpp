// stack/frame_queue.hpp - a bounded FIFO of Ethernet frames (a port's send queue).
#pragma once

#include <cstddef>
#include <deque>
#include <span>
#include <vector>

namespace switchyard::stack {

/// Holds at most `max_frames` frames and `max_bytes` bytes; a push beyond either
/// limit is refused (the caller counts the drop). Never grows without bound.
class frame_queue {
 public:
  frame_queue(std::size_t max_frames, std::size_t max_bytes) : max_frames_(max_frames), max_bytes_(max_bytes) {}

  bool push(std::span<const std::byte> frame) {
    if (frames_.size() >= max_frames_ || bytes_ + frame.size() > max_bytes_) return false;
    frames_.emplace_back(frame.begin(), frame.end());
    bytes_ += frame.size();
    return true;
  }
  const std::vector<std::byte>& front() const { return frames_.front(); }
  void pop() {
    bytes_ -= frames_.front().size();
    frames_.pop_front();
  }
  void clear() {
    frames_.clear();
    bytes_ = 0;
  }
  bool empty() const { return frames_.empty(); }
  std::size_t size() const { return frames_.size(); }
  std::size_t bytes() const { return bytes_; }

 private:
  std::size_t max_frames_;
  std::size_t max_bytes_;
  std::size_t bytes_ = 0;
  std::deque<std::vector<std::byte>> frames_;
};

}  // namespace switchyard::stack
