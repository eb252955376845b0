// gateway/admin/event_stream.cpp - server-sent events for the dashboard.
#include "gateway/admin/event_stream.hpp"

#include <array>
#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/serialize.hpp>

#include "gateway/admin/admin_api.hpp"
#include "gateway/logging.hpp"

namespace switchyard::gateway::admin {
namespace {

namespace asio = boost::asio;
constexpr std::chrono::seconds tick{1};
std::size_t live_streams = 0;

class event_stream : public std::enable_shared_from_this<event_stream> {
 public:
  event_stream(asio::ip::tcp::socket socket, admin_api& api, std::uint64_t id)
      : socket_(std::move(socket)), timer_(socket_.get_executor()), api_(api), id_(id) {
    ++live_streams;
  }
  ~event_stream() { --live_streams; }

  void start(unsigned http_version) {
    std::string head = http_version == 10 ? "HTTP/1.0 200 OK\r\n" : "HTTP/1.1 200 OK\r\n";
    head +=
        "Content-Type: text/event-stream\r\n"
        "Cache-Control: no-store\r\n"
        "X-Accel-Buffering: no\r\n"  // a reverse proxy must not hold events back
        "Connection: close\r\n\r\n"
        "retry: 2000\n\n";
    get_logger("admin")->debug("[A{}] event stream started", id_);
    send(std::move(head));
    watch_for_close();
    next_tick();
  }

 private:
  void next_tick() {
    timer_.expires_after(tick);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || self->done_) return;
      if (!self->writing_)
        self->send("event: overview\ndata: " + boost::json::serialize(self->api_.overview()) + "\n\n");
      self->next_tick();
    });
  }

  void send(std::string text) {
    writing_ = true;
    out_ = std::move(text);
    asio::async_write(socket_, asio::buffer(out_), [self = shared_from_this()](const boost::system::error_code& ec,
                                                                                std::size_t) {
      self->writing_ = false;
      if (ec) self->finish(ec.message());
    });
  }

  // The client sends nothing after its request: a read completes only when it goes.
  void watch_for_close() {
    socket_.async_read_some(asio::buffer(sink_), [self = shared_from_this()](const boost::system::error_code& ec,
                                                                              std::size_t) {
      if (ec) return self->finish(ec.message());
      self->watch_for_close();
    });
  }

  void finish(const std::string& why) {
    if (done_) return;
    done_ = true;
    timer_.cancel();
    boost::system::error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    get_logger("admin")->debug("[A{}] event stream ended: {}", id_, why);
  }

  asio::ip::tcp::socket socket_;
  asio::steady_timer timer_;
  admin_api& api_;
  std::uint64_t id_;
  std::string out_;
  std::array<char, 256> sink_{};
  bool writing_ = false;
  bool done_ = false;
};

}  // namespace

void start_event_stream(asio::ip::tcp::socket socket, admin_api& api, unsigned http_version, std::uint64_t session_id) {
  if (live_streams >= max_event_streams) {
    static constexpr std::string_view busy =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: 41\r\n"
        "Connection: close\r\n\r\n{\"error\":\"too many event streams (32)\"}\r\n";
    auto s = std::make_shared<asio::ip::tcp::socket>(std::move(socket));
    asio::async_write(*s, asio::buffer(busy), [s](const boost::system::error_code&, std::size_t) {});
    return;
  }
  std::make_shared<event_stream>(std::move(socket), api, session_id)->start(http_version);
}

}  // namespace switchyard::gateway::admin
