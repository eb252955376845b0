// tests/tools/ws_probe.cpp - sy-ws-probe: feeds a /net/ WebSocket hostile input and checks how the server takes it.
//
// Theory of operation
//   The probe is one misbehaving v86 page. It connects, sends what --mode asks
//   (random bytes, runts, giants, an oversize message, a text message, frames
//   with a spoofed source MAC, or a broadcast flood) while a reader coroutine
//   drains whatever the server sends (a port on the network gets the LAN's
//   broadcasts; not reading would stall the server's queue for us).
//
//   Verdict:
//     --expect-close CODE: pass only if the server closed with CODE within 5 s
//       of the last message sent.
//     otherwise: pass only if the connection is still open at the end, proved
//       by a WebSocket ping answered with a pong within 5 s.
//
//   Everything is bounded: --count is capped, the sending phase stops at
//   --timeout seconds, and a watchdog closes the socket if the server stops
//   reading so long that a write cannot finish.
//
//   Exit status: 0 pass, 1 fail, 2 bad arguments, 3 cannot connect.
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tests/tools/ws_url.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using beast::error_code;
using namespace std::chrono_literals;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

constexpr std::string_view usage_text =
    "usage: sy-ws-probe --url ws://HOST:PORT/net/NAME --mode MODE [--count N] [--mac MAC]\n"
    "                   [--mtu BYTES] [--ip A.B.C.D] [--expect-close CODE] [--timeout S] [--seed N]\n"
    "                   [--fragment BYTES]\n"
    "modes: random  N random-length random-byte binary messages\n"
    "       runt    N frames of 0..13 bytes\n"
    "       giant   N frames of mtu+19..9000 bytes\n"
    "       oversize one 70000-byte message (expect the server to close with 1009)\n"
    "       text    one text message (expect the server to close with 1003)\n"
    "       spoof   N broadcast ARP requests with source MAC --mac (sender IP --ip)\n"
    "       flood   N 60-byte broadcast frames as fast as possible\n"
    "--fragment sends each message as WebSocket fragments of at most BYTES (legal; v86 never does it).\n"
    "Without --expect-close, passes if the connection is still open at the end (ping/pong).\n";

constexpr std::size_t max_count = 1'000'000;

enum class mode { random, runt, giant, oversize, text, spoof, flood };

struct options {
  std::string url;
  mode what = mode::random;
  std::string mode_name;
  std::optional<std::size_t> count;
  std::array<std::byte, 6> mac{};
  bool mac_given = false;
  std::array<std::byte, 4> ip{std::byte{10}, std::byte{0}, std::byte{2}, std::byte{250}};
  std::size_t mtu = 1500;
  std::optional<unsigned> expect_close;
  std::chrono::seconds timeout{30};
  std::uint64_t seed = std::random_device{}();
  std::size_t fragment = 0;  ///< 0: one frame per message
};

[[noreturn]] void fail_usage(const std::string& why) {
  std::cerr << "sy-ws-probe: " << why << "\n" << usage_text;
  std::exit(2);
}

template <typename T>
T parse_number(const std::string& v, const char* what, T lo, T hi) {
  T value{};
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
  if (ec != std::errc{} || end != v.data() + v.size() || value < lo || value > hi)
    fail_usage(std::string(what) + " wants " + std::to_string(lo) + ".." + std::to_string(hi));
  return value;
}

options parse_args(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "-h" || a == "--help") {
      std::cout << usage_text;
      std::exit(0);
    }
    if (i + 1 >= argc) fail_usage("missing value for " + std::string(a));
    std::string v = argv[++i];
    if (a == "--url") {
      o.url = v;
    } else if (a == "--mode") {
      static constexpr std::pair<std::string_view, mode> modes[] = {
          {"random", mode::random}, {"runt", mode::runt},   {"giant", mode::giant}, {"oversize", mode::oversize},
          {"text", mode::text},     {"spoof", mode::spoof}, {"flood", mode::flood}};
      bool found = false;
      for (auto [name, m] : modes)
        if (v == name) o.what = m, found = true;
      if (!found) fail_usage("unknown --mode " + v);
      o.mode_name = v;
    } else if (a == "--count") {
      o.count = parse_number<std::size_t>(v, "--count", 1, max_count);
    } else if (a == "--mac") {
      unsigned b[6];
      char tail = 0;
      if (std::sscanf(v.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6)
        fail_usage("bad --mac " + v);
      for (int k = 0; k < 6; ++k) o.mac[k] = std::byte(b[k]);
      o.mac_given = true;
    } else if (a == "--ip") {
      unsigned b[4];
      char tail = 0;
      if (std::sscanf(v.c_str(), "%u.%u.%u.%u%c", &b[0], &b[1], &b[2], &b[3], &tail) != 4 || b[0] > 255 ||
          b[1] > 255 || b[2] > 255 || b[3] > 255)
        fail_usage("bad --ip " + v);
      for (int k = 0; k < 4; ++k) o.ip[k] = std::byte(b[k]);
    } else if (a == "--mtu") {
      o.mtu = parse_number<std::size_t>(v, "--mtu", 68, 65500);
    } else if (a == "--expect-close") {
      o.expect_close = parse_number<unsigned>(v, "--expect-close", 1000, 4999);
    } else if (a == "--timeout") {
      o.timeout = std::chrono::seconds(parse_number<unsigned>(v, "--timeout", 1, 600));
    } else if (a == "--fragment") {
      o.fragment = parse_number<std::size_t>(v, "--fragment", 8, 65536);
    } else if (a == "--seed") {
      o.seed = parse_number<std::uint64_t>(v, "--seed", 0, UINT64_MAX);
    } else {
      fail_usage("unknown option " + std::string(a));
    }
  }
  if (o.url.empty() || o.mode_name.empty()) fail_usage("--url and --mode are required");
  if (o.what == mode::spoof && !o.mac_given) fail_usage("--mode spoof needs --mac");
  return o;
}

