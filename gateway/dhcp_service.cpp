// gateway/dhcp_service.cpp - DHCPv4 on a network's gateway.
#include "gateway/dhcp_service.hpp"

#include "gateway/lease_store.hpp"
#include "gateway/logging.hpp"

namespace switchyard::gateway {
namespace {

constexpr std::uint16_t server_port = 67;
constexpr std::uint16_t client_port = 68;
constexpr std::chrono::seconds expiry_interval{5};

spdlog::logger& log() {
  static const auto logger = get_logger("dhcp");
  return *logger;
}

stored_lease to_stored(const dhcp::lease& l) {
  return stored_lease{.address = l.ip,
                      .mac = l.mac,
                      .client_id = std::string(reinterpret_cast<const char*>(l.client_id.data()), l.client_id.size()),
                      .hostname = l.hostname,
                      .expires = l.expires_at};
}

dhcp::lease from_stored(const stored_lease& s) {
  dhcp::lease l;
  l.ip = s.address;
  l.mac = s.mac;
  l.client_id.assign(reinterpret_cast<const std::byte*>(s.client_id.data()),
                     reinterpret_cast<const std::byte*>(s.client_id.data() + s.client_id.size()));
  l.hostname = s.hostname;
  l.expires_at = s.expires;
  return l;
}

}  // namespace

dhcp::server_config to_dhcp_config(const network_config& c) {
  dhcp::server_config d;
  d.subnet = c.subnet;
  d.server_address = c.gateway;
  d.router = c.gateway;
  d.dns_server = c.dns ? c.gateway : net::ipv4_address{};
  d.domain = c.domain;
  d.mtu = static_cast<std::uint16_t>(c.mtu);
  d.pool_first = c.dhcp_first;
  d.pool_last = c.dhcp_last;
  d.lease_time = c.lease_time;
  d.max_leases_per_port = c.max_leases_per_port;
  for (const auto& h : c.hosts) d.reservations.push_back({.mac = h.mac, .ip = h.address, .name = h.name});
  return d;
}

dhcp_service::dhcp_service(boost::asio::io_context& core, stack::virtual_network& network,
                           const network_config& config, lease_store* store, name_observer on_name)
    : network_(network),
      name_(config.name),
      server_(to_dhcp_config(config)),
      store_(store),
      on_name_(std::move(on_name)),
      expiry_timer_(core) {
  if (store_) {
    auto now = std::chrono::system_clock::now();
    std::size_t restored = 0;
    for (const auto& s : store_->load(name_)) {
      auto result = server_.restore(from_stored(s), now);
      if (result != dhcp::restore_result::restored) {
        log().info("network {}: dropping stored lease {} ({})", name_, s.address.to_string(), dhcp::to_string(result));
        store_->remove(name_, s.address);
      } else {
        ++restored;
      }
    }
    // Names come from the server (restore() sanitises and de-duplicates them).
    for (const auto& l : server_.leases()) update_name(l, true);
    if (restored) log().info("network {}: restored {} lease(s)", name_, restored);
  }
  // Never offer an address a static VM is using: the gateway has heard it (ARP
  // or IPv4) from another MAC. Otherwise the guard would then hide the static
  // VM's ARP replies from the new client's conflict probe.
  server_.set_in_use_check([this](net::ipv4_address ip, net::mac_address mac) {
    auto seen = network_.gateway().neighbour_mac(ip);
    return seen && *seen != mac;
  });
  network_.gateway().bind_udp(server_port, this);
  schedule_expiry();
}

dhcp_service::~dhcp_service() {
  expiry_timer_.cancel();
  network_.gateway().bind_udp(server_port, nullptr);
}

void dhcp_service::on_datagram(const stack::udp_datagram& d) {
  if (!d.port) return;  // the source MAC is on no port: nothing to tie a lease to
  auto result = server_.handle(d.payload, dhcp::client_context{.port = *d.port, .source_mac = d.source_mac},
                               std::chrono::system_clock::now());
  if (result.result != dhcp::disposition::replied && result.result != dhcp::disposition::silent)
    log().debug("network {}: port {} {}: {}", name_, *d.port, d.source_mac.to_string(), dhcp::to_string(result.result));
  if (!apply(result.events)) return;  // not on disk: no ACK
  if (!result.response) return;
  const auto& r = *result.response;
  auto payload = dhcp::serialize(r.msg);
  network_.gateway().send_udp(r.destination_mac, r.destination_ip, client_port, network_.settings().gateway,
                              server_port, payload);
}

bool dhcp_service::revoke(net::ipv4_address ip) {
  bool held = server_.is_held(ip);
  apply(server_.revoke(ip));
  return held;
}

bool dhcp_service::apply(const std::vector<dhcp::lease_event>& events) {
  bool persisted = true;
  for (const auto& e : events) {
    const dhcp::lease& l = e.what;
    bool bound = e.kind == dhcp::lease_event_kind::granted || e.kind == dhcp::lease_event_kind::renewed;
    if (store_) {
      bool ok = bound ? store_->save(name_, to_stored(l)) : store_->remove(name_, l.ip);
      if (!ok) {
        log().error("network {}: cannot persist lease {}: {}", name_, l.ip.to_string(), store_->last_error());
        if (bound) persisted = false;
      }
    }
    if (bound) {
      if (l.port != dhcp::no_port) network_.guard().bind(l.port, l.ip);
      log().info("network {}: {} {} to {}{}{} on port {}", name_, dhcp::to_string(e.kind), l.ip.to_string(),
                 l.mac.to_string(), l.hostname.empty() ? "" : " as ", l.hostname, l.port);
    } else {
      network_.guard().unbind(l.ip);
      log().info("network {}: {} {} of {}", name_, dhcp::to_string(e.kind), l.ip.to_string(), l.mac.to_string());
    }
    update_name(l, bound);
  }
  return persisted;
}

// A renewal may carry a new name (or the old one under a new address): the
// name a lease had is taken away before the one it has now is published.
void dhcp_service::update_name(const dhcp::lease& l, bool bound) {
  auto it = names_.find(l.ip.value());
  if (it != names_.end() && (!bound || it->second != l.hostname)) {
    dhcp::lease old = l;
    old.hostname = it->second;
    if (on_name_) on_name_(old, false);
    names_.erase(it);
  }
  if (!bound || l.hostname.empty() || names_.contains(l.ip.value())) return;
  names_[l.ip.value()] = l.hostname;
  if (on_name_) on_name_(l, true);
}

void dhcp_service::schedule_expiry() {
  expiry_timer_.expires_after(expiry_interval);
  expiry_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    apply(server_.expire(std::chrono::system_clock::now()));
    schedule_expiry();
  });
}

}  // namespace switchyard::gateway
