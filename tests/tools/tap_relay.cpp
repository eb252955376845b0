// tests/tools/tap_relay.cpp - sy-tap-relay: carries a TAP device's Ethernet frames to a /net/ WebSocket and back.
//
// Theory of operation
//   A test VM is a network namespace whose "NIC" is a TAP device; this relay
//   plays v86's network adapter: one TAP frame is one binary WebSocket message,
//   both ways, nothing else on the wire.
//
//   Order: connect and upgrade the WebSocket first, so a refused URL (401, 404,
//   nothing listening) fails before any device exists; then create the TAP in
//   our namespace, optionally set its MAC, move it into the VM's namespace (the
//   open descriptor keeps working there) and rename it; then print "ready".
//
//   The upgrade is Beast's HTTP (request, response, Sec-WebSocket-Accept
//   checked); the frames are ours (client_frames.hpp). The relay sits in every
//   benchmark path and must not be what we measure: with Beast's stream (one
//   socket write per message) each relay burnt more CPU than the server.
//
//   TAP -> server: when the TAP is readable it is drained (up to a batch per
//   loop turn) and every frame is masked straight into a pending buffer; one
//   socket write is in flight, and when it completes everything pending goes
//   out in the next one. At `--queue` pending frames TAP reads pause until
//   the write completes, as a NIC driver stops its queue: frames then wait in
//   the TAP's own bounded queue (txqueuelen) and the kernel drops there; local
//   TCP senders feel it as backpressure, not loss (dropping in the relay cost
//   TCP a retransmit per frame and halved throughput).
//
//   Server -> TAP: one socket read takes whatever is there; every complete
//   frame in it is handled: binary -> one TAP write (dropped if the TAP cannot
//   take it: link down, queue full), ping -> pong, close -> reply and exit,
//   text -> counted and ignored. Fragmented messages are reassembled.
//
//   One thread, one io_context. Exit status: 0 after SIGTERM/SIGINT, 1 when
//   the server refuses, closes or breaks the connection, 2 for bad arguments
//   or a TAP that cannot be set up.
#include <boost/asio.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_arp.h>
#include <linux/if_tun.h>
#include <openssl/evp.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "tests/tools/client_frames.hpp"
#include "tests/tools/ws_url.hpp"

extern char** environ;

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using switchyard::tools::ws_opcode;

constexpr std::string_view usage_text =
    "usage: sy-tap-relay --url ws://HOST:PORT/net/NAME[?token=T] --tap NAME\n"
    "                    [--netns NS] [--ifname IF] [--mac MAC] [--queue FRAMES]\n"
    "Connects the WebSocket, creates TAP NAME (IFF_TAP|IFF_NO_PI), moves it into\n"
    "netns NS and renames it IF if asked, prints 'ready' and relays frames.\n";

constexpr std::size_t max_message = 1u << 20;             // the server decides what is too big, not us
constexpr std::size_t read_buffer_size = max_message + 65536;  // a whole max message plus what follows it
constexpr int tap_batch = 256;                            // TAP reads per loop turn

struct options {
  std::string url;
  std::string tap;
  std::string netns;
  std::string ifname;
  std::string mac;
  std::size_t queue = 512;
};

[[noreturn]] void fail_usage(const std::string& why) {
  std::cerr << "sy-tap-relay: " << why << "\n" << usage_text;
  std::exit(2);
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
    if (a == "--url") o.url = v;
    else if (a == "--tap") o.tap = v;
    else if (a == "--netns") o.netns = v;
    else if (a == "--ifname") o.ifname = v;
    else if (a == "--mac") o.mac = v;
    else if (a == "--queue") {
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), o.queue);
      if (ec != std::errc{} || end != v.data() + v.size() || o.queue == 0 || o.queue > 65536)
        fail_usage("--queue wants 1..65536");
    } else fail_usage("unknown option " + std::string(a));
  }
  if (o.url.empty() || o.tap.empty()) fail_usage("--url and --tap are required");
  // IFNAMSIZ counts the terminating NUL: 15 characters is the kernel's limit.
  if (o.tap.size() >= IFNAMSIZ) fail_usage("--tap name longer than 15 characters");
  if (o.ifname.size() >= IFNAMSIZ) fail_usage("--ifname longer than 15 characters");
  if (!o.ifname.empty() && o.netns.empty()) fail_usage("--ifname needs --netns");
  return o;
}