class probe {
 public:
  probe(asio::io_context& io, options opts)
      : io_(io), opts_(std::move(opts)), ws_(io), event_(io), watchdog_(io), rng_(opts_.seed) {
    if (!opts_.mac_given) {
      // A random locally administered unicast MAC: never a real VM's.
      for (auto& b : opts_.mac) b = std::byte(rng_() & 0xff);
      opts_.mac[0] = (opts_.mac[0] & std::byte{0xfc}) | std::byte{0x02};
    }
  }

  asio::awaitable<int> run() {
    auto url = switchyard::tools::parse_ws_url(opts_.url);
    if (!url) fail_usage("bad --url (want ws://HOST:PORT/PATH): " + opts_.url);
    if (!co_await connect(*url)) co_return 3;

    asio::co_spawn(io_, read_loop(), asio::detached);
    arm_watchdog(opts_.timeout + 15s);
    auto started = std::chrono::steady_clock::now();
    error_code send_error = co_await send_all();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::cerr << "sy-ws-probe: mode=" << opts_.mode_name << " seed=" << opts_.seed << " sent=" << sent_ << " in "
              << secs << " s (" << static_cast<std::uint64_t>(static_cast<double>(sent_) / (secs > 0 ? secs : 1)) << " msg/s)"
              << (send_error ? " send stopped: " + send_error.message() : "") << "\n";

    int verdict = opts_.expect_close ? co_await expect_close(*opts_.expect_close) : co_await expect_open();
    watchdog_.cancel();
    co_return verdict;
  }

 private:
  asio::awaitable<bool> connect(const switchyard::tools::ws_url& url) {
    tcp::resolver resolver(io_);
    auto [rec, results] = co_await resolver.async_resolve(url.host, url.port, tuple_awaitable);
    if (rec) {
      std::cerr << "sy-ws-probe: cannot resolve " << url.host << ": " << rec.message() << "\n";
      co_return false;
    }
    auto& tcp_layer = beast::get_lowest_layer(ws_);
    tcp_layer.expires_after(5s);
    auto [cec, ep] = co_await tcp_layer.async_connect(results, tuple_awaitable);
    if (cec) {
      std::cerr << "sy-ws-probe: cannot connect to " << url.host_header() << ": " << cec.message() << "\n";
      co_return false;
    }
    error_code ignored;
    tcp_layer.socket().set_option(tcp::no_delay(true), ignored);
    websocket::response_type res;
    auto [hec] = co_await ws_.async_handshake(res, url.host_header(), url.target, tuple_awaitable);
    if (hec) {
      std::cerr << "sy-ws-probe: handshake failed: " << hec.message() << " (HTTP " << res.result_int() << ")\n";
      co_return false;
    }
    tcp_layer.expires_never();
    ws_.set_option(websocket::stream_base::timeout{5s, websocket::stream_base::none(), false});
    // Beast fragments client messages at its write buffer size.
    ws_.auto_fragment(opts_.fragment != 0);
    ws_.write_buffer_bytes(opts_.fragment != 0 ? opts_.fragment : 65536);
    ws_.read_message_max(1u << 20);
    ws_.control_callback([this](websocket::frame_type kind, beast::string_view) {
      if (kind == websocket::frame_type::pong) {
        pong_ = true;
        event_.cancel();
      }
      // Noted here, not from the read's result: the close frame counts even if
      // the socket fails right after it (a server may reset once it has closed).
      if (kind == websocket::frame_type::close) close_code_ = ws_.reason().code;
    });
    co_return true;
  }

