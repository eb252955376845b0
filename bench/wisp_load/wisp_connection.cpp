// bench/wisp_load/wisp_connection.cpp - the WebSocket handshake, frame parser and batched writer of one Wisp connection, and its streams.
#include "bench/wisp_load/wisp_connection.hpp"

#include <algorithm>
#include <cstring>
#include <string_view>
#include <utility>

#include "bench/wisp_load/workload.hpp"

namespace switchyard::bench::wisp_load {

void wisp_connection::start() {
  auto url = std::string_view(o_.url);
  if (!url.starts_with("ws://")) usage("--url must start with ws://");
  url.remove_prefix(5);
  auto slash = url.find('/');
  std::string hostport(url.substr(0, slash));
  std::string path(slash == std::string_view::npos ? "/" : url.substr(slash));
  handshake_ = "GET " + path + " HTTP/1.1\r\nHost: " + hostport +
               "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n";
  socket_.async_connect(endpoint_of(hostport), [this](error_code ec) {
    if (ec) return fail("connect: " + ec.message());
    socket_.set_option(tcp::no_delay(true), ec);
    asio::async_write(socket_, asio::buffer(handshake_), [this](error_code ec2, std::size_t) {
      if (ec2) return fail("handshake write: " + ec2.message());
      handshake_.clear();
      handshake();
    });
  });
}

void wisp_connection::handshake() {
  socket_.async_read_some(asio::buffer(read_buffer_), [this](error_code ec, std::size_t n) {
    if (ec) return fail("handshake read: " + ec.message());
    handshake_.append(reinterpret_cast<const char*>(read_buffer_.data()), n);
    auto end = handshake_.find("\r\n\r\n");
    if (end == std::string::npos) {
      if (handshake_.size() > 16384) return fail("handshake: no end of headers");
      return handshake();
    }
    if (!handshake_.starts_with("HTTP/1.1 101"))
      return fail("handshake: " + handshake_.substr(0, handshake_.find("\r\n")));
    std::string rest = handshake_.substr(end + 4);
    parse(reinterpret_cast<const std::byte*>(rest.data()), rest.size());
    if (!failed_) read();
  });
}

void wisp_connection::read() {
  socket_.async_read_some(asio::buffer(read_buffer_), [this](error_code ec, std::size_t n) {
    if (ec) return fail("read: " + ec.message());
    parse(read_buffer_.data(), n);
    if (!failed_) read();
  });
}

void wisp_connection::parse(const std::byte* p, std::size_t n) {
  const std::byte* end = p + n;
  while (p < end && !failed_) {
    if (!in_payload_) {
      std::size_t take = std::min<std::size_t>(header_need_ - header_have_, static_cast<std::size_t>(end - p));
      std::memcpy(header_.data() + header_have_, p, take);
      header_have_ += take;
      p += take;
      if (header_have_ < header_need_) return;
      if (header_need_ == 2) {
        std::uint8_t len7 = header_[1] & 0x7f;
        header_need_ = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + ((header_[1] & 0x80) ? 4 : 0);
        if (header_need_ > 2) continue;
      }
      if (header_[1] & 0x80) return fail("server sent a masked frame");
      fin_ = header_[0] & 0x80;
      opcode_ = header_[0] & 0x0f;
      std::uint8_t len7 = header_[1] & 0x7f;
      remaining_ = len7;
      if (len7 == 126) remaining_ = std::uint64_t{header_[2]} << 8 | header_[3];
      if (len7 == 127) {
        remaining_ = 0;
        for (int i = 2; i < 10; ++i) remaining_ = remaining_ << 8 | header_[i];
      }
      header_have_ = 0;
      header_need_ = 2;
      control_ = opcode_ >= 8;
      if (control_) control_payload_.clear();
      else if (opcode_ != 0) {  // a new message
        packet_have_ = 0;
        current_ = nullptr;
      }
      in_payload_ = true;
      if (remaining_ == 0) end_of_frame();
      continue;
    }
    auto take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, static_cast<std::uint64_t>(end - p)));
    if (control_) control_payload_.insert(control_payload_.end(), p, p + take);
    else message_bytes(p, take);
    p += take;
    remaining_ -= take;
    if (remaining_ == 0) end_of_frame();
  }
}

