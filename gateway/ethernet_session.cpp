// gateway/ethernet_session.cpp - the v86 relay: one WebSocket is one switch port,
// one binary message is one Ethernet frame, both ways. (Theory of operation in the header.)
#include "gateway/ethernet_session.hpp"

#include <string>
#include <utility>

#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket.hpp>
#include <fmt/format.h>

#include "gateway/http_session.hpp"
#include "gateway/logging.hpp"
#include "gateway/network_registry.hpp"
#include "stack/network_switch.hpp"
#include "stack/virtual_network.hpp"

namespace switchyard::gateway {
namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace http = beast::http;

spdlog::logger& log() {
  static const auto logger = get_logger("ws");
  return *logger;
}

std::string endpoint_text(const boost::asio::ip::tcp::endpoint& ep) {
  if (ep.address().is_v6()) return fmt::format("[{}]:{}", ep.address().to_string(), ep.port());
  return fmt::format("{}:{}", ep.address().to_string(), ep.port());
}

// Why a read ended, in words an operator can act on.
std::string describe_read_end(const beast::error_code& ec, const websocket::close_reason& reason) {
  if (ec == websocket::error::closed) {
    auto code = static_cast<unsigned>(reason.code);
    if (reason.reason.empty()) return fmt::format("closed by peer ({})", code);
    return fmt::format("closed by peer ({} {})", code, std::string_view(reason.reason.data(), reason.reason.size()));
  }
  if (ec == beast::error::timeout) return "idle timeout";
  if (ec == boost::asio::error::eof) return "connection closed without a close frame";
  return fmt::format("read failed: {}", ec.message());
}

std::string drop_summary(const stack::port_counters& c) {
  std::string out;
  for (std::size_t i = 0; i < stack::drop_reason_count; ++i) {
    if (c.drops[i] == 0) continue;
    out += fmt::format("{}{}={}", out.empty() ? "" : " ", stack::to_string(static_cast<stack::drop_reason>(i)), c.drops[i]);
  }
  return out.empty() ? "none" : out;
}

}  // namespace

ethernet_session::ethernet_session(boost::asio::ip::tcp::socket&& socket, network_entry& network,
                                   std::uint64_t session_id)
    : ws_(std::move(socket)), network_(network), id_(session_id) {
  boost::system::error_code ec;
  auto remote = beast::get_lowest_layer(ws_).socket().remote_endpoint(ec);
  peer_ = ec ? std::string("?") : endpoint_text(remote);
}

// Deliberately does not detach: a session still attached here is being torn
// down with the io_context at process exit, after the registry (and so the
// network) is gone. At run time every path out of `open` detaches first.
ethernet_session::~ethernet_session() { log().trace("[S{}] session released", id_); }

void ethernet_session::run(request_type request) {
  // Beast's websocket timeouts replace the tcp_stream's: one owner for expiry.
  beast::get_lowest_layer(ws_).expires_never();

  auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
  timeouts.idle_timeout = idle_timeout;
  timeouts.keep_alive_pings = true;  // ping at idle/2: a quiet VM is not a dead one
  ws_.set_option(timeouts);

  // Ethernet frames of compressed or encrypted traffic gain nothing from
  // deflate, and it costs memory per socket.
  websocket::permessage_deflate deflate;
  deflate.server_enable = false;
  ws_.set_option(deflate);

  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(http::field::server, server_header); }));
  ws_.binary(true);
  ws_.auto_fragment(false);  // one frame per message: v86 reassembles either way, this is cheaper
  // The 64 KiB limit is enforced in on_read, which closes with 1009 through
  // async_close: that drains the rest of the oversized message, so the peer
  // reads the close frame. Beast's own read_message_max also closes with 1009,
  // but its teardown (Boost 1.81) closes the socket after reading at most 2 KiB
  // more, and the reset usually reaches the peer before the close frame does.
  ws_.read_message_max(0);  // no Beast limit: read_some's limit bounds the buffer

  ws_.async_accept(request, beast::bind_front_handler(&ethernet_session::on_accept, shared_from_this()));
}

void ethernet_session::on_accept(beast::error_code ec) {
  if (ec) {
    // Beast has already answered a malformed handshake (400/426) itself.
    log().debug("[S{}] WebSocket handshake with {} failed: {}", id_, peer_, ec.message());
    state_ = state::closed;
    return;
  }
  auto& net = *network_.network;
  port_ = net.attach(*this);
  attached_ = true;
  state_ = state::open;
  log().info("[S{}] connected: peer {}, network {}, port {}", id_, peer_, net.settings().name, port_);
  do_read();
}

