// bench/wisp_load.cpp - Wisp v1 load generator and its loopback TCP targets (bench/wisp_bench.sh).
//
// Theory of operation
//   One process, one thread, Boost.Asio, two roles:
//
//   target  `--serve echo|download --listen 127.0.0.1:0` prints
//           "listening on HOST:PORT" and serves until killed.
//             echo      writes back what it reads (two 256 KiB buffers: one read
//                       and one write in flight at a time).
//             download  reads a u64 LE byte count, writes that many bytes from
//                       one constant 1 MiB buffer, closes.
//   client  `--mode echo|download|opens|idle` runs one workload over Wisp v1
//           (`--url ws://HOST:PORT/PATH/`) or, with `--direct`, over plain TCP
//           straight to the same target (the anchor), and prints one JSON line.
//
//   Wisp client. A minimal RFC 6455 client of its own (Beast's per-message
//   machinery is not needed to count bytes): one fixed mask key per
//   connection, and DATA payloads come from one constant buffer masked once,
//   so sending costs no CPU per byte. Received frames are parsed in place:
//   DATA payload bytes are counted, never copied. Frames queued while a write
//   is in flight leave together in the next gather write. The client waits
//   for CONTINUE on stream 0, then gives every stream that much credit; a DATA
//   costs one, a CONTINUE resets it to its value. Pings are answered.
//
//   Workloads (per stream; --streams spread round-robin over --conns Wisp
//   connections):
//     echo      to the echo target for --duration s: send --msg-byte chunks
//               while credit lasts and fewer than --window bytes are unechoed;
//               then stop and wait for the rest (`lost` counts what never came
//               back). Throughput: bytes echoed during the run / duration.
//     download  send the request, count bytes until the stream closes; each
//               must carry exactly --bytes. Throughput: all bytes / (first
//               CONNECT -> last close).
//     opens     --streams opens to the download target, --concurrency at a
//               time: open, request 1 byte, first byte -> close. opens/s.
//     idle      --streams streams to the echo target (--concurrency opening at
//               a time), each proven by a 1-byte echo; after --settle s the
//               RSS of --rss-pid is read again: bytes per idle stream.
//   Open latency: CONNECT (or connect()) started -> first byte from the
//   target. One definition for both transports; it proves the stream reached
//   the target (a v1 server need not confirm opens).
//   --rss-pid PID: VmRSS of that process before the workload, every 20 ms
//   during it (peak), and at the end.
#include <algorithm>
#include <array>
#include <boost/asio.hpp>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <sys/resource.h>
#include <unistd.h>
#include <unordered_map>
#include <utility>
#include <vector>

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;
using boost::system::error_code;

constexpr std::size_t pattern_size = 1 << 20;

const std::byte* pattern() {
  static const std::vector<std::byte> p = [] {
    std::vector<std::byte> v(pattern_size);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<std::byte>((i * 131 + 7) & 0xff);
    return v;
  }();
  return p.data();
}

double seconds_since(steady::time_point t) { return std::chrono::duration<double>(steady::now() - t).count(); }

struct options {
  std::string serve, listen = "127.0.0.1:0";
  std::string mode, url, host = "127.0.0.1";
  bool direct = false;
  std::uint16_t port = 0;
  std::size_t streams = 1, conns = 1, concurrency = 0, msg = 64 * 1024, window = 4 << 20;
  std::uint64_t bytes = 1 << 30;
  double duration = 5, settle = 1, timeout = 0;
  int rss_pid = 0;
};

[[noreturn]] void usage(const std::string& why, int code = 2) {
  std::fprintf(stderr,
               "wisp_load: %s\n"
               "usage: wisp_load --serve echo|download [--listen HOST:PORT]\n"
               "       wisp_load --mode echo|download|opens|idle (--url ws://HOST:PORT/PATH/ | --direct)\n"
               "                 --host H --port P [--streams N] [--conns K] [--bytes B] [--duration S]\n"
               "                 [--concurrency C] [--msg BYTES] [--window BYTES] [--settle S]\n"
               "                 [--rss-pid PID] [--timeout S]\n",
               why.c_str());
  std::exit(code);
}

template <typename T>
T number(std::string_view flag, std::string_view text) {
  T v{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size()) usage("bad number for " + std::string(flag));
  return v;
}

