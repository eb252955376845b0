// protocols/dhcp/lease_table.hpp - who holds which address on one network: the
// DHCP server's offers and leases with their indexes (pure, no policy).
//
// Theory of operation
//   A binding ties one client (its key: option 61 if sent, else the MAC, as
//   RFC 2131 4.2 says) to one address, either *offered* (held for the offer
//   time) or *bound* (a lease). The table keeps five views of the bindings in
//   step: by client, by address, by switch port, by expiry time and by
//   hostname. Every change goes through put()/erase(), which update all five,
//   so the views cannot disagree; check() verifies that they do not.
//
//   The table enforces what must never happen whatever the peers send: one
//   address held by two clients, one client holding two addresses, one name
//   used twice. A caller that tries is a bug in our code, so put() asserts.
//   Policy (which address, which port may hold how many, what is allowed)
//   lives in the server.
//
//   It also remembers, for a bounded number of clients, the address each last
//   held, so a VM that comes back after its lease expired gets the same
//   address (and keeps its DNS name's address) while nobody else took it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/net/ethernet.hpp"
#include "protocols/net/ipv4.hpp"

namespace switchyard::dhcp {

/// Lease times are wall-clock times so persisted leases mean the same after a
/// restart; the server takes `now` as an argument and never reads a clock.
using system_time = std::chrono::system_clock::time_point;

/// The port of a lease restored from storage whose client has not been heard
/// from since: switch port ids do not survive a restart. Counts against no port.
inline constexpr std::uint32_t no_port = 0xffff'ffff;

/// A granted address, as the caller persists it and publishes it in DNS.
struct lease {
  net::ipv4_address ip;
  net::mac_address mac;
  std::vector<std::byte> client_id;  ///< option 61 as sent (type byte first); empty if none
  std::string hostname;              ///< sanitised and unique in the network; empty if none
  std::uint32_t port = no_port;      ///< switch port the client was last heard on
  system_time expires_at{};

  bool operator==(const lease&) const = default;
};

/// The identity a lease is keyed by: option 61 if the client sent one, else its
/// MAC. The two kinds never compare equal.
using client_key = std::string;
client_key make_client_key(const std::vector<std::byte>& client_id, net::mac_address mac);

/// The longest DNS label (RFC 1035); hostnames are cut to it.
inline constexpr std::size_t max_hostname_size = 63;

/// A client's hostname (option 12) as a DNS label: the first dot-separated
/// part, lowercased, every byte that is not a letter, digit or hyphen turned
/// into a hyphen, hyphen runs collapsed, hyphens trimmed from both ends, cut to
/// 63. Empty if nothing is left.
std::string sanitize_hostname(std::string_view raw);

/// `base` with "-n" appended, cutting `base` so the result stays a valid label.
std::string hostname_with_suffix(std::string_view base, unsigned n);

enum class binding_state : std::uint8_t { offered, bound };

struct binding {
  lease info;  ///< for an offer: expires_at is when the offer lapses
  binding_state state = binding_state::offered;
  /// The sanitised name the client asked for; `info.hostname` is what it got
  /// (maybe with a "-2"). Kept so a renewal asking the same keeps the same.
  std::string requested_name;
};

class lease_table {
 public:
  struct port_usage {
    std::size_t bound = 0;
    std::size_t offered = 0;
  };

  const binding* find(const client_key& key) const;
  /// The client holding `ip` (offered or bound), if any.
  const client_key* holder(net::ipv4_address ip) const;
  /// The client using `name`, if any.
  const client_key* name_holder(const std::string& name) const;

  /// Inserts or replaces `key`'s binding. The address and the name must be free
  /// or already `key`'s (asserted: the server checks first).
  void put(const client_key& key, binding b);
  /// Removes `key`'s binding and returns it (nullopt if it had none).
  std::optional<binding> erase(const client_key& key);

  /// What `port` holds for clients other than `except`.
  port_usage usage(std::uint32_t port, const client_key& except) const;
  /// Clients other than `except` with an *offer* on `port`, oldest first.
  std::vector<client_key> offers_on_port(std::uint32_t port, const client_key& except) const;
  /// Clients with a bound lease on `port`, in address order.
  std::vector<client_key> bound_on_port(std::uint32_t port) const;

  /// The client whose binding lapses first, if that is at or before `now`.
  std::optional<client_key> next_due(system_time now) const;

  /// Remembers that `key` held `ip` (after a release or an expiry). At most
  /// `capacity` clients are remembered; the oldest memory goes first.
  void remember(const client_key& key, net::ipv4_address ip, std::size_t capacity);
  std::optional<net::ipv4_address> remembered(const client_key& key) const;
  /// True if `ip` is remembered as the last address of a client other than `key`.
  bool remembered_by_other(net::ipv4_address ip, const client_key& key) const;
  void forget(const client_key& key);

  const std::map<client_key, binding>& all() const { return bindings_; }
  std::size_t size() const { return bindings_.size(); }
  std::size_t remembered_count() const { return remembered_.size(); }

  /// Verifies that the views agree with each other; on failure says why.
  bool check(std::string* why) const;

 private:
  void unindex(const client_key& key, const binding& b);

  std::map<client_key, binding> bindings_;
  std::map<std::uint32_t, client_key> by_address_;
  std::map<std::uint32_t, std::set<client_key>> by_port_;
  std::set<std::pair<system_time, client_key>> by_expiry_;
  std::map<std::string, client_key> by_name_;

  struct memory {
    net::ipv4_address ip;
    std::uint64_t sequence = 0;
  };
  std::map<client_key, memory> remembered_;
  std::map<std::uint64_t, client_key> remembered_order_;
  std::map<std::uint32_t, client_key> remembered_by_ip_;
  std::uint64_t next_sequence_ = 0;
};

}  // namespace switchyard::dhcp
