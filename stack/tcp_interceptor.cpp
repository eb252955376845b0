// stack/tcp_interceptor.cpp - any-destination TCP: hold the SYN until the
// egress decides, then let lwIP answer it, or reset.
#include "stack/tcp_interceptor.hpp"

#include <array>

#include "lwip/ip.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "stack/gateway_netif.hpp"
#include "stack/tcp_connection.hpp"
#include "stack/tcp_ports.hpp"

namespace switchyard::stack {
namespace {

constexpr std::uint8_t flag_fin = 0x01, flag_syn = 0x02, flag_rst = 0x04, flag_ack = 0x10;

// Interceptors by lwIP netif index (a u8): the hook and the listener dispatch
// find theirs without a search.
std::array<tcp_interceptor*, 256>& registry() {
  static std::array<tcp_interceptor*, 256> table{};
  return table;
}

std::uint32_t read32(const std::byte* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) |
         std::uint32_t(p[3]);
}
std::uint16_t read16(const std::byte* p) { return static_cast<std::uint16_t>((std::uint32_t(p[0]) << 8) | std::uint32_t(p[1])); }

ip_addr_t to_lwip(net::ipv4_address a) {
  ip_addr_t out;
  ip_addr_set_ip4_u32_val(out, lwip_htonl(a.value()));
  return out;
}

// What ip4_input sets up before calling a transport's input function, so that
// tcp_input, the passive-open hook and routing (ROUTE_SRC) see this netif.
class input_scope {
 public:
  input_scope(struct netif* n, const std::byte* ip_header) {
    auto* header = reinterpret_cast<const struct ip_hdr*>(ip_header);
    ip_data.current_netif = n;
    ip_data.current_input_netif = n;
    ip_data.current_ip4_header = header;
    ip_data.current_ip_header_tot_len = static_cast<u16_t>(IPH_HL_BYTES(header));
    ip_addr_copy_from_ip4(ip_data.current_iphdr_dest, header->dest);
    ip_addr_copy_from_ip4(ip_data.current_iphdr_src, header->src);
  }
  ~input_scope() {
    ip_data.current_netif = nullptr;
    ip_data.current_input_netif = nullptr;
    ip_data.current_ip4_header = nullptr;
    ip_data.current_ip_header_tot_len = 0;
    ip_addr_set_zero_ip4(&ip_data.current_iphdr_dest);
    ip_addr_set_zero_ip4(&ip_data.current_iphdr_src);
  }
  input_scope(const input_scope&) = delete;
  input_scope& operator=(const input_scope&) = delete;
};

struct segment_fields {
  tcp_flow flow;
  std::uint32_t sequence = 0;
  std::uint8_t flags = 0;
  std::size_t header_length = 0;  // IPv4 header
};

// The packet was validated by gateway_netif (header, lengths); the TCP header's
// first 14 bytes must still be there.
std::optional<segment_fields> read_segment(std::span<const std::byte> packet) {
  if (packet.size() < 20) return std::nullopt;
  std::size_t ihl = (std::to_integer<std::size_t>(packet[0]) & 0x0f) * 4;
  if (packet.size() < ihl + 20) return std::nullopt;
  const std::byte* tcp = packet.data() + ihl;
  return segment_fields{.flow = {.source = net::ipv4_address(read32(packet.data() + 12)),
                                 .source_port = read16(tcp),
                                 .destination = net::ipv4_address(read32(packet.data() + 16)),
                                 .destination_port = read16(tcp + 2)},
                        .sequence = read32(tcp + 4),
                        .flags = std::to_integer<std::uint8_t>(tcp[13]),
                        .header_length = ihl};
}

// The VM reuses a 4-tuple whose previous connection lwIP still keeps in
// TIME_WAIT (we closed last, the VM did not wait): lwIP would answer the new
// SYN with a bare ACK and ignore the VM's RST for the rest of TIME_WAIT. The
// VM is the real endpoint and has moved on, so the old pcb goes.
void forget_time_wait(std::uint8_t netif_index, const tcp_flow& flow) {
  for (struct tcp_pcb* pcb = tcp_tw_pcbs; pcb; pcb = pcb->next) {
    if (pcb->netif_idx == netif_index && pcb->local_port == flow.destination_port &&
        pcb->remote_port == flow.source_port &&
        lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(&pcb->local_ip))) == flow.destination.value() &&
        lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(&pcb->remote_ip))) == flow.source.value()) {
      tcp_abort(pcb);
      return;
    }
  }
}

}  // namespace