options parse_args(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--help" || a == "-h") usage("a Wisp v1 load generator and its TCP targets (bench/README.md, \"Wisp benchmark\")", 0);
    if (a == "--direct") {
      o.direct = true;
      continue;
    }
    if (i + 1 >= argc) usage("missing value for " + std::string(a));
    std::string_view v = argv[++i];
    if (a == "--serve") o.serve = v;
    else if (a == "--listen") o.listen = v;
    else if (a == "--mode") o.mode = v;
    else if (a == "--url") o.url = v;
    else if (a == "--host") o.host = v;
    else if (a == "--port") o.port = number<std::uint16_t>(a, v);
    else if (a == "--streams") o.streams = number<std::size_t>(a, v);
    else if (a == "--conns") o.conns = number<std::size_t>(a, v);
    else if (a == "--concurrency") o.concurrency = number<std::size_t>(a, v);
    else if (a == "--msg") o.msg = number<std::size_t>(a, v);
    else if (a == "--window") o.window = number<std::size_t>(a, v);
    else if (a == "--bytes") o.bytes = number<std::uint64_t>(a, v);
    else if (a == "--duration") o.duration = number<double>(a, v);
    else if (a == "--settle") o.settle = number<double>(a, v);
    else if (a == "--timeout") o.timeout = number<double>(a, v);
    else if (a == "--rss-pid") o.rss_pid = number<int>(a, v);
    else usage("unknown flag " + std::string(a));
  }
  if (!o.serve.empty()) {
    if (o.serve != "echo" && o.serve != "download") usage("--serve takes echo or download");
    return o;
  }
  if (o.mode != "echo" && o.mode != "download" && o.mode != "opens" && o.mode != "idle")
    usage("--mode takes echo, download, opens or idle");
  if (o.direct == !o.url.empty()) usage("give exactly one of --url and --direct");
  if (o.port == 0) usage("--port is required");
  if (o.streams == 0 || o.conns == 0 || o.conns > o.streams) usage("need 1 <= --conns <= --streams");
  if (o.msg == 0 || o.msg > pattern_size) usage("--msg must be 1..1048576");
  if (o.window < o.msg) usage("--window must be >= --msg");
  if (o.concurrency == 0) o.concurrency = o.mode == "idle" ? 256 : o.mode == "opens" ? 1 : o.streams;
  if (o.timeout <= 0) o.timeout = o.duration + 120;
  return o;
}

tcp::endpoint endpoint_of(const std::string& hostport) {
  auto colon = hostport.rfind(':');
  if (colon == std::string::npos) usage("expected HOST:PORT, got " + hostport);
  return {asio::ip::make_address(hostport.substr(0, colon)), number<std::uint16_t>("port", hostport.substr(colon + 1))};
}

/// VmRSS of `pid` in KiB (0 when unreadable).
std::uint64_t rss_kib(int pid) {
  if (pid <= 0) return 0;
  std::ifstream in("/proc/" + std::to_string(pid) + "/statm");
  std::uint64_t size = 0, resident = 0;
  if (!(in >> size >> resident)) return 0;
  return resident * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE)) / 1024;
}

// ---------------------------------------------------------------- targets --

class echo_session : public std::enable_shared_from_this<echo_session> {
 public:
  explicit echo_session(tcp::socket socket) : socket_(std::move(socket)) {}
  void start() { do_read(); }

 private:
  static constexpr std::size_t buffer_size = 256 * 1024;

  void do_read() {
    if (reading_ >= 0 || eof_) return;
    int i = 0;
    while (i < 2 && (i == writing_ || i == queued_)) ++i;
    if (i == 2) return;
    // Not zeroed: an idle stream touches one page of it.
    if (!buffer_[i]) buffer_[i].reset(new std::byte[buffer_size]);
    reading_ = i;
    socket_.async_read_some(asio::buffer(buffer_[i].get(), buffer_size),
                            [self = shared_from_this(), i](error_code ec, std::size_t n) { self->on_read(i, ec, n); });
  }
  void on_read(int i, error_code ec, std::size_t n) {
    reading_ = -1;
    if (ec) {
      eof_ = true;
      if (writing_ < 0) socket_.close(ec);
      return;
    }
    length_[i] = n;
    if (writing_ < 0) do_write(i);
    else queued_ = i;
    do_read();
  }
  void do_write(int i) {
    writing_ = i;
    asio::async_write(socket_, asio::buffer(buffer_[i].get(), length_[i]),
                      [self = shared_from_this()](error_code ec, std::size_t) { self->on_write(ec); });
  }
  void on_write(error_code ec) {
    writing_ = -1;
    if (ec) {
      eof_ = true;
      socket_.close(ec);
      return;
    }
    if (queued_ >= 0) {
      int q = std::exchange(queued_, -1);
      do_write(q);
    } else if (eof_) {
      socket_.close(ec);
      return;
    }
    do_read();
  }

