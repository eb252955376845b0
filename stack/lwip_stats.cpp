// stack/lwip_stats.cpp - lwIP's memory usage as plain values.
#include "stack/lwip_stats.hpp"

#include <array>
#include <cctype>

#include "lwip/mem.h"
#include "lwip/memp.h"
#include "lwip/stats.h"

#if !LWIP_STATS || !MEM_STATS || !MEMP_STATS
#error "stack/lwip_stats needs LWIP_STATS, MEM_STATS and MEMP_STATS (stack/lwip/lwipopts.h)"
#endif

namespace switchyard::stack {
namespace {

// lwIP compiles pool descriptions only for debug or stats display builds; the
// pool list itself gives the names (the same X-macro lwIP builds memp_t from).
constexpr std::array<const char*, MEMP_MAX> pool_names{
#define LWIP_MEMPOOL(name, num, size, desc) #name,
#include "lwip/priv/memp_std.h"
};

constexpr unsigned counter_bits = sizeof(STAT_COUNTER) * 8;

// Raw counter values at the last read and their widened totals (index
// MEMP_MAX is the heap). Core loop only, as lwIP itself.
struct widened {
  std::uint64_t last_raw = 0;
  std::uint64_t total = 0;
};
std::array<widened, MEMP_MAX + 1> error_counters;

std::uint64_t widen(std::size_t index, std::uint64_t raw) {
  auto& c = error_counters[index];
  c.total = widen_counter(c.total, c.last_raw, raw, counter_bits);
  c.last_raw = raw;
  return c.total;
}

std::string lower(const char* text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::uint64_t widen_counter(std::uint64_t total, std::uint64_t last_raw, std::uint64_t raw, unsigned bits) {
  std::uint64_t mask = bits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
  return total + ((raw - last_raw) & mask);
}

lwip_memory read_lwip_memory() {
  lwip_memory out;
  out.pools.reserve(MEMP_MAX);
  for (std::size_t i = 0; i < MEMP_MAX; ++i) {
    const stats_mem* s = lwip_stats.memp[i];
    if (!s) continue;
    out.pools.push_back({.name = lower(pool_names[i]),
                         .used = s->used,
                         .max_used = s->max,
                         .size = s->avail,
                         .errors = widen(i, s->err)});
  }
  const stats_mem& heap = lwip_stats.mem;
  out.heap = {.name = "heap", .used = heap.used, .max_used = heap.max, .size = heap.avail,
              .errors = widen(MEMP_MAX, heap.err)};
  return out;
}

}  // namespace switchyard::stack
