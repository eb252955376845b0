// tests/unit/protocols/websocket_codec_test.cpp - RFC 6455 frame codec and message reader.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocols/websocket/frame_codec.hpp"
#include "protocols/websocket/message_reader.hpp"

namespace switchyard::websocket {
namespace {

using bytes = std::vector<std::byte>;
const std::uint8_t test_mask[4] = {0x37, 0xfa, 0x21, 0x3d};

bytes client_frame(opcode op, std::string_view payload, bool fin = true) {
  bytes out(max_header_size + payload.size());
  std::size_t n = write_frame_header(out, op, fin, payload.size(), &test_mask);
  for (std::size_t i = 0; i < payload.size(); ++i) out[n + i] = std::byte(payload[i]);
  apply_mask(std::span(out).subspan(n, payload.size()), test_mask);
  out.resize(n + payload.size());
  return out;
}

std::string text(std::span<const std::byte> b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

TEST(WebSocketFrameCodec, ParsesTheRfcMaskedHelloExample) {
  // RFC 6455 section 5.7: a single-frame masked text message "Hello".
  bytes f = {std::byte{0x81}, std::byte{0x85}, std::byte{0x37}, std::byte{0xfa}, std::byte{0x21}, std::byte{0x3d},
             std::byte{0x7f}, std::byte{0x9f}, std::byte{0x4d}, std::byte{0x51}, std::byte{0x58}};
  message_reader reader(true, 1024);
  std::size_t used = 0;
  auto e = reader.next(f, used);
  EXPECT_EQ(e.type, message_event::kind::text);
  EXPECT_EQ(text(e.payload), "Hello");
  EXPECT_EQ(used, f.size());
}

TEST(WebSocketFrameCodec, WritesMinimalLengthEncodings) {
  bytes out(max_header_size);
  EXPECT_EQ(write_frame_header(out, opcode::binary, true, 125), 2u);
  EXPECT_EQ(write_frame_header(out, opcode::binary, true, 126), 4u);
  EXPECT_EQ(write_frame_header(out, opcode::binary, true, 65535), 4u);
  EXPECT_EQ(write_frame_header(out, opcode::binary, true, 65536), 10u);
  EXPECT_EQ(write_frame_header(out, opcode::binary, true, 10, &test_mask), 6u);
  EXPECT_EQ(out[0], std::byte{0x82});
}

TEST(WebSocketFrameCodec, EveryTruncationOfAFrameNeedsMore) {
  auto f = client_frame(opcode::binary, std::string(300, 'x'));
  for (std::size_t n = 0; n < f.size(); ++n) {
    bytes part(f.begin(), f.begin() + static_cast<std::ptrdiff_t>(n));
    message_reader reader(true, 1024);
    std::size_t used = 0;
    EXPECT_EQ(reader.next(part, used).type, message_event::kind::need_more) << n;
    EXPECT_EQ(used, 0u);
  }
}

TEST(WebSocketFrameCodec, RejectsUnmaskedClientFramesAndReservedBits) {
  bytes unmasked = {std::byte{0x82}, std::byte{0x01}, std::byte{0x00}};
  EXPECT_EQ(parse_frame_header(unmasked, true, 100).state, header_result::status::error);
  bytes rsv = client_frame(opcode::binary, "x");
  rsv[0] |= std::byte{0x40};
  EXPECT_EQ(parse_frame_header(rsv, true, 100).error, header_error::reserved_bits);
  bytes op = client_frame(opcode::binary, "x");
  op[0] = std::byte{0x83};
  EXPECT_EQ(parse_frame_header(op, true, 100).error, header_error::unknown_opcode);
}

TEST(WebSocketFrameCodec, RejectsNonMinimalLengthsAndLongControlFrames) {
  bytes f = {std::byte{0x82}, std::byte{0xfe}, std::byte{0x00}, std::byte{0x05}};
  EXPECT_EQ(parse_frame_header(f, true, 100).error, header_error::non_minimal_length);
  auto ping = client_frame(opcode::ping, std::string(126, 'p'));
  EXPECT_EQ(parse_frame_header(ping, true, 1000).error, header_error::bad_control_frame);
  auto frag_ping = client_frame(opcode::ping, "p", false);
  EXPECT_EQ(parse_frame_header(frag_ping, true, 1000).error, header_error::bad_control_frame);
}

TEST(MessageReader, ReportsOversizeAsTooBig) {
  message_reader reader(true, 100);
  auto f = client_frame(opcode::binary, std::string(101, 'x'));
  std::size_t used = 0;
  auto e = reader.next(f, used);
  EXPECT_EQ(e.type, message_event::kind::error);
  EXPECT_EQ(e.code, close_code::too_big);
}

TEST(MessageReader, ReassemblesFragmentsAroundAPing) {
  bytes stream;
  for (auto& part : {client_frame(opcode::binary, "ab", false), client_frame(opcode::ping, "hi"),
                     client_frame(opcode::continuation, "cd", false), client_frame(opcode::continuation, "e")})
    stream.insert(stream.end(), part.begin(), part.end());
  message_reader reader(true, 100);
  std::size_t used = 0;
  auto e1 = reader.next(stream, used);
  EXPECT_EQ(e1.type, message_event::kind::ping);
  EXPECT_EQ(text(e1.payload), "hi");
  auto e2 = reader.next(std::span(stream).subspan(used), used);
  EXPECT_EQ(e2.type, message_event::kind::binary);
  EXPECT_EQ(text(e2.payload), "abcde");
  EXPECT_EQ(used, stream.size());
}

TEST(MessageReader, FragmentedTotalOverTheLimitIsTooBig) {
  bytes stream;
  for (auto& part : {client_frame(opcode::binary, std::string(60, 'a'), false),
                     client_frame(opcode::continuation, std::string(60, 'b'))})
    stream.insert(stream.end(), part.begin(), part.end());
  message_reader reader(true, 100);
  std::size_t used = 0;
  EXPECT_EQ(reader.next(stream, used).code, close_code::too_big);
}

TEST(MessageReader, ContinuationWithoutStartIsAProtocolError) {
  auto f = client_frame(opcode::continuation, "x");
  message_reader reader(true, 100);
  std::size_t used = 0;
  EXPECT_EQ(reader.next(f, used).code, close_code::protocol_error);
}

TEST(MessageReader, ReadsCloseCodes) {
  std::string payload = "\x03\xe8ok";  // 1000
  auto f = client_frame(opcode::close, payload);
  message_reader reader(true, 100);
  std::size_t used = 0;
  auto e = reader.next(f, used);
  EXPECT_EQ(e.type, message_event::kind::close);
  EXPECT_EQ(e.code, 1000);
  auto bad = client_frame(opcode::close, std::string("\x03\xed", 2));  // 1005 may not be sent
  used = 0;
  EXPECT_EQ(message_reader(true, 100).next(bad, used).type, message_event::kind::error);
}

}  // namespace
}  // namespace switchyard::websocket

namespace switchyard::websocket {
namespace {

TEST(WebSocketFrameCodec, WideMaskingMatchesBytewiseAtEveryOffsetAndLength) {
  const std::uint8_t mask[4] = {0x01, 0x82, 0x43, 0xf4};
  for (std::size_t offset = 0; offset < 4; ++offset) {
    for (std::size_t length = 0; length < 40; ++length) {
      std::vector<std::byte> data(length), expected(length);
      for (std::size_t i = 0; i < length; ++i) {
        data[i] = std::byte(i * 7);
        expected[i] = std::byte(i * 7) ^ std::byte{mask[(offset + i) & 3]};
      }
      apply_mask(data, mask, offset);
      EXPECT_EQ(data, expected) << "offset " << offset << " length " << length;
    }
  }
}

}  // namespace
}  // namespace switchyard::websocket

namespace switchyard::websocket {
namespace {

TEST(MessageReader, TooBigConsumesTheHeaderAndSaysHowMuchToSkip) {
  const std::uint8_t mask[4] = {1, 2, 3, 4};
  std::vector<std::byte> f(max_header_size);
  std::size_t header = write_frame_header(f, opcode::binary, true, 70000, &mask);
  f.resize(header);
  message_reader reader(true, 65536);
  std::size_t used = 0;
  auto e = reader.next(f, used);
  EXPECT_EQ(e.type, message_event::kind::error);
  EXPECT_EQ(e.code, close_code::too_big);
  EXPECT_EQ(used, header);
  EXPECT_EQ(e.skip, 70000u);
}

}  // namespace
}  // namespace switchyard::websocket
