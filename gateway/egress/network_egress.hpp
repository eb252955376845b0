// gateway/egress/network_egress.hpp - one network's way out: everything its
// VMs send to foreign addresses is judged by its policy and carried by the
// server's own sockets.
//
// Theory of operation
//   TCP (stack/tcp_interceptor holds the VM's SYN meanwhile):
//     policy -> quotas -> outbound connect with a deadline -> admit (lwIP
//     completes the VM's handshake) -> tcp_splice. A denied, over-quota, failed
//     or timed-out connect refuses the flow: the VM sees a RST at once, just as
//     from a closed port.
//   UDP and ICMP echo go to udp_nat and icmp_echo with the same policy check.
//   Domain rules apply to VMs through name_memory: the LAN resolver records
//   which names it gave out for which addresses.
//   Refusals are counted by reason and the last few are kept for operators.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gateway/config.hpp"
#include "gateway/egress/host_addresses.hpp"
#include "gateway/egress/name_memory.hpp"
#include "gateway/policy/policy.hpp"
#include "stack/foreign_traffic.hpp"
#include "stack/virtual_network.hpp"

namespace switchyard::gateway {

class tcp_splice;
class udp_nat;
class icmp_echo;

/// A refused destination, kept for operators (most recent last).
struct egress_refusal {
  std::chrono::system_clock::time_point when;
  policy::protocol proto = policy::protocol::tcp;
  net::ipv4_address source;
  net::ipv4_address destination;
  std::uint16_t port = 0;
  std::string reason;  ///< policy reason, or quota / connect_failed / connect_timeout
};

/// An outbound TCP connection, for the admin API.
struct egress_flow {
  stack::tcp_flow flow;
  bool established = false;  ///< false while connecting upstream
  std::uint64_t bytes_out = 0, bytes_in = 0;
};

struct egress_counters {
  std::uint64_t tcp_opened = 0;        ///< connections spliced
  std::uint64_t tcp_refused = 0;       ///< by policy or quota
  std::uint64_t tcp_connect_failed = 0;  ///< refused, unreachable or timed out upstream
  std::uint64_t tcp_bytes_out = 0, tcp_bytes_in = 0;  ///< of finished connections
  std::map<std::string, std::uint64_t> refusals;  ///< by reason, every protocol
};

class network_egress final : public stack::foreign_traffic_handler {
 public:
  static constexpr std::size_t recent_refusals_kept = 64;

  network_egress(boost::asio::io_context& core, stack::virtual_network& network, const network_config& config);
  ~network_egress() override;
  network_egress(const network_egress&) = delete;
  network_egress& operator=(const network_egress&) = delete;

  void on_tcp_open(const stack::tcp_flow& flow) override;
  void on_tcp_established(const stack::tcp_flow& flow, std::unique_ptr<stack::tcp_connection> vm_side) override;
  void on_tcp_abandoned(const stack::tcp_flow& flow) override;
  void on_udp(const stack::udp_datagram& datagram) override;
  void on_icmp_echo(const stack::icmp_echo_request& request) override;

  /// Judges a destination, with the names this network resolved for it.
  policy::verdict check(policy::protocol proto, net::ipv4_address destination, std::uint16_t port) const;
  /// The same for a destination built elsewhere (UDP NAT, ICMP): adds whether
  /// the address is one of the host's own.
  policy::verdict check(const policy::destination& dest) const;
  const policy::egress_policy& policy() const { return policy_; }
  const egress_limits& limits() const { return limits_; }
  /// The admin API's policy replacement: applies to new connections and
  /// datagram flows; open TCP connections run on, UDP and ping flows restart.
  void replace_policy(const policy::egress_policy& policy, const egress_limits& limits);
  name_memory& names() { return names_; }

  std::size_t tcp_active() const { return splices_.size() + connecting_.size(); }
  std::vector<egress_flow> tcp_flows() const;
  const egress_counters& counters() const { return counters_; }
  /// nullptr when egress is off (nothing is opened for an isolated network).
  const udp_nat* udp() const { return udp_.get(); }
  const icmp_echo* icmp() const { return icmp_.get(); }
  const std::deque<egress_refusal>& recent_refusals() const { return refusals_; }
  /// Records a refusal (also used by the UDP and ICMP paths).
  void note_refusal(policy::protocol proto, net::ipv4_address source, net::ipv4_address destination,
                    std::uint16_t port, std::string_view reason);

 private:
  struct connecting;
  void start_datagram_paths();
  void refuse(const stack::tcp_flow& flow, std::string_view reason);
  void release_vm_slot(net::ipv4_address vm);
  void connected(const stack::tcp_flow& flow, const boost::system::error_code& ec);

  boost::asio::io_context& core_;
  stack::virtual_network& network_;
  policy::egress_policy policy_;
  egress_limits limits_;
  name_memory names_;
  mutable host_addresses host_;
  std::map<stack::tcp_flow, std::shared_ptr<connecting>> connecting_;
  std::map<const tcp_splice*, std::shared_ptr<tcp_splice>> splices_;
  std::map<const tcp_splice*, stack::tcp_flow> splice_flows_;
  std::map<std::uint32_t, std::size_t> tcp_per_vm_;
  std::unique_ptr<udp_nat> udp_;
  std::unique_ptr<icmp_echo> icmp_;
  egress_counters counters_;
  std::deque<egress_refusal> refusals_;
};

}  // namespace switchyard::gateway
