// gateway/latency_histogram.hpp - a fixed-bucket histogram of durations, for
// metrics (pure: no clock, the caller measures).
//
// Bounds from 1 ms to 5 s cover everything from a cache hit to a DoH upstream
// timing out; a fixed set keeps observe() a short scan and lets every series
// share one list of bounds.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <span>

namespace switchyard::gateway {

class latency_histogram {
 public:
  using duration = std::chrono::nanoseconds;
  static constexpr std::array<std::chrono::milliseconds, 12> bounds{
      std::chrono::milliseconds{1},   std::chrono::milliseconds{2},    std::chrono::milliseconds{5},
      std::chrono::milliseconds{10},  std::chrono::milliseconds{25},   std::chrono::milliseconds{50},
      std::chrono::milliseconds{100}, std::chrono::milliseconds{250},  std::chrono::milliseconds{500},
      std::chrono::milliseconds{1000}, std::chrono::milliseconds{2500}, std::chrono::milliseconds{5000}};
  /// The bounds in seconds (Prometheus' `le` values).
  static constexpr std::array<double, bounds.size()> bounds_seconds{0.001, 0.002, 0.005, 0.01, 0.025, 0.05,
                                                                   0.1,   0.25,  0.5,   1,    2.5,   5};

  /// Counts `d` in the first bucket whose bound is >= d (negative counts as 0).
  void observe(duration d) {
    if (d < duration::zero()) d = duration::zero();
    std::size_t i = 0;
    while (i < bounds.size() && d > bounds[i]) ++i;
    ++counts_[i];
    ++count_;
    sum_ += d;
  }

  /// Per bucket, not cumulative; the last one counts what exceeded every bound.
  std::span<const std::uint64_t> bucket_counts() const { return counts_; }
  std::uint64_t count() const { return count_; }
  duration sum() const { return sum_; }
  double sum_seconds() const { return std::chrono::duration<double>(sum_).count(); }

 private:
  std::array<std::uint64_t, bounds.size() + 1> counts_{};
  std::uint64_t count_ = 0;
  duration sum_{0};
};

}  // namespace switchyard::gateway