tcp_interceptor::tcp_interceptor(gateway_netif& gateway) : gateway_(gateway) {
  registry()[netif_get_index(gateway_.lwip_netif())] = this;
}

tcp_interceptor::~tcp_interceptor() {
  for (auto it = pending_.begin(); it != pending_.end();) {
    auto next = std::next(it);
    if (it->second.phase == state::admitted) release_any_destination_port(it->first.destination_port);
    it = next;
  }
  registry()[netif_get_index(gateway_.lwip_netif())] = nullptr;
}

tcp_interceptor* tcp_interceptor::from(struct netif* n) { return n ? from_index(netif_get_index(n)) : nullptr; }
tcp_interceptor* tcp_interceptor::from_index(std::uint8_t netif_index) { return registry()[netif_index]; }

void tcp_interceptor::input(struct pbuf* p) {
  // The headers are in the first pbuf (pool buffers hold a full 1500-byte frame).
  std::span<const std::byte> head(static_cast<const std::byte*>(p->payload), p->len);
  auto segment = read_segment(head);
  // Neighbours on the subnet are reached through the switch, never through us;
  // group addresses are nobody's TCP peer.
  if (!segment || gateway_.subnet().contains(segment->flow.destination) ||
      segment->flow.destination.is_multicast() || segment->flow.destination == net::ipv4_address(0xffffffffu)) {
    pbuf_free(p);
    return;
  }
  auto it = pending_.find(segment->flow);
  if (it != pending_.end()) {
    if (it->second.phase == state::deciding) {
      // The egress is still connecting: SYN retransmissions wait. A RST means
      // the VM gave up.
      pbuf_free(p);
      if (segment->flags & flag_rst) {
        auto flow = it->first;
        pending_.erase(it);
        ++counters_.abandoned;
        if (auto* handler = gateway_.foreign_traffic()) handler->on_tcp_abandoned(flow);
      }
      return;
    }
    deliver(p, segment->header_length);  // admitted: lwIP holds the half-open pcb
    return;
  }
  bool plain_syn = (segment->flags & (flag_syn | flag_ack | flag_rst | flag_fin)) == flag_syn;
  if (!plain_syn) {
    deliver(p, segment->header_length);  // an established flow, or lwIP resets the unknown one
    return;
  }
  std::vector<std::byte> packet(p->tot_len);
  pbuf_copy_partial(p, packet.data(), p->tot_len, 0);
  pbuf_free(p);
  auto* handler = gateway_.foreign_traffic();
  if (!handler || pending_.size() >= max_pending) {
    ++counters_.unhandled;
    reset(packet);
    return;
  }
  it = pending_.emplace(segment->flow, held_syn{.phase = state::deciding,
                                                .packet = std::move(packet),
                                                .since = std::chrono::steady_clock::now()})
           .first;
  ++counters_.opened;
  // A decision made inside on_tcp_open is carried out after it returns, so the
  // handler never re-enters lwIP from within this hook.
  tcp_flow flow = it->first;
  deciding_ = &flow;
  decided_admit_ = decided_refuse_ = false;
  handler->on_tcp_open(flow);
  deciding_ = nullptr;
  if (decided_refuse_) refuse(flow);
  else if (decided_admit_) admit(flow);
}

