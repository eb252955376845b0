// gateway/wisp/packet_queue.hpp - the DATA packets a stream holds for its
// upstream, in order. A vector with a moving head rather than a std::deque:
// an empty deque already allocates about 600 bytes, and idle streams are many.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace switchyard::gateway {

class packet_queue {
 public:
  using packet = std::vector<std::byte>;

  void push(std::span<const std::byte> data) { items_.emplace_back(data.begin(), data.end()); }
  bool empty() const { return head_ == items_.size(); }
  std::size_t size() const { return items_.size() - head_; }
  packet& front() { return items_[head_]; }
  packet& operator[](std::size_t i) { return items_[head_ + i]; }
  void pop_front() {
    items_[head_++] = packet{};  // frees the bytes now
    if (head_ == items_.size()) {
      items_.clear();
      head_ = 0;
    } else if (head_ >= 64 && head_ * 2 >= items_.size()) {
      items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }

 private:
  std::vector<packet> items_;
  std::size_t head_ = 0;
};

}  // namespace switchyard::gateway
