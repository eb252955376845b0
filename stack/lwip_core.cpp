// stack/lwip_core.cpp - lwIP's owner: init once, timers driven by an Asio timer.
#include "stack/lwip_core.hpp"

#include <atomic>
#include <cassert>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "lwip/init.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"

namespace {

const auto process_start = std::chrono::steady_clock::now();
std::atomic<bool> core_exists{false};

}  // namespace

extern "C" {

// NO_SYS=1 needs only a millisecond clock; it wraps after 49 days, as lwIP expects.
u32_t sys_now(void) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - process_start);
  return static_cast<u32_t>(ms.count());
}

void switchyard_lwip_assert(const char* message, const char* file, int line) {
  std::fprintf(stderr, "lwIP assertion failed: %s at %s:%d\n", message, file, line);
  std::abort();
}

unsigned int switchyard_lwip_rand(void) {
  // Used by lwIP for ephemeral local ports; ISNs come from the keyed hook.
  static std::mt19937 engine{std::random_device{}()};
  return static_cast<unsigned int>(engine());
}

}  // extern "C"

namespace switchyard::stack {

// A timeout registered while handling input (tcp_timer_needed) must not wait
// for a long sleep to end, so the wait is capped.
constexpr std::chrono::milliseconds max_timer_sleep{25};

lwip_core::lwip_core(boost::asio::io_context& core) : core_(core), timer_(core) {
  [[maybe_unused]] bool was = core_exists.exchange(true);
  assert(!was && "only one lwip_core may exist");
  static bool initialised = false;  // lwIP has no de-init: later cores reuse it
  if (!initialised) {
    lwip_init();
    initialised = true;
  }
  schedule();
}

lwip_core::~lwip_core() {
  timer_.cancel();
  core_exists = false;
}

void lwip_core::schedule() {
  u32_t sleep = sys_timeouts_sleeptime();
  auto wait = std::min<std::chrono::milliseconds>(std::chrono::milliseconds(sleep), max_timer_sleep);
  timer_.expires_after(wait);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    sys_check_timeouts();
    schedule();
  });
}

}  // namespace switchyard::stack
