// gateway/network_registry.cpp - the virtual networks built from config, found by name.
#include "gateway/network_registry.hpp"

#include <stdexcept>

#include "gateway/ethernet_session.hpp"
#include "gateway/logging.hpp"
#include "gateway/wisp/wisp_session.hpp"

namespace switchyard::gateway {

stack::network_settings to_network_settings(const network_config& config) {
  stack::network_settings s;
  s.name = config.name;
  s.subnet = config.subnet;
  s.gateway = config.gateway;
  s.mtu = config.mtu;
  s.max_macs_per_port = config.max_macs_per_port;
  s.mac_ageing = config.mac_ageing;
  return s;
}

network_registry::network_registry(boost::asio::io_context& core, const std::vector<network_config>& networks,
                                   lease_store* leases, resolver* forwarder)
    : forwarder_(forwarder) {
  auto log = get_logger("switch");
  for (const auto& config : networks) {
    // Config validation rejects duplicates; this guards callers that build
    // configs by hand (tests), since a second network would be unreachable.
    if (entries_.contains(config.name)) throw std::invalid_argument("duplicate network name '" + config.name + "'");
    auto network = std::make_unique<stack::virtual_network>(core, to_network_settings(config));
    log->info("network {}: subnet {}, gateway {}, mtu {}, max frame {}{}", config.name, config.subnet.to_string(),
              config.gateway.to_string(), config.mtu, network->settings().max_frame_size(),
              config.token ? ", token required" : "");
    auto& entry =
        entries_.emplace(config.name, network_entry{config, std::move(network), nullptr, nullptr, nullptr, {}, {}, {}})
            .first->second;
    entry.egress = std::make_unique<network_egress>(core, *entry.network, config);
    if (config.egress.mode != policy::egress_mode::off)
      log->info("network {}: egress {} with {} rule(s)", config.name,
                config.egress.mode == policy::egress_mode::internet ? "internet" : "allowlist",
                config.egress.rules.size());
    if (config.dns) entry.dns = std::make_unique<dns_service>(core, *entry.network, config, forwarder, entry.egress.get());
    if (config.dhcp) {
      auto* dns = entry.dns.get();
      entry.dhcp = std::make_unique<dhcp_service>(
          core, *entry.network, config, leases, [dns](const dhcp::lease& l, bool bound) {
            if (dns) dns->set_host(l.hostname, l.ip, bound);
          });
    }
  }
}

// Out of line so the unique_ptr's deleter sees the complete virtual_network.
network_registry::~network_registry() {
  // Wisp sessions may outlive the registry (held by handlers pending in the
  // loop at exit); their streams use the networks, so they end here.
  for (auto& [name, entry] : entries_)
    for (auto& weak : entry.wisp_sessions)
      if (auto session = weak.lock()) session->abort_streams();
}

network_entry* network_registry::find(std::string_view name) {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : &it->second;
}

const network_entry* network_registry::find(std::string_view name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : &it->second;
}

std::size_t network_registry::close_sessions() {
  std::size_t closed = 0;
  for (auto& [name, entry] : entries_) {
    for (auto& weak : entry.sessions) {
      if (auto session = weak.lock()) {
        session->close_going_away();
        ++closed;
      }
    }
    for (auto& weak : entry.wisp_sessions) {
      if (auto session = weak.lock()) {
        session->close_going_away();
        ++closed;
      }
    }
  }
  return closed;
}

network_entry* network_registry::zone_for(const dns::name& qname) {
  for (auto& [name, entry] : entries_)
    if (!entry.config.token && entry.dns && entry.dns->zone().is_authoritative_for(qname)) return &entry;
  return nullptr;
}

std::vector<std::string> network_registry::names() const {
  std::vector<std::string> out;
  out.reserve(entries_.size());
  for (const auto& [name, entry] : entries_) out.push_back(name);
  return out;
}

}  // namespace switchyard::gateway