  tcp::socket socket_;
  std::array<std::unique_ptr<std::byte[]>, 2> buffer_;
  std::array<std::size_t, 2> length_{};
  int reading_ = -1, writing_ = -1, queued_ = -1;
  bool eof_ = false;
};

class download_session : public std::enable_shared_from_this<download_session> {
 public:
  explicit download_session(tcp::socket socket) : socket_(std::move(socket)) {}
  void start() {
    asio::async_read(socket_, asio::buffer(request_), [self = shared_from_this()](error_code ec, std::size_t) {
      if (ec) return;
      for (int i = 7; i >= 0; --i) self->remaining_ = self->remaining_ << 8 | request_byte(self->request_[i]);
      self->do_write();
    });
  }

 private:
  static std::uint64_t request_byte(std::byte b) { return std::to_integer<std::uint64_t>(b); }
  void do_write() {
    if (remaining_ == 0) {
      error_code ignored;
      socket_.shutdown(tcp::socket::shutdown_send, ignored);
      socket_.close(ignored);
      return;
    }
    auto n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, pattern_size));
    asio::async_write(socket_, asio::buffer(pattern(), n), [self = shared_from_this()](error_code ec, std::size_t w) {
      if (ec) return;
      self->remaining_ -= w;
      self->do_write();
    });
  }

  tcp::socket socket_;
  std::array<std::byte, 8> request_{};
  std::uint64_t remaining_ = 0;
};

