// gateway/egress/udp_nat.hpp - one network's UDP NAT: VMs' datagrams to foreign
// addresses leave through the server's own UDP sockets, and replies come back.
//
// Theory of operation
//   A flow is (VM address, VM port). Its first permitted datagram opens one
//   unconnected UDP socket bound to an ephemeral port on the server; every
//   later datagram of the flow leaves through it, to whatever destination.
//   Filtering is address- and port-restricted, like a typical home NAT (not
//   endpoint-independent): a reply is accepted only from an (address, port)
//   the flow has sent to, and goes to the VM with that address and port as its
//   source, so the VM's socket sees the peer it talked to.
//
//   Order for each datagram from a VM (a VM is its source address, which must
//   lie in the subnet):
//     per-VM token bucket (udp_packets_per_second, burst the same) -> drop
//     policy for a destination new to the flow (allowed ones are remembered
//       per flow, at most max_destinations_per_flow, least recently used out)
//       denied -> ICMP administratively prohibited to the VM (rate-limited),
//                 counted by the policy's reason
//     new flow: udp_flows_per_vm and max_flows per network -> drop
//     send (non-blocking; a full socket buffer drops, never queues)
//
//   Replies: each flow waits for readability and drains its socket into one
//   buffer shared by the whole NAT (MTU-sized, so memory does not grow with
//   flows x MTU), a bounded number of datagrams per wakeup. A reply larger than
//   the network's MTU allows is dropped, as is one from a peer the flow never
//   sent to. One timer sweeps idle flows (udp_idle_timeout, both directions
//   count as activity). Core loop only.
#pragma once

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gateway/config.hpp"
#include "gateway/policy/policy.hpp"
#include "protocols/net/ipv4.hpp"
#include "stack/gateway_netif.hpp"
#include "stack/virtual_network.hpp"

namespace switchyard::gateway {

enum class udp_drop : std::uint8_t {
  rate_limited,        ///< over the VM's udp_packets_per_second
  flow_limit,          ///< the VM has udp_flows_per_vm flows already
  network_flow_limit,  ///< the network has udp_nat::max_flows flows already
  vm_table_full,       ///< too many distinct source addresses to track
  socket_error,        ///< opening or binding the flow's socket failed (fds?)
  send_failed,         ///< the socket refused the datagram (buffer full, no route)
  oversize_reply,      ///< a reply larger than the network's MTU allows
  unsolicited_reply,   ///< a reply from an address/port the flow never sent to
  foreign_source,      ///< a source address outside the network's subnet (it would dodge per-VM caps)
};
inline constexpr std::size_t udp_drop_kinds = static_cast<std::size_t>(udp_drop::foreign_source) + 1;
std::string_view to_string(udp_drop d);  ///< snake_case, stable: metrics labels

struct udp_nat_counters {
  std::uint64_t flows_open = 0;    ///< now
  std::uint64_t flows_opened = 0;  ///< since start
  std::uint64_t flows_expired = 0;
  std::uint64_t datagrams_out = 0, bytes_out = 0;  ///< VM -> internet (payload bytes)
  std::uint64_t datagrams_in = 0, bytes_in = 0;    ///< internet -> VM
  std::array<std::uint64_t, udp_drop_kinds> drops{};
  std::map<policy::reason, std::uint64_t> refusals;  ///< denied datagrams by policy reason
  std::uint64_t prohibited_sent = 0;         ///< ICMP administratively prohibited sent to VMs
  std::uint64_t prohibited_rate_limited = 0;  ///< ... and not sent, over the VM's ICMP rate

  std::uint64_t dropped(udp_drop d) const { return drops[static_cast<std::size_t>(d)]; }
};

class udp_nat {
 public:
  using clock = std::chrono::steady_clock;
  using policy_check = std::function<policy::verdict(const policy::destination&)>;
  /// The names this network's resolver gave out for an address (for domain rules).
  using name_lookup = std::function<std::vector<std::string>(net::ipv4_address)>;
  /// Told about every denied datagram (the egress keeps its own refusal log).
  using refusal_observer = std::function<void(net::ipv4_address source, net::ipv4_address destination,
                                              std::uint16_t port, policy::reason why)>;

