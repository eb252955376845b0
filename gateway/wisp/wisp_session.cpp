// gateway/wisp/wisp_session.cpp - one Wisp connection. (Theory of operation in the header.)
#include "gateway/wisp/wisp_session.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket.hpp>
#include <fmt/format.h>

#include "gateway/endpoint_text.hpp"
#include "gateway/egress/network_egress.hpp"
#include "gateway/http_session.hpp"
#include "gateway/logging.hpp"
#include "gateway/network_registry.hpp"
#include "gateway/request_auth.hpp"
#include "gateway/resolver/resolver.hpp"
#include "gateway/wisp/datagram_upstream.hpp"
#include "gateway/wisp/lan_tcp_upstream.hpp"
#include "gateway/wisp/socket_upstream.hpp"
#include "protocols/dns/rdata.hpp"
#include "stack/gateway_netif.hpp"
#include "stack/virtual_network.hpp"

namespace switchyard::gateway {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace http = beast::http;

spdlog::logger& log() {
  static const auto logger = get_logger("wisp");
  return *logger;
}

policy::protocol to_policy(wisp::stream_type t) {
  return t == wisp::stream_type::udp ? policy::protocol::udp : policy::protocol::tcp;
}

// The first token of a Sec-WebSocket-Protocol list ("wisp-v2, other").
std::string first_subprotocol(std::string_view offered) {
  auto comma = offered.find(',');
  std::string_view first = offered.substr(0, comma);
  while (!first.empty() && (first.front() == ' ' || first.front() == '\t')) first.remove_prefix(1);
  while (!first.empty() && (first.back() == ' ' || first.back() == '\t')) first.remove_suffix(1);
  return std::string(first);
}

}  // namespace

wisp_session::wisp_session(asio::ip::tcp::socket&& socket, std::shared_ptr<network_entry> network, resolver* names,
                           std::uint64_t session_id)
    : io_(static_cast<asio::io_context&>(socket.get_executor().context())),
      handshake_socket_(std::move(socket)),
      keep_network_(std::move(network)),
      network_(*keep_network_),
      resolver_(names),
      id_(session_id) {
  boost::system::error_code ec;
  auto remote = handshake_socket_.remote_endpoint(ec);
  peer_ = ec ? std::string("?") : endpoint_text(remote);
}

// Streams were stopped by on_closed() or abort_streams(); a session destroyed
// with the loop at exit must not touch networks that are already gone.
wisp_session::~wisp_session() = default;

void wisp_session::abort_streams() {
  for (auto& [id, slot] : streams_)
    if (slot.upstream) slot.upstream->abort_now();
  for (auto& upstream : retired_) upstream->abort_now();
  streams_.clear();
  waiting_.clear();
  closed_ = true;
}

bool wisp_session::v2() const { return server_ && server_->v2(); }

std::vector<wisp_session::stream_info> wisp_session::streams() const {
  std::vector<stream_info> out;
  out.reserve(streams_.size());
  for (const auto& [id, slot] : streams_) out.push_back({id, slot.type, slot.host, slot.port});
  return out;
}

void wisp_session::run(request_type request) {
  std::string subprotocol = first_subprotocol(request[http::field::sec_websocket_protocol]);
  bool v2 = request.find(http::field::sec_websocket_protocol) != request.end();
  auto ws = std::make_shared<websocket::stream<beast::tcp_stream>>(std::move(handshake_socket_));
  ws->set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  websocket::permessage_deflate deflate;
  deflate.server_enable = false;
  ws->set_option(deflate);
  ws->set_option(websocket::stream_base::decorator([subprotocol](websocket::response_type& res) {
    res.set(http::field::server, server_header);
    // A browser fails the connection unless we pick one of the offered protocols.
    if (!subprotocol.empty()) res.set(http::field::sec_websocket_protocol, subprotocol);
  }));
  auto* stream = ws.get();
  stream->async_accept(request, [self = shared_from_this(), ws = std::move(ws), v2](beast::error_code ec) {
    if (ec) {
      log().debug("[S{}] WebSocket handshake with {} failed: {}", self->id_, self->peer_, ec.message());
      return;
    }
    self->on_handshake(ws->next_layer().release_socket(), v2);
  });
}