int serve(const options& o) {
  asio::io_context io;
  tcp::acceptor acceptor(io);
  auto ep = endpoint_of(o.listen);
  acceptor.open(ep.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  acceptor.bind(ep);
  acceptor.listen(asio::socket_base::max_listen_connections);
  std::printf("listening on %s:%u\n", ep.address().to_string().c_str(), acceptor.local_endpoint().port());
  std::fflush(stdout);
  asio::steady_timer backoff(io);
  std::function<void()> accept = [&] {
    acceptor.async_accept([&](error_code ec, tcp::socket socket) {
      if (ec) {  // e.g. EMFILE: retry shortly instead of spinning
        backoff.expires_after(std::chrono::milliseconds(10));
        backoff.async_wait([&](error_code) { accept(); });
        return;
      }
      socket.set_option(tcp::no_delay(true), ec);
      if (o.serve == "echo") std::make_shared<echo_session>(std::move(socket))->start();
      else std::make_shared<download_session>(std::move(socket))->start();
      accept();
    });
  };
  accept();
  io.run();
  return 0;
}

// ---------------------------------------------------------------- streams --

/// One stream as the workload sees it, over Wisp or plain TCP. Callbacks go
/// to the workload; after close() there are none.
class stream {
 public:
  virtual ~stream() = default;
  virtual void open() = 0;
  virtual bool can_send() const = 0;
  /// Queues up to `max` bytes of the pattern; returns how many.
  virtual std::size_t send(std::size_t max) = 0;
  /// Queues a few bytes (at most 16): the download request, the idle probe.
  virtual void send_bytes(std::span<const std::byte> bytes) = 0;
  virtual void close() = 0;

  steady::time_point started{};
  std::uint64_t sent = 0, received = 0;
  bool got_first = false, done = false;
};

class workload;

class wisp_connection;

class wisp_stream final : public stream {
 public:
  wisp_stream(wisp_connection& c, workload& w) : conn_(c), work_(w) {}
  void open() override;
  bool can_send() const override { return !closed_ && credit_ > 0; }
  std::size_t send(std::size_t max) override;
  void send_bytes(std::span<const std::byte> bytes) override;
  void close() override;
  // From the connection.
  void on_continue(std::uint32_t credit);
  void on_data(std::size_t n);
  void on_close(int reason);
  bool closed() const { return closed_; }

 private:
  wisp_connection& conn_;
  workload& work_;
  std::uint32_t id_ = 0, credit_ = 0;
  bool closed_ = false;
};

class direct_stream final : public stream {
 public:
  direct_stream(asio::io_context& io, tcp::endpoint target, workload& w) : socket_(io), target_(target), work_(w) {}
  void open() override;
  bool can_send() const override { return connected_ && !writing_ && !closed_; }
  std::size_t send(std::size_t max) override;
  void send_bytes(std::span<const std::byte> bytes) override;
  void close() override {
    closed_ = true;
    error_code ignored;
    socket_.close(ignored);
  }

 private:
  void wait_read();
  void write(const std::byte* p, std::size_t n);
  void fail(int reason, const error_code& ec);

  tcp::socket socket_;
  tcp::endpoint target_;
  workload& work_;
  std::array<std::byte, 16> small_{};
  bool connected_ = false, writing_ = false, closed_ = false;
};

// --------------------------------------------------------------- workload --

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
  void sample_rss() {
    peak_rss_ = std::max(peak_rss_, rss_kib(o_.rss_pid));
    rss_timer_.expires_after(std::chrono::milliseconds(20));
    rss_timer_.async_wait([this](error_code ec) {
      if (!ec && !finished_) sample_rss();
    });
  }
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

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
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
  std::uint64_t counted = o_.mode == "echo" ? echoed_at_stop_ : received;
  double mbps = run_seconds_ > 0 ? static_cast<double>(counted) / run_seconds_ / 1e6 : 0;
  std::uint64_t rss_end = rss_kib(o_.rss_pid);
  std::string reasons;
  for (auto& [r, n] : close_reasons_) reasons += (reasons.empty() ? "\"" : ",\"") + std::to_string(r) + "\":" + std::to_string(n);
  std::size_t opens = open_ms_.size();
  double p50 = percentile(open_ms_, 0.5), p99 = percentile(open_ms_, 0.99);
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto cpu_of = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; };
  double client_cpu = cpu_of(usage.ru_utime) + cpu_of(usage.ru_stime);
  std::string err = first_error_;
  for (auto& c : err)
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) c = ' ';
  std::printf("{\"mode\":\"%s\",\"transport\":\"%s\",\"streams\":%zu,\"streams_done\":%zu,\"conns\":%zu,\"seconds\":%.3f,"
              "\"bytes\":%llu,\"mb_per_s\":%.1f,\"sent\":%llu,\"lost\":%lld,\"opens\":%zu,\"opens_per_s\":%.1f,"
              "\"open_p50_ms\":%.3f,\"open_p99_ms\":%.3f,\"errors\":%llu,\"timeout\":%s,\"close_reasons\":{%s},"
              "\"rss_before_kib\":%llu,\"rss_peak_kib\":%llu,\"rss_idle_kib\":%llu,\"rss_end_kib\":%llu,"
              "\"rss_per_stream_bytes\":%.0f,\"client_cpu_s\":%.3f,\"first_error\":\"%s\"}\n",
              o_.mode.c_str(), o_.direct ? "direct" : "wisp", streams_.size(), o_.mode == "idle" ? ready_ : done_,
              o_.direct ? 0 : o_.conns,
              run_seconds_, static_cast<unsigned long long>(counted), mbps, static_cast<unsigned long long>(sent),
              o_.mode == "echo" ? static_cast<long long>(sent) - static_cast<long long>(received) : 0LL, opens,
              run_seconds_ > 0 ? static_cast<double>(opens) / run_seconds_ : 0.0, p50, p99,
              static_cast<unsigned long long>(errors_), timed_out ? "true" : "false", reasons.c_str(),
              static_cast<unsigned long long>(rss_before_), static_cast<unsigned long long>(peak_rss_),
              static_cast<unsigned long long>(rss_idle_), static_cast<unsigned long long>(rss_end),
              rss_idle_ && ready_ ? (static_cast<double>(rss_idle_) - static_cast<double>(rss_before_)) * 1024 /
                                        static_cast<double>(ready_)
                                  : 0.0,
              client_cpu, err.c_str());
  std::fflush(stdout);
  std::_Exit(errors_ == 0 && !timed_out ? 0 : 1);  // no teardown of thousands of sockets needed
}

// ---------------------------------------------------------- direct stream --

void direct_stream::open() {
  started = steady::now();
  socket_.async_connect(target_, [this](error_code ec) {
    if (closed_) return;
    if (ec) return fail(-2, ec);
    socket_.set_option(tcp::no_delay(true), ec);
    connected_ = true;
    wait_read();
    work_.on_open(*this);
  });
}

