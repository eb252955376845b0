// tests/fuzz/switch_fuzz.cpp - libFuzzer target that drives a network_switch
// with four ports, frames, refusals, detaches and time from the fuzz input.
//
// Input: byte 0 picks the settings, then records of
//   [control] [advance] [length] [length bytes of body]
// control bits 0-1: the port slot (0 is the gateway, 1-3 are VMs)
//              2:   toggle whether that slot's sink refuses frames (queue full)
//              3:   detach and re-attach the slot before sending
//              4:   call expire(now) before sending
//              5:   compact body: [dst index][src index][type and payload...],
//                   indexes into a small MAC table so collisions are easy to reach
// advance: seconds added to the clock before the record.
//
// Invariants: no port is sent its own frame; a frame either takes exactly one
// ingress drop and goes nowhere, or reaches exactly the learned port (known
// unicast) or every other port (flood); no port owns more than
// max_macs_per_port MACs; the gateway MAC stays on the gateway port; totals
// equal the sums over ports (live plus detached).
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "stack/network_switch.hpp"

namespace {

using namespace switchyard;
using namespace std::chrono_literals;
using stack::drop_reason;
using stack::port_id;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "invariant violated: %s\n", what);
  std::abort();
}
#define FUZZ_CHECK(condition) \
  do {                        \
    if (!(condition)) fail(#condition); \
  } while (0)

constexpr std::size_t slot_count = 4;
const net::mac_address gateway_mac = net::mac_address::from_u64(0x02'5e'00'00'00'01);

net::mac_address table_mac(std::uint8_t index) {
  switch (index % 10) {
    case 6: return gateway_mac;
    case 7: return net::mac_address::broadcast();
    case 8: return net::mac_address::from_u64(0x01'00'5e'00'00'01);
    case 9: return net::mac_address{};
    default: return net::mac_address::from_u64(0x02'00'00'00'00'01 + index % 10);
  }
}

class harness;

class fuzz_sink : public stack::frame_sink {
 public:
  bool deliver(std::span<const std::byte> frame) override;
  harness* owner = nullptr;
  std::size_t slot = 0;
  bool refuse = false;
};

class harness {
 public:
  explicit harness(stack::switch_settings settings) : sw_(settings) {
    for (std::size_t s = 0; s < slot_count; ++s) {
      sinks_[s].owner = this;
      sinks_[s].slot = s;
      attach(s);
    }
  }

  void run(const std::uint8_t* data, std::size_t size) {
    std::size_t at = 0;
    while (size - at >= 3) {
      std::uint8_t control = data[at];
      now_ += std::chrono::seconds(data[at + 1]);
      std::size_t length = std::min<std::size_t>(data[at + 2], size - at - 3);
      const std::uint8_t* body = data + at + 3;
      at += 3 + length;

      std::size_t slot = control & 3;
      if (control & 4) sinks_[slot].refuse = !sinks_[slot].refuse;
      if (control & 8) {
        add_to_detached(slot);
        sw_.detach(ports_[slot]);
        attach(slot);
      }
      if (control & 16) sw_.expire(now_);

      std::vector<std::byte> frame;
      if ((control & 32) && length >= 2) {
        std::array<std::byte, net::ethernet_header_size> header{};
        net::write_ethernet_header(header, table_mac(body[0]), table_mac(body[1]), 0);
        // The type comes from the body, so a short body still makes a runt.
        frame.assign(header.begin(), header.begin() + 12);
        for (std::size_t i = 2; i < length; ++i) frame.push_back(static_cast<std::byte>(body[i]));
      } else {
        for (std::size_t i = 0; i < length; ++i) frame.push_back(static_cast<std::byte>(body[i]));
      }
      drive(slot, frame);
      check_tables();
      check_counters();
    }
  }

  // Called from a sink: records the delivery and, for the gateway, answers
  // broadcasts synchronously the way the real gateway answers ARP.
  bool deliver(std::size_t slot, std::span<const std::byte> frame) {
    FUZZ_CHECK(!calls_.empty());
    FUZZ_CHECK(calls_.back().from != ports_[slot]);  // never back to the sender
    calls_.back().delivered.push_back(ports_[slot]);
    if (sinks_[slot].refuse) return false;
    if (slot == 0 && calls_.size() == 1) {
      auto eth = net::parse_ethernet(frame);
      if (eth && eth->destination.is_broadcast()) {
        std::vector<std::byte> reply(42);
        net::write_ethernet_header(reply, eth->source, gateway_mac, net::ethertype::arp);
        drive(0, reply);
      }
    }
    return true;
  }

 private:
  struct call {
    port_id from;
    std::vector<port_id> delivered;
  };

  void attach(std::size_t slot) {
    ports_[slot] = slot == 0 ? sw_.attach_gateway(sinks_[slot], gateway_mac) : sw_.attach(sinks_[slot]);
  }

  std::uint64_t ingress_drops(port_id p) const {
    const stack::port_counters* c = sw_.counters(p);
    FUZZ_CHECK(c != nullptr);
    std::uint64_t sum = 0;
    for (std::size_t r = 0; r < stack::drop_reason_count; ++r)
      if (r != static_cast<std::size_t>(drop_reason::queue_full)) sum += c->drops[r];
    return sum;
  }

  void drive(std::size_t slot, std::span<const std::byte> frame) {
    port_id from = ports_[slot];
    auto eth = net::parse_ethernet(frame);
    if (eth) sourced_.insert(eth->source);
    std::optional<port_id> owner;
    if (eth && !eth->destination.is_group()) owner = sw_.lookup(eth->destination, now_);
    std::uint64_t drops_before = ingress_drops(from);

    calls_.push_back({from, {}});
    sw_.receive(from, frame, now_);
    call c = std::move(calls_.back());
    calls_.pop_back();

    std::uint64_t dropped = ingress_drops(from) - drops_before;
    if (dropped != 0) {
      FUZZ_CHECK(dropped == 1);
      FUZZ_CHECK(c.delivered.empty());
      return;
    }
    FUZZ_CHECK(eth.has_value());
    FUZZ_CHECK(frame.size() <= sw_.settings().max_frame_size);
    FUZZ_CHECK(!eth->source.is_group() && !eth->source.is_zero());
    FUZZ_CHECK(sw_.lookup(eth->source, now_) == from);
    FUZZ_CHECK(!(owner && *owner == from));  // that is a hairpin drop
    std::vector<port_id> expected;
    if (owner) {
      expected.push_back(*owner);
    } else {
      for (port_id p : ports_)
        if (p != from) expected.push_back(p);
    }
    std::sort(expected.begin(), expected.end());
    std::sort(c.delivered.begin(), c.delivered.end());
    FUZZ_CHECK(c.delivered == expected);
  }

  // A lookup at the epoch treats no entry as aged (last_seen is never before
  // it), so it reveals every entry still in the table, aged or not.
  void check_tables() const {
    std::map<port_id, std::size_t> per_port;
    std::size_t found = 0;
    for (auto mac : sourced_) {
      if (auto p = sw_.lookup(mac, stack::steady_time{})) {
        FUZZ_CHECK(std::find(ports_.begin(), ports_.end(), *p) != ports_.end());
        ++per_port[*p];
        ++found;
      }
    }
    if (!sourced_.contains(gateway_mac)) {
      ++per_port[ports_[0]];
      ++found;
    }
    FUZZ_CHECK(sw_.lookup(gateway_mac, now_) == ports_[0]);
    FUZZ_CHECK(found == sw_.mac_count());
    for (auto [port, count] : per_port) FUZZ_CHECK(count <= sw_.settings().max_macs_per_port);
  }

  void add_to_detached(std::size_t slot) {
    const stack::port_counters* c = sw_.counters(ports_[slot]);
    FUZZ_CHECK(c != nullptr);
    add(detached_, *c);
  }

  static void add(stack::port_counters& sum, const stack::port_counters& c) {
    sum.frames_in += c.frames_in;
    sum.bytes_in += c.bytes_in;
    sum.frames_out += c.frames_out;
    sum.bytes_out += c.bytes_out;
    for (std::size_t r = 0; r < stack::drop_reason_count; ++r) sum.drops[r] += c.drops[r];
  }

  void check_counters() const {
    stack::port_counters sum = detached_;
    for (port_id p : ports_) add(sum, *sw_.counters(p));
    const stack::port_counters& totals = sw_.totals();
    FUZZ_CHECK(sum.frames_in == totals.frames_in);
    FUZZ_CHECK(sum.bytes_in == totals.bytes_in);
    FUZZ_CHECK(sum.frames_out == totals.frames_out);
    FUZZ_CHECK(sum.bytes_out == totals.bytes_out);
    for (std::size_t r = 0; r < stack::drop_reason_count; ++r) FUZZ_CHECK(sum.drops[r] == totals.drops[r]);
    FUZZ_CHECK(sw_.port_count() == slot_count);
  }

  stack::network_switch sw_;
  std::array<fuzz_sink, slot_count> sinks_;
  std::array<port_id, slot_count> ports_{};
  stack::steady_time now_ = stack::steady_time{} + 1h;
  std::set<net::mac_address> sourced_;
  std::vector<call> calls_;
  stack::port_counters detached_;
};

bool fuzz_sink::deliver(std::span<const std::byte> frame) { return owner->deliver(slot, frame); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  stack::switch_settings settings{
      .max_frame_size = 60 + 64 * std::size_t{static_cast<std::uint8_t>(data[0] >> 6)},
      .max_macs_per_port = 1 + std::size_t{static_cast<std::uint8_t>(data[0] & 7)},
      .mac_ageing = std::chrono::seconds(10 + 10 * ((data[0] >> 3) & 7)),
  };
  harness h(settings);
  h.run(data + 1, size - 1);
  return 0;
}
