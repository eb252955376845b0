// stack/lwip_stats.hpp - lwIP's memory usage (its fixed pools and its heap)
// as plain values, so the gateway can report it without including lwIP.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace switchyard::stack {

/// One lwIP memory pool, or the heap (then every figure is in bytes).
struct lwip_memory_usage {
  std::string name;             ///< the pool's lwIP name in lower case ("tcp_pcb", "pbuf_pool"); "heap"
  std::uint64_t used = 0;       ///< elements (heap: bytes) in use now
  std::uint64_t max_used = 0;   ///< the most ever in use at once
  std::uint64_t size = 0;       ///< capacity: elements (heap: bytes)
  std::uint64_t errors = 0;     ///< allocations refused (pool or heap exhausted), since start
};

struct lwip_memory {
  std::vector<lwip_memory_usage> pools;  ///< every memp pool, in lwIP's order
  lwip_memory_usage heap;
};

/// A snapshot of lwIP's statistics (LWIP_STATS with MEM_STATS and MEMP_STATS).
/// Core loop only, like every lwIP access. lwIP's error counters are 16 or
/// 32 bits wide and wrap; the values returned are widened to 64 bits by
/// adding each read's difference, so they never go back as long as they are
/// read before a counter wraps twice (a scrape every few seconds does).
lwip_memory read_lwip_memory();

/// Adds the change of a `bits`-wide counter from `last_raw` to `raw` (modulo
/// 2^bits: the counter wrapped when raw < last_raw) to `total`. Pure.
std::uint64_t widen_counter(std::uint64_t total, std::uint64_t last_raw, std::uint64_t raw, unsigned bits);

}  // namespace switchyard::stack