void wisp_session::on_handshake(asio::ip::tcp::socket socket, bool v2) {
  if (network_.retired()) {
    log().info("[S{}] network {} was deleted during the handshake; closing", id_, network_.config.name);
    return;  // the socket closes as it goes out of scope
  }
  const auto& settings = network_.config.wisp;
  ws_ = std::make_shared<batched_websocket>(std::move(socket),
                                            batched_websocket::limits{.max_message = max_message,
                                                                      .max_queued_frames = 1 << 16,
                                                                      .max_queued_bytes = 4 * high_water,
                                                                      .low_water = low_water});
  read_buffer_.resize(wisp::header_size + max_data);
  wisp::server_options options{.v2 = v2,
                               .buffer_size = settings.buffer_size,
                               .max_streams = settings.max_streams,
                               .udp = settings.udp,
                               .motd = settings.motd,
                               .check_password = nullptr};
  if (!settings.users.empty()) {
    options.check_password = [users = &network_.config.wisp.users](std::string_view user, std::string_view password) {
      bool ok = false;
      for (const auto& u : *users)  // every entry is compared: no early exit on a match
        if (token_matches(u.name, user) && token_matches(u.password, password)) ok = true;
      return ok;
    };
  }
  server_ = std::make_unique<wisp::server_connection>(std::move(options), *this);
  ++network_.wisp.connections;
  std::erase_if(network_.wisp_sessions, [](const auto& w) { return w.expired(); });
  network_.wisp_sessions.push_back(weak_from_this());
  log().info("[S{}] wisp {} connected: peer {}, network {}", id_, v2 ? "v2" : "v1", peer_, network_.config.name);
  auto ws = ws_;
  ws->start(shared_from_this());
  call_server([this] { server_->start(); });
}

void wisp_session::close_going_away() {
  if (ws_ && !closed_) ws_->close(websocket::close_code::going_away, "server shutting down, closed with 1001");
}

// --- the WebSocket ---------------------------------------------------------

void wisp_session::on_binary(std::span<const std::byte> message) {
  if (!server_) return;
  call_server([this, message] { server_->receive(message); });
}

void wisp_session::on_closed(std::string_view why) {
  if (closed_) return;
  closed_ = true;
  for (auto& [id, slot] : streams_)
    if (slot.upstream) {
      slot.upstream->stop();
      retire(std::move(slot.upstream));
    }
  log().info("[S{}] wisp disconnected: {}; peer {}, network {}, streams {} opened / {} refused, {} B in, {} B out", id_,
             why, peer_, network_.config.name, streams_opened_, streams_refused_, bytes_from_client_,
             bytes_to_client_);
  streams_.clear();
  waiting_.clear();
  ws_.reset();  // breaks the session <-> socket cycle
}

void wisp_session::on_drained() {
  // Resume only as many streams as the queue has room for: waking every
  // waiting stream would have most of them find the queue full again (one
  // epoll round trip each for nothing). The rest keep their place in line.
  if (!ws_) return;
  std::size_t queued = ws_->queued_bytes();
  std::size_t room = queued < high_water ? high_water - queued : 0;
  for (std::size_t budget = room / max_data + 1; budget > 0 && may_read() && !waiting_.empty(); --budget) {
    std::uint32_t id = waiting_.front();
    waiting_.pop_front();
    auto it = streams_.find(id);
    if (it != streams_.end() && it->second.upstream) it->second.upstream->resume();
  }
}

// --- server_connection events -------------------------------------------------

void wisp_session::send_packet(std::span<const std::byte> packet) {
  // The queue limit is four times the high-water mark, which upstreams respect:
  // a control packet that does not fit means something is badly wrong.
  if (ws_ && !ws_->send(packet)) ws_->close(websocket::close_code::try_again_later, "send queue overflow");
}

void wisp_session::on_ready(bool v2) { log().debug("[S{}] wisp handshake done ({})", id_, v2 ? "v2" : "v1"); }

void wisp_session::open_stream(std::uint32_t id, wisp::stream_type type, std::uint16_t port, std::string_view host) {
  auto& slot = streams_[id];
  slot = stream_slot{};
  slot.serial = next_serial_++;
  slot.type = type;
  slot.port = port;
  slot.host = std::string(host);
  if (port == 0) return refuse(id, wisp::close_reason::invalid_info, "port_zero");
  if (network_.retired()) return refuse(id, wisp::close_reason::unreachable, "network_deleted");
  auto& gateway = network_.network->gateway();
  auto route = route_host(host, gateway.subnet(), gateway.address(), network_.dns ? &network_.dns->zone() : nullptr);
  if (auto* lan = std::get_if<lan_route>(&route)) return connect_lan(id, slot, lan->address);
  if (auto* address = std::get_if<internet_address_route>(&route))
    return connect_internet(id, slot, address->address, address->names);
  if (auto* name = std::get_if<internet_name_route>(&route)) return resolve_then_connect(id, slot.serial, name->name);
  const auto& refused = std::get<refused_route>(route);
  refuse(id, refused.reason, refused.why);
}

