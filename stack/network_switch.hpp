// stack/network_switch.hpp - the learning Ethernet switch of one virtual network.
//
// Theory of operation
//   Every VM session and the network's gateway is a port. A frame entering a
//   port is checked (length, source MAC ownership), its source MAC is learned,
//   and it is forwarded: known unicast to its port, broadcast, multicast and
//   unknown unicast flooded to every other port, never back to the sender.
//
//   Port security: a port may source at most `max_macs_per_port` MACs. A MAC
//   learned on a live port belongs to it until that entry ages out or the port
//   detaches; a frame from another port with that source MAC is a spoof and is
//   dropped. An aged or released MAC moves to the next port that sources it
//   (v86 reconnects and state restores look like that). The gateway's MAC is
//   pinned to the gateway port forever.
//
//   Taps (live captures) see frames without changing them: a whole-network tap
//   sees every frame entering any port, once, before it is checked (so drops
//   are visible too); a port tap sees what its port sends and what the switch
//   hands to it. At most `max_taps`; with none, the data path pays one branch.
//
//   Time is an argument (`now`), so the switch is testable without clocks.
//   Runs on the core loop only. A sink's deliver() may re-enter receive() (the
//   gateway answers ARP and ICMP synchronously) but must not attach or detach.
#pragma once

#include <array>
#include <chrono>
#include <optional>
#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "protocols/net/ethernet.hpp"
#include "stack/frame_sink.hpp"
#include "stack/frame_tap.hpp"

namespace switchyard::stack {

using steady_time = std::chrono::steady_clock::time_point;

enum class drop_reason : std::uint8_t {
  runt,            ///< shorter than an Ethernet header
  giant,           ///< longer than the network's maximum frame
  bad_source,      ///< source MAC is multicast, broadcast or zero
  spoofed_source,  ///< source MAC belongs to another live port
  mac_limit,       ///< port already sources its maximum number of MACs
  hairpin,         ///< destination is on the sending port
  queue_full,      ///< the destination port's send queue was full
  address_spoof,   ///< ARP/IPv4 source address not this port's (gateway's, another port's, or not its lease)
  rogue_dhcp,      ///< a VM answering DHCP (UDP source port 67)
  count_
};
inline constexpr std::size_t drop_reason_count = static_cast<std::size_t>(drop_reason::count_);
const char* to_string(drop_reason r);

struct port_counters {
  std::uint64_t frames_in = 0, bytes_in = 0;
  std::uint64_t frames_out = 0, bytes_out = 0;
  std::uint64_t drops[drop_reason_count] = {};
  std::uint64_t drop(drop_reason r) const { return drops[static_cast<std::size_t>(r)]; }
};

struct switch_settings {
  std::size_t max_frame_size = 1514 + 4;  ///< mtu + 14 header + 4 VLAN tag
  std::size_t max_macs_per_port = 4;
  std::chrono::seconds mac_ageing{300};
};

/// Checks a VM port's frame after MAC policing: the addresses it claims, the
/// services it pretends to be. Returns the reason to drop, or nothing.
class ingress_filter {
 public:
  virtual ~ingress_filter() = default;
  virtual std::optional<drop_reason> check(port_id from, const net::ethernet_view& frame) = 0;
};

class network_switch {
 public:
  explicit network_switch(switch_settings settings) : settings_(settings) {}
  network_switch(const network_switch&) = delete;
  network_switch& operator=(const network_switch&) = delete;

  /// Adds a port whose frames go to `sink` (which must outlive the port).
  port_id attach(frame_sink& sink);
  /// Adds the gateway port; `gateway_mac` is pinned to it.
  port_id attach_gateway(frame_sink& sink, net::mac_address gateway_mac);
  /// Removes a port and releases its MACs. Unknown ids are ignored.
  void detach(port_id id);

  /// A frame entered port `from`: validate, learn, forward.
  void receive(port_id from, std::span<const std::byte> frame, steady_time now);

  /// Installs the filter consulted for every frame from a VM port (not the
  /// gateway's); nullptr removes it. The filter must outlive the switch's use of it.
  void set_ingress_filter(ingress_filter* filter) { filter_ = filter; }

  /// Forgets MAC entries not refreshed within the ageing time.
  void expire(steady_time now);

  const port_counters* counters(port_id id) const;  ///< nullptr for unknown ids
  const port_counters& totals() const { return totals_; }  ///< drops summed over all ports
  std::size_t port_count() const { return ports_.size(); }
  std::size_t mac_count() const { return macs_.size(); }
  /// The port a MAC is currently learned on, if any (not aged at `now`).
  std::optional<port_id> lookup(net::mac_address mac, steady_time now) const;
  const switch_settings& settings() const { return settings_; }
  /// The MACs port `id` currently sources (learned, not yet expired; the
  /// gateway's pinned MAC for its port). Empty for unknown ids.
  std::vector<net::mac_address> macs(port_id id) const;
  bool has_port(port_id id) const { return ports_.contains(id); }

  static constexpr std::size_t max_taps = 8;
  /// Installs `tap` (which must stay alive until remove_tap()): for the whole
  /// network without `port`, else for that port only. False when `max_taps`
  /// are installed already or `port` is unknown.
  bool add_tap(frame_tap& tap, std::optional<port_id> port = std::nullopt);
  /// Removes every installation of `tap`. Unknown taps are ignored.
  void remove_tap(frame_tap& tap);
  std::size_t tap_count() const { return tap_count_; }

 private:
  struct port_state {
    port_id id;
    frame_sink* sink;
    bool gateway = false;
    std::vector<net::mac_address> macs;
    port_counters counters;
  };
  struct mac_entry {
    port_id port;
    steady_time last_seen;
    bool pinned = false;
  };

  port_state* find(port_id id);
  bool learn(port_state& from, net::mac_address source, steady_time now);
  void forget(net::mac_address mac);
  void count_drop(port_state& p, drop_reason r);
  void send(port_id from, port_state& to, std::span<const std::byte> frame);
  struct tap_entry {
    frame_tap* tap = nullptr;
    std::optional<port_id> port;  ///< nullopt: the whole network
  };
  void tap_received(port_id from, std::span<const std::byte> frame);
  void tap_delivered(port_id from, port_id to, std::span<const std::byte> frame);
  bool aged(const mac_entry& e, steady_time now) const { return !e.pinned && now - e.last_seen > settings_.mac_ageing; }

  switch_settings settings_;
  port_id next_id_ = 1;
  std::unordered_map<port_id, port_state> ports_;
  std::unordered_map<net::mac_address, mac_entry> macs_;
  port_counters totals_;
  ingress_filter* filter_ = nullptr;
  std::array<tap_entry, max_taps> taps_{};  ///< the first tap_count_ are in use
  std::size_t tap_count_ = 0;
};

}  // namespace switchyard::stack
