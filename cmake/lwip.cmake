# cmake/lwip.cmake - build lwIP 2.1.3's IPv4 raw-API core (NO_SYS=1) from the
# source that scripts/fetch-lwip.sh put in third_party/lwip, with our own
# stack/lwip/lwipopts.h and hooks. Only the files we use are compiled: no ARP,
# DHCP, DNS, UDP, IPv6, PPP or apps (that also keeps their CVEs out). An OBJECT
# library: its objects go into switchyard_stack, which implements its hooks.
set(LWIP_DIR ${SWITCHYARD_ROOT}/third_party/lwip CACHE PATH "lwIP source tree")
if(NOT EXISTS ${LWIP_DIR}/src/core/tcp_in.c)
  message(FATAL_ERROR "lwIP source not found in ${LWIP_DIR}: run scripts/install-deps.sh")
endif()

add_library(switchyard_lwip OBJECT
  ${LWIP_DIR}/src/core/init.c
  ${LWIP_DIR}/src/core/def.c
  ${LWIP_DIR}/src/core/inet_chksum.c
  ${LWIP_DIR}/src/core/ip.c
  ${LWIP_DIR}/src/core/mem.c
  ${LWIP_DIR}/src/core/memp.c
  ${LWIP_DIR}/src/core/netif.c
  ${LWIP_DIR}/src/core/pbuf.c
  ${LWIP_DIR}/src/core/stats.c
  ${LWIP_DIR}/src/core/tcp.c
  ${LWIP_DIR}/src/core/tcp_in.c
  ${LWIP_DIR}/src/core/tcp_out.c
  ${LWIP_DIR}/src/core/timeouts.c
  ${LWIP_DIR}/src/core/ipv4/icmp.c
  ${LWIP_DIR}/src/core/ipv4/ip4.c
  ${LWIP_DIR}/src/core/ipv4/ip4_addr.c
  ${LWIP_DIR}/src/core/ipv4/ip4_frag.c
)
target_include_directories(switchyard_lwip SYSTEM PUBLIC
  ${SWITCHYARD_ROOT}/stack/lwip
  ${LWIP_DIR}/src/include)
target_compile_options(switchyard_lwip PRIVATE -w)