void wisp_connection::end_of_frame() {
  in_payload_ = false;
  if (control_) return control_frame();
  if (fin_) end_of_message();
}

void wisp_connection::message_bytes(const std::byte* p, std::size_t n) {
  if (packet_have_ < 5) {
    std::size_t take = std::min(5 - packet_have_, n);
    std::memcpy(packet_.data() + packet_have_, p, take);
    packet_have_ += take;
    p += take;
    n -= take;
    if (packet_have_ < 5) return;
    std::uint32_t id = packet_[1] | packet_[2] << 8 | packet_[3] << 16 | std::uint32_t{packet_[4]} << 24;
    auto it = streams_.find(id);
    current_ = it == streams_.end() ? nullptr : it->second;
  }
  if (n == 0) return;
  if (packet_[0] == 0x02) {
    if (current_ && !current_->closed()) current_->on_data(n);
    return;
  }
  std::size_t take = std::min(packet_.size() - packet_have_, n);
  std::memcpy(packet_.data() + packet_have_, p, take);
  packet_have_ += take;
}

void wisp_connection::end_of_message() {
  if (packet_have_ < 5) return fail("a Wisp packet shorter than its header");
  std::uint32_t id = packet_[1] | packet_[2] << 8 | packet_[3] << 16 | std::uint32_t{packet_[4]} << 24;
  std::uint8_t type = packet_[0];
  if (type == 0x03) {  // CONTINUE
    if (packet_have_ < 9) return fail("short CONTINUE");
    std::uint32_t credit = packet_[5] | packet_[6] << 8 | packet_[7] << 16 | std::uint32_t{packet_[8]} << 24;
    if (id == 0) {
      if (!ready_) {
        ready_ = true;
        work_.initial_credit = credit;
        if (--*pending_ == 0) work_.start();
      }
      return;
    }
    if (current_ && !current_->closed()) current_->on_continue(credit);
  } else if (type == 0x04) {  // CLOSE
    int reason = packet_have_ > 5 ? packet_[5] : -3;
    if (id == 0) return fail("server closed the connection, reason " + std::to_string(reason));
    streams_.erase(id);
    if (current_ && !current_->closed()) current_->on_close(reason == 0x02 ? 0 : reason);
  }
  current_ = nullptr;
}

void wisp_connection::control_frame() {
  if (opcode_ == 0x9) return raw_frame(0xA, control_payload_);  // ping -> pong
  if (opcode_ == 0x8) return fail("server sent a WebSocket close");
}

std::uint32_t wisp_connection::connect(wisp_stream& s) {
  std::uint32_t id = next_id_++;
  streams_[id] = &s;
  std::vector<std::byte> payload(3 + o_.host.size());
  payload[0] = std::byte{0x01};
  payload[1] = static_cast<std::byte>(o_.port & 0xff);
  payload[2] = static_cast<std::byte>(o_.port >> 8);
  std::memcpy(payload.data() + 3, o_.host.data(), o_.host.size());
  frame(0x01, id, payload, 0);
  return id;
}

