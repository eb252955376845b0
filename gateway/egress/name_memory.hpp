// gateway/egress/name_memory.hpp - which names this network's resolver gave
// out for which addresses, so a VM's connection to an address is judged by the
// domain rules of the names it looked up. Pure (time is passed in).
//
// Bounded: at most `capacity` addresses, each with at most max_names_per_address
// names; entries live as long as the DNS answer's TTL (at least min_lifetime,
// because guests cache answers a little longer than they should).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "protocols/net/ipv4.hpp"

namespace switchyard::gateway {

class name_memory {
 public:
  using clock = std::chrono::steady_clock;
  static constexpr std::size_t max_names_per_address = 8;
  static constexpr std::chrono::seconds min_lifetime{300};

  explicit name_memory(std::size_t capacity = 16384) : capacity_(capacity) {}

  /// The resolver answered `name` (lowercase, no final dot) with `address`.
  void remember(net::ipv4_address address, const std::string& name, std::chrono::seconds ttl, clock::time_point now);
  /// The names `address` was given out for and that have not expired.
  std::vector<std::string> names_for(net::ipv4_address address, clock::time_point now) const;
  std::size_t size() const { return entries_.size(); }

 private:
  struct named {
    std::string name;
    clock::time_point expires;
  };
  void evict(clock::time_point now);

  std::size_t capacity_;
  std::unordered_map<std::uint32_t, std::vector<named>> entries_;
};

}  // namespace switchyard::gateway
