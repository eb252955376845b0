// protocols/websocket/message_reader.hpp - turns received bytes into WebSocket
// messages (pure): unmasks in place, reassembles fragments, bounds sizes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "protocols/websocket/frame_codec.hpp"

namespace switchyard::websocket {

struct message_event {
  enum class kind { need_more, binary, text, ping, pong, close, error } type = kind::need_more;
  /// The message (or control payload). It aliases the caller's buffer for an
  /// unfragmented message, else the reader's reassembly buffer: valid until the
  /// next call to next().
  std::span<const std::byte> payload;
  /// For `close`: the peer's code (1005 when absent). For `error`: the code to
  /// close with (1002 protocol error, 1009 too big).
  std::uint16_t code = 0;
  /// For a too-big error: payload bytes still to skip after `consumed` to stay
  /// in sync with the stream (the header was consumed).
  std::uint64_t skip = 0;
};

class message_reader {
 public:
  /// `from_client`: we are the server and frames must be masked.
  message_reader(bool from_client, std::size_t max_message) : from_client_(from_client), max_message_(max_message) {}

  /// Looks at the front of `buffer` (bytes received, not yet consumed), which
  /// it may modify (unmasking). Adds to `consumed` the bytes it used — also when
  /// it returns need_more, since fragments of a message are taken as they come.
  /// After an error, stop parsing (a too-big error says how much to skip).
  message_event next(std::span<std::byte> buffer, std::size_t& consumed);

  /// The largest frame (header + payload) that can arrive: size read buffers by it.
  std::size_t max_frame_size() const { return max_message_ + max_header_size; }

 private:
  bool from_client_;
  std::size_t max_message_;
  bool in_message_ = false;  // a fragmented data message is being reassembled
  opcode message_op_ = opcode::binary;
  std::vector<std::byte> fragments_;
};

}  // namespace switchyard::websocket
