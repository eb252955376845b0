// gateway/egress/name_memory.cpp - addresses -> the names they were resolved from.
#include "gateway/egress/name_memory.hpp"

#include <algorithm>

namespace switchyard::gateway {

void name_memory::remember(net::ipv4_address address, const std::string& name, std::chrono::seconds ttl,
                           clock::time_point now) {
  auto expires = now + std::max<std::chrono::seconds>(ttl, min_lifetime);
  auto it = entries_.find(address.value());
  if (it == entries_.end()) {
    if (entries_.size() >= capacity_) evict(now);
    if (entries_.size() >= capacity_) return;  // full of live entries: forget nothing, learn nothing new
    it = entries_.emplace(address.value(), std::vector<named>{}).first;
  }
  auto& names = it->second;
  auto same = std::find_if(names.begin(), names.end(), [&](const named& n) { return n.name == name; });
  if (same != names.end()) {
    same->expires = std::max(same->expires, expires);
    return;
  }
  std::erase_if(names, [&](const named& n) { return n.expires <= now; });
  if (names.size() >= max_names_per_address) {
    // Keep the freshest: drop the entry that expires first.
    names.erase(std::min_element(names.begin(), names.end(),
                                 [](const named& a, const named& b) { return a.expires < b.expires; }));
  }
  names.push_back({name, expires});
}

std::vector<std::string> name_memory::names_for(net::ipv4_address address, clock::time_point now) const {
  std::vector<std::string> out;
  auto it = entries_.find(address.value());
  if (it == entries_.end()) return out;
  for (const auto& n : it->second)
    if (n.expires > now) out.push_back(n.name);
  return out;
}

void name_memory::evict(clock::time_point now) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    std::erase_if(it->second, [&](const named& n) { return n.expires <= now; });
    it = it->second.empty() ? entries_.erase(it) : std::next(it);
  }
}

}  // namespace switchyard::gateway
