// stack/frame_sink.hpp - where a switch port's outgoing frames go.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace switchyard::stack {

using port_id = std::uint32_t;

/// The receiving end of a switch port: a VM session's send queue, or the gateway.
/// Called on the core loop only.
class frame_sink {
 public:
  virtual ~frame_sink() = default;
  /// Takes a copy of `frame` for sending. Returns false when the sink's bounded
  /// queue is full; the switch then counts a `queue_full` drop.
  virtual bool deliver(std::span<const std::byte> frame) = 0;
};

}  // namespace switchyard::stack