void ethernet_session::do_read() {
  // At most one byte past the limit: enough to see that a message is too big
  // without ever buffering more than that.
  ws_.async_read_some(read_buffer_, max_message_size + 1 - read_buffer_.size(),
                      beast::bind_front_handler(&ethernet_session::on_read, shared_from_this()));
}

void ethernet_session::on_read(beast::error_code ec, std::size_t) {
  if (ec) {
    detach(describe_read_end(ec, ws_.reason()));
    state_ = state::closed;
    return;
  }
  if (state_ != state::open) return;  // a close began while this read was pending
  if (ws_.got_text()) {
    // v86 never sends text; anything that does is not a v86 relay client.
    do_close(websocket::close_code::unknown_data, "text message, closed with 1003");
    return;
  }
  if (read_buffer_.size() > max_message_size) {
    do_close(websocket::close_code::too_big, "message over 65536 bytes, closed with 1009");
    return;
  }
  if (!ws_.is_message_done()) return do_read();  // a fragmented or partly arrived message

  auto data = read_buffer_.cdata();
  std::span<const std::byte> frame(static_cast<const std::byte*>(data.data()), data.size());
  log().trace("[S{}] frame in, {} bytes", id_, frame.size());
  // May call deliver() on this and other sessions before it returns.
  network_.network->receive(port_, frame);
  read_buffer_.consume(read_buffer_.size());
  do_read();
}

bool ethernet_session::deliver(std::span<const std::byte> frame) {
  // Runs inside network_switch::receive: queue and initiate only (see header).
  if (state_ != state::open) return false;
  if (!queue_.push(frame)) return false;
  if (!writing_) do_write();
  return true;
}

void ethernet_session::do_write() {
  writing_ = true;
  const auto& frame = queue_.front();
  log().trace("[S{}] frame out, {} bytes", id_, frame.size());
  // The frame stays in the queue (and counts against its limits) until written.
  ws_.async_write(boost::asio::buffer(frame.data(), frame.size()),
                  beast::bind_front_handler(&ethernet_session::on_write, shared_from_this()));
}

void ethernet_session::on_write(beast::error_code ec, std::size_t) {
  writing_ = false;
  queue_.pop();
  if (ec) {
    detach(fmt::format("write failed: {}", ec.message()));
    state_ = state::closed;
    pending_close_.reset();
    queue_.clear();
    // Ends the pending read too, so the session is released now rather than
    // at the idle timeout.
    beast::get_lowest_layer(ws_).close();
    return;
  }
  if (pending_close_) {
    auto code = *pending_close_;
    pending_close_.reset();
    queue_.clear();
    ws_.async_close(code, beast::bind_front_handler(&ethernet_session::on_close, shared_from_this()));
    return;
  }
  if (state_ != state::open) {
    queue_.clear();
    return;
  }
  if (!queue_.empty()) do_write();
}

void ethernet_session::do_close(websocket::close_code code, std::string_view why) {
  if (state_ != state::open) return;
  detach(why);
  state_ = state::closing;
  if (writing_) {
    pending_close_ = code;
    return;
  }
  queue_.clear();
  ws_.async_close(code, beast::bind_front_handler(&ethernet_session::on_close, shared_from_this()));
}

void ethernet_session::on_close(beast::error_code ec) {
  if (ec) log().debug("[S{}] close handshake ended: {}", id_, ec.message());
  state_ = state::closed;
}

void ethernet_session::detach(std::string_view why) {
  if (!attached_) return;
  attached_ = false;
  auto& net = *network_.network;
  if (const auto* c = net.ethernet_switch().counters(port_)) {
    log().info("[S{}] disconnected: {}; peer {}, network {}, port {}, in {} frames/{} B, out {} frames/{} B, drops {}",
               id_, why, peer_, net.settings().name, port_, c->frames_in, c->bytes_in, c->frames_out, c->bytes_out,
               drop_summary(*c));
  } else {
    log().info("[S{}] disconnected: {}; peer {}, network {}, port {}", id_, why, peer_, net.settings().name, port_);
  }
  net.detach(port_);
}

}  // namespace switchyard::gateway