void direct_stream::wait_read() {
  // All streams read into one scratch buffer: the bytes are counted, never
  // looked at, and one thread runs every read. async_read_some, not
  // async_wait + read_some: Asio re-registers the descriptor with epoll for
  // every wait, which made the 1000-stream anchor client-bound.
  auto buf = work_.scratch();
  socket_.async_read_some(asio::buffer(buf.data(), buf.size()), [this](error_code ec, std::size_t n) {
    if (closed_) return;
    if (ec == asio::error::eof) {
      close();
      return work_.on_end(*this, 0, "");
    }
    if (ec) return fail(-1, ec);
    work_.on_data(*this, n);
    if (!closed_) wait_read();
  });
}

void direct_stream::write(const std::byte* p, std::size_t n) {
  writing_ = true;
  asio::async_write(socket_, asio::buffer(p, n), [this](error_code ec, std::size_t) {
    writing_ = false;
    if (closed_) return;
    if (ec) return fail(-1, ec);
    work_.on_can_send(*this);
  });
}

std::size_t direct_stream::send(std::size_t max) {
  std::size_t n = std::min(max, pattern_size);
  write(pattern(), n);
  return n;
}

void direct_stream::send_bytes(std::span<const std::byte> bytes) {
  std::memcpy(small_.data(), bytes.data(), std::min(bytes.size(), small_.size()));
  write(small_.data(), std::min(bytes.size(), small_.size()));
}

void direct_stream::fail(int reason, const error_code& ec) {
  close();
  work_.on_end(*this, reason, ec.message());
}

// -------------------------------------------------------- wisp connection --

/// One WebSocket carrying Wisp v1 streams.
class wisp_connection {
 public:
  wisp_connection(asio::io_context& io, const options& o, workload& w, std::size_t* pending)
      : io_(io), socket_(io), o_(o), work_(w), pending_(pending), read_buffer_(1 << 20) {
    // Any fixed key is valid; this one is not zero so the server's unmasking is real work.
    mask_ = {std::byte{0x5a}, std::byte{0xc3}, std::byte{0x19}, std::byte{0xe7}};
    // DATA payload byte j sits at frame payload offset 5 + j.
    premasked_.resize(o.msg);
    for (std::size_t j = 0; j < o.msg; ++j) premasked_[j] = pattern()[j] ^ mask_[(j + 5) % 4];
  }

  void start();
  std::uint32_t connect(wisp_stream& s);
  std::size_t max_data() const { return premasked_.size(); }
  void data(std::uint32_t id, std::size_t n) { frame(0x02, id, {}, n); }
  void data_bytes(std::uint32_t id, std::span<const std::byte> bytes) { frame(0x02, id, bytes, 0); }
  void close_stream(std::uint32_t id, std::uint8_t reason) {
    streams_.erase(id);
    std::byte r{reason};
    frame(0x04, id, std::span(&r, 1), 0);
  }

 private:
  struct batch {
    struct segment {
      const std::byte* external;  // null: arena[offset, offset + length)
      std::size_t offset, length;
    };
    std::vector<std::byte> arena;
    std::vector<segment> segments;
    std::size_t bytes = 0;
    void add_arena(std::span<const std::byte> b) {
      if (!segments.empty() && !segments.back().external && segments.back().offset + segments.back().length == arena.size())
        segments.back().length += b.size();
      else
        segments.push_back({nullptr, arena.size(), b.size()});
      arena.insert(arena.end(), b.begin(), b.end());
      bytes += b.size();
    }
    void add_external(const std::byte* p, std::size_t n) {
      segments.push_back({p, 0, n});
      bytes += n;
    }
  };

  void handshake();
  void read();
  void parse(const std::byte* p, std::size_t n);
  void message_bytes(const std::byte* p, std::size_t n);
  void end_of_frame();
  void end_of_message();
  void control_frame();
  /// Queues one client frame: `inline_payload` (masked into the arena) after
  /// the Wisp header, then `external` bytes of the premasked pattern.
  void frame(std::uint8_t type, std::uint32_t id, std::span<const std::byte> inline_payload, std::size_t external);
  void raw_frame(std::uint8_t opcode, std::span<const std::byte> payload);
  void kick();
  void write();
  void fail(const std::string& why);

  asio::io_context& io_;
  tcp::socket socket_;
  const options& o_;
  workload& work_;
  std::size_t* pending_;  // connections not yet ready
  std::array<std::byte, 4> mask_;
  std::vector<std::byte> premasked_;
  std::unordered_map<std::uint32_t, wisp_stream*> streams_;
  std::uint32_t next_id_ = 1;
  bool ready_ = false, failed_ = false;

  std::array<batch, 2> batches_;
  int filling_ = 0;
  bool writing_ = false, kicked_ = false;
  std::vector<asio::const_buffer> iov_;

