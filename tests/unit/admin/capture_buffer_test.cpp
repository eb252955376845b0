// tests/unit/admin/capture_buffer_test.cpp - a live capture's bounded output
// buffer: frames within the budget become EPBs, beyond it they are counted.
#include "gateway/admin/capture_buffer.hpp"

#include <gtest/gtest.h>

#include "protocols/pcapng/writer.hpp"
#include "tests/support/frames.hpp"

namespace switchyard::gateway::admin {
namespace {

const auto frame60 = test::ethernet_frame(test::mac(2), test::mac(1), 0x0800, 60);  // EPB: 92 bytes

TEST(CaptureBuffer, KeepsFramesAsEnhancedPacketBlocks) {
  capture_buffer b(1024);
  EXPECT_TRUE(b.add_frame(7, frame60));
  std::vector<std::byte> expected;
  pcapng::append_enhanced_packet(expected, 0, 7, frame60, 60);
  EXPECT_EQ(b.queue(), expected);
  EXPECT_EQ(b.frames_kept(), 1u);
  EXPECT_EQ(b.frame_bytes_kept(), 60u);
}

TEST(CaptureBuffer, DropsAndCountsBeyondTheBudget) {
  capture_buffer b(92 * 3);
  for (int i = 0; i < 5; ++i) b.add_frame(0, frame60);
  EXPECT_EQ(b.frames_kept(), 3u);
  EXPECT_EQ(b.frames_dropped(), 2u);
  EXPECT_EQ(b.pending(), 92u * 3);
}

TEST(CaptureBuffer, CountsBytesInFlightAgainstTheBudget) {
  capture_buffer b(92 * 2);
  b.add_frame(0, frame60);
  b.add_frame(0, frame60);
  ASSERT_TRUE(b.ready_to_write());
  auto flying = b.start_write();
  EXPECT_EQ(flying.size(), 184u);
  EXPECT_FALSE(b.ready_to_write());
  EXPECT_TRUE(b.writing());
  EXPECT_FALSE(b.add_frame(0, frame60));  // still in flight: no room
  b.write_done();
  EXPECT_TRUE(b.add_frame(0, frame60));
  EXPECT_EQ(b.frames_dropped(), 1u);
  EXPECT_TRUE(b.ready_to_write());
}

TEST(CaptureBuffer, FramingBlocksAlwaysFit) {
  capture_buffer b(92);
  b.add_frame(0, frame60);
  pcapng::append_interface_statistics(b.queue(), {});
  b.append(std::as_bytes(std::span("x", 1)));
  EXPECT_GT(b.pending(), 92u);
  EXPECT_FALSE(b.add_frame(0, frame60));
}

}  // namespace
}  // namespace switchyard::gateway::admin