void wisp_session::stream_data(std::uint32_t id, std::span<const std::byte> data) {
  auto it = streams_.find(id);
  if (it == streams_.end()) return;
  bytes_from_client_ += data.size();
  network_.wisp.bytes_from_clients += data.size();
  inflight_ += data.size();
  auto& slot = it->second;
  if (slot.upstream) slot.upstream->send(data);
  else slot.early.emplace_back(data.begin(), data.end());
  if (inflight_ > max_inflight && !reading_paused_ && ws_) {
    reading_paused_ = true;
    ws_->pause_reading();
  }
}

void wisp_session::close_stream(std::uint32_t id, wisp::close_reason) {
  auto it = streams_.find(id);
  if (it == streams_.end()) return;
  auto& slot = it->second;
  std::size_t held = 0;
  for (const auto& packet : slot.early) held += packet.size();
  if (slot.upstream) {
    held += slot.upstream->pending_bytes();
    slot.upstream->stop();
    retire(std::move(slot.upstream));
  }
  streams_.erase(it);
  release_inflight(held);
}

void wisp_session::fail(wisp::close_reason reason, std::string_view why) {
  log().info("[S{}] wisp connection from {} refused: {} ({})", id_, peer_, why, wisp::to_string(reason));
  if (ws_) ws_->close(websocket::close_code::policy_error, why);
}

// --- opening streams ------------------------------------------------------------

void wisp_session::connect_lan(std::uint32_t id, stream_slot& slot, net::ipv4_address vm) {
  auto& gateway = network_.network->gateway();
  auto& io = io_;
  std::shared_ptr<wisp_upstream> upstream;
  if (slot.type == wisp::stream_type::tcp)
    upstream = std::make_shared<lan_tcp_upstream>(io, *this, id, gateway, vm, slot.port,
                                                  network_.config.limits.connect_timeout);
  else
    upstream = std::make_shared<lan_datagram_upstream>(io, *this, id, gateway, vm, slot.port);
  start_upstream(slot, std::move(upstream));
}

void wisp_session::connect_internet(std::uint32_t id, stream_slot& slot, const policy::address& address,
                                    std::span<const std::string> names) {
  auto proto = to_policy(slot.type);
  auto verdict = network_.egress->check(
      policy::destination{.proto = proto, .addr = address, .port = slot.port, .names = names});
  if (!verdict.allowed) return refuse(id, wisp::close_reason::blocked, policy::to_string(verdict.why), &address);
  auto& io = io_;
  auto target = policy::canonicalize(address);
  std::shared_ptr<wisp_upstream> upstream;
  if (slot.type == wisp::stream_type::tcp)
    upstream = std::make_shared<socket_upstream>(io, *this, id, asio::ip::tcp::endpoint(target, slot.port),
                                                 network_.config.limits.connect_timeout);
  else
    upstream = std::make_shared<socket_datagram_upstream>(io, *this, id, asio::ip::udp::endpoint(target, slot.port));
  start_upstream(slot, std::move(upstream));
}

void wisp_session::resolve_then_connect(std::uint32_t id, std::uint64_t serial, std::string name) {
  if (!policy::may_resolve(network_.egress->policy(), name))
    return refuse(id, wisp::close_reason::blocked, "name_not_allowed");
  auto qname = dns::name::from_text(name);
  if (!resolver_ || !qname) return refuse(id, wisp::close_reason::unreachable, "no_resolver");
  resolver_->resolve(*qname, static_cast<std::uint16_t>(dns::rr_type::a),
                     [weak = weak_from_this(), id, serial, name](const resolution& r) {
                       auto self = weak.lock();
                       if (!self || self->closed_) return;
                       auto it = self->streams_.find(id);
                       if (it == self->streams_.end() || it->second.serial != serial) return;  // closed meanwhile
                       std::vector<policy::address> addresses;
                       if (r.code == dns::rcode::noerror)
                         for (const auto& rr : r.answers)
                           if (rr.type == static_cast<std::uint16_t>(dns::rr_type::a))
                             if (auto a = dns::read_a(rr.rdata)) addresses.emplace_back(asio::ip::address_v4(a->value()));
                       if (addresses.empty())
                         return self->refuse(id, wisp::close_reason::unreachable, "unresolvable");
                       auto names = names_in_answer(name, r.answers);
                       // The first address the policy allows; if none, the first refusal is reported.
                       auto proto = to_policy(it->second.type);
                       for (const auto& address : addresses) {
                         auto verdict = self->network_.egress->check(policy::destination{
                             .proto = proto, .addr = address, .port = it->second.port, .names = names});
                         if (verdict.allowed) return self->connect_internet(id, it->second, address, names);
                       }
                       self->connect_internet(id, it->second, addresses.front(), names);
                     });
}