  std::vector<std::byte> read_buffer_;
  std::string handshake_;
  // Frame parser.
  std::array<std::uint8_t, 14> header_{};
  std::size_t header_have_ = 0, header_need_ = 2;
  bool in_payload_ = false, fin_ = false, control_ = false;
  std::uint8_t opcode_ = 0;
  std::uint64_t remaining_ = 0;
  std::vector<std::byte> control_payload_;
  // Wisp packet (message) parser: header plus up to 4 payload bytes.
  std::array<std::uint8_t, 9> packet_{};
  std::size_t packet_have_ = 0;
  wisp_stream* current_ = nullptr;
};

void wisp_connection::start() {
  auto url = std::string_view(o_.url);
  if (!url.starts_with("ws://")) usage("--url must start with ws://");
  url.remove_prefix(5);
  auto slash = url.find('/');
  std::string hostport(url.substr(0, slash));
  std::string path(slash == std::string_view::npos ? "/" : url.substr(slash));
  handshake_ = "GET " + path + " HTTP/1.1\r\nHost: " + hostport +
               "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n";
  socket_.async_connect(endpoint_of(hostport), [this](error_code ec) {
    if (ec) return fail("connect: " + ec.message());
    socket_.set_option(tcp::no_delay(true), ec);
    asio::async_write(socket_, asio::buffer(handshake_), [this](error_code ec2, std::size_t) {
      if (ec2) return fail("handshake write: " + ec2.message());
      handshake_.clear();
      handshake();
    });
  });
}

void wisp_connection::handshake() {
  socket_.async_read_some(asio::buffer(read_buffer_), [this](error_code ec, std::size_t n) {
    if (ec) return fail("handshake read: " + ec.message());
    handshake_.append(reinterpret_cast<const char*>(read_buffer_.data()), n);
    auto end = handshake_.find("\r\n\r\n");
    if (end == std::string::npos) {
      if (handshake_.size() > 16384) return fail("handshake: no end of headers");
      return handshake();
    }
    if (!handshake_.starts_with("HTTP/1.1 101"))
      return fail("handshake: " + handshake_.substr(0, handshake_.find("\r\n")));
    std::string rest = handshake_.substr(end + 4);
    parse(reinterpret_cast<const std::byte*>(rest.data()), rest.size());
    if (!failed_) read();
  });
}

void wisp_connection::read() {
  socket_.async_read_some(asio::buffer(read_buffer_), [this](error_code ec, std::size_t n) {
    if (ec) return fail("read: " + ec.message());
    parse(read_buffer_.data(), n);
    if (!failed_) read();
  });
}

void wisp_connection::parse(const std::byte* p, std::size_t n) {
  const std::byte* end = p + n;
  while (p < end && !failed_) {
    if (!in_payload_) {
      std::size_t take = std::min<std::size_t>(header_need_ - header_have_, static_cast<std::size_t>(end - p));
      std::memcpy(header_.data() + header_have_, p, take);
      header_have_ += take;
      p += take;
      if (header_have_ < header_need_) return;
      if (header_need_ == 2) {
        std::uint8_t len7 = header_[1] & 0x7f;
        header_need_ = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + ((header_[1] & 0x80) ? 4 : 0);
        if (header_need_ > 2) continue;
      }
      if (header_[1] & 0x80) return fail("server sent a masked frame");
      fin_ = header_[0] & 0x80;
      opcode_ = header_[0] & 0x0f;
      std::uint8_t len7 = header_[1] & 0x7f;
      remaining_ = len7;
      if (len7 == 126) remaining_ = std::uint64_t{header_[2]} << 8 | header_[3];
      if (len7 == 127) {
        remaining_ = 0;
        for (int i = 2; i < 10; ++i) remaining_ = remaining_ << 8 | header_[i];
      }
      header_have_ = 0;
      header_need_ = 2;
      control_ = opcode_ >= 8;
      if (control_) control_payload_.clear();
      else if (opcode_ != 0) {  // a new message
        packet_have_ = 0;
        current_ = nullptr;
      }
      in_payload_ = true;
      if (remaining_ == 0) end_of_frame();
      continue;
    }
    auto take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, static_cast<std::uint64_t>(end - p)));
    if (control_) control_payload_.insert(control_payload_.end(), p, p + take);
    else message_bytes(p, take);
    p += take;
    remaining_ -= take;
    if (remaining_ == 0) end_of_frame();
  }
}