std::optional<std::array<unsigned char, 6>> parse_mac(const std::string& text) {
  std::array<unsigned char, 6> mac{};
  unsigned b[6];
  char tail = 0;
  if (std::sscanf(text.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6)
    return std::nullopt;
  for (int i = 0; i < 6; ++i) mac[i] = static_cast<unsigned char>(b[i]);
  return mac;
}

std::string base64(const unsigned char* data, int size) {
  std::string out(static_cast<std::size_t>(4 * ((size + 2) / 3)) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, size);
  out.resize(static_cast<std::size_t>(n));
  return out;
}

// RFC 6455 section 4.2.2: base64(SHA-1(key + GUID)).
std::string expected_accept(const std::string& key) {
  std::string text = key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha1(), nullptr)) return {};
  return base64(digest, static_cast<int>(len));
}

// Runs a command (no shell: names come from the command line) and waits for it.
bool run_command(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (int err = posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), environ); err != 0) {
    std::cerr << "sy-tap-relay: cannot run " << args[0] << ": " << std::strerror(err) << "\n";
    return false;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return false;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string line;
    for (auto& a : args) line += " " + a;
    std::cerr << "sy-tap-relay: command failed:" << line << "\n";
    return false;
  }
  return true;
}

// Creates the TAP (non-blocking, close-on-exec so `ip` does not inherit it) and
// sets it up as asked. Returns the descriptor or -1 after printing why.
int open_tap(const options& o) {
  int fd = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    std::cerr << "sy-tap-relay: open /dev/net/tun: " << std::strerror(errno) << "\n";
    return -1;
  }
  ifreq ifr{};
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  std::strncpy(ifr.ifr_name, o.tap.c_str(), IFNAMSIZ - 1);
  if (::ioctl(fd, TUNSETIFF, &ifr) < 0) {
    std::cerr << "sy-tap-relay: TUNSETIFF " << o.tap << ": " << std::strerror(errno) << "\n";
    ::close(fd);
    return -1;
  }
  if (!o.mac.empty()) {
    auto mac = parse_mac(o.mac);
    int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ifreq hw{};
    std::strncpy(hw.ifr_name, o.tap.c_str(), IFNAMSIZ - 1);
    hw.ifr_hwaddr.sa_family = ARPHRD_ETHER;
    if (mac) std::memcpy(hw.ifr_hwaddr.sa_data, mac->data(), 6);
    bool ok = mac && sock >= 0 && ::ioctl(sock, SIOCSIFHWADDR, &hw) == 0;
    if (!ok) std::cerr << "sy-tap-relay: cannot set MAC " << o.mac << ": " << std::strerror(errno) << "\n";
    if (sock >= 0) ::close(sock);
    if (!ok) {
      ::close(fd);
      return -1;
    }
  }
  if (!o.netns.empty()) {
    bool ok = run_command({"ip", "link", "set", "dev", o.tap, "netns", o.netns});
    if (ok && !o.ifname.empty() && o.ifname != o.tap)
      ok = run_command({"ip", "-n", o.netns, "link", "set", "dev", o.tap, "name", o.ifname});
    if (!ok) {
      ::close(fd);
      return -1;
    }
  }
  return fd;
}

class relay {
 public:
  relay(asio::io_context& io, options opts)
      : io_(io), opts_(std::move(opts)), resolver_(io), socket_(io), tap_(io), signals_(io, SIGINT, SIGTERM),
        timer_(io), mask_state_(std::random_device{}() | 1ULL), in_(read_buffer_size) {}

  void start() {
    auto url = switchyard::tools::parse_ws_url(opts_.url);
    if (!url) fail_usage("bad --url (want ws://HOST:PORT/PATH): " + opts_.url);
    url_ = *url;
    signals_.async_wait([this](error_code ec, int sig) { on_signal(ec, sig); });
    // The whole connect + upgrade gets 5 s: a test must not hang on a dead server.
    timer_.expires_after(std::chrono::seconds(5));
    timer_.async_wait([this](error_code ec) {
      if (ec || upgraded_) return;
      finish(1, "no WebSocket upgrade from " + url_.host_header() + " within 5 s");
    });
    resolver_.async_resolve(url_.host, url_.port,
                            [this](error_code ec, tcp::resolver::results_type r) { on_resolve(ec, r); });
  }

  int exit_code() const { return exit_code_; }

 private:
  // Upgrade ------------------------------------------------------------------

  void on_resolve(error_code ec, const tcp::resolver::results_type& results) {
    if (stopping_) return;
    if (ec) return finish(1, "cannot resolve " + url_.host + ": " + ec.message());
    asio::async_connect(socket_, results, [this](error_code e, const tcp::endpoint&) { on_connect(e); });
  }

