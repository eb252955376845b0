// bench/wisp_load/report.hpp - a client run's result and the one JSON line wisp_bench.sh reads from it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace switchyard::bench::wisp_load {

/// What a workload measured; print_result() derives the rates.
struct result {
  std::string mode;
  bool direct = false;
  std::size_t streams = 0, streams_done = 0, conns = 0;
  /// Streams proven idle (idle mode; 0 otherwise): the divisor of RSS per stream.
  std::size_t idle_ready = 0;
  double seconds = 0;
  /// bytes: what the rate counts (echo: echoed before the stop; else received).
  std::uint64_t bytes = 0, sent = 0, received = 0, errors = 0;
  bool timed_out = false;
  std::vector<double> open_ms;
  std::map<int, std::uint64_t> close_reasons;
  std::uint64_t rss_before_kib = 0, rss_peak_kib = 0, rss_idle_kib = 0, rss_end_kib = 0;
  std::string first_error;
};

/// Writes `r` and this process's CPU time so far to stdout as one JSON line,
/// flushed. Sorts r.open_ms.
void print_result(result& r);

}  // namespace switchyard::bench::wisp_load
