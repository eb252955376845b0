// gateway/egress/icmp_echo.cpp - one network's ping proxy (theory in the header).
#include "gateway/egress/icmp_echo.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/post.hpp>

#include "gateway/logging.hpp"
#include "protocols/net/icmp.hpp"
#include "stack/gateway_netif.hpp"

namespace switchyard::gateway {
namespace {

namespace asio = boost::asio;

spdlog::logger& log() {
  static const auto logger = get_logger("egress");
  return *logger;
}

constexpr std::size_t ipv4_header_size = 20;

// Every network's proxy finds the same host setting: say it once per process.
void log_unavailable_once(const boost::system::error_code& ec) {
  static std::atomic<bool> logged{false};
  if (logged.exchange(true)) return;
  if (ec == asio::error::access_denied)
    log().warn("ICMP echo egress unavailable: net.ipv4.ping_group_range excludes gid {} (set it to include it, "
               "e.g. sysctl net.ipv4.ping_group_range=\"0 2147483647\"); pings to foreign addresses get host "
               "unreachable",
               static_cast<unsigned>(getgid()));
  else
    log().warn("ICMP echo egress unavailable: no ping socket ({}); pings to foreign addresses get host unreachable",
               ec.message());
}

}  // namespace

ping_protocol ping_protocol::v4() { return ping_protocol(IPPROTO_ICMP, AF_INET); }
ping_protocol ping_protocol::v6() { return ping_protocol(IPPROTO_ICMPV6, AF_INET6); }
int ping_protocol::type() const { return SOCK_DGRAM; }

icmp_echo::icmp_echo(asio::io_context& core, stack::virtual_network& network, policy_check check, name_lookup names)
    : core_(core),
      network_(network),
      check_(std::move(check)),
      names_(std::move(names)),
      socket_(core),
      buffer_(network.settings().mtu > ipv4_header_size ? network.settings().mtu - ipv4_header_size + 1 : 1) {
  boost::system::error_code ec;
  socket_.open(ping_protocol::v4(), ec);
  if (!ec) socket_.non_blocking(true, ec);
  if (ec) {
    if (socket_.is_open()) socket_.close(ec);
    log_unavailable_once(ec);
    return;
  }
  wait_readable();
}

icmp_echo::~icmp_echo() {
  boost::system::error_code ignored;
  socket_.close(ignored);
}

void icmp_echo::on_echo_request(const stack::icmp_echo_request& r) {
  auto names = names_ ? names_(r.destination) : std::vector<std::string>{};
  auto verdict = check_(policy::destination{.proto = policy::protocol::icmp,
                                            .addr = asio::ip::address_v4(r.destination.value()),
                                            .port = 0,
                                            .names = names});
  if (!verdict.allowed) {
    ++counters_.refusals[verdict.why];
    if (on_refusal_) on_refusal_(r.source, r.destination, verdict.why);
    log().debug("[{}] ping {} -> {} refused: {}", network_.settings().name, r.source.to_string(),
                r.destination.to_string(), policy::to_string(verdict.why));
    return answer_unreachable(r, net::icmp_unreachable::administratively_prohibited);
  }
  if (!available()) {
    ++counters_.unavailable;
    return answer_unreachable(r, net::icmp_unreachable::host);
  }
  auto now = now_();
  if (!reserve_slot(r.source, now)) {
    ++counters_.pending_full;
    return;
  }
  auto sequence = free_sequence();
  // The kernel fills in the identifier (its own) and the checksum.
  auto message = net::build_icmp_echo_message(net::icmp_type::echo_request, 0, sequence, r.payload);
  boost::system::error_code ec;
  socket_.send_to(asio::buffer(message), ping_protocol::endpoint(asio::ip::address_v4(r.destination.value()), 0), 0,
                  ec);
  if (ec) {
    ++counters_.send_failed;
    if (--pending_per_vm_[r.source.value()] == 0) pending_per_vm_.erase(r.source.value());
    return;
  }
  pending_.emplace(sequence, pending_echo{.vm_mac = r.source_mac,
                                          .vm = r.source,
                                          .destination = r.destination,
                                          .identifier = r.identifier,
                                          .sequence = r.sequence,
                                          .sent = now});
  ++counters_.requests;
}

void icmp_echo::answer_unreachable(const stack::icmp_echo_request& r, std::uint8_t code) {
  // One answer per request, never more: a VM cannot amplify through this.
  auto original = net::build_icmp_echo_request_packet(r.source, r.destination, r.identifier, r.sequence, r.payload);
  auto& gateway = network_.gateway();
  gateway.send_icmp_unreachable(r.source_mac, original, code, gateway.address());
}

// Takes one of the VM's pending slots (and one of the network's), expiring old
// requests first when either is full.
bool icmp_echo::reserve_slot(net::ipv4_address vm, clock::time_point now) {
  auto full = [&] {
    auto it = pending_per_vm_.find(vm.value());
    return pending_.size() >= max_pending || (it != pending_per_vm_.end() && it->second >= max_pending_per_vm);
  };
  if (full()) expire(now);
  if (full()) return false;
  ++pending_per_vm_[vm.value()];
  return true;
}

std::uint16_t icmp_echo::free_sequence() {
  // At most max_pending of 65536 are taken: this ends within max_pending + 1 steps.
  while (pending_.contains(next_sequence_)) ++next_sequence_;
  return next_sequence_++;
}

void icmp_echo::forget(std::unordered_map<std::uint16_t, pending_echo>::iterator it) {
  auto vm = pending_per_vm_.find(it->second.vm.value());
  if (vm != pending_per_vm_.end() && --vm->second == 0) pending_per_vm_.erase(vm);
  pending_.erase(it);
}

void icmp_echo::expire(clock::time_point now) {
  for (auto it = pending_.begin(); it != pending_.end();) {
    auto next = std::next(it);
    if (now - it->second.sent >= echo_timeout) {
      forget(it);
      ++counters_.expired;
    }
    it = next;
  }
}

void icmp_echo::wait_readable() {
  socket_.async_wait(ping_protocol::socket::wait_read,
                     [this, alive = std::weak_ptr(alive_)](const boost::system::error_code& ec) {
                       if (ec || alive.expired()) return;
                       drain();
                     });
}

void icmp_echo::drain() {
  ping_protocol::endpoint from;
  for (std::size_t i = 0; i < max_reads_per_wakeup; ++i) {
    boost::system::error_code ec;
    std::size_t n = socket_.receive_from(asio::buffer(buffer_), from, 0, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) return wait_readable();
    if (ec) continue;
    deliver_reply(from, n);
  }
  // More may be queued (waits are edge-triggered): come back after others had a turn.
  asio::post(core_, [this, alive = std::weak_ptr(alive_)] {
    if (!alive.expired()) drain();
  });
}

void icmp_echo::deliver_reply(const ping_protocol::endpoint& from, std::size_t size) {
  auto echo = net::parse_icmp_echo(net::bytes(buffer_.data(), size));
  if (!echo || echo->type != net::icmp_type::echo_reply || !from.address().is_v4()) {
    ++counters_.unmatched_replies;
    return;
  }
  auto it = pending_.find(echo->sequence);
  net::ipv4_address peer(from.address().to_v4().to_uint());
  if (it == pending_.end() || it->second.destination != peer) {
    ++counters_.unmatched_replies;
    return;
  }
  auto p = it->second;
  forget(it);
  if (now_() - p.sent >= echo_timeout) {
    ++counters_.expired;  // the VM has given up on it; a late reply would only confuse
    return;
  }
  // (A reply too big for the buffer arrived truncated and failed its checksum above.)
  network_.gateway().send_icmp_echo_reply(p.vm_mac, p.vm, p.destination, p.identifier, p.sequence, echo->payload);
  ++counters_.replies;
}

}  // namespace switchyard::gateway
