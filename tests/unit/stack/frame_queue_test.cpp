// tests/unit/stack/frame_queue_test.cpp - the bounded FIFO of a port's outgoing frames.
#include "stack/frame_queue.hpp"

#include <gtest/gtest.h>

#include "tests/support/frames.hpp"

namespace switchyard::stack {
namespace {

test::frame sized(std::size_t n, int fill = 0) { return test::frame(n, static_cast<std::byte>(fill)); }

TEST(FrameQueue, StartsEmpty) {
  frame_queue q(4, 1000);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.size(), 0u);
  EXPECT_EQ(q.bytes(), 0u);
}

TEST(FrameQueue, RefusesAPushBeyondTheFrameCount) {
  frame_queue q(3, 100'000);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(q.push(sized(60)));
  EXPECT_FALSE(q.push(sized(60)));
  EXPECT_FALSE(q.push(sized(0)));  // an empty frame still takes a slot
  EXPECT_EQ(q.size(), 3u);
  EXPECT_EQ(q.bytes(), 180u);
}

TEST(FrameQueue, RefusesAPushBeyondTheByteBudget) {
  frame_queue q(100, 1000);
  EXPECT_TRUE(q.push(sized(600)));
  EXPECT_FALSE(q.push(sized(401)));
  EXPECT_TRUE(q.push(sized(400)));  // exactly fills the budget
  EXPECT_FALSE(q.push(sized(1)));
  EXPECT_EQ(q.bytes(), 1000u);
  EXPECT_EQ(q.size(), 2u);
}

TEST(FrameQueue, RefusesAFrameLargerThanTheWholeBudget) {
  frame_queue q(10, 100);
  EXPECT_FALSE(q.push(sized(101)));
  EXPECT_TRUE(q.empty());
}

TEST(FrameQueue, KeepsFramesInOrderAndCopiesThem) {
  frame_queue q(4, 1000);
  auto a = sized(10, 1);
  q.push(a);
  q.push(sized(20, 2));
  a[0] = std::byte{9};  // the queue holds its own copy
  EXPECT_EQ(q.front(), sized(10, 1));
  q.pop();
  EXPECT_EQ(q.front(), sized(20, 2));
  EXPECT_EQ(q.bytes(), 20u);
}

TEST(FrameQueue, FreesRoomAsFramesArePopped) {
  frame_queue q(2, 100);
  EXPECT_TRUE(q.push(sized(50)));
  EXPECT_TRUE(q.push(sized(50)));
  EXPECT_FALSE(q.push(sized(10)));
  q.pop();
  EXPECT_TRUE(q.push(sized(10)));
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.bytes(), 60u);
}

TEST(FrameQueue, ClearEmptiesFramesAndBytes) {
  frame_queue q(2, 100);
  q.push(sized(50));
  q.push(sized(50));
  q.clear();
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes(), 0u);
  EXPECT_TRUE(q.push(sized(100)));
}

}  // namespace
}  // namespace switchyard::stack
