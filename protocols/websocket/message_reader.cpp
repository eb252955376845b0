// protocols/websocket/message_reader.cpp - received bytes to WebSocket messages (pure).
#include "protocols/websocket/message_reader.hpp"

namespace switchyard::websocket {

message_event message_reader::next(std::span<std::byte> buffer, std::size_t& consumed) {
  using kind = message_event::kind;
  for (;;) {
    auto r = parse_frame_header(buffer, from_client_, max_message_);
    if (r.state == header_result::status::need_more) return {};
    if (r.state == header_result::status::error) {
      if (r.error != header_error::too_big) return {kind::error, {}, close_code::protocol_error, 0};
      consumed += r.header.header_size;
      return {kind::error, {}, close_code::too_big, r.header.payload_length};
    }
    const frame_header& h = r.header;
    std::size_t length = static_cast<std::size_t>(h.payload_length);  // <= max_message_
    if (buffer.size() - h.header_size < length) return {};
    auto payload = buffer.subspan(h.header_size, length);
    if (h.masked) apply_mask(payload, h.mask);
    buffer = buffer.subspan(h.header_size + length);
    consumed += h.header_size + length;

    switch (h.op) {
      case opcode::ping: return {kind::ping, payload, 0, 0};
      case opcode::pong: return {kind::pong, payload, 0, 0};
      case opcode::close: {
        auto code = parse_close_code(payload);
        if (!code) return {kind::error, {}, close_code::protocol_error, 0};
        return {kind::close, payload, *code, 0};
      }
      case opcode::text:
      case opcode::binary: {
        if (in_message_) return {kind::error, {}, close_code::protocol_error, 0};
        kind k = h.op == opcode::binary ? kind::binary : kind::text;
        if (h.fin) return {k, payload, 0, 0};  // the fast path: no copy
        in_message_ = true;
        message_op_ = h.op;
        fragments_.assign(payload.begin(), payload.end());
        continue;
      }
      case opcode::continuation: {
        if (!in_message_) return {kind::error, {}, close_code::protocol_error, 0};
        if (fragments_.size() + payload.size() > max_message_) return {kind::error, {}, close_code::too_big, 0};
        fragments_.insert(fragments_.end(), payload.begin(), payload.end());
        if (!h.fin) continue;
        in_message_ = false;
        return {message_op_ == opcode::binary ? kind::binary : kind::text, fragments_, 0, 0};
      }
    }
  }
}

}  // namespace switchyard::websocket
