// gateway/network_registry.hpp - the virtual networks built from config, found by name.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "gateway/config.hpp"
#include "gateway/dhcp_service.hpp"
#include "gateway/dns_service.hpp"
#include "gateway/egress/network_egress.hpp"
#include "stack/virtual_network.hpp"

namespace switchyard::gateway {

/// One configured network: its settings as written (the token lives here) and
/// the live network in the stack.
class ethernet_session;
class wisp_session;

/// Wisp traffic of one network, for logs and (later) metrics.
struct wisp_counters {
  std::uint64_t connections = 0;
  std::uint64_t streams_opened = 0, streams_refused = 0;
  std::uint64_t bytes_from_clients = 0, bytes_to_clients = 0;
};

struct network_entry {
  network_config config;
  std::unique_ptr<stack::virtual_network> network;
  std::unique_ptr<network_egress> egress;  ///< always present: with egress off it refuses (and counts)
  std::unique_ptr<dns_service> dns;    ///< nullptr when `dns = false`
  std::unique_ptr<dhcp_service> dhcp;  ///< nullptr when `dhcp = false`; declared last: dies first
  /// The relay sessions on this network, for a graceful shutdown (expired ones are pruned on add).
  std::vector<std::weak_ptr<ethernet_session>> sessions;
  std::vector<std::weak_ptr<wisp_session>> wisp_sessions;  ///< likewise, for /wisp/
  wisp_counters wisp;
};

class lease_store;

/// Owns every network for the life of the process. Entries never move, so
/// pointers from find() stay valid until the registry dies. Core loop only.
class network_registry {
 public:
  /// Builds one stack::virtual_network per config entry on `core`. The
  /// stack::lwip_core must exist already; stack errors while building throw.
  /// With `leases`, DHCP leases are restored from and persisted to it; with
  /// `forwarder` (outliving the registry), LAN DNS forwards what policy allows.
  network_registry(boost::asio::io_context& core, const std::vector<network_config>& networks,
                   lease_store* leases = nullptr, resolver* forwarder = nullptr);
  ~network_registry();
  network_registry(const network_registry&) = delete;
  network_registry& operator=(const network_registry&) = delete;

  /// The network called `name`, or nullptr. Names are compared exactly.
  network_entry* find(std::string_view name);
  const network_entry* find(std::string_view name) const;

  std::size_t size() const { return entries_.size(); }
  /// Sends every live relay session a close (1001 going away); returns how many.
  std::size_t close_sessions();
  /// Network names in sorted order (for logs and, later, the admin API).
  std::vector<std::string> names() const;
  /// The DoH resolver (nullptr when every network's egress is off).
  resolver* names_resolver() const { return forwarder_; }
  /// The token-less network whose DNS zone is authoritative for `qname`, if any.
  network_entry* zone_for(const dns::name& qname);

 private:
  resolver* forwarder_ = nullptr;
  std::map<std::string, network_entry, std::less<>> entries_;
};

/// The stack's view of a configured network.
stack::network_settings to_network_settings(const network_config& config);

}  // namespace switchyard::gateway
