// gateway/egress/network_egress.cpp - one network's way out, under its policy.
#include "gateway/egress/network_egress.hpp"

#include <boost/asio/ip/address_v4.hpp>

#include "gateway/egress/icmp_echo.hpp"
#include "gateway/egress/tcp_splice.hpp"
#include "gateway/egress/udp_nat.hpp"
#include "gateway/logging.hpp"
#include "stack/gateway_netif.hpp"
#include "stack/tcp_interceptor.hpp"

namespace switchyard::gateway {
namespace {

spdlog::logger& log() {
  static const auto logger = get_logger("egress");
  return *logger;
}

// An admitted flow whose VM never completes the handshake is dropped after this
// (the stack reports it abandoned sooner; this is the backstop).
constexpr std::chrono::seconds handshake_backstop{20};

std::string_view protocol_name(policy::protocol p) {
  switch (p) {
    case policy::protocol::tcp: return "tcp";
    case policy::protocol::udp: return "udp";
    case policy::protocol::icmp: return "icmp";
    case policy::protocol::any: return "any";
  }
  return "?";
}

}  // namespace

struct network_egress::connecting {
  explicit connecting(boost::asio::io_context& io) : socket(io), deadline(io) {}
  boost::asio::ip::tcp::socket socket;
  boost::asio::steady_timer deadline;
  bool timed_out = false;
  bool admitted = false;
};

network_egress::network_egress(boost::asio::io_context& core, stack::virtual_network& network,
                               const network_config& config)
    : core_(core), network_(network), policy_(config.egress), limits_(config.limits) {
  network_.gateway().set_foreign_traffic_handler(this);
  start_datagram_paths();
}

void network_egress::start_datagram_paths() {
  // An isolated network opens no sockets: everything is refused (and counted).
  if (policy_.mode == policy::egress_mode::off) return;
  auto check_fn = [this](const policy::destination& d) { return check(d); };
  auto names_fn = [this](net::ipv4_address a) { return names_.names_for(a, std::chrono::steady_clock::now()); };
  udp_ = std::make_unique<udp_nat>(core_, network_, limits_, check_fn, names_fn);
  udp_->set_refusal_observer([this](net::ipv4_address source, net::ipv4_address destination, std::uint16_t port,
                                    policy::reason why) {
    note_refusal(policy::protocol::udp, source, destination, port, policy::to_string(why));
  });
  icmp_ = std::make_unique<icmp_echo>(core_, network_, check_fn, names_fn);
  icmp_->set_refusal_observer([this](net::ipv4_address source, net::ipv4_address destination, policy::reason why) {
    note_refusal(policy::protocol::icmp, source, destination, 0, policy::to_string(why));
  });
}

void network_egress::replace_policy(const policy::egress_policy& policy, const egress_limits& limits) {
  policy_ = policy;
  limits_ = limits;
  // The NAT copies its limits and exists only when egress is on: rebuilt.
  udp_.reset();
  icmp_.reset();
  start_datagram_paths();
}

network_egress::~network_egress() {
  network_.gateway().set_foreign_traffic_handler(nullptr);
  for (auto& [key, splice] : splices_) {
    splice->forget_owner();
    splice->abort();
  }
  for (auto& [flow, c] : connecting_) {
    boost::system::error_code ignored;
    c->socket.close(ignored);
    c->deadline.cancel();
  }
}

policy::verdict network_egress::check(policy::protocol proto, net::ipv4_address destination,
                                      std::uint16_t port) const {
  auto names = names_.names_for(destination, std::chrono::steady_clock::now());
  return policy::evaluate(policy_, policy::destination{.proto = proto,
                                                       .addr = boost::asio::ip::address_v4(destination.value()),
                                                       .port = port,
                                                       .names = names,
                                                       .host_local = host_.contains(destination)});
}

policy::verdict network_egress::check(const policy::destination& dest) const {
  policy::destination d = dest;
  auto canonical = policy::canonicalize(d.addr);
  if (canonical.is_v4()) d.host_local = host_.contains(net::ipv4_address(canonical.to_v4().to_uint()));
  return policy::evaluate(policy_, d);
}

void network_egress::note_refusal(policy::protocol proto, net::ipv4_address source, net::ipv4_address destination,
                                  std::uint16_t port, std::string_view reason) {
  ++counters_.refusals[std::string(reason)];
  if (refusals_.size() >= recent_refusals_kept) refusals_.pop_front();
  refusals_.push_back({.when = std::chrono::system_clock::now(),
                       .proto = proto,
                       .source = source,
                       .destination = destination,
                       .port = port,
                       .reason = std::string(reason)});
  log().debug("{}: refused {} {} -> {}:{} ({})", network_.settings().name, protocol_name(proto),
              source.to_string(), destination.to_string(), port, reason);
}

void network_egress::refuse(const stack::tcp_flow& flow, std::string_view reason) {
  ++counters_.tcp_refused;
  note_refusal(policy::protocol::tcp, flow.source, flow.destination, flow.destination_port, reason);
  network_.interceptor().refuse(flow);
}

void network_egress::on_tcp_open(const stack::tcp_flow& flow) {
  auto verdict = check(policy::protocol::tcp, flow.destination, flow.destination_port);
  if (!verdict.allowed) return refuse(flow, policy::to_string(verdict.why));
  auto& per_vm = tcp_per_vm_[flow.source.value()];
  if (per_vm >= limits_.tcp_per_vm || tcp_active() >= limits_.tcp_per_network) {
    if (per_vm == 0) tcp_per_vm_.erase(flow.source.value());
    return refuse(flow, "quota");
  }
  ++per_vm;

  auto c = std::make_shared<connecting>(core_);
  connecting_.emplace(flow, c);
  std::weak_ptr<connecting> weak = c;
  c->deadline.expires_after(limits_.connect_timeout);
  c->deadline.async_wait([weak](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self || self->admitted) return;
    self->timed_out = true;
    boost::system::error_code ignored;
    self->socket.close(ignored);  // the connect completes with operation_aborted
  });
  boost::asio::ip::tcp::endpoint target(boost::asio::ip::address_v4(flow.destination.value()),
                                        flow.destination_port);
  c->socket.async_connect(target, [this, weak, flow](const boost::system::error_code& ec) {
    if (weak.lock()) connected(flow, ec);
  });
}

