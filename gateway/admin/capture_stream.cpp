// gateway/admin/capture_stream.cpp - live pcapng captures over HTTP.
//
// Theory of operation
//   A capture is a tap on the network's switch (stack::frame_tap) and a
//   network_user of its entry. The response has no Content-Length and ends
//   with the connection: the HTTP head, the Section Header and Interface
//   Description blocks leave at once (so `curl | wireshark -k -i -` starts),
//   then one Enhanced Packet Block per frame. Frames seen during one loop turn
//   leave in one write; one write is in flight at a time; what waits is
//   bounded by capture_pending_limit (capture_buffer drops and counts beyond).
//
//   States: running -> ending -> closed. It ends when the limit (packets or
//   seconds) is reached, the captured port goes, the network is deleted, the
//   server shuts down (end_captures), or a write stalls for stall_timeout;
//   ending removes the tap first, then queues an Interface Statistics Block
//   (frames seen and dropped) and closes once that is written (or after
//   drain_timeout). A client that goes away (our pending read completes, or a
//   write fails) closes at once, without statistics: nobody would read them.
//
//   The tap's callback runs inside the switch: it never removes the tap and
//   never writes; it queues, and posts the write or the end.
#include "gateway/admin/capture_stream.hpp"

#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include "gateway/admin/capture_buffer.hpp"
#include "gateway/admin/capture_query.hpp"
#include "gateway/logging.hpp"
#include "gateway/network_registry.hpp"
#include "protocols/pcapng/writer.hpp"
#include "stack/frame_tap.hpp"
#include "stack/network_switch.hpp"