void wisp_connection::frame(std::uint8_t type, std::uint32_t id, std::span<const std::byte> inline_payload,
                            std::size_t external) {
  std::uint64_t length = 5 + inline_payload.size() + external;
  std::array<std::byte, 14 + 5 + 64> h{};
  std::size_t hl = 0;
  h[hl++] = std::byte{0x82};
  if (length < 126) {
    h[hl++] = static_cast<std::byte>(0x80 | length);
  } else if (length <= 0xffff) {
    h[hl++] = std::byte{0x80 | 126};
    h[hl++] = static_cast<std::byte>(length >> 8);
    h[hl++] = static_cast<std::byte>(length & 0xff);
  } else {
    h[hl++] = std::byte{0x80 | 127};
    for (int i = 7; i >= 0; --i) h[hl++] = static_cast<std::byte>((length >> (8 * i)) & 0xff);
  }
  for (auto b : mask_) h[hl++] = b;
  std::array<std::byte, 5> wisp{std::byte{type}, static_cast<std::byte>(id & 0xff), static_cast<std::byte>((id >> 8) & 0xff),
                                static_cast<std::byte>((id >> 16) & 0xff), static_cast<std::byte>(id >> 24)};
  std::size_t offset = 0;
  for (auto b : wisp) h[hl++] = b ^ mask_[offset++ % 4];
  auto& out = batches_[filling_];
  if (inline_payload.size() <= 64) {
    for (auto b : inline_payload) h[hl++] = b ^ mask_[offset++ % 4];
    out.add_arena(std::span(h).first(hl));
  } else {
    out.add_arena(std::span(h).first(hl));
    for (auto b : inline_payload) {
      std::byte m = b ^ mask_[offset++ % 4];
      out.add_arena(std::span(&m, 1));
    }
  }
  if (external) out.add_external(premasked_.data(), external);
  kick();
}

void wisp_connection::raw_frame(std::uint8_t opcode, std::span<const std::byte> payload) {
  std::vector<std::byte> f;
  f.push_back(static_cast<std::byte>(0x80 | opcode));
  f.push_back(static_cast<std::byte>(0x80 | std::min<std::size_t>(payload.size(), 125)));
  for (auto b : mask_) f.push_back(b);
  for (std::size_t i = 0; i < payload.size() && i < 125; ++i) f.push_back(payload[i] ^ mask_[i % 4]);
  batches_[filling_].add_arena(f);
  kick();
}

void wisp_connection::kick() {
  // Everything queued in this handler goes out in one gather write.
  if (writing_ || kicked_) return;
  kicked_ = true;
  asio::post(io_, [this] {
    kicked_ = false;
    if (!writing_) write();
  });
}

void wisp_connection::write() {
  auto& out = batches_[filling_];
  if (out.bytes == 0 || failed_) return;
  writing_ = true;
  int sending = filling_;
  filling_ ^= 1;
  iov_.clear();
  for (auto& s : out.segments)
    iov_.emplace_back(s.external ? s.external : out.arena.data() + s.offset, s.length);
  asio::async_write(socket_, iov_, [this, sending](error_code ec, std::size_t) {
    writing_ = false;
    auto& b = batches_[sending];
    b.arena.clear();
    b.segments.clear();
    b.bytes = 0;
    if (ec) return fail("write: " + ec.message());
    write();
  });
}

void wisp_connection::fail(const std::string& why) {
  if (failed_) return;
  failed_ = true;
  error_code ignored;
  socket_.close(ignored);
  auto streams = std::move(streams_);
  for (auto& [id, s] : streams)
    if (!s->closed()) s->on_close(-1);
  work_.connection_failed(why);
}

// ------------------------------------------------------------ wisp stream --

void wisp_stream::open() {
  started = steady::now();
  credit_ = work_.initial_credit;
  id_ = conn_.connect(*this);
  work_.on_open(*this);
}

std::size_t wisp_stream::send(std::size_t max) {
  std::size_t n = std::min(max, conn_.max_data());
  conn_.data(id_, n);
  --credit_;
  return n;
}

void wisp_stream::send_bytes(std::span<const std::byte> bytes) {
  conn_.data_bytes(id_, bytes);
  --credit_;
}

void wisp_stream::close() {
  if (closed_) return;
  closed_ = true;
  conn_.close_stream(id_, 0x02);
}

void wisp_stream::on_continue(std::uint32_t credit) {
  credit_ = credit;
  work_.on_can_send(*this);
}

void wisp_stream::on_data(std::size_t n) { work_.on_data(*this, n); }

void wisp_stream::on_close(int reason) {
  closed_ = true;
  work_.on_end(*this, reason, "");
}

}  // namespace switchyard::bench::wisp_load