  // Drains the server's messages; records how the connection ended.
  asio::awaitable<void> read_loop() {
    beast::flat_buffer in;
    for (;;) {
      auto [ec, n] = co_await ws_.async_read(in, tuple_awaitable);
      if (ec) {
        read_error_ = ec;
        break;
      }
      ++received_;
      in.consume(in.size());
    }
    reader_done_ = true;
    event_.cancel();
  }

  void arm_watchdog(std::chrono::steady_clock::duration after) {
    watchdog_.expires_after(after);
    watchdog_.async_wait([this](error_code ec) {
      if (ec) return;
      std::cerr << "sy-ws-probe: watchdog: the server stopped reading, closing the socket\n";
      error_code ignored;
      beast::get_lowest_layer(ws_).socket().close(ignored);
    });
  }

  std::size_t count_or(std::size_t fallback) const { return opts_.count.value_or(fallback); }

  void fill_random(std::span<std::byte> out) {
    for (auto& b : out) b = std::byte(rng_() & 0xff);
  }

  // A frame to everyone from our MAC; `type` 0x88b5 is IEEE's "local
  // experimental" EtherType, which no VM stack acts on.
  std::vector<std::byte> broadcast_frame(std::size_t size, std::uint16_t type = 0x88b5) {
    std::vector<std::byte> f(std::max<std::size_t>(size, 14));
    fill_random(f);
    for (int i = 0; i < 6; ++i) f[i] = std::byte{0xff};
    std::copy(opts_.mac.begin(), opts_.mac.end(), f.begin() + 6);
    f[12] = std::byte(type >> 8);
    f[13] = std::byte(type & 0xff);
    f.resize(size);
    return f;
  }

  // "Who has 10.0.2.2? Tell --ip", sourced from --mac: what a spoofer's first frame looks like.
  std::vector<std::byte> arp_request() {
    std::vector<std::byte> f = broadcast_frame(42, 0x0806);
    const std::byte header[8] = {std::byte{0}, std::byte{1}, std::byte{8}, std::byte{0},
                                 std::byte{6}, std::byte{4}, std::byte{0}, std::byte{1}};
    std::copy(std::begin(header), std::end(header), f.begin() + 14);
    std::copy(opts_.mac.begin(), opts_.mac.end(), f.begin() + 22);  // sender MAC
    std::copy(opts_.ip.begin(), opts_.ip.end(), f.begin() + 28);    // sender IP
    std::fill(f.begin() + 32, f.begin() + 38, std::byte{0});         // target MAC
    const std::byte target[4] = {std::byte{10}, std::byte{0}, std::byte{2}, std::byte{2}};
    std::copy(std::begin(target), std::end(target), f.begin() + 38);
    return f;
  }

  asio::awaitable<error_code> send(const std::vector<std::byte>& message, bool text = false) {
    ws_.text(text);
    auto [ec, n] = co_await ws_.async_write(asio::buffer(message), tuple_awaitable);
    if (!ec) ++sent_;
    co_return ec;
  }

  // Writes one masked binary message straight to the socket. For a message the
  // server refuses on its header, the server may close (even reset) the socket
  // while the rest is still in flight; had Beast done the write, that error
  // would mark the stream failed and abort the read that is about to parse the
  // server's close frame. Beast's reader still answers the close frame.
  asio::awaitable<error_code> send_unframed_by_beast(const std::vector<std::byte>& payload) {
    std::vector<std::byte> frame(14);
    frame[0] = std::byte{0x82};         // FIN, binary
    frame[1] = std::byte{0x80 | 127};  // masked, 64-bit length follows
    for (int i = 0; i < 8; ++i) frame[2 + i] = std::byte((payload.size() >> (8 * (7 - i))) & 0xff);
    fill_random(std::span(frame).subspan(10, 4));  // the mask key: the payload is random anyway
    frame.insert(frame.end(), payload.begin(), payload.end());
    auto [ec, n] = co_await asio::async_write(beast::get_lowest_layer(ws_).socket(), asio::buffer(frame),
                                              tuple_awaitable);
    if (!ec) ++sent_;
    co_return ec;
  }