void wisp_connection::end_of_frame() {
  in_payload_ = false;
  if (control_) return control_frame();
  if (fin_) end_of_message();
}

void wisp_connection::message_bytes(const std::byte* p, std::size_t n) {
  if (packet_have_ < 5) {
    std::size_t take = std::min(5 - packet_have_, n);
    std::memcpy(packet_.data() + packet_have_, p, take);
    packet_have_ += take;
    p += take;
    n -= take;
    if (packet_have_ < 5) return;
    std::uint32_t id = packet_[1] | packet_[2] << 8 | packet_[3] << 16 | std::uint32_t{packet_[4]} << 24;
    auto it = streams_.find(id);
    current_ = it == streams_.end() ? nullptr : it->second;
  }
  if (n == 0) return;
  if (packet_[0] == 0x02) {
    if (current_ && !current_->closed()) current_->on_data(n);
    return;
  }
  std::size_t take = std::min(packet_.size() - packet_have_, n);
  std::memcpy(packet_.data() + packet_have_, p, take);
  packet_have_ += take;
}

void wisp_connection::end_of_message() {
  if (packet_have_ < 5) return fail("a Wisp packet shorter than its header");
  std::uint32_t id = packet_[1] | packet_[2] << 8 | packet_[3] << 16 | std::uint32_t{packet_[4]} << 24;
  std::uint8_t type = packet_[0];
  if (type == 0x03) {  // CONTINUE
    if (packet_have_ < 9) return fail("short CONTINUE");
    std::uint32_t credit = packet_[5] | packet_[6] << 8 | packet_[7] << 16 | std::uint32_t{packet_[8]} << 24;
    if (id == 0) {
      if (!ready_) {
        ready_ = true;
        work_.initial_credit = credit;
        if (--*pending_ == 0) work_.start();
      }
      return;
    }
    if (current_ && !current_->closed()) current_->on_continue(credit);
  } else if (type == 0x04) {  // CLOSE
    int reason = packet_have_ > 5 ? packet_[5] : -3;
    if (id == 0) return fail("server closed the connection, reason " + std::to_string(reason));
    streams_.erase(id);
    if (current_ && !current_->closed()) current_->on_close(reason == 0x02 ? 0 : reason);
  }
  current_ = nullptr;
}

void wisp_connection::control_frame() {
  if (opcode_ == 0x9) return raw_frame(0xA, control_payload_);  // ping -> pong
  if (opcode_ == 0x8) return fail("server sent a WebSocket close");
}

std::uint32_t wisp_connection::connect(wisp_stream& s) {
  std::uint32_t id = next_id_++;
  streams_[id] = &s;
  std::vector<std::byte> payload(3 + o_.host.size());
  payload[0] = std::byte{0x01};
  payload[1] = static_cast<std::byte>(o_.port & 0xff);
  payload[2] = static_cast<std::byte>(o_.port >> 8);
  std::memcpy(payload.data() + 3, o_.host.data(), o_.host.size());
  frame(0x01, id, payload, 0);
  return id;
}

void wisp_connection::frame(std::uint8_t type, std::uint32_t id, std::span<const std::byte> inline_payload,
                            std::size_t external) {
  std::uint64_t length = 5 + inline_payload.size() + external;
  std::array<std::byte, 14 + 5 + 64> h{};
  std::size_t hl = 0;
  h[hl++] = std::byte{0x82};
  if (length < 126) {
    h[hl++] = static_cast<std::byte>(0x80 | length);
  } else if (length <= 0xffff) {
    h[hl++] = std::byte{0x80 | 126};
    h[hl++] = static_cast<std::byte>(length >> 8);
    h[hl++] = static_cast<std::byte>(length & 0xff);
  } else {
    h[hl++] = std::byte{0x80 | 127};
    for (int i = 7; i >= 0; --i) h[hl++] = static_cast<std::byte>((length >> (8 * i)) & 0xff);
  }
  for (auto b : mask_) h[hl++] = b;
  std::array<std::byte, 5> wisp{std::byte{type}, static_cast<std::byte>(id & 0xff), static_cast<std::byte>((id >> 8) & 0xff),
                                static_cast<std::byte>((id >> 16) & 0xff), static_cast<std::byte>(id >> 24)};
  std::size_t offset = 0;
  for (auto b : wisp) h[hl++] = b ^ mask_[offset++ % 4];
  auto& out = batches_[filling_];
  if (inline_payload.size() <= 64) {
    for (auto b : inline_payload) h[hl++] = b ^ mask_[offset++ % 4];
    out.add_arena(std::span(h).first(hl));
  } else {
    out.add_arena(std::span(h).first(hl));
    for (auto b : inline_payload) {
      std::byte m = b ^ mask_[offset++ % 4];
      out.add_arena(std::span(&m, 1));
    }
  }
  if (external) out.add_external(premasked_.data(), external);
  kick();
}

