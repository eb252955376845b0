// bench/wisp_load/wisp_connection.hpp - the minimal WebSocket + Wisp v1 client: one connection and the streams it carries.
//
// Theory of operation
//   A minimal RFC 6455 client of its own (Beast's per-message machinery is not
//   needed to count bytes): one fixed mask key per connection, and DATA
//   payloads come from one constant buffer masked once, so sending costs no
//   CPU per byte. Received frames are parsed in place: DATA payload bytes are
//   counted, never copied. Frames queued while a write is in flight leave
//   together in the next gather write. The client waits for CONTINUE on
//   stream 0, then gives every stream that much credit; a DATA costs one, a
//   CONTINUE resets it to its value. Pings are answered.
//   No subprotocol, no Wisp v2 extensions. A masked frame, a WebSocket close,
//   a CLOSE of stream 0 or a short packet fails the whole connection and every
//   stream on it (each ends with reason -1).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "bench/wisp_load/common.hpp"
#include "bench/wisp_load/options.hpp"
#include "bench/wisp_load/stream.hpp"

namespace switchyard::bench::wisp_load {

class workload;

class wisp_connection;

/// A stream on a wisp_connection; both `c` and `w` must outlive it.
class wisp_stream final : public stream {
 public:
  wisp_stream(wisp_connection& c, workload& w) : conn_(c), work_(w) {}
  void open() override;
  bool can_send() const override { return !closed_ && credit_ > 0; }
  std::size_t send(std::size_t max) override;
  void send_bytes(std::span<const std::byte> bytes) override;
  void close() override;
  // From the connection.
  void on_continue(std::uint32_t credit);
  void on_data(std::size_t n);
  void on_close(int reason);
  bool closed() const { return closed_; }

 private:
  wisp_connection& conn_;
  workload& work_;
  std::uint32_t id_ = 0, credit_ = 0;
  bool closed_ = false;
};

/// One WebSocket carrying Wisp v1 streams. `o`, `w` and `*pending` must
/// outlive it; the last connection to get its first CONTINUE starts `w`.
class wisp_connection {
 public:
  wisp_connection(asio::io_context& io, const options& o, workload& w, std::size_t* pending)
      : io_(io), socket_(io), o_(o), work_(w), pending_(pending), read_buffer_(1 << 20) {
    // Any fixed key is valid; this one is not zero so the server's unmasking is real work.
    mask_ = {std::byte{0x5a}, std::byte{0xc3}, std::byte{0x19}, std::byte{0xe7}};
    // DATA payload byte j sits at frame payload offset 5 + j.
    premasked_.resize(o.msg);
    for (std::size_t j = 0; j < o.msg; ++j) premasked_[j] = pattern()[j] ^ mask_[(j + 5) % 4];
  }

  void start();
  std::uint32_t connect(wisp_stream& s);
  std::size_t max_data() const { return premasked_.size(); }
  void data(std::uint32_t id, std::size_t n) { frame(0x02, id, {}, n); }
  void data_bytes(std::uint32_t id, std::span<const std::byte> bytes) { frame(0x02, id, bytes, 0); }
  void close_stream(std::uint32_t id, std::uint8_t reason) {
    streams_.erase(id);
    std::byte r{reason};
    frame(0x04, id, std::span(&r, 1), 0);
  }

 private:
  struct batch {
    struct segment {
      const std::byte* external;  // null: arena[offset, offset + length)
      std::size_t offset, length;
    };
    std::vector<std::byte> arena;
    std::vector<segment> segments;
    std::size_t bytes = 0;
    void add_arena(std::span<const std::byte> b) {
      if (!segments.empty() && !segments.back().external && segments.back().offset + segments.back().length == arena.size())
        segments.back().length += b.size();
      else
        segments.push_back({nullptr, arena.size(), b.size()});
      arena.insert(arena.end(), b.begin(), b.end());
      bytes += b.size();
    }
    void add_external(const std::byte* p, std::size_t n) {
      segments.push_back({p, 0, n});
      bytes += n;
    }
  };

  void handshake();
  void read();
  void parse(const std::byte* p, std::size_t n);
  void message_bytes(const std::byte* p, std::size_t n);
  void end_of_frame();
  void end_of_message();
  void control_frame();
  /// Queues one client frame: `inline_payload` (masked into the arena) after
  /// the Wisp header, then `external` bytes of the premasked pattern.
  void frame(std::uint8_t type, std::uint32_t id, std::span<const std::byte> inline_payload, std::size_t external);
  void raw_frame(std::uint8_t opcode, std::span<const std::byte> payload);
  void kick();
  void write();
  void fail(const std::string& why);

  asio::io_context& io_;
  tcp::socket socket_;
  const options& o_;
  workload& work_;
  std::size_t* pending_;  // connections not yet ready
  std::array<std::byte, 4> mask_;
  std::vector<std::byte> premasked_;
  std::unordered_map<std::uint32_t, wisp_stream*> streams_;
  std::uint32_t next_id_ = 1;
  bool ready_ = false, failed_ = false;

  std::array<batch, 2> batches_;
  int filling_ = 0;
  bool writing_ = false, kicked_ = false;
  std::vector<asio::const_buffer> iov_;

  std::vector<std::byte> read_buffer_;
  std::string handshake_;
  // Frame parser.
  std::array<std::uint8_t, 14> header_{};
  std::size_t header_have_ = 0, header_need_ = 2;
  bool in_payload_ = false, fin_ = false, control_ = false;
  std::uint8_t opcode_ = 0;
  std::uint64_t remaining_ = 0;
  std::vector<std::byte> control_payload_;
  // Wisp packet (message) parser: header plus up to 4 payload bytes.
  std::array<std::uint8_t, 9> packet_{};
  std::size_t packet_have_ = 0;
  wisp_stream* current_ = nullptr;
};

}  // namespace switchyard::bench::wisp_load
