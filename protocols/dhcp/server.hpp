// protocols/dhcp/server.hpp - the DHCPv4 server of one virtual network (pure logic).
//
// Theory of operation
//   The caller (gateway/, on the core loop) hands each DHCP message that
//   reached the gateway's port 67, with the switch port it came in on and the
//   frame's source MAC, to handle(). It gets back an outcome: at most one reply
//   with where to send it, and lease events to persist (before sending the
//   reply: an ACK must never promise what a crash would forget) and to publish
//   in DNS. Time is an argument; nothing here reads a clock, does I/O or logs.
//
//   Trust: the switch authenticates source MACs (port security), so chaddr
//   must equal the frame's source MAC, or the message is dropped. Option 61
//   is not authenticated, so a client id never moves a live lease to another
//   MAC (that would let a VM take a neighbour's address by copying its id):
//   such messages are dropped (`dropped_client_conflict`). An offer is not a
//   lease; it simply follows the client id, but not a reservation or a
//   reserved name, which belong to a MAC.
//
//   States per client (keyed by option 61, else the MAC): nothing -> offered
//   (DISCOVER; the address is held for `offer_hold`) -> bound (REQUEST/ACK; a
//   lease until `expires_at`) -> nothing (RELEASE, DECLINE, expiry). A bound
//   client that DISCOVERs again is offered its own lease and stays bound.
//
//   Address choice for an offer: the MAC's reservation (only ever that), else
//   the client's current binding, else the address it last held (remembered
//   for a while after release/expiry), else the requested address (50) if it
//   may have it, else the next free pool address, round-robin, preferring
//   addresses nobody else held lately. Never: the network, broadcast, server,
//   router or DNS address, another MAC's reservation, an address in DECLINE
//   quarantine, an address another client holds. No address -> no answer.
//
//   Decisions, and why:
//   * Authoritative. We own the whole virtual LAN, so a REQUEST without server
//     id (INIT-REBOOT, RENEWING, REBINDING) for a free address the client may
//     hold is ACKed even when we have no record of the client (the RFC's
//     "remain silent" is for servers that might not be the only one). After a
//     restart the persisted leases are restored anyway; this covers a lost
//     store and a wall clock that jumped. A wrong subnet, an address another
//     client holds or a client that holds a different lease gets a NAK, so
//     clients moved between networks recover at once instead of timing out.
//   * SELECTING (server id present): ours -> ACK only if the offer (or lease)
//     for exactly that address is still held for the client, else NAK; not
//     ours -> the client chose another server: drop our offer silently.
//   * Per-port limit: a port holds at most `max_leases_per_port` bindings
//     (offers included) of distinct clients. A new client on a full port
//     displaces that port's oldest *offer*; if the port's leases alone fill
//     the limit, DISCOVERs get no answer and REQUESTs a NAK. A VM cycling
//     through random MACs thus holds one address, not the pool.
//   * A lease moves to the port its client is heard on (a VM reconnecting
//     gets a new port id); restored leases belong to no port (`no_port`) until
//     then.
//   * DECLINE frees the client's own binding for that address and quarantines
//     the address for `decline_hold` (reserved addresses excepted: nobody else
//     may have them). At most `max_declined` addresses are quarantined; past
//     that the oldest quarantine ends early, so DECLINE cannot drain the pool.
//   * Time is the wall clock (system_clock), passed in, so persisted expiry
//     times mean the same after a restart. A clock stepping back makes leases
//     last longer; one stepping forward expires them early, and the clients'
//     renewals are then granted again (authoritative, above).
//   * Expiry: handle() first expires whatever fell due, so its events may
//     include `expired` for other clients. expire() does the same and also
//     forgets the rate state of idle ports: call it every few seconds.
//   * Events: `renewed` may carry a new hostname or port (a VM renamed or
//     reconnected): callers replace what they hold for that address.
//   * Rate limit per port: GCRA (a token bucket without floats), `rate_burst`
//     messages at once, then `rate_per_second`. If the clock steps backwards a
//     port's bucket is reset rather than blocked until the clock catches up.
//   * Replies: OFFER/ACK carry 53, 54, 51, 58 (T1 = lease/2), 59 (T2 =
//     7/8 lease), 1, 3, 6, 15, 26, 12 (the name we gave), 61 (echoed, RFC 6842);
//     INFORM's ACK omits 51/58/59 and 12; NAK carries 53, 54, 56 and 61.
//     Option 55 does not filter what we send (udhcpc does not ask for 26,
//     and a network's MTU below 1500 must reach it anyway), and 57 is not
//     consulted: replies stay within the 576-byte datagram every client must
//     accept unless the domain is longer than about 180 characters.
//   * Delivery (RFC 2131 4.1): giaddr set -> dropped (we have no relays); NAK
//     -> broadcast; ciaddr set -> unicast to ciaddr; broadcast bit -> broadcast
//     (ff:ff:ff:ff:ff:ff, 255.255.255.255); else unicast to chaddr + yiaddr.
//   * Hostnames (12) are sanitised to one lowercase LDH label and made unique
//     in the network ("alice", "alice-2", ...); a reservation's name wins over
//     the client's and is never given to another MAC. A renewal asking the
//     same name keeps the one it got.
#pragma once

