// gateway/wisp/wisp_route.cpp - where a Wisp CONNECT goes (pure).
#include "gateway/wisp/wisp_route.hpp"

#include <algorithm>

#include "protocols/dns/rdata.hpp"

namespace switchyard::gateway {
namespace {

wisp_route route_address(const policy::address& address, net::ipv4_subnet subnet, net::ipv4_address gateway,
                         std::vector<std::string> names) {
  if (address.is_v4()) {
    net::ipv4_address v4(address.to_v4().to_uint());
    if (subnet.contains(v4)) {
      if (v4 == gateway || v4 == subnet.network || v4 == subnet.broadcast())
        return refused_route{wisp::close_reason::blocked, "gateway_address"};
      return lan_route{v4};
    }
  }
  return internet_address_route{address, std::move(names)};
}

// The A record the zone holds for `name` (CNAMEs inside the zone followed).
std::optional<net::ipv4_address> zone_address(const dns::zone& zone, const dns::name& name) {
  auto answer = zone.resolve(name, static_cast<std::uint16_t>(dns::rr_type::a));
  if (answer.code != dns::rcode::noerror) return std::nullopt;
  for (const auto& record : answer.final_records) {
    if (record.type != static_cast<std::uint16_t>(dns::rr_type::a)) continue;
    if (auto address = dns::read_a(record.rdata)) return address;
  }
  return std::nullopt;
}

}  // namespace

wisp_route route_host(std::string_view host, net::ipv4_subnet subnet, net::ipv4_address gateway,
                      const dns::zone* zone) {
  auto kind = policy::classify_host(host);
  if (kind.kind == policy::host_kind::invalid) return refused_route{wisp::close_reason::unreachable, "invalid_host"};
  if (kind.kind == policy::host_kind::ip_address) return route_address(*kind.addr, subnet, gateway, {});

  auto normal = policy::normalize_domain(host);
  if (!normal || normal->empty() || normal->starts_with('*'))
    return refused_route{wisp::close_reason::unreachable, "invalid_host"};
  std::string name = *normal;
  bool single_label = name.find('.') == std::string::npos;
  if (!zone) {
    if (single_label) return refused_route{wisp::close_reason::unreachable, "unknown_lan_name"};
    return internet_name_route{std::move(name)};
  }
  std::string full = single_label ? name + "." + zone->domain().to_text() : name;
  auto qname = dns::name::from_text(full);
  if (!qname) return refused_route{wisp::close_reason::unreachable, "invalid_host"};
  if (!zone->is_authoritative_for(*qname)) return internet_name_route{std::move(name)};
  auto address = zone_address(*zone, *qname);
  if (!address) return refused_route{wisp::close_reason::unreachable, "unknown_lan_name"};
  if (!full.empty() && full.back() == '.') full.pop_back();
  return route_address(boost::asio::ip::address_v4(address->value()), subnet, gateway, {full});
}

}  // namespace switchyard::gateway
