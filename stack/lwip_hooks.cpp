// stack/lwip_hooks.cpp - the hooks lwIP calls: input filter, routing, ISNs.
//
// Theory of operation
//   Input: gateway_netif has validated the IPv4 header before lwIP sees it (and
//   keeps UDP and foreign ICMP for itself). The input hook lets lwIP's
//   ip4_input process only packets for the netif's own (gateway) address. TCP
//   for any other address goes to the network's tcp_interceptor, which holds a
//   new flow's SYN until the egress decides and then calls tcp_input itself; an
//   any-address listener answers it and the passive-open callback
//   (tcp_listener.cpp) binds the new pcb to its input netif before the SYN|ACK
//   leaves.
//
//   Routing: every netif carries the gateway address with a /32 mask and none is
//   the default, so lwIP's own routing finds nothing. Bound pcbs route through
//   their netif; for the rest (RSTs to segments that matched no pcb, ICMP
//   replies) the answer is the netif the current packet came in on, and outside
//   input processing there is no route.
#include "lwip/ip.h"
#include "lwip/pbuf.h"
#include "stack/gateway_netif.hpp"
#include "stack/tcp_interceptor.hpp"
#include "stack/tcp_isn.hpp"
#include "switchyard_lwip_hooks.h"

extern "C" {

int switchyard_ip4_input_hook(struct pbuf* p, struct netif* input_netif) {
  auto* gateway = switchyard::stack::gateway_netif::from(input_netif);
  if (!gateway || p->len < 20) {
    pbuf_free(p);
    return 1;
  }
  auto* header = static_cast<const u8_t*>(p->payload);
  u32_t destination = (u32_t(header[16]) << 24) | (u32_t(header[17]) << 16) | (u32_t(header[18]) << 8) | header[19];
  if (destination == gateway->address().value()) return 0;  // for the gateway itself: lwIP's
  // TCP for a foreign address: any-destination TCP, decided by the egress.
  // Anything else never reaches lwIP, so nothing leaks across networks
  // (ip4_input would otherwise try every other netif's address).
  constexpr u8_t protocol_tcp = 6;
  if (header[9] == protocol_tcp) {
    if (auto* interceptor = switchyard::stack::tcp_interceptor::from(input_netif)) {
      interceptor->input(p);
      return 1;
    }
  }
  pbuf_free(p);
  return 1;
}

struct netif* switchyard_ip4_route_src_hook(const ip4_addr_t* /*src*/, const ip4_addr_t* /*dest*/) {
  return ip_current_input_netif();
}

u32_t switchyard_tcp_isn_hook(const ip_addr_t* local_ip, u16_t local_port, const ip_addr_t* remote_ip,
                              u16_t remote_port) {
  return switchyard::stack::tcp_isn(lwip_ntohl(ip4_addr_get_u32(local_ip)), local_port,
                                    lwip_ntohl(ip4_addr_get_u32(remote_ip)), remote_port);
}

}  // extern "C"
