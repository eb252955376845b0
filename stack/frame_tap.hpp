// stack/frame_tap.hpp - a listener that sees frames pass through a switch (live capture).
#pragma once

#include <cstddef>
#include <span>

#include "stack/frame_sink.hpp"

namespace switchyard::stack {

/// Sees frames as a network_switch handles them; see network_switch::add_tap()
/// for which frames. Called on the core loop, synchronously on the data path:
/// copy what you keep, never block, and never add or remove taps from inside.
class frame_tap {
 public:
  virtual ~frame_tap() = default;
  /// `frame` entered the switch on port `from` (it may then be dropped), or,
  /// for a port tap, is being handed to the tapped port (`from` is the sender).
  virtual void on_frame(port_id from, std::span<const std::byte> frame) = 0;
};

}  // namespace switchyard::stack