void wisp_connection::raw_frame(std::uint8_t opcode, std::span<const std::byte> payload) {
  std::vector<std::byte> f;
  f.push_back(static_cast<std::byte>(0x80 | opcode));
  f.push_back(static_cast<std::byte>(0x80 | std::min<std::size_t>(payload.size(), 125)));
  for (auto b : mask_) f.push_back(b);
  for (std::size_t i = 0; i < payload.size() && i < 125; ++i) f.push_back(payload[i] ^ mask_[i % 4]);
  batches_[filling_].add_arena(f);
  kick();
}

void wisp_connection::kick() {
  // Everything queued in this handler goes out in one gather write.
  if (writing_ || kicked_) return;
  kicked_ = true;
  asio::post(io_, [this] {
    kicked_ = false;
    if (!writing_) write();
  });
}

void wisp_connection::write() {
  auto& out = batches_[filling_];
  if (out.bytes == 0 || failed_) return;
  writing_ = true;
  int sending = filling_;
  filling_ ^= 1;
  iov_.clear();
  for (auto& s : out.segments)
    iov_.emplace_back(s.external ? s.external : out.arena.data() + s.offset, s.length);
  asio::async_write(socket_, iov_, [this, sending](error_code ec, std::size_t) {
    writing_ = false;
    auto& b = batches_[sending];
    b.arena.clear();
    b.segments.clear();
    b.bytes = 0;
    if (ec) return fail("write: " + ec.message());
    write();
  });
}

void wisp_connection::fail(const std::string& why) {
  if (failed_) return;
  failed_ = true;
  error_code ignored;
  socket_.close(ignored);
  auto streams = std::move(streams_);
  for (auto& [id, s] : streams)
    if (!s->closed()) s->on_close(-1);
  work_.connection_failed(why);
}

// ------------------------------------------------------------ wisp stream --

void wisp_stream::open() {
  started = steady::now();
  credit_ = work_.initial_credit;
  id_ = conn_.connect(*this);
  work_.on_open(*this);
}

std::size_t wisp_stream::send(std::size_t max) {
  std::size_t n = std::min(max, conn_.max_data());
  conn_.data(id_, n);
  --credit_;
  return n;
}

void wisp_stream::send_bytes(std::span<const std::byte> bytes) {
  conn_.data_bytes(id_, bytes);
  --credit_;
}

void wisp_stream::close() {
  if (closed_) return;
  closed_ = true;
  conn_.close_stream(id_, 0x02);
}

void wisp_stream::on_continue(std::uint32_t credit) {
  credit_ = credit;
  work_.on_can_send(*this);
}

void wisp_stream::on_data(std::size_t n) { work_.on_data(*this, n); }

void wisp_stream::on_close(int reason) {
  closed_ = true;
  work_.on_end(*this, reason, "");
}

int run_client(const options& o) {
  asio::io_context io;
  workload w(io, o);
  std::vector<std::unique_ptr<wisp_connection>> conns;
  std::size_t pending = o.direct ? 0 : o.conns;
  if (o.direct) {
    tcp::endpoint target(asio::ip::make_address(o.host), o.port);
    for (std::size_t i = 0; i < o.streams; ++i) w.add_stream(std::make_unique<direct_stream>(io, target, w));
    asio::post(io, [&] { w.start(); });
  } else {
    for (std::size_t i = 0; i < o.conns; ++i) conns.push_back(std::make_unique<wisp_connection>(io, o, w, &pending));
    for (std::size_t i = 0; i < o.streams; ++i) w.add_stream(std::make_unique<wisp_stream>(*conns[i % o.conns], w));
    for (auto& c : conns) c->start();
  }
  // Connecting and handshakes fall under the deadline too.
  asio::steady_timer guard(io, std::chrono::seconds(30));
  guard.async_wait([&](error_code ec) {
    if (!ec && pending) w.connection_failed("Wisp handshake did not finish within 30 s");
  });
  io.run();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  options o = parse_args(argc, argv);
  try {
    return o.serve.empty() ? run_client(o) : serve(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "wisp_load: %s\n", e.what());
    return 2;
  }
}
