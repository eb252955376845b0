// stack/lwip_core.hpp - lwIP's owner: initialises lwIP (NO_SYS=1) once and drives
// its timers from an Asio timer on the core loop. Exactly one may exist.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace switchyard::stack {

class lwip_core {
 public:
  /// Initialises lwIP and starts its timers on `core` (the core loop: every lwIP
  /// call happens on the thread that runs it).
  explicit lwip_core(boost::asio::io_context& core);
  ~lwip_core();
  lwip_core(const lwip_core&) = delete;
  lwip_core& operator=(const lwip_core&) = delete;

  boost::asio::io_context& context() { return core_; }

 private:
  void schedule();

  boost::asio::io_context& core_;
  boost::asio::steady_timer timer_;
};

}  // namespace switchyard::stack
