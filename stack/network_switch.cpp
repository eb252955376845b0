// stack/network_switch.cpp - the learning Ethernet switch of one virtual network.
#include "stack/network_switch.hpp"

#include <algorithm>

namespace switchyard::stack {

const char* to_string(drop_reason r) {
  switch (r) {
    case drop_reason::runt: return "runt";
    case drop_reason::giant: return "giant";
    case drop_reason::bad_source: return "bad_source";
    case drop_reason::spoofed_source: return "spoofed_source";
    case drop_reason::mac_limit: return "mac_limit";
    case drop_reason::hairpin: return "hairpin";
    case drop_reason::queue_full: return "queue_full";
    case drop_reason::address_spoof: return "address_spoof";
    case drop_reason::rogue_dhcp: return "rogue_dhcp";
    case drop_reason::count_: break;
  }
  return "unknown";
}

port_id network_switch::attach(frame_sink& sink) {
  port_id id = next_id_++;
  ports_.emplace(id, port_state{.id = id, .sink = &sink, .gateway = false, .macs = {}, .counters = {}});
  return id;
}

port_id network_switch::attach_gateway(frame_sink& sink, net::mac_address gateway_mac) {
  port_id id = next_id_++;
  auto& p = ports_.emplace(id, port_state{.id = id, .sink = &sink, .gateway = true, .macs = {}, .counters = {}})
                .first->second;
  forget(gateway_mac);
  macs_[gateway_mac] = mac_entry{.port = id, .last_seen = {}, .pinned = true};
  p.macs.push_back(gateway_mac);
  return id;
}

void network_switch::detach(port_id id) {
  auto it = ports_.find(id);
  if (it == ports_.end()) return;
  for (auto mac : it->second.macs) macs_.erase(mac);
  ports_.erase(it);
}

network_switch::port_state* network_switch::find(port_id id) {
  auto it = ports_.find(id);
  return it == ports_.end() ? nullptr : &it->second;
}

const port_counters* network_switch::counters(port_id id) const {
  auto it = ports_.find(id);
  return it == ports_.end() ? nullptr : &it->second.counters;
}

std::optional<port_id> network_switch::lookup(net::mac_address mac, steady_time now) const {
  auto it = macs_.find(mac);
  if (it == macs_.end() || aged(it->second, now)) return std::nullopt;
  return it->second.port;
}

void network_switch::count_drop(port_state& p, drop_reason r) {
  ++p.counters.drops[static_cast<std::size_t>(r)];
  ++totals_.drops[static_cast<std::size_t>(r)];
}

void network_switch::forget(net::mac_address mac) {
  auto it = macs_.find(mac);
  if (it == macs_.end()) return;
  if (auto* owner = find(it->second.port)) std::erase(owner->macs, mac);
  macs_.erase(it);
}

// Returns false (and counts the drop) when `source` may not be sourced by `from`.
bool network_switch::learn(port_state& from, net::mac_address source, steady_time now) {
  if (source.is_group() || source.is_zero()) {
    count_drop(from, drop_reason::bad_source);
    return false;
  }
  auto it = macs_.find(source);
  if (it != macs_.end()) {
    mac_entry& e = it->second;
    if (e.port == from.id) {
      if (!e.pinned) e.last_seen = now;
      return true;
    }
    if (e.pinned || !aged(e, now)) {
      count_drop(from, drop_reason::spoofed_source);
      return false;
    }
    forget(source);  // aged on its old port: it may move here
  }
  if (from.macs.size() >= settings_.max_macs_per_port) {
    // Make room from this port's own aged MACs before refusing.
    std::erase_if(from.macs, [&](net::mac_address m) {
      auto e = macs_.find(m);
      if (e != macs_.end() && aged(e->second, now)) {
        macs_.erase(e);
        return true;
      }
      return false;
    });
    if (from.macs.size() >= settings_.max_macs_per_port) {
      count_drop(from, drop_reason::mac_limit);
      return false;
    }
  }
  macs_[source] = mac_entry{.port = from.id, .last_seen = now, .pinned = false};
  from.macs.push_back(source);
  return true;
}

void network_switch::send(port_id from, port_state& to, std::span<const std::byte> frame) {
  // Tapped before delivery: the gateway's sink answers synchronously, and its
  // answer must not reach a capture ahead of the question.
  if (tap_count_ != 0) tap_delivered(from, to.id, frame);
  if (!to.sink->deliver(frame)) {
    count_drop(to, drop_reason::queue_full);
    return;
  }
  ++to.counters.frames_out;
  to.counters.bytes_out += frame.size();
  ++totals_.frames_out;
  totals_.bytes_out += frame.size();
}

void network_switch::receive(port_id from_id, std::span<const std::byte> frame, steady_time now) {
  port_state* from = find(from_id);
  if (!from) return;
  if (tap_count_ != 0) tap_received(from_id, frame);
  ++from->counters.frames_in;
  from->counters.bytes_in += frame.size();
  ++totals_.frames_in;
  totals_.bytes_in += frame.size();

  auto eth = net::parse_ethernet(frame);
  if (!eth) return count_drop(*from, drop_reason::runt);
  if (frame.size() > settings_.max_frame_size) return count_drop(*from, drop_reason::giant);
  if (!learn(*from, eth->source, now)) return;
  if (filter_ && !from->gateway) {
    if (auto reason = filter_->check(from_id, *eth)) return count_drop(*from, *reason);
  }

  if (!eth->destination.is_group()) {
    auto it = macs_.find(eth->destination);
    if (it != macs_.end() && !aged(it->second, now)) {
      if (it->second.port == from_id) return count_drop(*from, drop_reason::hairpin);
      if (auto* to = find(it->second.port)) send(from_id, *to, frame);
      return;
    }
  }
  // Broadcast, multicast or unknown unicast: flood to every other port. Ids are
  // collected first because the gateway's sink re-enters receive() to answer.
  std::vector<port_id> targets;
  targets.reserve(ports_.size());
  for (auto& [id, p] : ports_)
    if (id != from_id) targets.push_back(id);
  for (port_id id : targets)
    if (auto* to = find(id)) send(from_id, *to, frame);
}

std::vector<net::mac_address> network_switch::macs(port_id id) const {
  auto it = ports_.find(id);
  return it == ports_.end() ? std::vector<net::mac_address>{} : it->second.macs;
}

bool network_switch::add_tap(frame_tap& tap, std::optional<port_id> port) {
  if (tap_count_ == max_taps || (port && !ports_.contains(*port))) return false;
  taps_[tap_count_++] = tap_entry{.tap = &tap, .port = port};
  return true;
}

void network_switch::remove_tap(frame_tap& tap) {
  std::size_t kept = 0;
  for (std::size_t i = 0; i < tap_count_; ++i)
    if (taps_[i].tap != &tap) taps_[kept++] = taps_[i];
  for (std::size_t i = kept; i < tap_count_; ++i) taps_[i] = tap_entry{};
  tap_count_ = kept;
}

// Every frame entering a port, once: whole-network taps and the sender's port taps.
void network_switch::tap_received(port_id from, std::span<const std::byte> frame) {
  for (std::size_t i = 0; i < tap_count_; ++i)
    if (!taps_[i].port || *taps_[i].port == from) taps_[i].tap->on_frame(from, frame);
}

// A frame handed to port `to`: only that port's taps (whole-network taps saw it entering).
void network_switch::tap_delivered(port_id from, port_id to, std::span<const std::byte> frame) {
  for (std::size_t i = 0; i < tap_count_; ++i)
    if (taps_[i].port == to) taps_[i].tap->on_frame(from, frame);
}

void network_switch::expire(steady_time now) {
  std::vector<net::mac_address> old;
  for (auto& [mac, e] : macs_)
    if (aged(e, now)) old.push_back(mac);
  for (auto mac : old) forget(mac);
}

}  // namespace switchyard::stack