void wisp_session::refuse(std::uint32_t id, wisp::close_reason reason, std::string_view why,
                          const policy::address* address) {
  ++streams_refused_;
  ++network_.wisp.streams_refused;
  auto it = streams_.find(id);
  if (it != streams_.end() && reason == wisp::close_reason::blocked) {
    net::ipv4_address destination;
    if (address && policy::canonicalize(*address).is_v4())
      destination = net::ipv4_address(policy::canonicalize(*address).to_v4().to_uint());
    // Wisp streams have no VM source: 0.0.0.0 marks them in the refusal log.
    if (network_.egress) network_.egress->note_refusal(to_policy(it->second.type), net::ipv4_address(), destination, it->second.port, why);
  }
  log().debug("[S{}] stream {} refused: {} ({})", id_, id, why, wisp::to_string(reason));
  end_stream(id, reason);
}

void wisp_session::start_upstream(stream_slot& slot, std::shared_ptr<wisp_upstream> upstream) {
  slot.upstream = upstream;
  upstream->start();
  for (const auto& packet : slot.early) upstream->send(packet);  // queued until it is open
  slot.early.clear();
}

// --- upstream events ---------------------------------------------------------

void wisp_session::upstream_open(std::uint32_t id) {
  ++streams_opened_;
  ++network_.wisp.streams_opened;
  call_server([this, id] { server_->stream_opened(id); });
}

void wisp_session::send_data_packet(std::uint32_t id, std::span<const std::byte> data) {
  packet_.resize(wisp::header_size + data.size());
  wisp::write_header(std::span(packet_).first<wisp::header_size>(), wisp::packet_type::data, id);
  std::memcpy(packet_.data() + wisp::header_size, data.data(), data.size());
  bytes_to_client_ += data.size();
  network_.wisp.bytes_to_clients += data.size();
  if (ws_) ws_->send(packet_);
}

void wisp_session::upstream_data(std::uint32_t id, std::span<const std::byte> data) {
  if (!closed_ && streams_.contains(id)) send_data_packet(id, data);
}

void wisp_session::upstream_read(std::uint32_t id, std::size_t n) {
  if (closed_ || !streams_.contains(id) || !ws_) return;
  wisp::write_header(std::span(read_buffer_).first<wisp::header_size>(), wisp::packet_type::data, id);
  bytes_to_client_ += n;
  network_.wisp.bytes_to_clients += n;
  ws_->send(std::span(read_buffer_).first(wisp::header_size + n));
}

void wisp_session::upstream_consumed(std::uint32_t id, std::uint32_t packets, std::size_t bytes) {
  release_inflight(bytes);
  call_server([this, id, packets] { server_->consumed(id, packets); });
}

void wisp_session::upstream_closed(std::uint32_t id, wisp::close_reason why) {
  log().debug("[S{}] stream {} ended: {}", id_, id, wisp::to_string(why));
  end_stream(id, why);
}

bool wisp_session::may_read() const { return ws_ && !closed_ && ws_->queued_bytes() < high_water; }

void wisp_session::wait_for_room(std::uint32_t id) { waiting_.push_back(id); }

std::span<std::byte> wisp_session::read_buffer() { return std::span(read_buffer_).subspan(wisp::header_size); }

// --- helpers ----------------------------------------------------------------------

void wisp_session::end_stream(std::uint32_t id, wisp::close_reason reason) {
  auto it = streams_.find(id);
  if (it == streams_.end()) return;
  std::size_t held = 0;
  for (const auto& packet : it->second.early) held += packet.size();
  if (auto upstream = std::move(it->second.upstream)) {
    held += upstream->pending_bytes();
    upstream->stop();
    retire(std::move(upstream));
  }
  streams_.erase(it);
  release_inflight(held);
  call_server([this, id, reason] { server_->close(id, reason); });
}

void wisp_session::retire(std::shared_ptr<wisp_upstream> upstream) {
  retired_.push_back(std::move(upstream));
  if (retire_posted_) return;
  retire_posted_ = true;
  asio::post(io_, [weak = weak_from_this()] {
    if (auto self = weak.lock()) {
      self->retire_posted_ = false;
      self->retired_.clear();
    }
  });
}

void wisp_session::run_deferred() {
  // Deferred calls may defer more; run until none is left.
  for (std::size_t i = 0; i < deferred_.size(); ++i) {
    auto next = std::move(deferred_[i]);
    next();
  }
  deferred_.clear();
  in_server_ = false;
}

void wisp_session::release_inflight(std::size_t bytes) {
  inflight_ -= std::min(inflight_, bytes);
  if (reading_paused_ && inflight_ <= max_inflight / 2 && ws_) {
    reading_paused_ = false;
    ws_->resume_reading();
  }
}

}  // namespace switchyard::gateway