void tcp_interceptor::admit(const tcp_flow& flow) {
  if (deciding_ && *deciding_ == flow) {
    decided_admit_ = true;
    return;
  }
  auto it = pending_.find(flow);
  if (it == pending_.end() || it->second.phase != state::deciding) return;
  try {
    retain_any_destination_port(flow.destination_port);
  } catch (const std::exception&) {
    refuse(flow);  // lwIP has no listener pcb left
    return;
  }
  it->second.phase = state::admitted;
  it->second.since = std::chrono::steady_clock::now();
  ++counters_.admitted;
  auto packet = std::move(it->second.packet);
  it->second.packet = {};
  forget_time_wait(netif_get_index(gateway_.lwip_netif()), flow);
  feed_to_lwip(packet);
}

void tcp_interceptor::refuse(const tcp_flow& flow) {
  if (deciding_ && *deciding_ == flow) {
    decided_refuse_ = true;
    return;
  }
  auto it = pending_.find(flow);
  if (it == pending_.end()) return;
  ++counters_.refused;
  if (it->second.phase == state::deciding) {
    reset(it->second.packet);
    pending_.erase(it);
  } else {
    release(it);  // lwIP's half-open pcb times out by itself
  }
}

void tcp_interceptor::on_accepted(std::unique_ptr<tcp_connection> connection) {
  auto local = connection->local();
  auto remote = connection->remote();
  tcp_flow flow{.source = remote.address,
                .source_port = remote.port,
                .destination = local.address,
                .destination_port = local.port};
  auto it = pending_.find(flow);
  if (it == pending_.end() || it->second.phase != state::admitted) {
    connection->abort();  // the egress gave up on it meanwhile
    return;
  }
  release(it);
  ++counters_.established;
  if (auto* handler = gateway_.foreign_traffic()) handler->on_tcp_established(flow, std::move(connection));
  else connection->abort();
}

void tcp_interceptor::expire(steady_time now) {
  for (auto it = pending_.begin(); it != pending_.end();) {
    auto next = std::next(it);
    if (it->second.phase == state::admitted && now - it->second.since > handshake_timeout) {
      auto flow = it->first;
      release(it);
      ++counters_.abandoned;
      if (auto* handler = gateway_.foreign_traffic()) handler->on_tcp_abandoned(flow);
    }
    it = next;
  }
}

void tcp_interceptor::release(std::map<tcp_flow, held_syn>::iterator it) {
  if (it->second.phase == state::admitted) release_any_destination_port(it->first.destination_port);
  pending_.erase(it);
}

void tcp_interceptor::feed_to_lwip(std::span<const std::byte> packet) {
  struct pbuf* p = pbuf_alloc(PBUF_RAW, static_cast<u16_t>(packet.size()), PBUF_POOL);
  if (!p) return;  // pool exhausted: like a lost segment, the VM retransmits
  pbuf_take(p, packet.data(), static_cast<u16_t>(packet.size()));
  deliver(p, (std::to_integer<std::size_t>(packet[0]) & 0x0f) * 4);
}

void tcp_interceptor::deliver(struct pbuf* p, std::size_t ip_header_length) {
  input_scope scope(gateway_.lwip_netif(), static_cast<const std::byte*>(p->payload));
  pbuf_remove_header(p, ip_header_length);
  tcp_input(p, gateway_.lwip_netif());
}

void tcp_interceptor::reset(std::span<const std::byte> syn_packet) {
  auto segment = read_segment(syn_packet);
  if (!segment) return;
  input_scope scope(gateway_.lwip_netif(), syn_packet.data());
  ip_addr_t local = to_lwip(segment->flow.destination), remote = to_lwip(segment->flow.source);
  // RFC 793: a RST for a segment without ACK carries SEQ 0, ACK = SEG.SEQ + SEG.LEN (SYN counts 1).
  tcp_rst(nullptr, 0, segment->sequence + 1, &local, &remote, segment->flow.destination_port,
          segment->flow.source_port);
}

}  // namespace switchyard::stack
