// tests/fuzz/wisp_fuzz.cpp - libFuzzer target for the Wisp packet parsers and
// the server state machine, checking the invariants of server_connection.hpp
// after every step.
//
// Part 1: the whole input goes through every parser; whatever parses as a
// CONNECT must rebuild into bytes that parse back to the same values.
//
// Part 2: byte 0 and byte 1 pick the options:
//   byte 0 bit 0: v2; bit 1: users configured (accepts alice / s3cret);
//          bit 2: UDP allowed; bits 3-5: buffer_size 1..8; bit 6: a MOTD
//   byte 1 bits 0-2: max_streams 1..8
// then ops, each starting with one byte o:
//   o & 3 == 0, bit 2 clear: receive a raw message: next byte L, then L bytes
//   o & 3 == 0, bit 2 set:   receive a built message, kind (o >> 3) & 7, id from
//                            the next byte & 15: 0 DATA, 1 CONNECT tcp, 2 CONNECT
//                            udp, 3 CLOSE, 4 INFO good draft-6 password + UDP +
//                            confirmation, 5 INFO good draft-5 password,
//                            6 INFO without password + UDP, 7 INFO bad password
//   o & 3 == 1: stream_opened(o >> 2 & 15)
//   o & 3 == 2: consumed(o >> 2 & 15, next byte)
//   o & 3 == 3: close(o >> 2 & 15, reason = next byte)
//
// The checker mirrors the live streams from events and packets alone and
// traps on: a packet that does not parse, CONTINUE above buffer_size or not
// equal to buffer_size - unconsumed, stream 0 live, an event or packet for an
// id that is not live (except the CLOSE/close_stream pair that ends it and the
// CLOSE refusing the CONNECT being received), more than max_streams live,
// more DATA on a TCP stream than buffer_size plus the CONTINUE values sent on
// it, anything after fail, and any disagreement
// between the mirror and the connection's own view.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "protocols/wisp/server_connection.hpp"

