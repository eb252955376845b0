// gateway/egress/host_addresses.cpp - the host's own IPv4 addresses (getifaddrs).
#include "gateway/egress/host_addresses.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

namespace switchyard::gateway {

bool host_addresses::contains(net::ipv4_address a) {
  auto now = std::chrono::steady_clock::now();
  if (read_at_ == std::chrono::steady_clock::time_point{} || now - read_at_ >= refresh_interval) {
    refresh();
    read_at_ = now;
  }
  return addresses_.contains(a.value());
}

void host_addresses::refresh() {
  struct ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return;  // keep the last good list
  std::set<std::uint32_t> fresh;
  for (auto* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
    fresh.insert(ntohl(reinterpret_cast<const sockaddr_in*>(i->ifa_addr)->sin_addr.s_addr));
  }
  freeifaddrs(list);
  addresses_ = std::move(fresh);
}

}  // namespace switchyard::gateway
