// gateway/network_registry.cpp - the virtual networks, found by name; built from
// config at startup, added and removed at run time.
#include "gateway/network_registry.hpp"

#include <stdexcept>

#include "gateway/ethernet_session.hpp"
#include "gateway/lease_store.hpp"
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
    : core_(core), leases_(leases), forwarder_(forwarder) {
  for (const auto& config : networks) {
    // Config validation rejects duplicates; this guards callers that build
    // configs by hand (tests), since a second network would be unreachable.
    if (entries_.contains(config.name)) throw std::invalid_argument("duplicate network name '" + config.name + "'");
    build(config, "config");
  }
}

network_entry& network_registry::build(const network_config& config, std::string origin) {
  auto log = get_logger("switch");
  // Built aside and inserted last: a constructor that throws leaves no trace.
  auto entry = std::make_shared<network_entry>();
  entry->config = config;
  entry->origin = std::move(origin);
  entry->network = std::make_unique<stack::virtual_network>(core_, to_network_settings(config));
  log->info("network {}: subnet {}, gateway {}, mtu {}, max frame {}{}{}", config.name, config.subnet.to_string(),
            config.gateway.to_string(), config.mtu, entry->network->settings().max_frame_size(),
            config.token ? ", token required" : "", entry->origin == "api" ? ", created over the admin API" : "");
  entry->egress = std::make_unique<network_egress>(core_, *entry->network, config);
  if (config.egress.mode != policy::egress_mode::off)
    log->info("network {}: egress {} with {} rule(s)", config.name,
              config.egress.mode == policy::egress_mode::internet ? "internet" : "allowlist",
              config.egress.rules.size());
  if (config.dns)
    entry->dns = std::make_unique<dns_service>(core_, *entry->network, config, forwarder_, entry->egress.get());
  if (config.dhcp) {
    auto* dns = entry->dns.get();
    entry->dhcp = std::make_unique<dhcp_service>(core_, *entry->network, config, leases_,
                                                 [dns](const dhcp::lease& l, bool bound) {
                                                   if (dns) dns->set_host(l.hostname, l.ip, bound);
                                                 });
  }
  return *entries_.emplace(config.name, std::move(entry)).first->second;
}

network_entry& network_registry::add(const network_config& config, std::string origin) {
  if (entries_.contains(config.name))
    throw config_error("name: a network called \"" + config.name + "\" exists", "name",
                       "a network called \"" + config.name + "\" exists");
  if (entries_.size() >= max_networks)
    throw config_error("too many networks", "", "too many networks (at most " + std::to_string(max_networks) +
                                                    " per process; run more processes)");
  return build(config, std::move(origin));
}

bool network_registry::remove(std::string_view name) {
  auto it = entries_.find(name);
  if (it == entries_.end()) return false;
  auto entry = std::move(it->second);
  entries_.erase(it);
  for (auto& weak : entry->sessions)
    if (auto session = weak.lock()) session->end_for_removal();
  for (auto& weak : entry->wisp_sessions)
    if (auto session = weak.lock()) {
      session->abort_streams();
      session->close_going_away();
    }
  retire(*entry);
  if (leases_) leases_->remove_network(entry->config.name);
  get_logger("switch")->info("network {} deleted", entry->config.name);
  return true;
}

void network_registry::retire(network_entry& entry) {
  for (auto& weak : entry.users)
    if (auto user = weak.lock()) user->network_retiring();
  entry.users.clear();
  // The reverse of build(): DHCP names into DNS, DNS and egress use the network.
  entry.dhcp.reset();
  entry.dns.reset();
  entry.egress.reset();
  entry.network.reset();
}

network_registry::~network_registry() {
  // Sessions may outlive the registry (held by handlers pending in the loop at
  // exit) and hold their entries; the networks must still die here, before
  // lwIP. Wisp streams use the networks, so they end first.
  for (auto& [name, entry] : entries_) {
    for (auto& weak : entry->wisp_sessions)
      if (auto session = weak.lock()) session->abort_streams();
    retire(*entry);
  }
}

network_entry* network_registry::find(std::string_view name) {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : it->second.get();
}

const network_entry* network_registry::find(std::string_view name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : it->second.get();
}

std::shared_ptr<network_entry> network_registry::share(std::string_view name) {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : it->second;
}

void network_registry::for_each(const std::function<void(const network_entry&)>& visit) const {
  for (const auto& [name, entry] : entries_) visit(*entry);
}

void network_registry::for_each(const std::function<void(network_entry&)>& visit) {
  for (auto& [name, entry] : entries_) visit(*entry);
}

std::size_t network_registry::close_sessions() {
  std::size_t closed = 0;
  for (auto& [name, entry] : entries_) {
    for (auto& weak : entry->sessions) {
      if (auto session = weak.lock()) {
        session->close_going_away();
        ++closed;
      }
    }
    for (auto& weak : entry->wisp_sessions) {
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
    if (!entry->config.token && entry->dns && entry->dns->zone().is_authoritative_for(qname)) return entry.get();
  return nullptr;
}

std::vector<std::string> network_registry::names() const {
  std::vector<std::string> out;
  out.reserve(entries_.size());
  for (const auto& [name, entry] : entries_) out.push_back(name);
  return out;
}

}  // namespace switchyard::gateway
