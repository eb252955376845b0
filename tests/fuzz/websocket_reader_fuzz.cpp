// tests/fuzz/websocket_reader_fuzz.cpp - the WebSocket message reader over
// arbitrary bytes, fed in arbitrary splits, as the relay's read loop feeds it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "protocols/websocket/message_reader.hpp"

using namespace switchyard::websocket;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  constexpr std::size_t max_message = 300;
  bool from_client = data[0] & 1;
  std::size_t step = 1 + data[1] % 64;  // bytes "arriving" per read
  std::vector<std::byte> stream(reinterpret_cast<const std::byte*>(data + 2),
                                reinterpret_cast<const std::byte*>(data + size));
  message_reader reader(from_client, max_message);
  std::vector<std::byte> buffer;
  std::size_t fed = 0;
  while (fed < stream.size()) {
    std::size_t n = std::min(step, stream.size() - fed);
    buffer.insert(buffer.end(), stream.begin() + static_cast<std::ptrdiff_t>(fed),
                  stream.begin() + static_cast<std::ptrdiff_t>(fed + n));
    fed += n;
    for (;;) {
      std::size_t consumed = 0;
      auto e = reader.next(buffer, consumed);
      if (consumed > buffer.size()) std::abort();
      if (e.payload.size() > max_message) std::abort();
      buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(consumed));
      if (e.type == message_event::kind::error) return 0;  // the session stops parsing here
      if (e.type == message_event::kind::need_more) break;  // fragments may have been consumed
      if (e.type == message_event::kind::close && e.code < 1000) std::abort();
    }
  }
  return 0;
}
