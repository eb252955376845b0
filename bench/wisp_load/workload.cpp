// bench/wisp_load/workload.cpp - what each workload does on open, data, credit and end, and how a run finishes.
#include "bench/wisp_load/workload.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <unistd.h>
#include <utility>

#include "bench/wisp_load/report.hpp"

namespace switchyard::bench::wisp_load {

namespace {

/// VmRSS of `pid` in KiB (0 when unreadable).
std::uint64_t rss_kib(int pid) {
  if (pid <= 0) return 0;
  std::ifstream in("/proc/" + std::to_string(pid) + "/statm");
  std::uint64_t size = 0, resident = 0;
  if (!(in >> size >> resident)) return 0;
  return resident * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE)) / 1024;
}

}  // namespace

void workload::start() {
  rss_before_ = peak_rss_ = rss_kib(o_.rss_pid);
  if (o_.rss_pid) sample_rss();
  deadline_.expires_after(std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(o_.timeout)));
  deadline_.async_wait([this](error_code ec) {
    if (!ec) finish(true);
  });
  t0_ = steady::now();
  if (o_.mode == "echo") {
    phase_timer_.expires_after(std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(o_.duration)));
    phase_timer_.async_wait([this](error_code ec) {
      if (!ec) stop_echo();
    });
  }
  open_next();
}

void workload::sample_rss() {
  peak_rss_ = std::max(peak_rss_, rss_kib(o_.rss_pid));
  rss_timer_.expires_after(std::chrono::milliseconds(20));
  rss_timer_.async_wait([this](error_code ec) {
    if (!ec && !finished_) sample_rss();
  });
}

void workload::open_next() {
  while (!stopping_ && next_ < streams_.size() && active_ < o_.concurrency) {
    if (o_.mode == "opens" && seconds_since(t0_) > o_.duration) break;
    ++active_;
    streams_[next_++]->open();
  }
  if (o_.mode == "opens" && active_ == 0 && !finished_) finish(false);  // done, or out of time
}

void workload::on_open(stream& s) {
  if (o_.mode == "echo") return pump(s);
  std::array<std::byte, 8> request{};
  if (o_.mode == "idle") return s.send_bytes(std::span(request).first(1));
  std::uint64_t n = o_.mode == "opens" ? 1 : o_.bytes;
  for (auto& b : request) {
    b = static_cast<std::byte>(n & 0xff);
    n >>= 8;
  }
  s.send_bytes(request);
}

void workload::on_data(stream& s, std::size_t n) {
  s.received += n;
  if (!s.got_first) {
    s.got_first = true;
    open_ms_.push_back(seconds_since(s.started) * 1000);
    if (o_.mode == "opens") {
      s.close();
      finish_stream(s);
      return open_next();
    }
    if (o_.mode == "idle") {
      --active_;
      if (++ready_ == streams_.size()) {
        run_seconds_ = seconds_since(t0_);
        phase_timer_.expires_after(std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(o_.settle)));
        phase_timer_.async_wait([this](error_code ec) {
          if (ec) return;
          rss_idle_ = rss_kib(o_.rss_pid);
          finish(false);
        });
      }
      return open_next();
    }
  }
  if (o_.mode == "echo") {
    if (stopping_ && s.received >= s.sent) {
      s.close();
      finish_stream(s);
      if (done_ == streams_.size()) finish(false);
      return;
    }
    pump(s);
  }
}

void workload::pump(stream& s) {
  if (o_.mode != "echo" || stopping_) return;
  while (s.can_send()) {
    std::uint64_t out = s.sent - s.received;
    if (out + o_.msg > o_.window) break;
    s.sent += s.send(static_cast<std::size_t>(o_.window - out));
  }
}

void workload::stop_echo() {
  stopping_ = true;
  run_seconds_ = seconds_since(t0_);
  for (auto& s : streams_) echoed_at_stop_ += s->received;
  for (auto& s : streams_) {
    if (!s->done && s->received >= s->sent) {
      s->close();
      finish_stream(*s);
    }
  }
  if (done_ == streams_.size()) return finish(false);
  // Whatever has not come back in 5 s is lost.
  phase_timer_.expires_after(std::chrono::seconds(5));
  phase_timer_.async_wait([this](error_code ec) {
    if (!ec) finish(false);
  });
}

void workload::finish_stream(stream& s) {
  if (s.done) return;
  s.done = true;
  ++done_;
  if (o_.mode == "opens" || o_.mode == "download") --active_;
}

void workload::on_end(stream& s, int reason, const std::string& why) {
  if (s.done) return;
  ++close_reasons_[reason];
  if (o_.mode == "download") {
    if (s.received != o_.bytes)
      error("stream ended after " + std::to_string(s.received) + " of " + std::to_string(o_.bytes) +
            " bytes (reason " + std::to_string(reason) + (why.empty() ? "" : ": " + why) + ")");
    finish_stream(s);
    if (done_ == streams_.size()) {
      run_seconds_ = seconds_since(t0_);
      finish(false);
    }
    return open_next();
  }
  error("stream ended early (reason " + std::to_string(reason) + (why.empty() ? "" : ": " + why) + ")");
  bool was_opening = !s.got_first;
  finish_stream(s);
  if (o_.mode == "idle" && was_opening) --active_;
  if (o_.mode == "echo" && done_ == streams_.size()) return finish(false);
  if (o_.mode == "idle" && ready_ + errors_ >= streams_.size()) return finish(false);
  open_next();
}

void workload::connection_failed(const std::string& why) {
  error("connection: " + why);
  finish(false);
}

void workload::finish(bool timed_out) {
  if (finished_) return;
  finished_ = true;
  if (run_seconds_ == 0) run_seconds_ = seconds_since(t0_);
  std::uint64_t received = 0, sent = 0;
  for (auto& s : streams_) {
    received += s->received;
    sent += s->sent;
  }
  if (o_.mode == "echo" && received != sent)
    error(std::to_string(sent - received) + " bytes not echoed back within 5 s of the end");
  result r;
  r.mode = o_.mode;
  r.direct = o_.direct;
  r.streams = streams_.size();
  r.streams_done = o_.mode == "idle" ? ready_ : done_;
  r.conns = o_.conns;
  r.idle_ready = ready_;
  r.seconds = run_seconds_;
  r.bytes = o_.mode == "echo" ? echoed_at_stop_ : received;
  r.sent = sent;
  r.received = received;
  r.errors = errors_;
  r.timed_out = timed_out;
  r.open_ms = std::move(open_ms_);
  r.close_reasons = std::move(close_reasons_);
  r.rss_before_kib = rss_before_;
  r.rss_peak_kib = peak_rss_;
  r.rss_idle_kib = rss_idle_;
  r.rss_end_kib = rss_kib(o_.rss_pid);
  r.first_error = first_error_;
  print_result(r);
  std::_Exit(errors_ == 0 && !timed_out ? 0 : 1);  // no teardown of thousands of sockets needed
}

}  // namespace switchyard::bench::wisp_load