#include <chrono>
#include <functional>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "protocols/dhcp/lease_table.hpp"
#include "protocols/dhcp/message.hpp"

namespace switchyard::dhcp {

/// A fixed address (and optionally a name) for one MAC.
struct reservation {
  net::mac_address mac;
  net::ipv4_address ip;  ///< inside the subnet; may be outside the pool
  std::string name;      ///< a valid DNS label, or empty
};

struct server_config {
  net::ipv4_subnet subnet;
  net::ipv4_address server_address;  ///< the gateway: option 54, never leased
  net::ipv4_address router;          ///< option 3; 0.0.0.0 = not sent
  net::ipv4_address dns_server;      ///< option 6; 0.0.0.0 = not sent
  std::string domain;                ///< option 15; empty = not sent
  std::uint16_t mtu = 1500;          ///< option 26; 0 = not sent
  net::ipv4_address pool_first;      ///< inclusive; at most 65536 addresses
  net::ipv4_address pool_last;       ///< inclusive
  std::chrono::seconds lease_time{3600};
  std::chrono::seconds offer_hold{30};
  std::chrono::seconds decline_hold{600};
  std::size_t max_declined = 32;
  std::size_t max_leases_per_port = 1;
  std::vector<reservation> reservations;
  std::uint32_t rate_per_second = 10;
  std::uint32_t rate_burst = 20;
  /// How many clients' last addresses are remembered after release/expiry.
  std::size_t remembered_clients = 1024;
};

/// Throws std::invalid_argument naming the first bad field (a startup error).
void validate(const server_config& config);

/// Where a message came from.
struct client_context {
  std::uint32_t port = 0;       ///< switch port id (not no_port)
  net::mac_address source_mac;  ///< the Ethernet frame's source
};

/// Where to send a reply (from server_address:67 to port 68).
struct reply {
  message msg;
  net::mac_address destination_mac;
  net::ipv4_address destination_ip;
};

enum class lease_event_kind : std::uint8_t { granted, renewed, released, expired };
const char* to_string(lease_event_kind k);

struct lease_event {
  lease_event_kind kind = lease_event_kind::granted;
  lease what;
};

/// Why handle() answered or did not.
enum class disposition : std::uint8_t {
  replied,                  ///< `response` holds an OFFER, ACK or NAK
  silent,                   ///< no answer by design (RELEASE, DECLINE, another server chosen, ...)
  dropped_malformed,        ///< unparsable, or a message no client sends
  dropped_mac_mismatch,     ///< chaddr is not the frame's source MAC
  dropped_rate_limited,
  dropped_relayed,          ///< giaddr set: relays are not supported
  dropped_client_conflict,  ///< the client id has a live lease on another MAC
  pool_exhausted,           ///< DISCOVER, but no address to offer
  port_limit,               ///< DISCOVER from a port whose leases fill its limit
};
const char* to_string(disposition d);

struct outcome {
  disposition result = disposition::silent;
  std::optional<reply> response;
  std::vector<lease_event> events;  ///< persist these before sending `response`
};

/// Message counts. The per-type counters count messages that passed the
/// drop checks (malformed, MAC, rate, relay); the reply counters count replies.
struct server_counters {
  std::uint64_t discover = 0, request = 0, decline = 0, release = 0, inform = 0;
  std::uint64_t offer = 0, ack = 0, nak = 0;
  std::uint64_t dropped_malformed = 0, dropped_mac_mismatch = 0, dropped_rate_limited = 0;
  std::uint64_t dropped_relayed = 0, dropped_client_conflict = 0;
  std::uint64_t pool_exhausted = 0, port_limit = 0;
  std::uint64_t declined_addresses = 0;  ///< addresses put in quarantine
};

enum class restore_result : std::uint8_t {
  restored,
  expired,             ///< expires_at is not after now
  bad_mac,             ///< zero, broadcast or multicast MAC
  bad_client_id,       ///< longer than max_client_id_size
  outside_subnet,
  not_assignable,      ///< outside the pool (and not reserved for it), or a special address
  reserved_for_other,  ///< the address is another MAC's reservation
  reserved_elsewhere,  ///< this MAC has a reservation for a different address
  address_taken,       ///< another restored lease holds the address
  duplicate_client,    ///< this client already has a restored lease
};
const char* to_string(restore_result r);

class server {
 public:
  /// Validates `config` (throws std::invalid_argument, see validate()).
  explicit server(server_config config);

