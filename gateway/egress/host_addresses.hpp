// gateway/egress/host_addresses.hpp - the server host's own addresses, which
// no VM may reach through egress (the server's public IP is as sensitive as its
// loopback: admin listeners, databases, the metadata-style services of a host).
#pragma once

#include <chrono>
#include <set>

#include "protocols/net/ipv4.hpp"

namespace switchyard::gateway {

class host_addresses {
 public:
  static constexpr std::chrono::seconds refresh_interval{10};

  /// True when `a` is assigned to any of this host's interfaces (in the
  /// server's network namespace). The list is re-read at most every
  /// refresh_interval, so addresses added later are seen within that time.
  bool contains(net::ipv4_address a);

 private:
  void refresh();

  std::set<std::uint32_t> addresses_;
  std::chrono::steady_clock::time_point read_at_{};
};

}  // namespace switchyard::gateway
