// stack/tcp_interceptor.hpp - any-destination TCP for one network: a VM's
// connections to foreign addresses are terminated in lwIP, but only once the
// network's egress has said yes.
//
// Theory of operation
//   lwip_hooks.cpp hands every TCP segment for a foreign address to input().
//   The first SYN of a flow is held here (its retransmissions dropped) and
//   reported to the network's foreign_traffic_handler (on_tcp_open). The egress
//   checks policy and quotas and connects out; then it calls
//     admit(flow):  the held SYN is fed to lwIP, where an any-address listener
//                   on that port (stack/tcp_ports, kept while a handshake is
//                   pending) answers it from the original destination; once the
//                   VM's ACK arrives the connection goes to on_tcp_established;
//     refuse(flow): the VM gets a RST, as from a closed port.
//   Segments of flows not held here go straight to lwIP's tcp_input (which
//   resets anything it has no pcb for). Admitted flows that never complete the
//   handshake are reported abandoned after handshake_timeout. Core loop only.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "stack/foreign_traffic.hpp"
#include "stack/network_switch.hpp"

struct pbuf;
struct netif;

namespace switchyard::stack {

class gateway_netif;
class tcp_connection;

struct tcp_interceptor_counters {
  std::uint64_t opened = 0;      ///< SYNs reported to the egress
  std::uint64_t admitted = 0;
  std::uint64_t refused = 0;     ///< RSTs sent for refused flows
  std::uint64_t established = 0;
  std::uint64_t abandoned = 0;   ///< admitted, but the VM never finished the handshake
  std::uint64_t unhandled = 0;   ///< SYNs reset: no egress, or too many pending
};

class tcp_interceptor {
 public:
  static constexpr std::size_t max_pending = 4096;
  static constexpr std::chrono::seconds handshake_timeout{10};

  explicit tcp_interceptor(gateway_netif& gateway);
  ~tcp_interceptor();
  tcp_interceptor(const tcp_interceptor&) = delete;
  tcp_interceptor& operator=(const tcp_interceptor&) = delete;

  /// The interceptor of the network behind `n`, or nullptr.
  static tcp_interceptor* from(struct netif* n);
  static tcp_interceptor* from_index(std::uint8_t netif_index);

  /// A validated TCP segment for a foreign address (lwip_hooks.cpp); takes `p`.
  void input(struct pbuf* p);
  void admit(const tcp_flow& flow);
  void refuse(const tcp_flow& flow);
  /// lwIP accepted an admitted connection (stack/tcp_ports dispatch).
  void on_accepted(std::unique_ptr<tcp_connection> connection);
  /// Reports admitted flows whose handshake never completed.
  void expire(steady_time now);

  std::size_t pending() const { return pending_.size(); }
  const tcp_interceptor_counters& counters() const { return counters_; }

 private:
  enum class state : std::uint8_t { deciding, admitted };
  struct held_syn {
    state phase = state::deciding;
    std::vector<std::byte> packet;  // the SYN's IPv4 packet, fed to lwIP on admit
    steady_time since;
  };

  void feed_to_lwip(std::span<const std::byte> packet);
  void deliver(struct pbuf* p, std::size_t ip_header_length);  // as ip4_input would: tcp_input takes p
  void reset(std::span<const std::byte> syn_packet);
  void release(std::map<tcp_flow, held_syn>::iterator it);

  gateway_netif& gateway_;
  std::map<tcp_flow, held_syn> pending_;
  const tcp_flow* deciding_ = nullptr;  // the flow whose on_tcp_open is running
  bool decided_admit_ = false, decided_refuse_ = false;
  tcp_interceptor_counters counters_;
};

}  // namespace switchyard::stack
