// bench/wisp_load/report.cpp - formatting a run's result as one JSON line (rates, percentiles, close reasons).
#include "bench/wisp_load/report.hpp"

#include <algorithm>
#include <cstdio>
#include <sys/resource.h>

namespace switchyard::bench::wisp_load {

namespace {

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

void print_result(result& r) {
  bool echo = r.mode == "echo";
  double mbps = r.seconds > 0 ? static_cast<double>(r.bytes) / r.seconds / 1e6 : 0;
  std::string reasons;
  for (auto& [reason, n] : r.close_reasons)
    reasons += (reasons.empty() ? "\"" : ",\"") + std::to_string(reason) + "\":" + std::to_string(n);
  std::size_t opens = r.open_ms.size();
  double p50 = percentile(r.open_ms, 0.5), p99 = percentile(r.open_ms, 0.99);
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto cpu_of = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; };
  double client_cpu = cpu_of(usage.ru_utime) + cpu_of(usage.ru_stime);
  // The error text goes between quotes as is: no quote, backslash or control character.
  std::string err = r.first_error;
  for (auto& c : err)
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) c = ' ';
  std::printf("{\"mode\":\"%s\",\"transport\":\"%s\",\"streams\":%zu,\"streams_done\":%zu,\"conns\":%zu,\"seconds\":%.3f,"
              "\"bytes\":%llu,\"mb_per_s\":%.1f,\"sent\":%llu,\"lost\":%lld,\"opens\":%zu,\"opens_per_s\":%.1f,"
              "\"open_p50_ms\":%.3f,\"open_p99_ms\":%.3f,\"errors\":%llu,\"timeout\":%s,\"close_reasons\":{%s},"
              "\"rss_before_kib\":%llu,\"rss_peak_kib\":%llu,\"rss_idle_kib\":%llu,\"rss_end_kib\":%llu,"
              "\"rss_per_stream_bytes\":%.0f,\"client_cpu_s\":%.3f,\"first_error\":\"%s\"}\n",
              r.mode.c_str(), r.direct ? "direct" : "wisp", r.streams, r.streams_done, r.direct ? 0 : r.conns,
              r.seconds, static_cast<unsigned long long>(r.bytes), mbps, static_cast<unsigned long long>(r.sent),
              echo ? static_cast<long long>(r.sent) - static_cast<long long>(r.received) : 0LL, opens,
              r.seconds > 0 ? static_cast<double>(opens) / r.seconds : 0.0, p50, p99,
              static_cast<unsigned long long>(r.errors), r.timed_out ? "true" : "false", reasons.c_str(),
              static_cast<unsigned long long>(r.rss_before_kib), static_cast<unsigned long long>(r.rss_peak_kib),
              static_cast<unsigned long long>(r.rss_idle_kib), static_cast<unsigned long long>(r.rss_end_kib),
              r.rss_idle_kib && r.idle_ready
                  ? (static_cast<double>(r.rss_idle_kib) - static_cast<double>(r.rss_before_kib)) * 1024 /
                        static_cast<double>(r.idle_ready)
                  : 0.0,
              client_cpu, err.c_str());
  std::fflush(stdout);
}

}  // namespace switchyard::bench::wisp_load
