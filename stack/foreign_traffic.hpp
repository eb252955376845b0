// stack/foreign_traffic.hpp - what VMs send to addresses other than their
// gateway's, handed by the stack to the network's egress (gateway/).
//
// TCP: the first SYN of a new connection to a foreign address becomes
// on_tcp_open(); the stack holds that SYN and drops its retransmissions until
// the egress answers with tcp_interceptor::admit (the SYN is then fed to lwIP,
// which completes the handshake; on_tcp_established follows) or ::refuse (the
// VM gets a RST). Policy, the outbound connect and quotas all happen before
// the VM sees a SYN|ACK, so a refused or unreachable destination looks refused.
// UDP and ICMP echo never enter lwIP: they are handed over as parsed datagrams.
#pragma once

#include <compare>
#include <cstdint>
#include <memory>

#include "protocols/net/ethernet.hpp"
#include "protocols/net/ipv4.hpp"

namespace switchyard::stack {

class tcp_connection;
struct udp_datagram;

/// A VM's TCP connection as the VM sees it: its address and port, and the
/// foreign destination it asked for.
struct tcp_flow {
  net::ipv4_address source;
  std::uint16_t source_port = 0;
  net::ipv4_address destination;
  std::uint16_t destination_port = 0;
  auto operator<=>(const tcp_flow&) const = default;
};

/// An ICMP echo request from a VM to a foreign address.
struct icmp_echo_request {
  net::mac_address source_mac;
  net::ipv4_address source;
  net::ipv4_address destination;
  std::uint16_t identifier = 0;
  std::uint16_t sequence = 0;
  net::bytes payload;  ///< valid only during the call
};

class foreign_traffic_handler {
 public:
  virtual ~foreign_traffic_handler() = default;
  /// A new connection attempt; answer (now or later) with admit or refuse.
  virtual void on_tcp_open(const tcp_flow& flow) = 0;
  /// An admitted connection completed its handshake with the VM.
  virtual void on_tcp_established(const tcp_flow& flow, std::unique_ptr<tcp_connection> vm_side) = 0;
  /// An admitted connection never completed its handshake (the VM went quiet):
  /// release whatever the egress holds for it.
  virtual void on_tcp_abandoned(const tcp_flow& flow) = 0;
  /// A unicast datagram to a foreign address (already validated).
  virtual void on_udp(const udp_datagram& datagram) = 0;
  /// An echo request to a foreign address.
  virtual void on_icmp_echo(const icmp_echo_request& request) = 0;
};

}  // namespace switchyard::stack
