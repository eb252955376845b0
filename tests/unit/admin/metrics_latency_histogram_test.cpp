// tests/unit/admin/metrics_latency_histogram_test.cpp - the fixed-bucket duration histogram behind latency metrics.
#include "gateway/latency_histogram.hpp"

#include <gtest/gtest.h>

#include <numeric>

namespace switchyard::gateway {
namespace {

using namespace std::chrono_literals;

TEST(LatencyHistogram, StartsEmpty) {
  latency_histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.sum(), 0ns);
  EXPECT_EQ(h.bucket_counts().size(), latency_histogram::bounds.size() + 1);
  for (auto c : h.bucket_counts()) EXPECT_EQ(c, 0u);
}

TEST(LatencyHistogram, CountsABoundInItsOwnBucketAndJustAboveInTheNext) {
  latency_histogram h;
  h.observe(1ms);           // le 0.001
  h.observe(1ms + 1ns);     // le 0.002
  h.observe(0ns);           // le 0.001
  h.observe(5000ms);        // le 5
  h.observe(5000ms + 1ns);  // +Inf
  h.observe(-3ms);          // a clock step backwards counts as 0
  auto c = h.bucket_counts();
  EXPECT_EQ(c[0], 3u);
  EXPECT_EQ(c[1], 1u);
  EXPECT_EQ(c[11], 1u);
  EXPECT_EQ(c[12], 1u);
  EXPECT_EQ(std::accumulate(c.begin(), c.end(), std::uint64_t{0}), 6u);
  EXPECT_EQ(h.count(), 6u);
  EXPECT_EQ(h.sum(), 1ms + 1ms + 1ns + 5000ms + 5000ms + 1ns);
}

TEST(LatencyHistogram, SecondBoundsMatchTheDurations) {
  for (std::size_t i = 0; i < latency_histogram::bounds.size(); ++i)
    EXPECT_DOUBLE_EQ(latency_histogram::bounds_seconds[i],
                     std::chrono::duration<double>(latency_histogram::bounds[i]).count());
}

TEST(LatencyHistogram, ReportsTheSumInSeconds) {
  latency_histogram h;
  h.observe(250ms);
  h.observe(1250ms);
  EXPECT_DOUBLE_EQ(h.sum_seconds(), 1.5);
}

}  // namespace
}  // namespace switchyard::gateway