void network_egress::connected(const stack::tcp_flow& flow, const boost::system::error_code& ec) {
  auto it = connecting_.find(flow);
  if (it == connecting_.end()) return;
  auto c = it->second;
  if (ec) {
    ++counters_.tcp_connect_failed;
    note_refusal(policy::protocol::tcp, flow.source, flow.destination, flow.destination_port,
                 c->timed_out ? "connect_timeout" : "connect_failed");
    c->deadline.cancel();
    connecting_.erase(it);
    release_vm_slot(flow.source);
    network_.interceptor().refuse(flow);
    return;
  }
  c->admitted = true;
  // Backstop for a handshake that never completes and is never reported.
  c->deadline.expires_after(handshake_backstop);
  std::weak_ptr<connecting> weak = c;
  c->deadline.async_wait([this, weak, flow](const boost::system::error_code& e) {
    if (!e && weak.lock()) on_tcp_abandoned(flow);
  });
  network_.interceptor().admit(flow);
}

void network_egress::on_tcp_established(const stack::tcp_flow& flow,
                                        std::unique_ptr<stack::tcp_connection> vm_side) {
  auto it = connecting_.find(flow);
  if (it == connecting_.end() || !it->second->admitted) {
    vm_side->abort();
    return;
  }
  auto c = it->second;
  connecting_.erase(it);
  c->deadline.cancel();
  auto splice = std::make_shared<tcp_splice>(std::move(c->socket), std::move(vm_side),
                                             [this, vm = flow.source](const tcp_splice& s) {
                                               counters_.tcp_bytes_out += s.bytes_to_upstream();
                                               counters_.tcp_bytes_in += s.bytes_to_vm();
                                               splices_.erase(&s);
                                               splice_flows_.erase(&s);
                                               release_vm_slot(vm);
                                             });
  splices_.emplace(splice.get(), splice);
  splice_flows_.emplace(splice.get(), flow);
  ++counters_.tcp_opened;
  splice->start();
}

std::vector<egress_flow> network_egress::tcp_flows() const {
  std::vector<egress_flow> out;
  out.reserve(connecting_.size() + splices_.size());
  for (const auto& [flow, c] : connecting_) out.push_back({flow, false, 0, 0});
  for (const auto& [splice, flow] : splice_flows_)
    out.push_back({flow, true, splice->bytes_to_upstream(), splice->bytes_to_vm()});
  return out;
}

void network_egress::on_tcp_abandoned(const stack::tcp_flow& flow) {
  auto it = connecting_.find(flow);
  if (it == connecting_.end()) return;
  auto c = it->second;
  connecting_.erase(it);
  boost::system::error_code ignored;
  c->socket.close(ignored);
  c->deadline.cancel();
  release_vm_slot(flow.source);
}

void network_egress::release_vm_slot(net::ipv4_address vm) {
  auto it = tcp_per_vm_.find(vm.value());
  if (it == tcp_per_vm_.end()) return;
  if (--it->second == 0) tcp_per_vm_.erase(it);
}

void network_egress::on_udp(const stack::udp_datagram& datagram) {
  if (udp_) return udp_->on_udp(datagram);
  note_refusal(policy::protocol::udp, datagram.source, datagram.destination, datagram.destination_port,
               policy::to_string(policy::reason::egress_off));
}

void network_egress::on_icmp_echo(const stack::icmp_echo_request& request) {
  if (icmp_) return icmp_->on_echo_request(request);
  note_refusal(policy::protocol::icmp, request.source, request.destination, 0,
               policy::to_string(policy::reason::egress_off));
}

}  // namespace switchyard::gateway
