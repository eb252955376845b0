// gateway/ethernet_session.cpp - the v86 relay: one WebSocket is one switch port.
// (Theory of operation in the header.)
#include "gateway/ethernet_session.hpp"

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket.hpp>
#include <fmt/format.h>

#include "gateway/endpoint_text.hpp"
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

std::string drop_summary(const stack::port_counters& c) {
  std::string out;
  for (std::size_t i = 0; i < stack::drop_reason_count; ++i) {
    if (c.drops[i] == 0) continue;
    out += fmt::format("{}{}={}", out.empty() ? "" : " ", stack::to_string(static_cast<stack::drop_reason>(i)), c.drops[i]);
  }
  return out.empty() ? "none" : out;
}

}  // namespace

ethernet_session::ethernet_session(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<network_entry> network,
                                   std::uint64_t session_id)
    : handshake_socket_(std::move(socket)), keep_network_(std::move(network)), network_(*keep_network_), id_(session_id) {
  boost::system::error_code ec;
  auto remote = handshake_socket_.remote_endpoint(ec);
  peer_ = ec ? std::string("?") : endpoint_text(remote);
}

// Deliberately does not detach: a session alive here is being torn down with
// the io_context at process exit, after the registry (and so the network) is
// gone. At run time on_closed() detaches first.
ethernet_session::~ethernet_session() { log().trace("[S{}] session released", id_); }

void ethernet_session::run(request_type request) {
  // Beast answers the handshake (validation, Sec-WebSocket-Accept); the data
  // path is ours (batched_websocket).
  auto ws = std::make_shared<websocket::stream<beast::tcp_stream>>(std::move(handshake_socket_));
  ws->set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  websocket::permessage_deflate deflate;  // frames of encrypted traffic gain nothing from it
  deflate.server_enable = false;
  ws->set_option(deflate);
  ws->set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(http::field::server, server_header); }));
  auto* stream = ws.get();
  stream->async_accept(request, [self = shared_from_this(), ws = std::move(ws)](beast::error_code ec) {
    if (ec) {
      // Beast has already answered a malformed handshake (400/426) itself.
      log().debug("[S{}] WebSocket handshake with {} failed: {}", self->id_, self->peer_, ec.message());
      return;
    }
    self->on_handshake(ws->next_layer().release_socket());
  });
}

void ethernet_session::on_handshake(boost::asio::ip::tcp::socket socket) {
  if (network_.retired()) {
    log().info("[S{}] network {} was deleted during the handshake; closing", id_, network_.config.name);
    return;  // the socket closes as it goes out of scope
  }
  auto& net = *network_.network;
  connected_since_ = std::chrono::system_clock::now();
  ws_ = std::make_shared<batched_websocket>(std::move(socket),
                                            batched_websocket::limits{.max_message = max_message_size});
  port_ = net.attach(*this);
  attached_ = true;
  log().info("[S{}] connected: peer {}, network {}, port {}", id_, peer_, net.settings().name, port_);
  std::erase_if(network_.sessions, [](const auto& w) { return w.expired(); });
  network_.sessions.push_back(weak_from_this());
  auto ws = ws_;  // on_closed() may drop ws_ while start() is still running
  ws->start(shared_from_this());
}

void ethernet_session::on_binary(std::span<const std::byte> frame) {
  log().trace("[S{}] frame in, {} bytes", id_, frame.size());
  // May call deliver() on this and other sessions before it returns.
  if (attached_ && !network_.retired()) network_.network->receive(port_, frame);
}

void ethernet_session::close_going_away() {
  if (attached_ && ws_) ws_->close(websocket::close_code::going_away, "server shutting down, closed with 1001");
}

void ethernet_session::end_for_removal() {
  auto ws = ws_;  // detach() keeps the socket: the close still has to be sent
  detach("network deleted");
  if (ws) ws->close(websocket::close_code::going_away, "network deleted");
}

void ethernet_session::kick() {
  if (attached_ && ws_) ws_->close(websocket::close_code::policy_error, "kicked by an administrator");
}

bool ethernet_session::deliver(std::span<const std::byte> frame) {
  return attached_ && ws_->send(frame);
}

void ethernet_session::on_closed(std::string_view why) {
  detach(why);
  ws_.reset();  // breaks the session <-> socket cycle; pending handlers hold what they need
}

void ethernet_session::detach(std::string_view why) {
  if (!attached_ || network_.retired()) return;
  attached_ = false;
  auto& net = *network_.network;
  if (const auto* c = net.ethernet_switch().counters(port_)) {
    log().info("[S{}] disconnected: {}; peer {}, network {}, port {}, in {} frames/{} B, out {} frames/{} B, drops {}",
               id_, why, peer_, net.settings().name, port_, c->frames_in, c->bytes_in, c->frames_out, c->bytes_out,
               drop_summary(*c));
  }
  net.detach(port_);
}

}  // namespace switchyard::gateway
