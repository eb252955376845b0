/* stack/lwip/lwipopts.h - Switchyard's lwIP build: NO_SYS, IPv4 TCP + ICMP only.
 *
 * Why these values:
 * - lwIP terminates TCP and answers ICMP echo for the gateway. ARP, DHCP, DNS and
 *   UDP are ours (C++), so lwIP's are not compiled (and their CVEs stay out).
 * - No reassembly or fragmentation: VMs speak to us at their MTU.
 * - Window scaling on with a 256 KiB window and a 512 KiB send buffer: the
 *   VM<->gateway hop has WebSocket round-trip times, and throughput is about
 *   window / RTT (the send buffer bounds what lwIP has in flight towards a VM;
 *   the relay outbox holds 512 frames so such a burst is not dropped).
 * - Pools are global caps; per-network quotas are enforced in C++.
 * - Every checksum is checked: v86 NICs do no offload. */
#ifndef SWITCHYARD_LWIPOPTS_H
#define SWITCHYARD_LWIPOPTS_H

#define NO_SYS 1
#define LWIP_TIMERS 1
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_NETCONN 0
#define LWIP_SOCKET 0
#define LWIP_CALLBACK_API 1

#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 0
#define LWIP_ETHERNET 0
#define LWIP_DHCP 0
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0
#define LWIP_DNS 0
#define LWIP_UDP 0
#define LWIP_RAW 0
#define LWIP_ICMP 1
#define LWIP_TCP 1
#define LWIP_BROADCAST_PING 0
#define LWIP_MULTICAST_PING 0
#define IP_FORWARD 0
#define IP_REASSEMBLY 0
#define IP_FRAG 0
#define IP_OPTIONS_ALLOWED 0
#define IP_DEFAULT_TTL 64
#define LWIP_SINGLE_NETIF 0
#define LWIP_NETIF_LOOPBACK 0
#define LWIP_HAVE_LOOPIF 0
#define LWIP_NETIF_STATUS_CALLBACK 0
#define LWIP_NETIF_LINK_CALLBACK 0

/* Memory: PBUF_RAM segments come from the heap, the rest from fixed pools. */
#define MEM_ALIGNMENT 8
#define MEM_SIZE (64 * 1024 * 1024)
#define MEMP_NUM_PBUF 4096
#define MEMP_NUM_TCP_PCB 4096
#define MEMP_NUM_TCP_PCB_LISTEN 1024
#define MEMP_NUM_TCP_SEG 32768
#define MEMP_NUM_REASSDATA 0
#define MEMP_NUM_FRAG_PBUF 0
#define PBUF_POOL_SIZE 4096
#define PBUF_POOL_BUFSIZE 1600

/* TCP */
#define TCP_MSS 1460
#define LWIP_WND_SCALE 1
#define TCP_RCV_SCALE 3
#define TCP_WND (256 * 1024)
#define TCP_SND_BUF (512 * 1024)
#define TCP_SND_QUEUELEN ((4 * TCP_SND_BUF) / TCP_MSS)
/* With window scaling TCP_SNDLOWAT must stay below 0xFFFF - 4 * TCP_MSS. */
#define TCP_SNDLOWAT (16 * TCP_MSS)
#define TCP_SNDQUEUELOWAT (TCP_SND_QUEUELEN / 2)
#define TCP_QUEUE_OOSEQ 1
#define LWIP_TCP_SACK_OUT 1
#define TCP_LISTEN_BACKLOG 1
#define TCP_DEFAULT_LISTEN_BACKLOG 64
#define TCP_OVERSIZE TCP_MSS
#define LWIP_TCP_TIMESTAMPS 0
#define TCP_TTL 64
#define SO_REUSE 1
/* TIME_WAIT lasts 2 * MSL: 20 s, not 2 min. The VM<->gateway hop is virtual (no
 * old duplicates wander), and egress flows must not pin pcbs for minutes. */
#define TCP_MSL 10000UL
#define LWIP_TCP_PCB_NUM_EXT_ARGS 1

/* Every checksum generated and checked (the defaults, stated). */
#define CHECKSUM_GEN_IP 1
#define CHECKSUM_GEN_TCP 1
#define CHECKSUM_GEN_ICMP 1
#define CHECKSUM_CHECK_IP 1
#define CHECKSUM_CHECK_TCP 1
#define CHECKSUM_CHECK_ICMP 1

/* Statistics feed metrics (pool usage) later. */
#define LWIP_STATS 1
#define LWIP_STATS_DISPLAY 0
#define MEM_STATS 1
#define MEMP_STATS 1
#define TCP_STATS 1
#define IP_STATS 1
#define ICMP_STATS 1
#define LINK_STATS 0
#define SYS_STATS 0
#define UDP_STATS 0

/* Hooks: see stack/lwip/switchyard_lwip_hooks.h. */
#define LWIP_HOOK_FILENAME "switchyard_lwip_hooks.h"
#define LWIP_HOOK_IP4_INPUT(pbuf, input_netif) switchyard_ip4_input_hook((pbuf), (input_netif))
#define LWIP_HOOK_IP4_ROUTE_SRC(src, dest) switchyard_ip4_route_src_hook((src), (dest))
#define LWIP_HOOK_TCP_ISN(local_ip, local_port, remote_ip, remote_port) \
  switchyard_tcp_isn_hook((local_ip), (local_port), (remote_ip), (remote_port))

#endif /* SWITCHYARD_LWIPOPTS_H */
