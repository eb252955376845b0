// gateway/network_registry.hpp - the virtual networks, found by name: built from
// the config at startup, added and deleted at run time by the admin API.
//
// Entries are shared: sessions hold their network's entry, so an entry outlives
// its removal while they finish. Removal *retires* it first: its users (a
// capture) let go, its relay sessions detach and close with 1001, its Wisp
// streams end, and then its services and stack network are destroyed (those
// pointers become nullptr). What remains is a shell with the config and counters.
#pragma once

#include <chrono>
#include <functional>
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

class ethernet_session;
class wisp_session;

/// Wisp traffic of one network, for logs and (later) metrics.
struct wisp_counters {
  std::uint64_t connections = 0;
  std::uint64_t streams_opened = 0, streams_refused = 0;
  std::uint64_t bytes_from_clients = 0, bytes_to_clients = 0;
};

/// Something outside the sessions that uses a network (a live capture) and must
/// let go of it before the network is deleted: network_retiring() is called
/// synchronously, and afterwards the user must not touch the network again.
class network_user {
 public:
  virtual ~network_user() = default;
  virtual void network_retiring() = 0;
};

/// One network: its settings as written (the token lives here) and the live
/// network in the stack. After retirement `network`, `egress`, `dns`, `dhcp` are nullptr.
struct network_entry {
  network_config config;
  std::string origin = "config";  ///< "config" (the file) or "api" (created at run time)
  std::chrono::system_clock::time_point created = std::chrono::system_clock::now();
  std::unique_ptr<stack::virtual_network> network;
  std::unique_ptr<network_egress> egress;  ///< always present: with egress off it refuses (and counts)
  std::unique_ptr<dns_service> dns;    ///< nullptr when `dns = false`
  std::unique_ptr<dhcp_service> dhcp;  ///< nullptr when `dhcp = false`; declared last: dies first
  /// The relay sessions on this network, for a graceful shutdown (expired ones are pruned on add).
  std::vector<std::weak_ptr<ethernet_session>> sessions;
  std::vector<std::weak_ptr<wisp_session>> wisp_sessions;  ///< likewise, for /wisp/
  wisp_counters wisp;
  std::vector<std::weak_ptr<network_user>> users;
  bool retired() const { return network == nullptr; }
};

class lease_store;

/// Owns every network. Entries never move, so pointers from find() stay valid
/// until the network is removed (or the registry dies). Core loop only.
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
  /// The same entry, shared: sessions keep it alive across a removal.
  std::shared_ptr<network_entry> share(std::string_view name);
  /// Every network, sorted by name.
  void for_each(const std::function<void(const network_entry&)>& visit) const;
  void for_each(const std::function<void(network_entry&)>& visit);

  /// Builds and adds a network at run time (`origin` "api"). Throws
  /// config_error (name taken, a record the zone refuses, too many networks) or
  /// std::runtime_error (the stack refused): then nothing was added.
  network_entry& add(const network_config& config, std::string origin);
  /// Retires and removes the network; false when there is none by that name.
  /// Its leases are forgotten (a later network of that name starts afresh).
  bool remove(std::string_view name);

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
  network_entry& build(const network_config& config, std::string origin);
  void retire(network_entry& entry);

  boost::asio::io_context& core_;
  lease_store* leases_ = nullptr;
  resolver* forwarder_ = nullptr;
  std::map<std::string, std::shared_ptr<network_entry>, std::less<>> entries_;
};

/// The stack's view of a configured network.
stack::network_settings to_network_settings(const network_config& config);

}  // namespace switchyard::gateway
