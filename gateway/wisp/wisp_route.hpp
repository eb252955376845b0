// gateway/wisp/wisp_route.hpp - where a Wisp CONNECT goes: into the network's
// LAN, out through its egress, or nowhere (pure: no I/O).
//
//   IP literal in the subnet (not the gateway, network or broadcast address)
//                                  -> lan (lwIP into the VM)
//   gateway / network / broadcast  -> refused, blocked
//   other IP literal (any spelling classify_host accepts, canonicalised)
//                                  -> internet address (the egress policy decides)
//   a single label ("db")          -> the LAN name db.<domain>, or unresolvable:
//                                     single labels never leave the LAN
//   a name under the domain        -> its A record from the zone (CNAMEs followed
//                                     inside it): in the subnet -> lan; outside
//                                     -> internet address (with the name, for
//                                     domain rules); none -> unresolvable
//   any other name                 -> internet name (resolve, then policy)
//   anything else (bad bytes, "1.2.3.256") -> unresolvable
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "gateway/policy/policy.hpp"
#include "protocols/dns/zone.hpp"
#include "protocols/net/ipv4.hpp"
#include "protocols/wisp/packet.hpp"

namespace switchyard::gateway {

struct lan_route {
  net::ipv4_address address;
};
struct internet_address_route {
  policy::address address;
  std::vector<std::string> names;  ///< the LAN name that led here, if any
};
struct internet_name_route {
  std::string name;  ///< lowercase, no final dot
};
struct refused_route {
  wisp::close_reason reason;
  std::string_view why;  ///< for logs and refusal records
};
using wisp_route = std::variant<lan_route, internet_address_route, internet_name_route, refused_route>;

/// `zone` may be null (DNS off): then only literals reach the LAN.
wisp_route route_host(std::string_view host, net::ipv4_subnet subnet, net::ipv4_address gateway,
                      const dns::zone* zone);

}  // namespace switchyard::gateway