  static constexpr std::size_t max_flows = 1024;  ///< per network: every flow is a file descriptor
  static constexpr std::size_t max_vms = 4096;    ///< source addresses with rate state, per network
  static constexpr std::size_t max_destinations_per_flow = 256;  ///< least recently used forgotten first
  static constexpr std::size_t max_reads_per_wakeup = 32;        ///< then other flows get a turn
  static constexpr double prohibited_per_second = 10;            ///< ICMP errors per VM (burst the same)

  /// `network` and `core` must outlive the NAT; `limits` is copied.
  udp_nat(boost::asio::io_context& core, stack::virtual_network& network, const egress_limits& limits,
          policy_check check, name_lookup names);
  ~udp_nat();
  udp_nat(const udp_nat&) = delete;
  udp_nat& operator=(const udp_nat&) = delete;

  /// A VM's datagram to a foreign address (from foreign_traffic_handler::on_udp).
  void on_udp(const stack::udp_datagram& datagram);

  void set_refusal_observer(refusal_observer observer) { on_refusal_ = std::move(observer); }
  /// Replaces the time source (tests); the default is steady_clock::now.
  void set_clock(std::function<clock::time_point()> now) { now_ = std::move(now); }
  /// Closes flows idle for udp_idle_timeout at `now` and forgets quiet VMs; the
  /// sweep timer calls it, tests may too.
  void expire(clock::time_point now);

  std::size_t flow_count() const { return flows_.size(); }
  /// The server-side address of a flow's socket, if the flow is open.
  std::optional<boost::asio::ip::udp::endpoint> flow_endpoint(net::ipv4_address vm, std::uint16_t vm_port) const;
  const udp_nat_counters& counters() const { return counters_; }

 private:
  struct flow;
  struct destination_use {
    clock::time_point last_used;
  };
  using destination_map = std::unordered_map<std::uint64_t, destination_use>;
  struct token_bucket {
    double tokens = 0;
    clock::time_point updated;
    bool take(clock::time_point now, double rate);  // burst = rate
  };
  struct vm_state {
    std::size_t flows = 0;
    token_bucket datagrams;
    token_bucket prohibited;
    clock::time_point last_seen;
  };

  vm_state* vm_for(net::ipv4_address vm, clock::time_point now);
  destination_map::iterator remember_destination(flow& f, std::uint64_t key);
  policy::verdict judge(net::ipv4_address to, std::uint16_t port);
  void refuse(const stack::udp_datagram& datagram, const policy::verdict& verdict, vm_state& vm,
              clock::time_point now);
  std::shared_ptr<flow> open_flow(const stack::udp_datagram& datagram, vm_state& vm, clock::time_point now);
  void close_flow(std::uint64_t key);
  void wait_readable(const std::shared_ptr<flow>& f);
  void drain(const std::shared_ptr<flow>& f);
  void deliver_reply(flow& f, const boost::asio::ip::udp::endpoint& from, std::size_t size);
  void drop(udp_drop d) { ++counters_.drops[static_cast<std::size_t>(d)]; }
  void schedule_sweep();

  boost::asio::io_context& core_;
  stack::virtual_network& network_;
  stack::gateway_netif& gateway_;
  egress_limits limits_;
  policy_check check_;
  name_lookup names_;
  refusal_observer on_refusal_;
  std::function<clock::time_point()> now_ = [] { return clock::now(); };
  std::size_t max_payload_;  // what fits the network's MTU after IPv4 + UDP headers
  std::vector<std::byte> buffer_;  // max_payload_ + 1: one more byte reveals an oversize reply
  std::unordered_map<std::uint64_t, std::shared_ptr<flow>> flows_;
  std::unordered_map<std::uint32_t, vm_state> vms_;
  boost::asio::steady_timer sweep_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // handlers hold a weak_ptr: no use after free
  udp_nat_counters counters_;
};

}  // namespace switchyard::gateway
