// protocols/dhcp/server.cpp - the DHCPv4 server of one virtual network (pure logic).
#include "protocols/dhcp/server.hpp"

#include <algorithm>
#include <cassert>
#include <stdexcept>

namespace switchyard::dhcp {

namespace {

constexpr std::uint64_t max_pool_size = 65536;
constexpr std::size_t max_domain_size = 253;

std::uint32_t seconds_of(std::chrono::seconds s) { return static_cast<std::uint32_t>(s.count()); }

}  // namespace

const char* to_string(lease_event_kind k) {
  switch (k) {
    case lease_event_kind::granted: return "granted";
    case lease_event_kind::renewed: return "renewed";
    case lease_event_kind::released: return "released";
    case lease_event_kind::expired: return "expired";
  }
  return "?";
}

const char* to_string(disposition d) {
  switch (d) {
    case disposition::replied: return "replied";
    case disposition::silent: return "silent";
    case disposition::dropped_malformed: return "dropped: malformed";
    case disposition::dropped_mac_mismatch: return "dropped: chaddr is not the frame's source";
    case disposition::dropped_rate_limited: return "dropped: rate limited";
    case disposition::dropped_relayed: return "dropped: relayed (giaddr set)";
    case disposition::dropped_client_conflict: return "dropped: client id leased to another MAC";
    case disposition::pool_exhausted: return "pool exhausted";
    case disposition::port_limit: return "port lease limit";
  }
  return "?";
}

const char* to_string(restore_result r) {
  switch (r) {
    case restore_result::restored: return "restored";
    case restore_result::expired: return "expired";
    case restore_result::bad_mac: return "bad MAC";
    case restore_result::bad_client_id: return "client id too long";
    case restore_result::outside_subnet: return "outside the subnet";
    case restore_result::not_assignable: return "not an assignable address";
    case restore_result::reserved_for_other: return "reserved for another MAC";
    case restore_result::reserved_elsewhere: return "this MAC has a reservation for another address";
    case restore_result::address_taken: return "address already leased";
    case restore_result::duplicate_client: return "client already has a lease";
  }
  return "?";
}

void validate(const server_config& c) {
  auto bad = [](const std::string& what) { throw std::invalid_argument(what); };
  const auto& s = c.subnet;
  if (s.prefix_length > 30) bad("subnet: must be /30 or larger");
  if ((s.network.value() & ~s.mask()) != 0) bad("subnet: host bits are set");
  auto host = [&s](net::ipv4_address a) { return s.contains(a) && a != s.network && a != s.broadcast(); };
  if (!host(c.server_address)) bad("server_address: not a host address of the subnet");
  if (c.router.value() != 0 && !host(c.router)) bad("router: not a host address of the subnet");
  if (!s.contains(c.pool_first) || !s.contains(c.pool_last)) bad("pool: not inside the subnet");
  if (c.pool_first > c.pool_last) bad("pool: first address is after the last");
  if (std::uint64_t{c.pool_last.value()} - c.pool_first.value() >= max_pool_size)
    bad("pool: more than 65536 addresses");
  if (c.domain.size() > max_domain_size) bad("domain: longer than 253 characters");
  if (c.lease_time < std::chrono::seconds(10) || c.lease_time > std::chrono::hours(24 * 365))
    bad("lease_time: must be between 10 s and a year");
  if (c.offer_hold < std::chrono::seconds(1) || c.offer_hold > std::chrono::hours(1))
    bad("offer_hold: must be between 1 s and an hour");
  if (c.decline_hold < std::chrono::seconds(0) || c.decline_hold > std::chrono::hours(24))
    bad("decline_hold: must be between 0 and a day");
  if (c.max_leases_per_port < 1) bad("max_leases_per_port: must be at least 1");
  if (c.rate_per_second < 1 || c.rate_burst < 1) bad("rate limit: rate and burst must be at least 1");
  std::map<std::uint64_t, int> macs;
  std::map<std::uint32_t, int> ips;
  std::map<std::string, int> names;
  for (const auto& r : c.reservations) {
    std::string where = "reservation " + r.mac.to_string() + ": ";
    if (r.mac.is_zero() || r.mac.is_group()) bad(where + "not a unicast MAC");
    if (!host(r.ip) || r.ip == c.server_address || r.ip == c.router || r.ip == c.dns_server)
      bad(where + "ip is not an assignable host address of the subnet");
    if (!r.name.empty() && sanitize_hostname(r.name) != r.name) bad(where + "name is not a lowercase DNS label");
    if (++macs[r.mac.value()] > 1) bad(where + "MAC reserved twice");
    if (++ips[r.ip.value()] > 1) bad(where + "ip reserved twice");
    if (!r.name.empty() && ++names[r.name] > 1) bad(where + "name reserved twice");
  }
}

server::server(server_config config) : config_(std::move(config)) {
  validate(config_);
  for (std::size_t i = 0; i < config_.reservations.size(); ++i) {
    const auto& r = config_.reservations[i];
    reservation_by_mac_[r.mac.value()] = i;
    reservation_by_ip_[r.ip.value()] = i;
    if (!r.name.empty()) reserved_names_[r.name] = r.mac;
  }
}

// ---- entry points -----------------------------------------------------------

outcome server::handle(const message& m, const client_context& from, system_time now) {
  outcome out;
  expire_bindings(now, out.events);
  if (!rate_allows(from.port, now)) {
    ++counters_.dropped_rate_limited;
    out.result = disposition::dropped_rate_limited;
    return out;
  }
  return process(m, from, now, std::move(out));
}

outcome server::handle(net::bytes payload, const client_context& from, system_time now) {
  outcome out;
  expire_bindings(now, out.events);
  if (!rate_allows(from.port, now)) {
    ++counters_.dropped_rate_limited;
    out.result = disposition::dropped_rate_limited;
    return out;
  }
  auto m = parse(payload);
  if (!m) {
    ++counters_.dropped_malformed;
    out.result = disposition::dropped_malformed;
    return out;
  }
  return process(*m, from, now, std::move(out));
}

std::vector<lease_event> server::expire(system_time now) {
  std::vector<lease_event> events;
  expire_bindings(now, events);
  // A port whose bucket has refilled is indistinguishable from a new one:
  // forget it, so ports that come and go do not grow the map.
  std::erase_if(rate_, [now](const auto& entry) { return entry.second <= now; });
  return events;
}

outcome server::process(const message& m, const client_context& from, system_time now, outcome out) {
  auto drop = [&out](disposition why, std::uint64_t& counter) {
    ++counter;
    out.result = why;
    return std::move(out);
  };
  bool from_client = m.type == message_type::discover || m.type == message_type::request ||
                     m.type == message_type::decline || m.type == message_type::release ||
                     m.type == message_type::inform;
  if (m.op != op_code::request || !from_client) return drop(disposition::dropped_malformed, counters_.dropped_malformed);
  if (m.chaddr != from.source_mac) return drop(disposition::dropped_mac_mismatch, counters_.dropped_mac_mismatch);
  if (m.chaddr.is_zero() || m.chaddr.is_group())
    return drop(disposition::dropped_malformed, counters_.dropped_malformed);
  if (m.giaddr.value() != 0) return drop(disposition::dropped_relayed, counters_.dropped_relayed);

  client_key key = make_client_key(m.client_id, m.chaddr);
  if (const binding* b = table_.find(key); b && b->state == binding_state::bound && b->info.mac != m.chaddr)
    return drop(disposition::dropped_client_conflict, counters_.dropped_client_conflict);

  switch (m.type) {
    case message_type::discover: on_discover(m, from, key, now, out); break;
    case message_type::request: on_request(m, from, key, now, out); break;
    case message_type::decline: on_decline(m, key, now, out); break;
    case message_type::release: on_release(m, key, out); break;
    case message_type::inform: on_inform(m, out); break;
    default: break;  // excluded above
  }
  return out;
}

// ---- message types ----------------------------------------------------------

void server::on_discover(const message& m, const client_context& from, const client_key& key, system_time now,
                         outcome& out) {
  ++counters_.discover;
  if (!make_room(from.port, key)) {
    ++counters_.port_limit;
    out.result = disposition::port_limit;
    return;
  }
  const binding* existing = table_.find(key);
  net::ipv4_address ip;
  std::string name;
  if (existing && existing->state == binding_state::bound) {
    // Offer the lease it has; it stays bound (and on its port) until a REQUEST.
    ip = existing->info.ip;
    name = existing->info.hostname;
  } else {
    auto chosen = choose_address(m, key);
    if (!chosen) {
      ++counters_.pool_exhausted;
      out.result = disposition::pool_exhausted;
      return;
    }
    ip = *chosen;
    std::string base = base_name(m.chaddr, m.hostname, existing);
    name = pick_name(key, m.chaddr, base, existing);
    table_.put(key, binding{.info = lease{.ip = ip,
                                          .mac = m.chaddr,
                                          .client_id = m.client_id,
                                          .hostname = name,
                                          .port = from.port,
                                          .expires_at = now + config_.offer_hold},
                            .state = binding_state::offered,
                            .requested_name = base});
  }
  message r = reply_to(m, message_type::offer);
  r.yiaddr = ip;
  r.lease_time = seconds_of(config_.lease_time);
  r.renewal_time = seconds_of(config_.lease_time / 2);
  r.rebinding_time = seconds_of(config_.lease_time * 7 / 8);
  add_network_options(r);
  r.hostname = name;
  send(std::move(r), m, out);
}

void server::on_request(const message& m, const client_context& from, const client_key& key, system_time now,
                        outcome& out) {
  ++counters_.request;
  const binding* existing = table_.find(key);
  auto malformed = [&] {
    ++counters_.dropped_malformed;
    out.result = disposition::dropped_malformed;
  };

  if (m.server_id) {
    if (*m.server_id != config_.server_address) {
      // SELECTING with another server: the client declined our offer.
      if (existing && existing->state == binding_state::offered) table_.erase(key);
      out.result = disposition::silent;
      return;
    }
    net::ipv4_address ip = m.requested_ip ? *m.requested_ip : m.ciaddr;
    if (ip.value() == 0) return malformed();
    if (existing && existing->info.ip == ip && may_hold(ip, key, m.chaddr)) return grant(m, from, key, ip, now, out);
    return send_nak(m, "offer expired or not made to you", out);
  }

  // INIT-REBOOT (requested IP, no ciaddr) or RENEWING/REBINDING (ciaddr).
  net::ipv4_address ip = m.ciaddr.value() != 0 ? m.ciaddr : m.requested_ip.value_or(net::ipv4_address{});
  if (ip.value() == 0) return malformed();
  if (!config_.subnet.contains(ip)) return send_nak(m, "wrong network", out);
  if (existing && existing->info.ip == ip && may_hold(ip, key, m.chaddr)) return grant(m, from, key, ip, now, out);
  if (existing && existing->state == binding_state::bound) return send_nak(m, "you hold another address", out);
  if (may_hold(ip, key, m.chaddr)) return grant(m, from, key, ip, now, out);  // authoritative: see header
  send_nak(m, "address not available", out);
}

void server::on_decline(const message& m, const client_key& key, system_time now, outcome& out) {
  ++counters_.decline;
  out.result = disposition::silent;
  if (m.server_id && *m.server_id != config_.server_address) return;
  if (!m.requested_ip) {
    ++counters_.dropped_malformed;
    out.result = disposition::dropped_malformed;
    return;
  }
  // Only the client's own address: a DECLINE must not quarantine a neighbour's.
  const binding* existing = table_.find(key);
  if (!existing || existing->info.ip != *m.requested_ip) return;
  auto b = table_.erase(key);
  if (b->state == binding_state::bound) out.events.push_back({lease_event_kind::released, b->info});
  quarantine(b->info.ip, now);
}

void server::on_release(const message& m, const client_key& key, outcome& out) {
  ++counters_.release;
  out.result = disposition::silent;
  if (m.server_id && *m.server_id != config_.server_address) return;
  const binding* existing = table_.find(key);
  if (!existing || existing->state != binding_state::bound || existing->info.ip != m.ciaddr) return;
  auto b = table_.erase(key);
  table_.remember(key, b->info.ip, config_.remembered_clients);
  out.events.push_back({lease_event_kind::released, b->info});
}

void server::on_inform(const message& m, outcome& out) {
  ++counters_.inform;
  if (m.ciaddr.value() == 0) {
    ++counters_.dropped_malformed;
    out.result = disposition::dropped_malformed;
    return;
  }
  if (!config_.subnet.contains(m.ciaddr)) {
    out.result = disposition::silent;  // configured for another network: not ours to advise
    return;
  }
  message r = reply_to(m, message_type::ack);
  r.ciaddr = m.ciaddr;
  add_network_options(r);
  send(std::move(r), m, out);
}

// ---- granting and replying --------------------------------------------------

void server::grant(const message& m, const client_context& from, const client_key& key, net::ipv4_address ip,
                   system_time now, outcome& out) {
  if (!make_room(from.port, key)) {
    ++counters_.port_limit;
    return send_nak(m, "too many leases on this port", out);
  }
  const binding* existing = table_.find(key);
  bool renewal = existing && existing->state == binding_state::bound && existing->info.ip == ip;
  std::string base = base_name(m.chaddr, m.hostname, existing);
  std::string name = pick_name(key, m.chaddr, base, existing);
  if (existing && existing->state == binding_state::bound && existing->info.ip != ip) {
    // Callers never move a bound client, but if one did, say so.
    auto old = table_.erase(key);
    out.events.push_back({lease_event_kind::released, old->info});
  }
  lease granted{.ip = ip,
                .mac = m.chaddr,
                .client_id = m.client_id,
                .hostname = name,
                .port = from.port,
                .expires_at = now + config_.lease_time};
  table_.put(key, binding{.info = granted, .state = binding_state::bound, .requested_name = base});
  table_.forget(key);  // the binding itself now says where it is
  out.events.push_back({renewal ? lease_event_kind::renewed : lease_event_kind::granted, granted});

  message r = reply_to(m, message_type::ack);
  r.ciaddr = m.ciaddr;
  r.yiaddr = ip;
  r.lease_time = seconds_of(config_.lease_time);
  r.renewal_time = seconds_of(config_.lease_time / 2);
  r.rebinding_time = seconds_of(config_.lease_time * 7 / 8);
  add_network_options(r);
  r.hostname = name;
  send(std::move(r), m, out);
}

void server::send_nak(const message& m, const char* reason, outcome& out) {
  message r = reply_to(m, message_type::nak);
  r.text = reason;
  send(std::move(r), m, out);
}

message server::reply_to(const message& request, message_type type) const {
  message r;
  r.op = op_code::reply;
  r.xid = request.xid;
  r.broadcast = request.broadcast;
  r.giaddr = request.giaddr;
  r.chaddr = request.chaddr;
  r.type = type;
  r.server_id = config_.server_address;
  r.client_id = request.client_id;  // RFC 6842
  return r;
}

void server::add_network_options(message& r) const {
  r.subnet_mask = net::ipv4_address(config_.subnet.mask());
  if (config_.router.value() != 0) r.router = config_.router;
  if (config_.dns_server.value() != 0) r.dns_server = config_.dns_server;
  r.domain_name = config_.domain;
  if (config_.mtu != 0) r.interface_mtu = config_.mtu;
}

void server::send(message reply_msg, const message& request, outcome& out) {
  // RFC 2131 4.1 with giaddr zero (relayed messages were dropped).
  net::mac_address mac = request.chaddr;
  net::ipv4_address ip = reply_msg.yiaddr;
  if (reply_msg.type == message_type::nak || (request.ciaddr.value() == 0 && request.broadcast)) {
    mac = net::mac_address::broadcast();
    ip = net::ipv4_address(0xffff'ffff);
  } else if (request.ciaddr.value() != 0) {
    ip = request.ciaddr;
  }
  switch (reply_msg.type) {
    case message_type::offer: ++counters_.offer; break;
    case message_type::ack: ++counters_.ack; break;
    case message_type::nak: ++counters_.nak; break;
    default: break;
  }
  out.result = disposition::replied;
  out.response = reply{.msg = std::move(reply_msg), .destination_mac = mac, .destination_ip = ip};
}

// ---- policy helpers ---------------------------------------------------------

bool server::rate_allows(std::uint32_t port, system_time now) {
  // GCRA: each message pushes the port's theoretical arrival time `tat` one
  // interval further; a message is allowed while tat stays within
  // (burst - 1) intervals of now.
  using duration = system_time::duration;
  const duration interval = std::chrono::duration_cast<duration>(std::chrono::seconds(1)) / config_.rate_per_second;
  const duration tolerance = interval * (config_.rate_burst - 1);
  auto [it, fresh] = rate_.try_emplace(port, now);
  system_time& tat = it->second;
  if (tat > now + tolerance + interval) tat = now;  // the clock stepped back: start over
  system_time next = std::max(tat, now);
  if (next - now > tolerance) return false;
  tat = next + interval;
  return true;
}

void server::expire_bindings(system_time now, std::vector<lease_event>& events) {
  while (auto key = table_.next_due(now)) {
    auto b = table_.erase(*key);
    if (b->state != binding_state::bound) continue;  // a lapsed offer: nothing to tell
    table_.remember(*key, b->info.ip, config_.remembered_clients);
    events.push_back({lease_event_kind::expired, std::move(b->info)});
  }
  std::erase_if(declined_, [now](const auto& entry) { return entry.second <= now; });
}

bool server::make_room(std::uint32_t port, const client_key& key) {
  auto used = table_.usage(port, key);
  if (used.bound >= config_.max_leases_per_port) return false;
  if (used.bound + used.offered < config_.max_leases_per_port) return true;
  // Displace this port's oldest offers to other clients (offers are cheap and
  // a port is one VM: the newest client is the one it is using).
  std::size_t excess = used.bound + used.offered + 1 - config_.max_leases_per_port;
  for (const auto& other : table_.offers_on_port(port, key)) {
    if (excess == 0) break;
    table_.erase(other);
    --excess;
  }
  return true;
}

bool server::is_special(net::ipv4_address ip) const {
  return ip == config_.subnet.network || ip == config_.subnet.broadcast() || ip == config_.server_address ||
         (config_.router.value() != 0 && ip == config_.router) ||
         (config_.dns_server.value() != 0 && ip == config_.dns_server);
}

bool server::in_pool(net::ipv4_address ip) const { return ip >= config_.pool_first && ip <= config_.pool_last; }

const reservation* server::reservation_for(net::mac_address mac) const {
  auto it = reservation_by_mac_.find(mac.value());
  return it == reservation_by_mac_.end() ? nullptr : &config_.reservations[it->second];
}

bool server::may_hold(net::ipv4_address ip, const client_key& key, net::mac_address mac) const {
  if (!config_.subnet.contains(ip) || is_special(ip)) return false;
  if (const client_key* owner = table_.holder(ip); owner && *owner != key) return false;
  if (const reservation* r = reservation_for(mac)) return ip == r->ip;  // a reserved MAC gets that or nothing
  return in_pool(ip) && !reservation_by_ip_.contains(ip.value()) && !declined_.contains(ip.value());
}

std::optional<net::ipv4_address> server::choose_address(const message& m, const client_key& key) {
  if (const reservation* r = reservation_for(m.chaddr))
    return may_hold(r->ip, key, m.chaddr) ? std::optional(r->ip) : std::nullopt;
  if (const binding* b = table_.find(key); b && may_hold(b->info.ip, key, m.chaddr)) return b->info.ip;
  if (auto last = table_.remembered(key); last && may_hold(*last, key, m.chaddr)) return *last;
  auto taken_by_other = [&](net::ipv4_address ip) { return in_use_ && in_use_(ip, m.chaddr); };
  if (m.requested_ip && may_hold(*m.requested_ip, key, m.chaddr) && !taken_by_other(*m.requested_ip))
    return *m.requested_ip;

  // Round-robin from a cursor, first skipping addresses other clients held
  // lately (so they get theirs back), then taking any free one.
  const std::uint32_t size = config_.pool_last.value() - config_.pool_first.value() + 1;
  for (int pass = 0; pass < 2; ++pass) {
    for (std::uint32_t i = 0; i < size; ++i) {
      std::uint32_t offset = (cursor_ + i) % size;
      net::ipv4_address ip(config_.pool_first.value() + offset);
      if (!may_hold(ip, key, m.chaddr) || taken_by_other(ip)) continue;
      if (pass == 0 && table_.remembered_by_other(ip, key)) continue;
      cursor_ = (offset + 1) % size;
      return ip;
    }
  }
  return std::nullopt;
}

std::string server::base_name(net::mac_address mac, const std::string& raw, const binding* existing) const {
  if (const reservation* r = reservation_for(mac); r && !r->name.empty()) return r->name;
  std::string requested = sanitize_hostname(raw);
  if (!requested.empty()) return requested;
  return existing ? existing->requested_name : std::string();
}

std::string server::pick_name(const client_key& key, net::mac_address mac, const std::string& base,
                              const binding* existing) const {
  if (base.empty()) return {};
  auto taken = [&](const std::string& name) {
    const client_key* user = table_.name_holder(name);
    if (user && *user != key) return true;
    auto reserved = reserved_names_.find(name);
    return reserved != reserved_names_.end() && reserved->second != mac;
  };
  // Same request, same answer: names stay stable across renewals. Checked
  // again, though: a client id may come back on another MAC, and a reserved
  // name must not travel with it.
  if (existing && existing->requested_name == base && !existing->info.hostname.empty() &&
      !taken(existing->info.hostname))
    return existing->info.hostname;
  // Terminates: every taken candidate is a distinct name held by a binding or a reservation.
  std::string name = base;
  for (unsigned n = 2; taken(name); ++n) name = hostname_with_suffix(base, n);
  return name;
}

void server::quarantine(net::ipv4_address ip, system_time now) {
  if (reservation_by_ip_.contains(ip.value()) || config_.max_declined == 0) return;
  if (!declined_.contains(ip.value()) && declined_.size() >= config_.max_declined) {
    auto oldest = std::min_element(declined_.begin(), declined_.end(),
                                   [](const auto& a, const auto& b) { return a.second < b.second; });
    declined_.erase(oldest);
  }
  declined_[ip.value()] = now + config_.decline_hold;
  ++counters_.declined_addresses;
}

// ---- persistence and queries ------------------------------------------------

restore_result server::restore(const lease& l, system_time now) {
  if (l.expires_at <= now) return restore_result::expired;
  if (l.mac.is_zero() || l.mac.is_group()) return restore_result::bad_mac;
  if (l.client_id.size() > max_client_id_size) return restore_result::bad_client_id;
  if (!config_.subnet.contains(l.ip)) return restore_result::outside_subnet;
  client_key key = make_client_key(l.client_id, l.mac);
  if (table_.find(key)) return restore_result::duplicate_client;
  if (const reservation* r = reservation_for(l.mac); r && r->ip != l.ip) return restore_result::reserved_elsewhere;
  if (auto r = reservation_by_ip_.find(l.ip.value());
      r != reservation_by_ip_.end() && config_.reservations[r->second].mac != l.mac)
    return restore_result::reserved_for_other;
  if (table_.holder(l.ip)) return restore_result::address_taken;
  if (!may_hold(l.ip, key, l.mac)) return restore_result::not_assignable;

  std::string base = base_name(l.mac, l.hostname, nullptr);
  std::string name = pick_name(key, l.mac, base, nullptr);
  table_.put(key, binding{.info = lease{.ip = l.ip,
                                        .mac = l.mac,
                                        .client_id = l.client_id,
                                        .hostname = name,
                                        .port = no_port,
                                        .expires_at = std::min(l.expires_at, now + config_.lease_time)},
                          .state = binding_state::bound,
                          .requested_name = base});
  return restore_result::restored;
}

std::vector<lease> server::leases_for_port(std::uint32_t port) const {
  std::vector<lease> out;
  for (const auto& key : table_.bound_on_port(port)) out.push_back(table_.find(key)->info);
  return out;
}

std::optional<lease> server::lease_for_port(std::uint32_t port) const {
  auto keys = table_.bound_on_port(port);
  if (keys.empty()) return std::nullopt;
  return table_.find(keys.front())->info;
}

std::vector<lease> server::leases() const {
  std::vector<lease> out;
  for (const auto& [key, b] : table_.all())
    if (b.state == binding_state::bound) out.push_back(b.info);
  std::sort(out.begin(), out.end(), [](const lease& a, const lease& b) { return a.ip < b.ip; });
  return out;
}

std::vector<lease_event> server::revoke(net::ipv4_address ip) {
  const client_key* holder = table_.holder(ip);
  if (!holder) return {};
  client_key key = *holder;
  auto b = table_.erase(key);
  if (!b) return {};
  // Not remembered: the address is free for anyone, the way an operator means it.
  if (b->state != binding_state::bound) return {};
  return {{lease_event_kind::released, b->info}};
}

std::optional<std::uint32_t> server::port_of_address(net::ipv4_address ip) const {
  const client_key* key = table_.holder(ip);
  if (!key) return std::nullopt;
  const binding* b = table_.find(*key);
  if (b->state != binding_state::bound || b->info.port == no_port) return std::nullopt;
  return b->info.port;
}

std::size_t server::offer_count() const {
  return static_cast<std::size_t>(std::count_if(table_.all().begin(), table_.all().end(), [](const auto& entry) {
    return entry.second.state == binding_state::offered;
  }));
}

bool server::check_invariants(std::string* why) const {
  auto fail = [why](const char* what) {
    if (why) *why = what;
    return false;
  };
  if (!table_.check(why)) return false;
  std::map<std::uint32_t, std::size_t> per_port;
  for (const auto& [key, b] : table_.all()) {
    const auto& l = b.info;
    if (key != make_client_key(l.client_id, l.mac)) return fail("a binding is filed under another client's key");
    if (!config_.subnet.contains(l.ip) || is_special(l.ip)) return fail("a binding holds a special address");
    if (const reservation* r = reservation_for(l.mac)) {
      if (l.ip != r->ip) return fail("a reserved MAC holds an address other than its reservation");
    } else {
      if (!in_pool(l.ip)) return fail("a binding holds an address outside the pool");
      if (reservation_by_ip_.contains(l.ip.value())) return fail("a binding holds another MAC's reservation");
    }
    if (declined_.contains(l.ip.value())) return fail("a binding holds a quarantined address");
    if (!l.hostname.empty()) {
      if (sanitize_hostname(l.hostname) != l.hostname) return fail("a hostname is not a valid label");
      auto reserved = reserved_names_.find(l.hostname);
      if (reserved != reserved_names_.end() && reserved->second != l.mac)
        return fail("a reserved name is used by another MAC");
    }
    if (l.port != no_port && ++per_port[l.port] > config_.max_leases_per_port)
      return fail("a port holds more bindings than its limit");
  }
  if (declined_.size() > config_.max_declined) return fail("too many quarantined addresses");
  return true;
}

}  // namespace switchyard::dhcp