  asio::awaitable<error_code> send_all() {
    const auto deadline = std::chrono::steady_clock::now() + opts_.timeout;
    const std::size_t max_frame = opts_.mtu + 18;
    std::size_t n = 0;
    switch (opts_.what) {
      case mode::oversize: co_return co_await send_unframed_by_beast(broadcast_frame(70000));
      case mode::text: {
        std::string hello = "sy-ws-probe: this is text, not an Ethernet frame";
        co_return co_await send(std::vector<std::byte>(reinterpret_cast<const std::byte*>(hello.data()),
                                                       reinterpret_cast<const std::byte*>(hello.data() + hello.size())),
                                true);
      }
      case mode::random: n = count_or(200); break;
      case mode::runt: n = count_or(14); break;
      case mode::giant: n = count_or(20); break;
      case mode::spoof: n = count_or(10); break;
      case mode::flood: n = count_or(10000); break;
    }
    // Built once where the content does not vary: the flood measures the server, not us.
    const std::vector<std::byte> fixed =
        opts_.what == mode::spoof ? arp_request() : opts_.what == mode::flood ? broadcast_frame(60)
                                                                              : std::vector<std::byte>{};
    std::vector<std::byte> msg;
    for (std::size_t i = 0; i < n; ++i) {
      if ((i & 63) == 0 && std::chrono::steady_clock::now() > deadline) {
        std::cerr << "sy-ws-probe: --timeout reached after " << i << " messages\n";
        break;
      }
      const std::vector<std::byte>* m = &fixed;
      switch (opts_.what) {
        case mode::random:
          msg.resize(rng_() % (max_frame + 65));
          fill_random(msg);
          m = &msg;
          break;
        case mode::runt:
          msg.resize(i % 14);
          fill_random(msg);
          m = &msg;
          break;
        case mode::giant: {
          // Spread from one byte over the limit up to jumbo size.
          std::size_t lo = max_frame + 1, hi = std::max<std::size_t>(9000, lo);
          msg = broadcast_frame(n == 1 ? lo : lo + (hi - lo) * i / (n - 1));
          m = &msg;
          break;
        }
        default: break;
      }
      if (auto ec = co_await send(*m)) co_return ec;
    }
    co_return error_code{};
  }

  // Waits on event_ until `ready()` or `limit` passes.
  template <typename Ready>
  asio::awaitable<void> wait_for(Ready ready, std::chrono::steady_clock::duration limit) {
    auto until = std::chrono::steady_clock::now() + limit;
    while (!ready() && std::chrono::steady_clock::now() < until) {
      event_.expires_at(until);
      co_await event_.async_wait(tuple_awaitable);
    }
  }

  asio::awaitable<int> expect_close(unsigned code) {
    co_await wait_for([this] { return reader_done_; }, 5s);
    if (!reader_done_) {
      std::cerr << "FAIL sy-ws-probe " << opts_.mode_name << ": connection still open 5 s after sending, expected close "
                << code << "\n";
      co_return 1;
    }
    if (close_code_ == code) {
      std::cerr << "PASS sy-ws-probe " << opts_.mode_name << ": server closed with " << code
                << (read_error_ == websocket::error::closed ? "" : " (then: " + read_error_.message() + ")") << "\n";
      co_return 0;
    }
    std::cerr << "FAIL sy-ws-probe " << opts_.mode_name << ": expected close " << code << ", got "
              << (close_code_ ? "close " + std::to_string(*close_code_)
                              : "'" + read_error_.message() + "' without a close frame")
              << "\n";
    co_return 1;
  }

  asio::awaitable<int> expect_open() {
    if (!reader_done_) {
      pong_ = false;
      auto [ec] = co_await ws_.async_ping("sy-ws-probe", tuple_awaitable);
      if (!ec) co_await wait_for([this] { return pong_ || reader_done_; }, 5s);
    }
    if (reader_done_) {
      auto reason = ws_.reason();
      std::cerr << "FAIL sy-ws-probe " << opts_.mode_name << ": server ended the connection ("
                << (read_error_ == websocket::error::closed ? "close " + std::to_string(reason.code) + " " +
                                                                  std::string(reason.reason.data(), reason.reason.size())
                                                            : read_error_.message())
                << ")\n";
      co_return 1;
    }
    if (!pong_) {
      std::cerr << "FAIL sy-ws-probe " << opts_.mode_name << ": no pong within 5 s\n";
      co_return 1;
    }
    std::cerr << "PASS sy-ws-probe " << opts_.mode_name << ": connection open (pong), received " << received_
              << " messages\n";
    // Leave politely; the 5 s handshake timeout bounds it.
    co_await ws_.async_close(websocket::close_code::normal, tuple_awaitable);
    co_return 0;
  }

  asio::io_context& io_;
  options opts_;
  websocket::stream<beast::tcp_stream> ws_;
  asio::steady_timer event_;     // cancelled whenever the reader ends or a pong arrives
  asio::steady_timer watchdog_;  // last resort against a server that stops reading
  std::mt19937_64 rng_;
  error_code read_error_;
  std::optional<unsigned> close_code_;  // from the server's close frame, if one came
  bool reader_done_ = false, pong_ = false;
  std::uint64_t sent_ = 0, received_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  options opts = parse_args(argc, argv);
  asio::io_context io(1);
  probe p(io, std::move(opts));
  int result = 1;
  asio::co_spawn(io, p.run(), [&](std::exception_ptr e, int r) {
    result = e ? 1 : r;
    io.stop();  // the reader may still be pending: it does not matter any more
  });
  io.run();
  return result;
}