namespace switchyard::gateway::admin {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

constexpr auto tick = 1s;
constexpr auto stall_timeout = 60s;  // a write that long in flight: the reader is gone or asleep
constexpr auto drain_timeout = 10s;  // after the end, for the last blocks to leave

capture_totals totals;

spdlog::logger& log() {
  static const auto logger = get_logger("admin");
  return *logger;
}

std::uint64_t ns_since_epoch(std::chrono::system_clock::time_point t) {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}

class capture_session;
std::vector<std::weak_ptr<capture_session>> live_sessions;  // for end_captures()

class capture_session : public std::enable_shared_from_this<capture_session>,
                        public network_user,
                        public stack::frame_tap {
 public:
  capture_session(tcp::socket socket, std::shared_ptr<network_entry> entry, const capture_query& query,
                  std::uint64_t id)
      : socket_(std::move(socket)),
        tick_timer_(socket_.get_executor()),
        entry_(std::move(entry)),
        query_(query),
        id_(id),
        buffer_(capture_pending_limit) {}

  ~capture_session() override { detach(); }

  /// Installs the tap (the caller checked there is room) and sends the head.
  void start(unsigned http_version) {
    started_ = std::chrono::system_clock::now();
    started_steady_ = std::chrono::steady_clock::now();
    auto& sw = entry_->network->ethernet_switch();
    tapped_ = sw.add_tap(*this, query_.port);
    std::erase_if(entry_->users, [](const auto& w) { return w.expired(); });
    entry_->users.push_back(weak_from_this());
    std::erase_if(live_sessions, [](const auto& w) { return w.expired(); });
    live_sessions.push_back(weak_from_this());
    ++totals.started;
    ++totals.live;

    const std::string& network = entry_->config.name;
    std::string head = fmt::format(
        "HTTP/1.{} 200 OK\r\n"
        "Content-Type: application/x-pcapng\r\n"
        "Content-Disposition: attachment; filename=\"{}\"\r\n"
        "Cache-Control: no-store\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        "Connection: close\r\n\r\n",
        http_version == 10 ? 0 : 1, capture_file_name(network, query_.port, started_));
    buffer_.append(std::as_bytes(std::span(head)));
    pcapng::append_section_header(buffer_.queue());
    auto interface_name = capture_interface_name(network, query_.port);
    pcapng::append_interface_description(buffer_.queue(), {.name = interface_name, .snaplen = 0});

    log().info("[A{}] capture of {} started ({})", id_, interface_name, describe_limit());
    watch_for_close();
    next_tick();
    write_more();
  }

  void on_frame(stack::port_id, std::span<const std::byte> frame) override {
    if (state_ != state::running) return;
    if (buffer_.add_frame(ns_since_epoch(std::chrono::system_clock::now()), frame)) {
      ++totals.packets_written;
    } else {
      ++totals.packets_dropped;
    }
    if (query_.packets && buffer_.frames_kept() >= *query_.packets) {
      state_ = state::limit_reached;  // no more frames; end outside the switch
      asio::post(socket_.get_executor(), [self = shared_from_this()] { self->end("limit reached"); });
    }
    schedule_write();
  }

  void network_retiring() override {
    detach();  // the switch is still alive during this call, and never after
    end("network deleted");
  }

  /// Ends with statistics (server shutdown); false when it had closed already.
  bool finish(const char* why) {
    if (state_ == state::closed) return false;
    end(why);
    return true;
  }

 private:
  enum class state { running, limit_reached, ending, closed };

  std::string describe_limit() const {
    if (query_.packets) return fmt::format("limit {} packets", *query_.packets);
    if (query_.duration) return fmt::format("limit {}s", query_.duration->count());
    return "no limit";
  }

  // Removes the tap while the network lives; safe to call repeatedly.
  void detach() {
    if (!tapped_) return;
    tapped_ = false;
    if (!entry_->retired()) entry_->network->ethernet_switch().remove_tap(*this);
  }

  // Frames arriving in one loop turn leave in one write.
  void schedule_write() {
    if (write_posted_ || buffer_.writing()) return;
    write_posted_ = true;
    asio::post(socket_.get_executor(), [self = shared_from_this()] {
      self->write_posted_ = false;
      self->write_more();
    });
  }

  void write_more() {
    if (state_ == state::closed) return;
    if (!buffer_.ready_to_write()) {
      if (state_ == state::ending && !buffer_.writing()) close(true);
      return;
    }
    write_started_ = std::chrono::steady_clock::now();
    auto bytes = buffer_.start_write();
    asio::async_write(socket_, asio::buffer(bytes.data(), bytes.size()),
                      [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                        self->buffer_.write_done();
                        if (ec) return self->client_gone(ec.message());
                        self->write_more();
                      });
  }

  // The client sends nothing after its request: a read completes only when it goes.
  void watch_for_close() {
    socket_.async_read_some(asio::buffer(read_sink_), [self = shared_from_this()](const boost::system::error_code& ec,
                                                                                  std::size_t) {
      if (!ec) return self->watch_for_close();
      if (self->state_ == state::closed) return self->release();
      self->client_gone(ec.message());
    });
  }

  void next_tick() {
    tick_timer_.expires_after(tick);
    tick_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || self->state_ == state::closed) return;
      self->on_tick();
    });
  }

  void on_tick() {
    auto now = std::chrono::steady_clock::now();
    if (state_ == state::ending) {
      if (now - ended_steady_ >= drain_timeout) return close(false);
    } else if (buffer_.writing() && now - write_started_ >= stall_timeout) {
      return client_gone("reader stalled");
    } else if (state_ == state::running) {
      if (query_.duration && now - started_steady_ >= *query_.duration) end("limit reached");
      else if (query_.port && (entry_->retired() || !entry_->network->ethernet_switch().has_port(*query_.port)))
        end("port closed");
    }
    next_tick();
  }

  // Stops capturing; the statistics block follows the frames still queued.
  void end(const char* why) {
    if (state_ == state::ending || state_ == state::closed) return;
    state_ = state::ending;
    ended_steady_ = std::chrono::steady_clock::now();
    detach();
    auto end_ns = ns_since_epoch(std::chrono::system_clock::now());
    pcapng::append_interface_statistics(buffer_.queue(),
                                        {.interface_id = 0,
                                         .timestamp_ns = end_ns,
                                         .start_ns = ns_since_epoch(started_),
                                         .end_ns = end_ns,
                                         .received = buffer_.frames_kept() + buffer_.frames_dropped(),
                                         .dropped = buffer_.frames_dropped()});
    log_end(why);
    write_more();
  }

  void client_gone(const std::string& why) {
    if (state_ == state::closed) return;
    if (state_ != state::ending) log_end(("client gone: " + why).c_str());
    detach();
    close(false);
  }

  void log_end(const char* why) {
    log().info("[A{}] capture of {} ended ({}): {} frames, {} bytes, {} dropped", id_,
               capture_interface_name(entry_->config.name, query_.port), why, buffer_.frames_kept(),
               buffer_.frame_bytes_kept(), buffer_.frames_dropped());
  }

  // `graceful`: everything was written; the client reads our FIN as the end,
  // closes, and the pending read releases the socket (or the timer does).
  void close(bool graceful) {
    if (state_ == state::closed) return;
    state_ = state::closed;
    --totals.live;
    boost::system::error_code ignored;
    if (!graceful) {
      socket_.shutdown(tcp::socket::shutdown_both, ignored);
      return release();
    }
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    tick_timer_.expires_after(drain_timeout);  // cancels the pending tick
    tick_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->release();
    });
  }

  // Closes the socket: the pending read and timer complete and let go of us.
  void release() {
    boost::system::error_code ignored;
    tick_timer_.cancel();
    socket_.close(ignored);
  }

  tcp::socket socket_;
  asio::steady_timer tick_timer_;
  std::shared_ptr<network_entry> entry_;
  capture_query query_;
  std::uint64_t id_;
  capture_buffer buffer_;
  state state_ = state::running;
  bool tapped_ = false;
  bool write_posted_ = false;
  std::chrono::system_clock::time_point started_;
  std::chrono::steady_clock::time_point started_steady_, write_started_, ended_steady_;
  std::array<char, 256> read_sink_{};
};

