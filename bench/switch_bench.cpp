// bench/switch_bench.cpp - frames/s through stack::network_switch alone, without sockets or lwIP.
//
// What it answers: how much of a core the switch itself costs per frame, so
// relay_throughput.sh's end-to-end numbers can be read against it. Cases:
//   unicast          port A -> port B, both MACs learned; the sink only counts
//                    (the switch's own cost: parse, learn, look up, deliver).
//   unicast_queued   the same, the sink copies into a stack::frame_queue and
//                    drains it, as a session's send queue does.
//   broadcast_8      one frame flooded to 7 other ports (ARP, DHCP discover).
// Frame sizes 60 (ne2k-padded minimum) and 1514 (full MTU 1500 frame).
// Time is a fixed argument: ageing (300 s) never triggers during a run.
#include <benchmark/benchmark.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "protocols/net/ethernet.hpp"
#include "stack/frame_queue.hpp"
#include "stack/frame_sink.hpp"
#include "stack/network_switch.hpp"

namespace {

using namespace switchyard;

class counting_sink final : public stack::frame_sink {
 public:
  bool deliver(std::span<const std::byte> frame) override {
    ++frames;
    bytes += frame.size();
    return true;
  }
  std::uint64_t frames = 0, bytes = 0;
};

// Copies like a real port's send queue; drains every `batch` frames as if the
// socket write had completed.
class queue_sink final : public stack::frame_sink {
 public:
  bool deliver(std::span<const std::byte> frame) override {
    if (!queue_.push(frame)) return false;
    if (queue_.size() >= 64)
      while (!queue_.empty()) queue_.pop();
    return true;
  }

 private:
  stack::frame_queue queue_{512, 512 * 1518};
};

net::mac_address mac(std::uint64_t n) { return net::mac_address::from_u64(0x02'00'00'00'00'00ULL | n); }

std::vector<std::byte> frame(net::mac_address dst, net::mac_address src, std::size_t size) {
  std::vector<std::byte> f(size, std::byte{0x5a});
  net::write_ethernet_header(f, dst, src, net::ethertype::ipv4);
  return f;
}

template <typename Sink>
void unicast(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const auto now = std::chrono::steady_clock::now();
  stack::network_switch sw{stack::switch_settings{}};
  Sink a, b;
  auto pa = sw.attach(a);
  auto pb = sw.attach(b);
  // B speaks first so its MAC is known: A's frames are then known unicast.
  auto hello = frame(net::mac_address::broadcast(), mac(2), 60);
  sw.receive(pb, hello, now);
  auto f = frame(mac(2), mac(1), size);
  for (auto _ : state) sw.receive(pa, f, now);
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(size));
  if (sw.totals().drop(stack::drop_reason::queue_full) != 0) state.SkipWithError("frames dropped");
}

void broadcast_8(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const auto now = std::chrono::steady_clock::now();
  stack::network_switch sw{stack::switch_settings{}};
  std::array<counting_sink, 8> sinks;
  std::vector<stack::port_id> ports;
  for (auto& s : sinks) ports.push_back(sw.attach(s));
  auto f = frame(net::mac_address::broadcast(), mac(1), size);
  for (auto _ : state) sw.receive(ports[0], f, now);
  state.SetItemsProcessed(state.iterations());
  state.counters["deliveries/s"] =
      benchmark::Counter(static_cast<double>(sinks[1].frames * 7), benchmark::Counter::kIsRate);
}

BENCHMARK(unicast<counting_sink>)->Name("unicast")->Arg(60)->Arg(1514);
BENCHMARK(unicast<queue_sink>)->Name("unicast_queued")->Arg(60)->Arg(1514);
BENCHMARK(broadcast_8)->Arg(60)->Arg(1514);

}  // namespace

BENCHMARK_MAIN();
