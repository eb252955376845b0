// bench/wisp_load/common.hpp - what every part of wisp_load shares: the Asio names, the constant payload pattern, the clock.
#pragma once

#include <boost/asio.hpp>
#include <chrono>
#include <cstddef>
#include <vector>

namespace switchyard::bench::wisp_load {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;
using boost::system::error_code;

/// The largest single send: --msg is at most this, a target download write is this.
constexpr std::size_t pattern_size = 1 << 20;

/// One constant pattern_size buffer, built on first use, never freed; every
/// sender (client or target) writes from it, so no byte is produced per send.
inline const std::byte* pattern() {
  static const std::vector<std::byte> p = [] {
    std::vector<std::byte> v(pattern_size);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<std::byte>((i * 131 + 7) & 0xff);
    return v;
  }();
  return p.data();
}

inline double seconds_since(steady::time_point t) {
  return std::chrono::duration<double>(steady::now() - t).count();
}

}  // namespace switchyard::bench::wisp_load