  void on_connect(error_code ec) {
    if (stopping_) return;
    if (ec) return finish(1, "cannot connect to " + url_.host_header() + ": " + ec.message());
    // Small frames (ARP, ping, TCP ACKs) must not wait for Nagle.
    socket_.set_option(tcp::no_delay(true), ec);
    std::array<unsigned char, 16> nonce;
    std::random_device rd;
    for (auto& b : nonce) b = static_cast<unsigned char>(rd());
    key_ = base64(nonce.data(), static_cast<int>(nonce.size()));
    request_ = {http::verb::get, url_.target, 11};
    request_.set(http::field::host, url_.host_header());
    request_.set(http::field::upgrade, "websocket");
    request_.set(http::field::connection, "Upgrade");
    request_.set(http::field::sec_websocket_key, key_);
    request_.set(http::field::sec_websocket_version, "13");
    request_.set(http::field::user_agent, "sy-tap-relay");
    http::async_write(socket_, request_, [this](error_code e, std::size_t) {
      if (stopping_) return;
      if (e) return finish(1, "cannot send the upgrade request: " + e.message());
      http::async_read(socket_, handshake_buffer_, response_, [this](error_code e2, std::size_t) { on_response(e2); });
    });
  }

  void on_response(error_code ec) {
    if (stopping_) return;
    if (ec) return finish(1, "no upgrade response from " + url_.host_header() + ": " + ec.message());
    if (response_.result() != http::status::switching_protocols)
      return finish(1, "server declined the WebSocket upgrade: HTTP " + std::to_string(response_.result_int()) + " " +
                           std::string(response_.reason()));
    if (!beast::iequals(response_[http::field::upgrade], "websocket"))
      return finish(1, "bad upgrade response: Upgrade is '" + std::string(response_[http::field::upgrade]) + "'");
    if (response_[http::field::sec_websocket_accept] != expected_accept(key_))
      return finish(1, "bad upgrade response: wrong Sec-WebSocket-Accept '" +
                           std::string(response_[http::field::sec_websocket_accept]) + "'");
    upgraded_ = true;
    timer_.cancel();
    // Bytes that came with the response are the first frames.
    auto extra = handshake_buffer_.data();
    std::memcpy(in_.data(), extra.data(), extra.size());
    in_len_ = extra.size();

    int fd = open_tap(opts_);
    if (fd < 0) return finish(2, "TAP setup failed");
    tap_.assign(fd);
    std::cout << "ready" << std::endl;
    std::cerr << "sy-tap-relay: " << opts_.tap << (opts_.netns.empty() ? "" : " in netns " + opts_.netns)
              << (opts_.ifname.empty() ? "" : " as " + opts_.ifname) << " <-> " << opts_.url << "\n";
    do_tap_wait();
    if (in_len_ > 0) handle_input();
    if (!stopping_) do_socket_read();
  }

  // TAP -> server --------------------------------------------------------------

  void do_tap_wait() {
    tap_.async_wait(asio::posix::stream_descriptor::wait_read, [this](error_code ec) { on_tap_ready(ec); });
  }