namespace {

using namespace switchyard::wisp;
using bytes = std::vector<std::byte>;

[[noreturn]] void fail_check(const char* what) {
  std::fprintf(stderr, "invariant violated: %s\n", what);
  std::abort();
}
#define FUZZ_CHECK(condition)             \
  do {                                    \
    if (!(condition)) fail_check(#condition); \
  } while (0)

void check_parsers(std::span<const std::byte> input) {
  if (auto p = parse_packet(input)) {
    FUZZ_CHECK(p->payload.size() + header_size == input.size());
  }
  if (auto c = parse_connect(input)) {
    FUZZ_CHECK(!c->host.empty() && c->host.size() <= max_hostname);
    auto rebuilt = make_connect(7, c->type, c->port, c->host);
    auto p = parse_packet(rebuilt);
    FUZZ_CHECK(p && p->type == packet_type::connect && p->stream_id == 7);
    auto again = parse_connect(p->payload);
    FUZZ_CHECK(again && again->type == c->type && again->port == c->port && again->host == c->host);
  }
  if (auto info = parse_info(input)) {
    FUZZ_CHECK(info->extensions.size() <= max_extensions);
    for (const auto& e : info->extensions) {
      FUZZ_CHECK(e.payload.data() >= input.data() && e.payload.data() + e.payload.size() <= input.data() + input.size());
    }
  }
  for (const auto& c : parse_client_password(input)) {
    FUZZ_CHECK(c.username.size() + c.password.size() < input.size());
  }
  (void)parse_continue(input);
  (void)parse_close(input);
}

class checker : public server_events {
 public:
  checker(std::uint32_t buffer, std::size_t max_streams) : buffer_(buffer), max_streams_(max_streams) {}

  void begin_op(std::optional<std::uint32_t> connect_id) {
    connect_id_ = connect_id;
    closing_.clear();
  }

  void send_packet(std::span<const std::byte> packet) override {
    FUZZ_CHECK(!failed_ && !close0_sent_);  // CLOSE(0) is the last packet
    ++packets_;
    auto p = parse_packet(packet);
    FUZZ_CHECK(p);
    switch (p->type) {
      case packet_type::info:
        FUZZ_CHECK(p->stream_id == 0 && !info_sent_ && !continue0_sent_ && !ready_);
        FUZZ_CHECK(parse_info(p->payload));
        info_sent_ = true;
        return;
      case packet_type::continue_: {
        auto value = parse_continue(p->payload);
        FUZZ_CHECK(value && *value <= buffer_);
        ++continues_;
        if (p->stream_id == 0) {
          FUZZ_CHECK(!continue0_sent_ && !ready_);
          continue0_sent_ = true;
          return;
        }
        auto it = live_.find(p->stream_id);
        FUZZ_CHECK(it != live_.end());
        auto& s = it->second;
        FUZZ_CHECK(!s.confirmed);  // at most once per stream, from stream_opened
        s.confirmed = s.type == stream_type::udp;
        if (s.type == stream_type::tcp) {
          FUZZ_CHECK(*value == (s.unconsumed >= buffer_ ? 0 : buffer_ - s.unconsumed));
          s.allowed += *value;
        }
        return;
      }
      case packet_type::close: {
        FUZZ_CHECK(parse_close(p->payload));
        if (p->stream_id == 0) {
          close0_sent_ = true;
          return;
        }
        auto id = p->stream_id;
        auto& mark = closing_[id];
        FUZZ_CHECK(!(mark & sent_close));
        if (live_.erase(id) == 0) {
          // Either the second half of a close pair or the refusal of this CONNECT.
          FUZZ_CHECK(mark == raised_close || connect_id_ == id);
        }
        mark |= sent_close;
        return;
      }
      case packet_type::connect:
      case packet_type::data: fail_check("the server sent CONNECT or DATA");
    }
  }

  void on_ready(bool) override {
    FUZZ_CHECK(!failed_ && !ready_ && continue0_sent_);
    ready_ = true;
  }

  void open_stream(std::uint32_t id, stream_type type, std::uint16_t, std::string_view host) override {
    FUZZ_CHECK(!failed_ && ready_);
    FUZZ_CHECK(id != 0 && connect_id_ == id);
    FUZZ_CHECK(!live_.contains(id) && !closing_.contains(id));
    FUZZ_CHECK(live_.size() < max_streams_);
    FUZZ_CHECK(!host.empty() && host.size() <= max_hostname);
    FUZZ_CHECK(type == stream_type::tcp || type == stream_type::udp);
    live_[id] = {type, 0, 0, buffer_};
  }

  void stream_data(std::uint32_t id, std::span<const std::byte>) override {
    FUZZ_CHECK(!failed_);
    auto it = live_.find(id);
    FUZZ_CHECK(it != live_.end());
    if (it->second.type == stream_type::tcp) {
      ++it->second.unconsumed;
      FUZZ_CHECK(++it->second.received <= it->second.allowed);
    }
  }

  void close_stream(std::uint32_t id, close_reason) override {
    FUZZ_CHECK(!failed_);
    auto& mark = closing_[id];
    FUZZ_CHECK(!(mark & raised_close));
    if (live_.erase(id) == 0) FUZZ_CHECK(mark == sent_close);
    mark |= raised_close;
  }

  void fail(close_reason, std::string_view) override {
    FUZZ_CHECK(!failed_);
    failed_ = true;
    live_.clear();
  }

  /// The session handed `n` packets of `id` upstream (mirrors consumed()).
  void consume(std::uint32_t id, std::uint32_t n) {
    auto it = live_.find(id);
    if (it == live_.end() || it->second.type != stream_type::tcp) return;
    it->second.unconsumed -= std::min(n, it->second.unconsumed);
  }

  void check(const server_connection& c) const {
    FUZZ_CHECK(!c.is_live(0));
    FUZZ_CHECK(c.live_streams() <= max_streams_);
    FUZZ_CHECK(c.live_streams() == live_.size());
    for (const auto& [id, s] : live_) {
      FUZZ_CHECK(c.is_live(id));
      FUZZ_CHECK(c.unconsumed(id) == s.unconsumed);
    }
    FUZZ_CHECK(failed_ == (c.state() == server_connection::phase::failed));
    FUZZ_CHECK(!close0_sent_ || failed_);  // fail follows CLOSE(0) in the same call
    if (!failed_) FUZZ_CHECK(ready_ == (c.state() == server_connection::phase::open));
    FUZZ_CHECK(c.counters().continues_sent == continues_);
  }

  bool has_live(std::uint32_t id) const { return live_.contains(id); }
  std::uint64_t packets() const { return packets_; }

 private:
  struct mirror_stream {
    stream_type type;
    std::uint32_t unconsumed = 0;
    std::uint64_t received = 0;
    std::uint64_t allowed = 0;  // buffer_size + the CONTINUE values sent
    bool confirmed = false;
  };
  static constexpr int sent_close = 1, raised_close = 2;

  std::uint32_t buffer_;
  std::size_t max_streams_;
  std::map<std::uint32_t, mirror_stream> live_;
  std::map<std::uint32_t, int> closing_;  // ids ended during this op: which halves were seen
  std::optional<std::uint32_t> connect_id_;
  bool info_sent_ = false, continue0_sent_ = false, close0_sent_ = false, ready_ = false, failed_ = false;
  std::uint64_t continues_ = 0, packets_ = 0;
};

bytes built_message(unsigned kind, std::uint32_t id) {
  auto info_with = [](bool udp, bool confirmation, const char* password, bool draft5) {
    client_info info;
    info.udp = udp;
    info.stream_confirmation = confirmation;
    if (password) info.password = {"alice", password};
    info.password_draft5 = draft5;
    return make_client_info(info);
  };
  const std::byte one_byte[1] = {std::byte{0x42}};
  switch (kind) {
    case 0: return make_data(id, one_byte);
    case 1: return make_connect(id, stream_type::tcp, 80, "example.com");
    case 2: return make_connect(id, stream_type::udp, 53, "10.0.2.3");
    case 3: {
      auto c = make_close(id, close_reason::voluntary);
      return {c.begin(), c.end()};
    }
    case 4: return info_with(true, true, "s3cret", false);
    case 5: return info_with(false, true, "s3cret", true);
    case 6: return info_with(true, false, nullptr, false);
    default: return info_with(true, true, "wrong", false);
  }
}

void run_machine(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return;
  server_options o;
  o.v2 = data[0] & 1;
  if (data[0] & 2) o.check_password = [](std::string_view u, std::string_view p) { return u == "alice" && p == "s3cret"; };
  o.udp = data[0] & 4;
  o.buffer_size = 1 + ((data[0] >> 3) & 7u);
  if (data[0] & 0x40) o.motd = "welcome";
  o.max_streams = 1 + (data[1] & 7u);

  checker ev(o.buffer_size, o.max_streams);
  server_connection conn(o, ev);
  ev.begin_op(std::nullopt);
  conn.start();
  ev.check(conn);

  std::size_t i = 2;
  while (i < size) {
    std::uint8_t op = data[i++];
    std::uint32_t id = (op >> 2) & 15u;
    switch (op & 3u) {
      case 0: {
        bytes message;
        if (!(op & 4)) {
          if (i >= size) return;
          std::size_t wanted = data[i++];
          std::size_t length = std::min(wanted, size - i);
          const auto* begin = reinterpret_cast<const std::byte*>(data + i);
          message.assign(begin, begin + length);
          i += length;
        } else {
          if (i >= size) return;
          message = built_message((op >> 3) & 7u, data[i++] & 15u);
        }
        std::optional<std::uint32_t> connect_id;
        if (auto p = parse_packet(message); p && p->type == packet_type::connect) connect_id = p->stream_id;
        ev.begin_op(connect_id);
        conn.receive(message);
        break;
      }
      case 1:
        ev.begin_op(std::nullopt);
        conn.stream_opened(id);
        break;
      case 2: {
        if (i >= size) return;
        std::uint32_t n = data[i++];
        ev.begin_op(std::nullopt);
        ev.consume(id, n);
        conn.consumed(id, n);
        break;
      }
      default: {
        if (i >= size) return;
        auto reason = static_cast<close_reason>(data[i++]);
        bool was_live = ev.has_live(id);
        ev.begin_op(std::nullopt);
        auto packets_before = ev.packets();
        conn.close(id, reason);
        // One CLOSE for a live id (it removed the id from the mirror), nothing
        // otherwise; close() raises no event.
        FUZZ_CHECK(ev.packets() - packets_before == (was_live ? 1u : 0u));
        FUZZ_CHECK(!ev.has_live(id));
        break;
      }
    }
    ev.check(conn);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  check_parsers(std::span(reinterpret_cast<const std::byte*>(data), size));
  run_machine(data, size);
  return 0;
}