const char* reason_phrase(unsigned status) {
  switch (status) {
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 503: return "Service Unavailable";
  }
  return "Error";
}

// Writes a JSON error and closes.
void refuse(tcp::socket socket, unsigned status, boost::json::object body, unsigned http_version) {
  std::string json = boost::json::serialize(body) + "\n";
  auto text = std::make_shared<std::string>(fmt::format(
      "HTTP/1.{} {} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nCache-Control: no-store\r\n"
      "Connection: close\r\n\r\n{}",
      http_version == 10 ? 0 : 1, status, reason_phrase(status), json.size(), json));
  auto s = std::make_shared<tcp::socket>(std::move(socket));
  asio::async_write(*s, asio::buffer(*text), [s, text](const boost::system::error_code&, std::size_t) {
    boost::system::error_code ignored;
    s->shutdown(tcp::socket::shutdown_send, ignored);
  });
}

}  // namespace

void serve_capture(tcp::socket socket, std::shared_ptr<network_entry> network, std::string_view query,
                   unsigned http_version, std::uint64_t session_id) {
  auto parsed = parse_capture_query(query);
  if (auto* error = std::get_if<capture_query_error>(&parsed))
    return refuse(std::move(socket), 400, {{"error", error->message}, {"field", error->field}}, http_version);
  const auto& q = std::get<capture_query>(parsed);
  if (!network || network->retired())
    return refuse(std::move(socket), 404, {{"error", "no such network"}}, http_version);
  auto& sw = network->network->ethernet_switch();
  if (q.port && !sw.has_port(*q.port))
    return refuse(std::move(socket), 404,
                  {{"error", fmt::format("no port {} on network {}", *q.port, network->config.name)}, {"field", "port"}},
                  http_version);
  if (sw.tap_count() >= stack::network_switch::max_taps || totals.live >= max_captures)
    return refuse(std::move(socket), 503,
                  {{"error", fmt::format("too many captures running ({} per network, {} in all)",
                                         stack::network_switch::max_taps, max_captures)}},
                  http_version);
  std::make_shared<capture_session>(std::move(socket), std::move(network), q, session_id)->start(http_version);
}

std::size_t end_captures() {
  std::size_t n = 0;
  auto sessions = live_sessions;  // end() may not change it, but do not iterate what we touch
  for (auto& weak : sessions)
    if (auto s = weak.lock(); s && s->finish("server shutting down")) ++n;
  return n;
}

capture_totals capture_stats() { return totals; }

}  // namespace switchyard::gateway::admin
