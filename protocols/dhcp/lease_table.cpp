// protocols/dhcp/lease_table.cpp - who holds which address on one network (pure, no policy).
#include "protocols/dhcp/lease_table.hpp"

#include <algorithm>
#include <cassert>

namespace switchyard::dhcp {

client_key make_client_key(const std::vector<std::byte>& client_id, net::mac_address mac) {
  client_key key;
  if (!client_id.empty()) {
    key.reserve(1 + client_id.size());
    key.push_back('C');
    for (auto b : client_id) key.push_back(static_cast<char>(std::to_integer<unsigned char>(b)));
  } else {
    key.push_back('M');
    for (int shift = 40; shift >= 0; shift -= 8) key.push_back(static_cast<char>((mac.value() >> shift) & 0xff));
  }
  return key;
}

std::string sanitize_hostname(std::string_view raw) {
  raw = raw.substr(0, raw.find('.'));  // an FQDN's first label is the host's name
  std::string out;
  out.reserve(std::min(raw.size(), max_hostname_size));
  for (char c : raw) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    bool ldh = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!ldh) c = '-';
    if (c == '-' && (out.empty() || out.back() == '-')) continue;  // no leading hyphens, no runs
    out.push_back(c);
    if (out.size() == max_hostname_size) break;
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

std::string hostname_with_suffix(std::string_view base, unsigned n) {
  std::string suffix = "-" + std::to_string(n);
  std::string out(base.substr(0, max_hostname_size - suffix.size()));
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out + suffix;
}

const binding* lease_table::find(const client_key& key) const {
  auto it = bindings_.find(key);
  return it == bindings_.end() ? nullptr : &it->second;
}

const client_key* lease_table::holder(net::ipv4_address ip) const {
  auto it = by_address_.find(ip.value());
  return it == by_address_.end() ? nullptr : &it->second;
}

const client_key* lease_table::name_holder(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &it->second;
}

void lease_table::put(const client_key& key, binding b) {
  const client_key* owner = holder(b.info.ip);
  const client_key* namer = b.info.hostname.empty() ? nullptr : name_holder(b.info.hostname);
  bool address_free = !owner || *owner == key;
  bool name_free = !namer || *namer == key;
  assert(address_free && name_free);
  if (!address_free || !name_free) return;  // release builds: refuse rather than corrupt the views

  auto it = bindings_.find(key);
  if (it != bindings_.end()) unindex(key, it->second);
  by_address_[b.info.ip.value()] = key;
  by_port_[b.info.port].insert(key);
  by_expiry_.emplace(b.info.expires_at, key);
  if (!b.info.hostname.empty()) by_name_[b.info.hostname] = key;
  bindings_[key] = std::move(b);
}

std::optional<binding> lease_table::erase(const client_key& key) {
  auto it = bindings_.find(key);
  if (it == bindings_.end()) return std::nullopt;
  unindex(key, it->second);
  binding b = std::move(it->second);
  bindings_.erase(it);
  return b;
}

void lease_table::unindex(const client_key& key, const binding& b) {
  if (auto a = by_address_.find(b.info.ip.value()); a != by_address_.end() && a->second == key) by_address_.erase(a);
  if (auto p = by_port_.find(b.info.port); p != by_port_.end()) {
    p->second.erase(key);
    if (p->second.empty()) by_port_.erase(p);
  }
  by_expiry_.erase({b.info.expires_at, key});
  if (!b.info.hostname.empty())
    if (auto n = by_name_.find(b.info.hostname); n != by_name_.end() && n->second == key) by_name_.erase(n);
}

lease_table::port_usage lease_table::usage(std::uint32_t port, const client_key& except) const {
  port_usage u;
  auto p = by_port_.find(port);
  if (p == by_port_.end()) return u;
  for (const auto& key : p->second) {
    if (key == except) continue;
    if (bindings_.at(key).state == binding_state::bound) ++u.bound;
    else ++u.offered;
  }
  return u;
}

std::vector<client_key> lease_table::offers_on_port(std::uint32_t port, const client_key& except) const {
  std::vector<std::pair<system_time, client_key>> offers;
  if (auto p = by_port_.find(port); p != by_port_.end())
    for (const auto& key : p->second) {
      const auto& b = bindings_.at(key);
      if (key != except && b.state == binding_state::offered) offers.emplace_back(b.info.expires_at, key);
    }
  std::sort(offers.begin(), offers.end());
  std::vector<client_key> out;
  for (auto& o : offers) out.push_back(std::move(o.second));
  return out;
}

std::vector<client_key> lease_table::bound_on_port(std::uint32_t port) const {
  std::vector<std::pair<std::uint32_t, client_key>> found;
  if (auto p = by_port_.find(port); p != by_port_.end())
    for (const auto& key : p->second) {
      const auto& b = bindings_.at(key);
      if (b.state == binding_state::bound) found.emplace_back(b.info.ip.value(), key);
    }
  std::sort(found.begin(), found.end());
  std::vector<client_key> out;
  for (auto& f : found) out.push_back(std::move(f.second));
  return out;
}

std::optional<client_key> lease_table::next_due(system_time now) const {
  if (by_expiry_.empty() || by_expiry_.begin()->first > now) return std::nullopt;
  return by_expiry_.begin()->second;
}

void lease_table::remember(const client_key& key, net::ipv4_address ip, std::size_t capacity) {
  forget(key);
  if (capacity == 0) return;
  std::uint64_t sequence = next_sequence_++;
  remembered_[key] = memory{ip, sequence};
  remembered_order_[sequence] = key;
  remembered_by_ip_[ip.value()] = key;  // the latest holder wins the address's memory
  while (remembered_.size() > capacity) {
    client_key oldest = remembered_order_.begin()->second;  // a copy: forget() erases the original
    forget(oldest);
  }
}

std::optional<net::ipv4_address> lease_table::remembered(const client_key& key) const {
  auto it = remembered_.find(key);
  if (it == remembered_.end()) return std::nullopt;
  return it->second.ip;
}

bool lease_table::remembered_by_other(net::ipv4_address ip, const client_key& key) const {
  auto it = remembered_by_ip_.find(ip.value());
  return it != remembered_by_ip_.end() && it->second != key;
}

void lease_table::forget(const client_key& key) {
  auto it = remembered_.find(key);
  if (it == remembered_.end()) return;
  remembered_order_.erase(it->second.sequence);
  if (auto m = remembered_by_ip_.find(it->second.ip.value()); m != remembered_by_ip_.end() && m->second == key)
    remembered_by_ip_.erase(m);
  remembered_.erase(it);
}

bool lease_table::check(std::string* why) const {
  auto fail = [why](const char* what) {
    if (why) *why = what;
    return false;
  };
  std::size_t named = 0, ported = 0;
  for (const auto& [key, b] : bindings_) {
    auto a = by_address_.find(b.info.ip.value());
    if (a == by_address_.end() || a->second != key) return fail("a binding is missing from the address index");
    auto p = by_port_.find(b.info.port);
    if (p == by_port_.end() || !p->second.contains(key)) return fail("a binding is missing from the port index");
    if (!by_expiry_.contains({b.info.expires_at, key})) return fail("a binding is missing from the expiry index");
    if (!b.info.hostname.empty()) {
      ++named;
      auto n = by_name_.find(b.info.hostname);
      if (n == by_name_.end() || n->second != key) return fail("a binding is missing from the name index");
    }
  }
  for (const auto& [port, keys] : by_port_) ported += keys.size();
  // Equal sizes plus "every binding is in each index" means the indexes hold
  // nothing else: an address or a name with two holders cannot exist.
  if (by_address_.size() != bindings_.size()) return fail("address index size differs (an address held twice?)");
  if (ported != bindings_.size()) return fail("port index size differs");
  if (by_expiry_.size() != bindings_.size()) return fail("expiry index size differs");
  if (by_name_.size() != named) return fail("name index size differs (a name used twice?)");
  if (remembered_order_.size() != remembered_.size()) return fail("memory order size differs");
  for (const auto& [ip, key] : remembered_by_ip_) {
    auto m = remembered_.find(key);
    if (m == remembered_.end() || m->second.ip.value() != ip) return fail("address memory points nowhere");
  }
  return true;
}

}  // namespace switchyard::dhcp