  /// Tells whether another machine (not `mac`) already uses `ip` (a static VM
  /// the gateway has heard from): such addresses are never offered from the
  /// pool. The caller's knowledge; without it every free address is offered.
  using in_use_check = std::function<bool(net::ipv4_address ip, net::mac_address mac)>;
  void set_in_use_check(in_use_check check) { in_use_ = std::move(check); }

  /// Handles one parsed message from a client.
  outcome handle(const message& m, const client_context& from, system_time now);
  /// Parses a UDP payload sent to port 67 and handles it; unparsable payloads
  /// count as dropped_malformed (after the rate limit, which they also use up).
  outcome handle(net::bytes payload, const client_context& from, system_time now);

  /// Frees leases and offers that fell due; returns `expired` events for leases.
  /// Also forgets the rate-limit state of idle ports: call it every few seconds.
  std::vector<lease_event> expire(system_time now);

  /// Loads a persisted lease at startup. Its port becomes `no_port`, its
  /// expiry is capped at now + lease_time, and its hostname is sanitised and
  /// made unique again (read it back with leases() if it matters).
  restore_result restore(const lease& l, system_time now);

  /// The first (lowest address) bound lease on `port`.
  std::optional<lease> lease_for_port(std::uint32_t port) const;
  std::vector<lease> leases_for_port(std::uint32_t port) const;
  /// Every bound lease, in address order (offers are not leases).
  std::vector<lease> leases() const;
  /// The port whose client holds a bound lease on `ip` (nullopt if none, or
  /// if the lease was restored and its client has not been heard from).
  std::optional<std::uint32_t> port_of_address(net::ipv4_address ip) const;
  /// An operator takes the binding of `ip` away (bound or offered): returns the
  /// `released` event of a bound lease, to persist; empty when there was none.
  std::vector<lease_event> revoke(net::ipv4_address ip);
  /// Whether any client holds or is offered `ip`.
  bool is_held(net::ipv4_address ip) const { return table_.holder(ip) != nullptr; }

  const server_counters& counters() const { return counters_; }
  const server_config& config() const { return config_; }
  std::size_t offer_count() const;
  std::size_t quarantined_count() const { return declined_.size(); }

  /// Checks every invariant (tests and the fuzz target call it): indexes
  /// agree, no address is held twice, each binding's address is one its client
  /// may hold, no port exceeds its limit, names are unique valid labels.
  bool check_invariants(std::string* why = nullptr) const;

 private:
  outcome process(const message& m, const client_context& from, system_time now, outcome out);
  void on_discover(const message& m, const client_context& from, const client_key& key, system_time now,
                   outcome& out);
  void on_request(const message& m, const client_context& from, const client_key& key, system_time now,
                  outcome& out);
  void on_decline(const message& m, const client_key& key, system_time now, outcome& out);
  void on_release(const message& m, const client_key& key, outcome& out);
  void on_inform(const message& m, outcome& out);

  void grant(const message& m, const client_context& from, const client_key& key, net::ipv4_address ip,
             system_time now, outcome& out);
  void send_nak(const message& m, const char* reason, outcome& out);
  void send(message reply_msg, const message& request, outcome& out);
  message reply_to(const message& request, message_type type) const;
  void add_network_options(message& r) const;

  bool rate_allows(std::uint32_t port, system_time now);
  void expire_bindings(system_time now, std::vector<lease_event>& events);
  bool make_room(std::uint32_t port, const client_key& key);
  std::optional<net::ipv4_address> choose_address(const message& m, const client_key& key);
  bool may_hold(net::ipv4_address ip, const client_key& key, net::mac_address mac) const;
  bool is_special(net::ipv4_address ip) const;
  bool in_pool(net::ipv4_address ip) const;
  const reservation* reservation_for(net::mac_address mac) const;
  std::string base_name(net::mac_address mac, const std::string& raw, const binding* existing) const;
  std::string pick_name(const client_key& key, net::mac_address mac, const std::string& base,
                        const binding* existing) const;
  void quarantine(net::ipv4_address ip, system_time now);

  server_config config_;
  lease_table table_;
  // Indexes into config_.reservations (indexes, not pointers: servers may move).
  std::map<std::uint64_t, std::size_t> reservation_by_mac_;
  std::map<std::uint32_t, std::size_t> reservation_by_ip_;
  std::map<std::string, net::mac_address> reserved_names_;
  std::map<std::uint32_t, system_time> declined_;  // address -> end of quarantine
  std::map<std::uint32_t, system_time> rate_;      // port -> GCRA theoretical arrival time
  std::uint32_t cursor_ = 0;                       // next pool offset to try
  server_counters counters_;
  in_use_check in_use_;
};

}  // namespace switchyard::dhcp
