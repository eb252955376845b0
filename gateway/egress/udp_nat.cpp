// gateway/egress/udp_nat.cpp - one network's UDP NAT (theory in the header).
#include "gateway/egress/udp_nat.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>

#include "gateway/logging.hpp"
#include "protocols/net/icmp.hpp"

namespace switchyard::gateway {
namespace {

namespace asio = boost::asio;
using udp = asio::ip::udp;

spdlog::logger& log() {
  static const auto logger = get_logger("egress");
  return *logger;
}

constexpr std::size_t ipv4_udp_headers = 28;
// A VM with no flows is forgotten once its buckets would be full again anyway.
constexpr std::chrono::seconds vm_forget_after{2};

std::uint64_t flow_key(net::ipv4_address vm, std::uint16_t port) { return (std::uint64_t{vm.value()} << 16) | port; }
std::uint64_t destination_key(net::ipv4_address to, std::uint16_t port) {
  return (std::uint64_t{to.value()} << 16) | port;
}

std::string endpoint_text(net::ipv4_address a, std::uint16_t port) { return a.to_string() + ':' + std::to_string(port); }

}  // namespace

std::string_view to_string(udp_drop d) {
  switch (d) {
    case udp_drop::rate_limited: return "rate_limited";
    case udp_drop::flow_limit: return "flow_limit";
    case udp_drop::network_flow_limit: return "network_flow_limit";
    case udp_drop::vm_table_full: return "vm_table_full";
    case udp_drop::socket_error: return "socket_error";
    case udp_drop::send_failed: return "send_failed";
    case udp_drop::oversize_reply: return "oversize_reply";
    case udp_drop::unsolicited_reply: return "unsolicited_reply";
    case udp_drop::foreign_source: return "foreign_source";
  }
  return "unknown";
}

struct udp_nat::flow {
  explicit flow(asio::io_context& io) : socket(io) {}
  udp::socket socket;
  net::mac_address vm_mac;
  net::ipv4_address vm;
  std::uint16_t vm_port = 0;
  clock::time_point last_active;
  destination_map destinations;  // the peers it may hear from, keyed by destination_key
};

bool udp_nat::token_bucket::take(clock::time_point now, double rate) {
  double elapsed = std::chrono::duration<double>(now - updated).count();
  if (elapsed > 0) tokens = std::min(rate, tokens + elapsed * rate);
  updated = std::max(updated, now);
  if (tokens < 1) return false;
  tokens -= 1;
  return true;
}

udp_nat::udp_nat(asio::io_context& core, stack::virtual_network& network, const egress_limits& limits,
                 policy_check check, name_lookup names)
    : core_(core),
      network_(network),
      gateway_(network.gateway()),
      limits_(limits),
      check_(std::move(check)),
      names_(std::move(names)),
      max_payload_(network.settings().mtu > ipv4_udp_headers ? network.settings().mtu - ipv4_udp_headers : 0),
      buffer_(max_payload_ + 1),
      sweep_(core) {
  schedule_sweep();
}

udp_nat::~udp_nat() {
  sweep_.cancel();
  flows_.clear();  // closes the sockets; their pending waits find their flow gone
}

void udp_nat::schedule_sweep() {
  // A quarter of the idle timeout: a flow lives at most 25% longer than asked.
  auto interval = std::clamp<std::chrono::milliseconds>(
      std::chrono::duration_cast<std::chrono::milliseconds>(limits_.udp_idle_timeout) / 4,
      std::chrono::milliseconds(250), std::chrono::milliseconds(15000));
  sweep_.expires_after(interval);
  sweep_.async_wait([this, alive = std::weak_ptr(alive_)](const boost::system::error_code& ec) {
    if (ec || alive.expired()) return;
    expire(now_());
    schedule_sweep();
  });
}

udp_nat::vm_state* udp_nat::vm_for(net::ipv4_address vm, clock::time_point now) {
  auto it = vms_.find(vm.value());
  if (it == vms_.end()) {
    if (vms_.size() >= max_vms) return nullptr;
    auto rate = static_cast<double>(limits_.udp_packets_per_second);
    it = vms_.emplace(vm.value(), vm_state{.flows = 0,
                                           .datagrams = {.tokens = rate, .updated = now},
                                           .prohibited = {.tokens = prohibited_per_second, .updated = now},
                                           .last_seen = now})
             .first;
  }
  it->second.last_seen = now;
  return &it->second;
}

void udp_nat::on_udp(const stack::udp_datagram& d) {
  auto& subnet = network_.settings().subnet;
  if (!subnet.contains(d.source) || d.source == subnet.network || d.source == subnet.broadcast())
    return drop(udp_drop::foreign_source);
  auto now = now_();
  auto* vm = vm_for(d.source, now);
  if (!vm) return drop(udp_drop::vm_table_full);
  if (!vm->datagrams.take(now, static_cast<double>(limits_.udp_packets_per_second)))
    return drop(udp_drop::rate_limited);

  auto it = flows_.find(flow_key(d.source, d.source_port));
  std::shared_ptr<flow> f = it == flows_.end() ? nullptr : it->second;
  auto dest_key = destination_key(d.destination, d.destination_port);
  destination_map::iterator known;
  if (f) known = f->destinations.find(dest_key);
  if (!f || known == f->destinations.end()) {
    // A destination new to the flow: only allowed ones are remembered, so a
    // denied one is judged again (under the rate limit) and never gets replies.
    auto verdict = judge(d.destination, d.destination_port);
    if (!verdict.allowed) return refuse(d, verdict, *vm, now);
    if (!f && !(f = open_flow(d, *vm, now))) return;
    known = remember_destination(*f, dest_key);
    log().debug("[{}] udp {} -> {} allowed ({})", network_.settings().name, endpoint_text(d.source, d.source_port),
                endpoint_text(d.destination, d.destination_port), policy::to_string(verdict.why));
  }
  known->second.last_used = now;
  f->vm_mac = d.source_mac;
  f->last_active = now;

  boost::system::error_code ec;
  f->socket.send_to(asio::buffer(d.payload.data(), d.payload.size()),
                    udp::endpoint(asio::ip::address_v4(d.destination.value()), d.destination_port), 0, ec);
  if (ec) return drop(udp_drop::send_failed);  // would_block included: a full buffer drops, never queues
  ++counters_.datagrams_out;
  counters_.bytes_out += d.payload.size();
}

udp_nat::destination_map::iterator udp_nat::remember_destination(flow& f, std::uint64_t key) {
  if (f.destinations.size() >= max_destinations_per_flow) {
    // Full: the least recently used peer is forgotten (its replies are dropped from now on).
    auto oldest = std::min_element(f.destinations.begin(), f.destinations.end(),
                                   [](auto& a, auto& b) { return a.second.last_used < b.second.last_used; });
    f.destinations.erase(oldest);
  }
  return f.destinations.emplace(key, destination_use{}).first;
}

policy::verdict udp_nat::judge(net::ipv4_address to, std::uint16_t port) {
  auto names = names_ ? names_(to) : std::vector<std::string>{};
  return check_(policy::destination{
      .proto = policy::protocol::udp, .addr = asio::ip::address_v4(to.value()), .port = port, .names = names});
}

void udp_nat::refuse(const stack::udp_datagram& d, const policy::verdict& verdict, vm_state& vm,
                     clock::time_point now) {
  ++counters_.refusals[verdict.why];
  if (on_refusal_) on_refusal_(d.source, d.destination, d.destination_port, verdict.why);
  if (!vm.prohibited.take(now, prohibited_per_second)) {
    ++counters_.prohibited_rate_limited;
    return;
  }
  // Logged only as often as the VM is told, so a flood cannot flood the log.
  log().debug("[{}] udp {} -> {} refused: {}", network_.settings().name, endpoint_text(d.source, d.source_port),
              endpoint_text(d.destination, d.destination_port), policy::to_string(verdict.why));
  // The datagram's bytes are gone; its quote is rebuilt (same addresses, ports, length, checksum).
  auto original = net::build_udp_packet(d.source, d.source_port, d.destination, d.destination_port, d.payload);
  gateway_.send_icmp_unreachable(d.source_mac, original, net::icmp_unreachable::administratively_prohibited,
                                 gateway_.address());
  ++counters_.prohibited_sent;
}

std::shared_ptr<udp_nat::flow> udp_nat::open_flow(const stack::udp_datagram& d, vm_state& vm,
                                                  clock::time_point now) {
  if (vm.flows >= limits_.udp_flows_per_vm) {
    drop(udp_drop::flow_limit);
    return nullptr;
  }
  if (flows_.size() >= max_flows) {
    drop(udp_drop::network_flow_limit);
    return nullptr;
  }
  auto f = std::make_shared<flow>(core_);
  boost::system::error_code ec;
  f->socket.open(udp::v4(), ec);
  if (!ec) f->socket.non_blocking(true, ec);
  if (!ec) f->socket.bind(udp::endpoint(asio::ip::address_v4::any(), 0), ec);
  if (ec) {
    drop(udp_drop::socket_error);
    log().warn("[{}] udp flow for {}: no socket: {}", network_.settings().name,
               endpoint_text(d.source, d.source_port), ec.message());
    return nullptr;
  }
  f->vm = d.source;
  f->vm_port = d.source_port;
  f->last_active = now;
  flows_.emplace(flow_key(d.source, d.source_port), f);
  ++vm.flows;
  ++counters_.flows_opened;
  counters_.flows_open = flows_.size();
  log().debug("[{}] udp flow {} opened on port {}", network_.settings().name, endpoint_text(d.source, d.source_port),
              f->socket.local_endpoint(ec).port());
  wait_readable(f);
  return f;
}

void udp_nat::close_flow(std::uint64_t key) {
  auto it = flows_.find(key);
  if (it == flows_.end()) return;
  if (auto vm = vms_.find(it->second->vm.value()); vm != vms_.end() && vm->second.flows > 0) --vm->second.flows;
  flows_.erase(it);  // the socket closes with the flow; its pending wait completes aborted
  counters_.flows_open = flows_.size();
}

void udp_nat::wait_readable(const std::shared_ptr<flow>& f) {
  // A flow's handlers hold it weakly: a closed flow's wait runs into nothing.
  f->socket.async_wait(udp::socket::wait_read, [this, weak = std::weak_ptr(f)](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (!self || ec) return;
    drain(self);
  });
}

void udp_nat::drain(const std::shared_ptr<flow>& f) {
  udp::endpoint from;
  for (std::size_t i = 0; i < max_reads_per_wakeup; ++i) {
    boost::system::error_code ec;
    std::size_t n = f->socket.receive_from(asio::buffer(buffer_), from, 0, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) return wait_readable(f);
    if (ec) continue;  // e.g. a queued ICMP error; the next datagram may be fine
    deliver_reply(*f, from, n);
  }
  // More may be waiting: let other flows (and the rest of the loop) run first.
  // (Asio waits are edge-triggered: re-arming now could sleep on queued data.)
  asio::post(core_, [this, weak = std::weak_ptr(f)] {
    if (auto self = weak.lock()) drain(self);
  });
}

void udp_nat::deliver_reply(flow& f, const udp::endpoint& from, std::size_t size) {
  if (!from.address().is_v4()) return drop(udp_drop::unsolicited_reply);
  net::ipv4_address peer(from.address().to_v4().to_uint());
  auto it = f.destinations.find(destination_key(peer, from.port()));
  if (it == f.destinations.end()) return drop(udp_drop::unsolicited_reply);
  if (size > max_payload_) return drop(udp_drop::oversize_reply);
  auto now = now_();
  it->second.last_used = now;
  f.last_active = now;
  gateway_.send_udp(f.vm_mac, f.vm, f.vm_port, peer, from.port(), net::bytes(buffer_.data(), size));
  ++counters_.datagrams_in;
  counters_.bytes_in += size;
}

void udp_nat::expire(clock::time_point now) {
  std::vector<std::uint64_t> idle;
  for (auto& [key, f] : flows_)
    if (now - f->last_active >= limits_.udp_idle_timeout) idle.push_back(key);
  for (auto key : idle) {
    auto& f = *flows_.at(key);
    log().debug("[{}] udp flow {} closed (idle)", network_.settings().name, endpoint_text(f.vm, f.vm_port));
    close_flow(key);
    ++counters_.flows_expired;
  }
  std::erase_if(vms_, [&](const auto& kv) { return kv.second.flows == 0 && now - kv.second.last_seen > vm_forget_after; });
}

std::optional<udp::endpoint> udp_nat::flow_endpoint(net::ipv4_address vm, std::uint16_t vm_port) const {
  auto it = flows_.find(flow_key(vm, vm_port));
  if (it == flows_.end()) return std::nullopt;
  boost::system::error_code ec;
  auto local = it->second->socket.local_endpoint(ec);
  if (ec) return std::nullopt;
  return local;
}

}  // namespace switchyard::gateway
