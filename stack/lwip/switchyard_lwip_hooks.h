/* stack/lwip/switchyard_lwip_hooks.h - the hooks lwIP calls into Switchyard
 * (implemented in stack/lwip_hooks.cpp). Included by lwIP's own C files. */
#ifndef SWITCHYARD_LWIP_HOOKS_H
#define SWITCHYARD_LWIP_HOOKS_H

#include "lwip/arch.h"
#include "lwip/ip_addr.h"

#ifdef __cplusplus
extern "C" {
#endif

struct pbuf;
struct netif;

/** Runs before ip4_input's own checks; returns 1 when it consumed (and freed) the packet. */
int switchyard_ip4_input_hook(struct pbuf* p, struct netif* input_netif);
/** The route for a packet: the netif the current input came in on, else none. */
struct netif* switchyard_ip4_route_src_hook(const ip4_addr_t* src, const ip4_addr_t* dest);
/** Initial sequence numbers from a keyed hash of the 4-tuple and the netif (RFC 6528). */
u32_t switchyard_tcp_isn_hook(const ip_addr_t* local_ip, u16_t local_port, const ip_addr_t* remote_ip,
                              u16_t remote_port);

#ifdef __cplusplus
}
#endif

#endif /* SWITCHYARD_LWIP_HOOKS_H */
