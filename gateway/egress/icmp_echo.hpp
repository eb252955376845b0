// gateway/egress/icmp_echo.hpp - one network's ping proxy: VMs' echo requests
// to foreign addresses go out through an unprivileged ICMP socket.
//
// Theory of operation
//   Linux's "ping sockets" (socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)) need no
//   privilege, only a gid inside net.ipv4.ping_group_range. The kernel owns the
//   echo identifier (it rewrites it to the socket's own) and hands the socket
//   only replies that carry it. We own the sequence number: each request goes
//   out with a fresh one, and a pending table maps it back to the VM, its
//   original identifier and sequence, and the address pinged. A reply is
//   accepted only from that address, and reaches the VM as if the pinged host
//   had answered it (same id, seq, payload).
//
//   Per request: policy (denied -> ICMP administratively prohibited); no ping
//   socket (EACCES at startup, logged once) -> host unreachable; pending caps
//   (per VM and per network) -> dropped; otherwise sent. Pending entries
//   expire after echo_timeout (a lost reply just times out at the VM, as on a
//   real network); expiry is lazy: on a full table and on late replies.
//   One socket per network; reads drain into one MTU-sized buffer. Core loop only.
#pragma once

#include <boost/asio/basic_datagram_socket.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/basic_endpoint.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "gateway/policy/policy.hpp"
#include "protocols/net/ethernet.hpp"
#include "protocols/net/ipv4.hpp"
#include "stack/foreign_traffic.hpp"
#include "stack/virtual_network.hpp"

namespace switchyard::gateway {

/// Asio's ip::icmp is SOCK_RAW (needs CAP_NET_RAW); this is its SOCK_DGRAM twin.
class ping_protocol {
 public:
  using endpoint = boost::asio::ip::basic_endpoint<ping_protocol>;
  using socket = boost::asio::basic_datagram_socket<ping_protocol>;
  static ping_protocol v4();
  static ping_protocol v6();  ///< required by basic_endpoint; never opened here
  int type() const;
  int protocol() const { return protocol_; }
  int family() const { return family_; }
  friend bool operator==(const ping_protocol&, const ping_protocol&) = default;

 private:
  ping_protocol(int protocol, int family) : protocol_(protocol), family_(family) {}
  int protocol_;
  int family_;
};

struct icmp_echo_counters {
  std::uint64_t requests = 0;  ///< echo requests sent out
  std::uint64_t replies = 0;   ///< echo replies delivered to VMs
  std::map<policy::reason, std::uint64_t> refusals;  ///< answered administratively prohibited
  std::uint64_t unavailable = 0;    ///< answered host unreachable: no ping socket on this host
  std::uint64_t pending_full = 0;   ///< dropped: the VM or the network has too many outstanding
  std::uint64_t send_failed = 0;
  std::uint64_t expired = 0;        ///< requests never answered within echo_timeout
  std::uint64_t unmatched_replies = 0;  ///< unknown or late sequence, or from another address
};

class icmp_echo {
 public:
  using clock = std::chrono::steady_clock;
  using policy_check = std::function<policy::verdict(const policy::destination&)>;
  using name_lookup = std::function<std::vector<std::string>(net::ipv4_address)>;
  using refusal_observer =
      std::function<void(net::ipv4_address source, net::ipv4_address destination, policy::reason why)>;

  static constexpr std::size_t max_pending_per_vm = 16;
  static constexpr std::size_t max_pending = 1024;  ///< per network (a sequence space of 65536)
  static constexpr std::chrono::seconds echo_timeout{5};
  static constexpr std::size_t max_reads_per_wakeup = 32;

  /// Opens the ping socket; if the host refuses it, every permitted request is
  /// answered host unreachable. `network` and `core` must outlive the proxy.
  icmp_echo(boost::asio::io_context& core, stack::virtual_network& network, policy_check check, name_lookup names);
  ~icmp_echo();
  icmp_echo(const icmp_echo&) = delete;
  icmp_echo& operator=(const icmp_echo&) = delete;

  /// An echo request from a VM to a foreign address (foreign_traffic_handler::on_icmp_echo).
  void on_echo_request(const stack::icmp_echo_request& request);

  void set_refusal_observer(refusal_observer observer) { on_refusal_ = std::move(observer); }
  /// Replaces the time source (tests); the default is steady_clock::now.
  void set_clock(std::function<clock::time_point()> now) { now_ = std::move(now); }
  /// Forgets requests older than echo_timeout at `now`.
  void expire(clock::time_point now);

  /// Whether this host lets us open ping sockets (false: host unreachable answers).
  bool available() const { return socket_.is_open(); }
  std::size_t pending() const { return pending_.size(); }
  const icmp_echo_counters& counters() const { return counters_; }

 private:
  struct pending_echo {
    net::mac_address vm_mac;
    net::ipv4_address vm;
    net::ipv4_address destination;
    std::uint16_t identifier = 0;
    std::uint16_t sequence = 0;
    clock::time_point sent;
  };

  void answer_unreachable(const stack::icmp_echo_request& request, std::uint8_t code);
  bool reserve_slot(net::ipv4_address vm, clock::time_point now);
  std::uint16_t free_sequence();
  void forget(std::unordered_map<std::uint16_t, pending_echo>::iterator it);
  void wait_readable();
  void drain();
  void deliver_reply(const ping_protocol::endpoint& from, std::size_t size);

  boost::asio::io_context& core_;
  stack::virtual_network& network_;
  policy_check check_;
  name_lookup names_;
  refusal_observer on_refusal_;
  std::function<clock::time_point()> now_ = [] { return clock::now(); };
  ping_protocol::socket socket_;
  std::vector<std::byte> buffer_;  // one ICMP message: MTU - 20 (+1 to spot an oversize one)
  std::unordered_map<std::uint16_t, pending_echo> pending_;  // by the sequence we sent
  std::unordered_map<std::uint32_t, std::size_t> pending_per_vm_;
  std::uint16_t next_sequence_ = 0;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // handlers hold a weak_ptr: no use after free
  icmp_echo_counters counters_;
};

}  // namespace switchyard::gateway
