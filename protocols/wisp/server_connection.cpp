// protocols/wisp/server_connection.cpp - the server side of one Wisp
// connection: handshake, stream table, credit (theory in the header).
#include "protocols/wisp/server_connection.hpp"

#include <algorithm>
#include <utility>

namespace switchyard::wisp {
namespace {

bool lists(const info_payload& info, extension_id id) {
  return std::any_of(info.extensions.begin(), info.extensions.end(),
                     [id](const extension_record& e) { return e.id == static_cast<std::uint8_t>(id); });
}

const extension_record* find_record(const info_payload& info, extension_id id) {
  for (const auto& e : info.extensions)
    if (e.id == static_cast<std::uint8_t>(id)) return &e;
  return nullptr;
}

/// The client's reason byte as is (unknown values included); a CLOSE without
/// one counts as unspecified.
close_reason client_reason(std::span<const std::byte> payload) {
  auto r = parse_close(payload);
  return r ? static_cast<close_reason>(*r) : close_reason::unspecified;
}

}  // namespace

server_connection::server_connection(server_options options, server_events& events)
    : options_(std::move(options)), events_(events) {
  // A zero buffer could never grant credit; the config validates 1..4096.
  options_.buffer_size = std::max<std::uint32_t>(options_.buffer_size, 1);
}

void server_connection::start() {
  if (phase_ != phase::idle) return;
  v2_ = options_.v2;
  if (!v2_) {
    // v1 has no way to present credentials.
    if (options_.check_password) return fail(close_reason::credentials_required, "v1 client but auth is required");
    auto c = make_continue(0, options_.buffer_size);
    events_.send_packet(c);
    ++counters_.continues_sent;
    continue0_sent_ = true;
    return become_open(false);
  }
  server_info info;
  info.udp = options_.udp;
  info.password_required = static_cast<bool>(options_.check_password);
  info.motd = options_.motd;
  info.stream_confirmation = true;
  events_.send_packet(make_server_info(info));
  if (options_.check_password) {
    phase_ = phase::awaiting_client_info;
    return;
  }
  // Until the client's INFO narrows them: UDP as announced, no confirmation
  // (a client of an older draft may never send INFO).
  auto c = make_continue(0, options_.buffer_size);
  events_.send_packet(c);
  ++counters_.continues_sent;
  continue0_sent_ = true;
  client_info_pending_ = true;
  become_open(true);
}

void server_connection::receive(std::span<const std::byte> message) {
  if (phase_ == phase::idle || phase_ == phase::failed) return;
  ++counters_.packets_in;
  auto p = parse_packet(message);
  if (phase_ == phase::awaiting_client_info) {
    if (!p) {
      ++counters_.protocol_errors;
      return fail(close_reason::credentials_required, "first message is not a Wisp packet");
    }
    return handle_handshake(*p);
  }
  if (!p) {
    ++counters_.protocol_errors;
    client_info_pending_ = false;
    return;
  }
  if (client_info_pending_) {
    client_info_pending_ = false;
    if (p->type == packet_type::info && p->stream_id == 0) {
      if (auto info = parse_info(p->payload)) {
        client_udp_ = lists(*info, extension_id::udp);
        confirmation_ = lists(*info, extension_id::stream_confirmation);
      } else {
        ++counters_.protocol_errors;
      }
      return;
    }
    // Not INFO: an older-draft client; the packet is an ordinary one.
  }
  handle(*p);
}

void server_connection::handle_handshake(const packet_view& p) {
  if (p.type == packet_type::close && p.stream_id == 0)
    return fail(client_reason(p.payload), "client closed the connection during the handshake", false);
  if (p.type != packet_type::info || p.stream_id != 0)
    return fail(close_reason::credentials_required, "client did not answer INFO with credentials");
  auto info = parse_info(p.payload);
  if (!info) {
    ++counters_.protocol_errors;
    return fail(close_reason::invalid_info, "malformed client INFO");
  }
  client_udp_ = lists(*info, extension_id::udp);
  confirmation_ = lists(*info, extension_id::stream_confirmation);
  const auto* record = find_record(*info, extension_id::password_auth);
  if (!record) return fail(close_reason::credentials_required, "client INFO carries no password");
  auto layouts = parse_client_password(record->payload);
  if (layouts.empty()) return fail(close_reason::credentials_required, "client password record is unreadable");
  // Draft 5 and draft 6 can both fit the same bytes: accept if either passes.
  bool ok = std::any_of(layouts.begin(), layouts.end(),
                        [this](const credentials& c) { return options_.check_password(c.username, c.password); });
  if (!ok) return fail(close_reason::bad_password, "wrong username or password");
  if (!continue0_sent_) {
    auto c = make_continue(0, options_.buffer_size);
    events_.send_packet(c);
    ++counters_.continues_sent;
    continue0_sent_ = true;
  }
  become_open(true);
}

void server_connection::handle(const packet_view& p) {
  switch (p.type) {
    case packet_type::data: return handle_data(p);
    case packet_type::connect: return handle_connect(p);
    case packet_type::close: {
      if (p.stream_id == 0) return fail(client_reason(p.payload), "client closed the connection", false);
      if (p.payload.empty()) ++counters_.protocol_errors;  // still torn down: the client considers it gone
      auto it = streams_.find(p.stream_id);
      if (it == streams_.end()) return;  // crossed our CLOSE
      streams_.erase(it);
      return events_.close_stream(p.stream_id, client_reason(p.payload));
    }
    case packet_type::continue_:  // we never send DATA the client must grant
    case packet_type::info:       // only as the client's first packet
      ++counters_.protocol_errors;
      return;
  }
}

void server_connection::handle_connect(const packet_view& p) {
  if (p.stream_id == 0) {
    ++counters_.protocol_errors;
    return;
  }
  if (auto live = streams_.find(p.stream_id); live != streams_.end()) {
    // Reusing a live id is a client bug: end the old stream on both sides
    // rather than guess which one later packets belong to.
    ++counters_.protocol_errors;
    ++counters_.streams_refused;
    streams_.erase(live);
    auto c = make_close(p.stream_id, close_reason::invalid_info);
    events_.send_packet(c);
    return events_.close_stream(p.stream_id, close_reason::invalid_info);
  }
  auto connect = parse_connect(p.payload);
  if (!connect) {
    ++counters_.protocol_errors;
    return refuse(p.stream_id, close_reason::invalid_info);
  }
  if (connect->type == stream_type::udp && !udp_allowed()) return refuse(p.stream_id, close_reason::invalid_info);
  if (streams_.size() >= options_.max_streams) return refuse(p.stream_id, close_reason::throttled);
  stream s;
  s.type = connect->type;
  s.allowed = options_.buffer_size;  // CONTINUE(0, buffer_size) covers every new stream
  streams_.emplace(p.stream_id, s);
  ++counters_.streams_opened;
  events_.open_stream(p.stream_id, connect->type, connect->port, connect->host);
}

void server_connection::handle_data(const packet_view& p) {
  if (p.stream_id == 0) {
    ++counters_.protocol_errors;
    return;
  }
  auto it = streams_.find(p.stream_id);
  if (it == streams_.end()) return;  // crossed our CLOSE on the wire
  stream& s = it->second;
  if (s.type == stream_type::tcp) {
    if (s.received == s.allowed) {
      // More than every grant added up: no honest client gets here, however
      // late our CONTINUEs reached it.
      ++counters_.credit_overruns;
      streams_.erase(it);
      auto c = make_close(p.stream_id, close_reason::throttled);
      events_.send_packet(c);
      return events_.close_stream(p.stream_id, close_reason::throttled);
    }
    ++s.received;
    ++s.unconsumed;
  }
  events_.stream_data(p.stream_id, p.payload);
}

void server_connection::stream_opened(std::uint32_t id) {
  auto it = streams_.find(id);
  if (it == streams_.end() || it->second.open) return;
  it->second.open = true;
  // TCP always: v86 waits for it. UDP only as the agreed v2 confirmation.
  if (it->second.type == stream_type::tcp || confirmation_) grant(id, it->second);
}

void server_connection::consumed(std::uint32_t id, std::uint32_t packets) {
  auto it = streams_.find(id);
  if (it == streams_.end() || it->second.type != stream_type::tcp) return;
  stream& s = it->second;
  auto n = std::min(packets, s.unconsumed);  // never more than arrived
  s.unconsumed -= n;
  s.consumed_since_grant += n;
  // Before stream_opened the client waits for its first CONTINUE anyway, and
  // that one carries the current value.
  if (s.open && s.consumed_since_grant > 0 &&
      2 * std::uint64_t{s.consumed_since_grant} >= options_.buffer_size)
    grant(id, s);
}

void server_connection::close(std::uint32_t id, close_reason reason) {
  auto it = streams_.find(id);
  if (it == streams_.end()) return;
  streams_.erase(it);
  auto c = make_close(id, reason);
  events_.send_packet(c);
}

bool server_connection::is_open(std::uint32_t id) const {
  auto it = streams_.find(id);
  return it != streams_.end() && it->second.open;
}

std::uint32_t server_connection::unconsumed(std::uint32_t id) const {
  auto it = streams_.find(id);
  return it == streams_.end() ? 0 : it->second.unconsumed;
}

bool server_connection::udp_allowed() const { return options_.udp && client_udp_; }

void server_connection::grant(std::uint32_t id, stream& s) {
  std::uint32_t remaining = s.unconsumed >= options_.buffer_size ? 0 : options_.buffer_size - s.unconsumed;
  s.allowed += remaining;
  s.consumed_since_grant = 0;
  auto c = make_continue(id, remaining);
  events_.send_packet(c);
  ++counters_.continues_sent;
}

void server_connection::refuse(std::uint32_t id, close_reason reason) {
  ++counters_.streams_refused;
  auto c = make_close(id, reason);
  events_.send_packet(c);
}

void server_connection::fail(close_reason reason, std::string_view why, bool send_close) {
  phase_ = phase::failed;
  client_info_pending_ = false;
  // The session closes the WebSocket and with it every upstream.
  streams_.clear();
  if (send_close) {
    auto c = make_close(0, reason);
    events_.send_packet(c);
  }
  events_.fail(reason, why);
}

void server_connection::become_open(bool v2) {
  phase_ = phase::open;
  v2_ = v2;
  events_.on_ready(v2);
}

}  // namespace switchyard::wisp
