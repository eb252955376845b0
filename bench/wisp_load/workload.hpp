// bench/wisp_load/workload.hpp - the client workloads (echo, download, opens, idle), the same over any stream.
//
// Workloads (per stream; --streams spread round-robin over --conns Wisp
// connections):
//   echo      to the echo target for --duration s: send --msg-byte chunks
//             while credit lasts and fewer than --window bytes are unechoed;
//             then stop and wait for the rest (`lost` counts what never came
//             back). Throughput: bytes echoed during the run / duration.
//   download  send the request, count bytes until the stream closes; each
//             must carry exactly --bytes. Throughput: all bytes / (first
//             CONNECT -> last close).
//   opens     --streams opens to the download target, --concurrency at a
//             time: open, request 1 byte, first byte -> close. opens/s.
//   idle      --streams streams to the echo target (--concurrency opening at
//             a time), each proven by a 1-byte echo; after --settle s the
//             RSS of --rss-pid is read again: bytes per idle stream.
// --rss-pid PID: VmRSS of that process before the workload, every 20 ms
// during it (peak), and at the end.
// A run ends in finish(): it prints the JSON line (report.hpp) and exits the
// process, 0 when there was no error and no timeout.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "bench/wisp_load/common.hpp"
#include "bench/wisp_load/options.hpp"
#include "bench/wisp_load/stream.hpp"

namespace switchyard::bench::wisp_load {

/// Drives every stream of one run; `io` and `o` must outlive it.
class workload {
 public:
  workload(asio::io_context& io, const options& o) : io_(io), o_(o), rss_timer_(io), deadline_(io), phase_timer_(io) {}

  void add_stream(std::unique_ptr<stream> s) { streams_.push_back(std::move(s)); }
  /// Every Wisp connection is ready (or there are none): start.
  void start();
  void connection_failed(const std::string& why);

  void on_open(stream& s);
  void on_data(stream& s, std::size_t n);
  void on_can_send(stream& s) { pump(s); }
  /// The stream ended from the far side: reason 0 = EOF or Wisp CLOSE(voluntary),
  /// else the Wisp close reason; negative = transport error.
  void on_end(stream& s, int reason, const std::string& why);

  std::span<std::byte> scratch() { return scratch_; }
  std::uint32_t initial_credit = 0;

 private:
  void open_next();
  void pump(stream& s);
  void finish_stream(stream& s);
  void error(const std::string& why) {
    ++errors_;
    if (first_error_.empty()) first_error_ = why;
  }
  void stop_echo();
  void sample_rss();
  /// Prints the result and exits the process (the first call does).
  void finish(bool timed_out);

  asio::io_context& io_;
  const options& o_;
  asio::steady_timer rss_timer_, deadline_, phase_timer_;
  std::vector<std::unique_ptr<stream>> streams_;
  std::vector<std::byte> scratch_ = std::vector<std::byte>(pattern_size);
  std::vector<double> open_ms_;
  std::map<int, std::uint64_t> close_reasons_;
  steady::time_point t0_, t_end_;
  std::size_t next_ = 0, active_ = 0, done_ = 0, ready_ = 0;
  std::uint64_t errors_ = 0, echoed_at_stop_ = 0, rss_before_ = 0, rss_idle_ = 0, peak_rss_ = 0;
  double run_seconds_ = 0;
  bool stopping_ = false, finished_ = false;
  std::string first_error_;
};

}  // namespace switchyard::bench::wisp_load