  void on_tap_ready(error_code ec) {
    if (stopping_) return;
    if (ec) return finish(1, "TAP wait failed: " + ec.message());
    for (int i = 0; i < tap_batch; ++i) {
      if (pending_frames_ >= opts_.queue) {
        // Full: stop reading until the write in flight completes (see the top).
        tap_paused_ = true;
        ++pauses_;
        return do_socket_write();
      }
      ssize_t n = ::read(tap_.native_handle(), scratch_.data(), scratch_.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          do_socket_write();
          return do_tap_wait();
        }
        return finish(1, std::string("TAP read failed: ") + std::strerror(errno));
      }
      ++tap_in_;
      queue_frame(ws_opcode::binary, std::span(scratch_.data(), static_cast<std::size_t>(n)));
      ++pending_frames_;
    }
    do_socket_write();
    // Still readable: come back after the other handlers (an edge-triggered
    // wait would not fire again for frames that are already there).
    asio::post(io_, [this] { on_tap_ready({}); });
  }

  // Frames are masked with a fresh key each (RFC 6455 section 5.3); xorshift is
  // unpredictable enough for a test client and costs nothing.
  std::uint32_t next_mask() {
    mask_state_ ^= mask_state_ << 13;
    mask_state_ ^= mask_state_ >> 7;
    mask_state_ ^= mask_state_ << 17;
    return static_cast<std::uint32_t>(mask_state_ >> 32);
  }

  void queue_frame(ws_opcode op, std::span<const std::byte> payload) {
    switchyard::tools::append_client_frame(pending_, op, payload, next_mask());
  }

  void do_socket_write() {
    if (writing_ || pending_.empty()) return;
    writing_ = true;
    std::swap(pending_, in_flight_);
    pending_.clear();  // keeps its capacity: no allocation per batch
    in_flight_frames_ = pending_frames_;
    pending_frames_ = 0;
    asio::async_write(socket_, asio::buffer(in_flight_), [this](error_code ec, std::size_t) { on_socket_write(ec); });
    if (tap_paused_) {
      tap_paused_ = false;
      on_tap_ready({});  // frames are already waiting: an edge-triggered wait would not fire
    }
  }

  void on_socket_write(error_code ec) {
    writing_ = false;
    if (ec) {
      if (stopping_) return done();
      return finish(1, "WebSocket write failed: " + ec.message());
    }
    ws_out_ += in_flight_frames_;
    ++writes_;
    if (exit_after_write_ && pending_.empty()) return done();
    do_socket_write();
  }

  // Server -> TAP ----------------------------------------------------------------

  void do_socket_read() {
    socket_.async_read_some(asio::buffer(in_.data() + in_len_, in_.size() - in_len_),
                            [this](error_code ec, std::size_t n) { on_socket_read(ec, n); });
  }

  void on_socket_read(error_code ec, std::size_t n) {
    if (stopping_) return;
    if (ec == asio::error::eof) return finish(1, "server closed the connection without a close frame");
    if (ec) return finish(1, "WebSocket read failed: " + ec.message());
    in_len_ += n;
    handle_input();
    if (!stopping_) do_socket_read();
  }

  // Handles every complete frame in in_[0, in_len_) and keeps the partial rest.
  void handle_input() {
    std::size_t used = 0;
    while (!stopping_) {
      auto f = switchyard::tools::parse_server_frame(std::span(in_.data() + used, in_len_ - used), max_message);
      if (f.state == switchyard::tools::server_frame::status::need_more) break;
      if (f.state == switchyard::tools::server_frame::status::error)
        return finish(1, std::string("protocol error from the server: ") + f.error);
      used += f.size;
      on_frame(f);
    }
    if (stopping_) return;
    std::memmove(in_.data(), in_.data() + used, in_len_ - used);
    in_len_ -= used;
  }

  void on_frame(const switchyard::tools::server_frame& f) {
    switch (f.op) {
      case ws_opcode::ping:
        queue_frame(ws_opcode::pong, f.payload);
        return do_socket_write();
      case ws_opcode::pong: return;
      case ws_opcode::close: return on_close(f.payload);
      case ws_opcode::continuation:
        if (!in_message_) return finish(1, "protocol error from the server: continuation without a message");
        if (fragments_.size() + f.payload.size() > max_message)
          return finish(1, "protocol error from the server: fragmented message over our limit");
        fragments_.insert(fragments_.end(), f.payload.begin(), f.payload.end());
        if (f.fin) {
          in_message_ = false;
          on_message(message_op_, fragments_);
        }
        return;
      case ws_opcode::text:
      case ws_opcode::binary:
        if (in_message_) return finish(1, "protocol error from the server: new message inside a fragmented one");
        if (f.fin) return on_message(f.op, f.payload);
        in_message_ = true;
        message_op_ = f.op;
        fragments_.assign(f.payload.begin(), f.payload.end());
        return;
    }
  }

  static constexpr int frames_between_tap_drains = 16;
  int written_since_drain_ = 0;

  void on_message(ws_opcode op, std::span<const std::byte> payload) {
    ++ws_in_;
    if (op != ws_opcode::binary) {
      ++text_in_;  // not a frame: v86 ignores it too
      return;
    }
    ssize_t n;
    do n = ::write(tap_.native_handle(), payload.data(), payload.size());
    while (n < 0 && errno == EINTR);
    if (n < 0) ++tap_drops_;  // link down (EIO) or queue full: a NIC drops too
    else ++tap_out_;
    if (++written_since_drain_ >= frames_between_tap_drains) {
      written_since_drain_ = 0;
      drain_tap_between_writes();
    }
  }

  // While a long batch from the server goes into the TAP, the guest's answers
  // (TCP ACKs) pile up in it; a real NIC transmits them meanwhile. Taking them
  // every few frames keeps the sender's ACK clock running instead of letting a
  // whole batch of ACKs arrive at once after the batch.
  void drain_tap_between_writes() {
    for (int i = 0; i < tap_batch && pending_frames_ < opts_.queue; ++i) {
      ssize_t n = ::read(tap_.native_handle(), scratch_.data(), scratch_.size());
      if (n < 0) break;  // EAGAIN (nothing there) or EINTR: the TAP wait handles the rest
      ++tap_in_;
      queue_frame(ws_opcode::binary, std::span(scratch_.data(), static_cast<std::size_t>(n)));
      ++pending_frames_;
    }
    do_socket_write();
  }

  void on_close(std::span<const std::byte> payload) {
    std::string detail;
    std::uint16_t code = 1005;  // "no status": what RFC 6455 says to report for an empty close
    if (payload.size() >= 2) {
      code = static_cast<std::uint16_t>(std::to_integer<unsigned>(payload[0]) << 8 | std::to_integer<unsigned>(payload[1]));
      detail = std::string(reinterpret_cast<const char*>(payload.data()) + 2, payload.size() - 2);
    }
    // Echo the code back (section 5.5.1), then leave once it is written.
    std::byte echo[2] = {std::byte(code >> 8), std::byte(code & 0xff)};
    queue_frame(ws_opcode::close, std::span(echo, code == 1005 ? 0 : 2));
    std::cerr << "sy-tap-relay: server closed the WebSocket (close code " << code
              << (detail.empty() ? "" : ": " + detail) << ")\n";
    leave(1);
  }

  // Lifetime -------------------------------------------------------------------

  void on_signal(error_code ec, int sig) {
    if (ec || stopping_) return;
    std::cerr << "sy-tap-relay: signal " << sig << ", closing\n";
    if (!upgraded_) return finish(0, "stopped before the upgrade");
    const std::byte normal[2] = {std::byte{0x03}, std::byte{0xe8}};  // 1000
    queue_frame(ws_opcode::close, normal);
    leave(0);
  }

  // Stops relaying, flushes what is pending (a close frame), exits within 1 s.
  void leave(int code) {
    exit_code_ = code;
    stopping_ = true;
    error_code ignored;
    tap_.cancel(ignored);
    exit_after_write_ = true;
    timer_.expires_after(std::chrono::seconds(1));
    timer_.async_wait([this](error_code e) {
      if (!e) done();
    });
    do_socket_write();
  }

  void finish(int code, const std::string& why) {
    if (stopping_) return;
    stopping_ = true;
    exit_code_ = code;
    std::cerr << "sy-tap-relay: " << why << "\n";
    done();
  }

  void done() {
    if (done_) return;
    done_ = true;
    std::cerr << "sy-tap-relay: tap_in=" << tap_in_ << " ws_out=" << ws_out_ << " writes=" << writes_
              << " pauses=" << pauses_ << " ws_in=" << ws_in_ << " tap_out=" << tap_out_ << " tap_drops=" << tap_drops_
              << " text_in=" << text_in_ << "\n";
    io_.stop();
  }

  asio::io_context& io_;
  options opts_;
  switchyard::tools::ws_url url_;
  tcp::resolver resolver_;
  tcp::socket socket_;
  asio::posix::stream_descriptor tap_;
  asio::signal_set signals_;
  asio::steady_timer timer_;  // upgrade deadline, then the exit deadline

  std::string key_;
  http::request<http::empty_body> request_;
  http::response<http::string_body> response_;
  beast::flat_buffer handshake_buffer_;
  bool upgraded_ = false;

  std::array<std::byte, 65536> scratch_{};  // one TAP read, masked into pending_ from here
  std::vector<std::byte> pending_, in_flight_;
  std::size_t pending_frames_ = 0, in_flight_frames_ = 0;
  std::uint64_t mask_state_;

  std::vector<std::byte> in_;  // bytes from the server: in_[0, in_len_)
  std::size_t in_len_ = 0;
  bool in_message_ = false;
  ws_opcode message_op_ = ws_opcode::binary;
  std::vector<std::byte> fragments_;

  bool writing_ = false, tap_paused_ = false, stopping_ = false, exit_after_write_ = false, done_ = false;
  int exit_code_ = 1;
  std::uint64_t tap_in_ = 0, ws_out_ = 0, writes_ = 0, pauses_ = 0, ws_in_ = 0, tap_out_ = 0, tap_drops_ = 0,
                text_in_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  options opts = parse_args(argc, argv);
  asio::io_context io(1);
  relay r(io, std::move(opts));
  r.start();
  io.run();
  return r.exit_code();
}
