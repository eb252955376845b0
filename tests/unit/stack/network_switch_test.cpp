// tests/unit/stack/network_switch_test.cpp - the learning switch: forwarding,
// ageing, MAC moves, port security, limits and re-entrant sinks.
#include "stack/network_switch.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "tests/support/frames.hpp"

namespace switchyard::stack {
namespace {

using namespace std::chrono_literals;
using test::frame;
using test::mac;

// Records what a port was sent; can refuse like a full send queue, and can run
// a callback while delivering (as the gateway does when it answers ARP).
class recording_sink : public frame_sink {
 public:
  bool deliver(std::span<const std::byte> f) override {
    if (refuse) return false;
    frames.emplace_back(f.begin(), f.end());
    if (on_deliver) on_deliver(f);
    return true;
  }
  std::vector<frame> frames;
  bool refuse = false;
  std::function<void(std::span<const std::byte>)> on_deliver;
};

const net::mac_address gateway_mac = net::mac_address::from_u64(0x02'5e'00'00'00'01);

class NetworkSwitch : public ::testing::Test {
 protected:
  NetworkSwitch() {
    gw_ = sw_.attach_gateway(gw_sink_, gateway_mac);
    a_ = sw_.attach(a_sink_);
    b_ = sw_.attach(b_sink_);
    c_ = sw_.attach(c_sink_);
  }

  void send(port_id from, const frame& f, steady_time at) { sw_.receive(from, f, at); }
  void send(port_id from, const frame& f) { send(from, f, t0_); }
  // Makes the switch learn `m` on port `p` (a broadcast nobody cares about), then forgets the deliveries.
  void announce(port_id p, net::mac_address m, steady_time at) {
    send(p, test::ethernet_frame(net::mac_address::broadcast(), m), at);
    clear();
  }
  void announce(port_id p, net::mac_address m) { announce(p, m, t0_); }
  void clear() {
    for (auto* s : {&gw_sink_, &a_sink_, &b_sink_, &c_sink_}) s->frames.clear();
  }
  std::uint64_t drops(port_id p, drop_reason r) const { return sw_.counters(p)->drop(r); }

  static constexpr switch_settings settings_{.max_frame_size = 1518, .max_macs_per_port = 4, .mac_ageing = 300s};
  network_switch sw_{settings_};
  steady_time t0_ = steady_time{} + 1h;
  recording_sink gw_sink_, a_sink_, b_sink_, c_sink_;
  port_id gw_ = 0, a_ = 0, b_ = 0, c_ = 0;
};

TEST_F(NetworkSwitch, FloodsBroadcastToEveryOtherPort) {
  auto f = test::ethernet_frame(net::mac_address::broadcast(), mac(1));
  send(a_, f);
  EXPECT_TRUE(a_sink_.frames.empty());
  ASSERT_EQ(b_sink_.frames.size(), 1u);
  ASSERT_EQ(c_sink_.frames.size(), 1u);
  ASSERT_EQ(gw_sink_.frames.size(), 1u);
  EXPECT_EQ(b_sink_.frames[0], f);
}

TEST_F(NetworkSwitch, FloodsMulticastToEveryOtherPort) {
  send(a_, test::ethernet_frame(test::multicast_mac(7), mac(1)));
  EXPECT_TRUE(a_sink_.frames.empty());
  EXPECT_EQ(b_sink_.frames.size(), 1u);
  EXPECT_EQ(c_sink_.frames.size(), 1u);
  EXPECT_EQ(gw_sink_.frames.size(), 1u);
}

TEST_F(NetworkSwitch, FloodsUnknownUnicastToEveryOtherPort) {
  send(a_, test::ethernet_frame(mac(99), mac(1)));
  EXPECT_TRUE(a_sink_.frames.empty());
  EXPECT_EQ(b_sink_.frames.size(), 1u);
  EXPECT_EQ(c_sink_.frames.size(), 1u);
  EXPECT_EQ(gw_sink_.frames.size(), 1u);
}

TEST_F(NetworkSwitch, LearnsTheSourceMacOnItsPort) {
  EXPECT_FALSE(sw_.lookup(mac(1), t0_));
  announce(a_, mac(1));
  EXPECT_EQ(sw_.lookup(mac(1), t0_), a_);
  EXPECT_EQ(sw_.lookup(gateway_mac, t0_), gw_);
}

TEST_F(NetworkSwitch, DeliversUnicastOnlyToTheLearnedPort) {
  announce(b_, mac(2));
  auto f = test::ethernet_frame(mac(2), mac(1));
  send(a_, f);
  ASSERT_EQ(b_sink_.frames.size(), 1u);
  EXPECT_EQ(b_sink_.frames[0], f);
  EXPECT_TRUE(a_sink_.frames.empty());
  EXPECT_TRUE(c_sink_.frames.empty());
  EXPECT_TRUE(gw_sink_.frames.empty());
}

TEST_F(NetworkSwitch, DeliversUnicastToTheGatewayMac) {
  send(a_, test::ethernet_frame(gateway_mac, mac(1)));
  EXPECT_EQ(gw_sink_.frames.size(), 1u);
  EXPECT_TRUE(b_sink_.frames.empty());
}

TEST_F(NetworkSwitch, DropsUnicastToAMacOnTheSendingPortAsHairpin) {
  announce(a_, mac(1));
  announce(a_, mac(3));
  send(a_, test::ethernet_frame(mac(3), mac(1)));
  EXPECT_EQ(drops(a_, drop_reason::hairpin), 1u);
  for (auto* s : {&gw_sink_, &a_sink_, &b_sink_, &c_sink_}) EXPECT_TRUE(s->frames.empty());
}

TEST_F(NetworkSwitch, ForgetsAMacOnceItIsOlderThanTheAgeingTime) {
  announce(a_, mac(1));
  EXPECT_EQ(sw_.lookup(mac(1), t0_ + 300s), a_);  // exactly the ageing time: still fresh
  EXPECT_FALSE(sw_.lookup(mac(1), t0_ + 301s));
  EXPECT_EQ(sw_.lookup(gateway_mac, t0_ + 1000h), gw_);  // pinned, never ages
}

TEST_F(NetworkSwitch, FloodsUnicastAgainAfterTheDestinationAged) {
  announce(b_, mac(2));
  send(a_, test::ethernet_frame(mac(2), mac(1)), t0_ + 301s);
  EXPECT_EQ(b_sink_.frames.size(), 1u);
  EXPECT_EQ(c_sink_.frames.size(), 1u);
  EXPECT_EQ(gw_sink_.frames.size(), 1u);
}

TEST_F(NetworkSwitch, RefreshesAnEntryEachTimeItsPortSendsFromIt) {
  announce(a_, mac(1));
  announce(a_, mac(1), t0_ + 200s);
  EXPECT_EQ(sw_.lookup(mac(1), t0_ + 400s), a_);
  EXPECT_FALSE(sw_.lookup(mac(1), t0_ + 501s));
}

TEST_F(NetworkSwitch, ExpireRemovesAgedEntriesButKeepsTheGatewayMac) {
  announce(a_, mac(1));
  announce(b_, mac(2), t0_ + 100s);
  EXPECT_EQ(sw_.mac_count(), 3u);
  sw_.expire(t0_ + 301s);
  EXPECT_EQ(sw_.mac_count(), 2u);
  EXPECT_EQ(sw_.lookup(mac(2), t0_ + 301s), b_);
  sw_.expire(t0_ + 401s);
  EXPECT_EQ(sw_.mac_count(), 1u);
  EXPECT_EQ(sw_.lookup(gateway_mac, t0_ + 401s), gw_);
}

TEST_F(NetworkSwitch, MovesAMacToANewPortAfterTheOldEntryAged) {
  announce(a_, mac(1));
  announce(b_, mac(1), t0_ + 301s);
  EXPECT_EQ(drops(b_, drop_reason::spoofed_source), 0u);
  EXPECT_EQ(sw_.lookup(mac(1), t0_ + 301s), b_);
  // The old port lost it: sourcing it again there is now a spoof.
  send(a_, test::ethernet_frame(net::mac_address::broadcast(), mac(1)), t0_ + 302s);
  EXPECT_EQ(drops(a_, drop_reason::spoofed_source), 1u);
}

TEST_F(NetworkSwitch, MovesAMacToANewPortAfterTheOldPortDetached) {
  announce(a_, mac(1));
  sw_.detach(a_);
  announce(b_, mac(1));
  EXPECT_EQ(drops(b_, drop_reason::spoofed_source), 0u);
  EXPECT_EQ(sw_.lookup(mac(1), t0_), b_);
}

TEST_F(NetworkSwitch, DropsASourceMacOwnedByAnotherLivePortAsSpoofed) {
  announce(a_, mac(1));
  send(b_, test::ethernet_frame(net::mac_address::broadcast(), mac(1)), t0_ + 10s);
  EXPECT_EQ(drops(b_, drop_reason::spoofed_source), 1u);
  EXPECT_EQ(sw_.totals().drop(drop_reason::spoofed_source), 1u);
  EXPECT_EQ(sw_.lookup(mac(1), t0_ + 10s), a_);
  for (auto* s : {&gw_sink_, &a_sink_, &b_sink_, &c_sink_}) EXPECT_TRUE(s->frames.empty());
}

TEST_F(NetworkSwitch, NeverLetsAVmPortSourceTheGatewayMac) {
  for (auto at : {t0_, t0_ + 1000h}) {
    send(a_, test::ethernet_frame(net::mac_address::broadcast(), gateway_mac), at);
    sw_.expire(at);
  }
  EXPECT_EQ(drops(a_, drop_reason::spoofed_source), 2u);
  EXPECT_EQ(sw_.lookup(gateway_mac, t0_ + 1000h), gw_);
  EXPECT_TRUE(b_sink_.frames.empty());
}

TEST_F(NetworkSwitch, TakesTheGatewayMacBackFromAVmThatHeldItFirst) {
  network_switch sw(settings_);
  recording_sink vm, gw;
  port_id vm_port = sw.attach(vm);
  sw.receive(vm_port, test::ethernet_frame(net::mac_address::broadcast(), gateway_mac), t0_);
  port_id gw_port = sw.attach_gateway(gw, gateway_mac);
  EXPECT_EQ(sw.lookup(gateway_mac, t0_), gw_port);
  sw.receive(vm_port, test::ethernet_frame(net::mac_address::broadcast(), gateway_mac), t0_);
  EXPECT_EQ(sw.counters(vm_port)->drop(drop_reason::spoofed_source), 1u);
}

TEST_F(NetworkSwitch, DropsMulticastBroadcastAndZeroSourcesAsBadSource) {
  for (auto source : {net::mac_address::broadcast(), test::multicast_mac(), net::mac_address{}})
    send(a_, test::ethernet_frame(net::mac_address::broadcast(), source));
  EXPECT_EQ(drops(a_, drop_reason::bad_source), 3u);
  EXPECT_EQ(sw_.mac_count(), 1u);  // only the gateway's
  for (auto* s : {&gw_sink_, &b_sink_, &c_sink_}) EXPECT_TRUE(s->frames.empty());
}

TEST_F(NetworkSwitch, DropsTheFifthMacOfAPort) {
  for (std::uint64_t m = 1; m <= 4; ++m) announce(a_, mac(m));
  send(a_, test::ethernet_frame(net::mac_address::broadcast(), mac(5)));
  EXPECT_EQ(drops(a_, drop_reason::mac_limit), 1u);
  EXPECT_FALSE(sw_.lookup(mac(5), t0_));
  EXPECT_TRUE(b_sink_.frames.empty());
  // Known MACs keep working.
  announce(a_, mac(4));
  EXPECT_EQ(drops(a_, drop_reason::mac_limit), 1u);
}

TEST_F(NetworkSwitch, LetsAnAgedOwnMacFreeASlot) {
  announce(a_, mac(1));
  for (std::uint64_t m = 2; m <= 4; ++m) announce(a_, mac(m), t0_ + 100s);
  send(a_, test::ethernet_frame(net::mac_address::broadcast(), mac(5)), t0_ + 301s);
  EXPECT_EQ(drops(a_, drop_reason::mac_limit), 0u);
  EXPECT_EQ(sw_.lookup(mac(5), t0_ + 301s), a_);
  EXPECT_FALSE(sw_.lookup(mac(1), t0_ + 301s));
  EXPECT_EQ(b_sink_.frames.size(), 1u);
}

TEST_F(NetworkSwitch, CountsTheMacLimitPerPort) {
  for (std::uint64_t m = 1; m <= 4; ++m) announce(a_, mac(m));
  for (std::uint64_t m = 11; m <= 14; ++m) announce(b_, mac(m));
  EXPECT_EQ(drops(a_, drop_reason::mac_limit), 0u);
  EXPECT_EQ(drops(b_, drop_reason::mac_limit), 0u);
  EXPECT_EQ(sw_.mac_count(), 9u);
}

TEST_F(NetworkSwitch, DropsRuntFramesShorterThanAnEthernetHeader) {
  auto f = test::ethernet_frame(net::mac_address::broadcast(), mac(1));
  for (std::size_t n = 0; n < 14; ++n) sw_.receive(a_, std::span<const std::byte>(f).first(n), t0_);
  EXPECT_EQ(drops(a_, drop_reason::runt), 14u);
  EXPECT_EQ(sw_.counters(a_)->frames_in, 14u);
  EXPECT_FALSE(sw_.lookup(mac(1), t0_));
  EXPECT_TRUE(b_sink_.frames.empty());
}

TEST_F(NetworkSwitch, DropsGiantFramesLongerThanTheMaximum) {
  send(a_, test::ethernet_frame(net::mac_address::broadcast(), mac(1), net::ethertype::ipv4, 1519));
  EXPECT_EQ(drops(a_, drop_reason::giant), 1u);
  EXPECT_TRUE(b_sink_.frames.empty());
  send(a_, test::ethernet_frame(net::mac_address::broadcast(), mac(1), net::ethertype::ipv4, 1518));
  EXPECT_EQ(drops(a_, drop_reason::giant), 1u);
  EXPECT_EQ(b_sink_.frames.size(), 1u);
}

TEST_F(NetworkSwitch, ForwardsUnpadded42ByteArpFrames) {
  auto f = test::arp_request(mac(1), test::ip(10, 0, 2, 15), test::ip(10, 0, 2, 2));
  ASSERT_EQ(f.size(), 42u);
  send(a_, f);
  ASSERT_EQ(gw_sink_.frames.size(), 1u);
  EXPECT_EQ(gw_sink_.frames[0], f);
  EXPECT_EQ(b_sink_.frames.size(), 1u);
  EXPECT_EQ(sw_.lookup(mac(1), t0_), a_);
}

TEST_F(NetworkSwitch, CountsQueueFullOnTheRefusingPortAndStillFloodsTheOthers) {
  b_sink_.refuse = true;
  send(a_, test::ethernet_frame(net::mac_address::broadcast(), mac(1)));
  EXPECT_EQ(drops(b_, drop_reason::queue_full), 1u);
  EXPECT_EQ(sw_.counters(b_)->frames_out, 0u);
  EXPECT_EQ(sw_.totals().drop(drop_reason::queue_full), 1u);
  EXPECT_EQ(c_sink_.frames.size(), 1u);
  EXPECT_EQ(gw_sink_.frames.size(), 1u);
}

TEST_F(NetworkSwitch, CountsQueueFullForRefusedUnicast) {
  announce(b_, mac(2));
  b_sink_.refuse = true;
  send(a_, test::ethernet_frame(mac(2), mac(1)));
  EXPECT_EQ(drops(b_, drop_reason::queue_full), 1u);
  EXPECT_TRUE(c_sink_.frames.empty());
}

TEST_F(NetworkSwitch, LetsASinkReenterReceiveDuringAFlood) {
  // The gateway answers an ARP request synchronously, from inside deliver().
  gw_sink_.on_deliver = [&](std::span<const std::byte> f) {
    auto eth = net::parse_ethernet(f);
    if (!eth || eth->type != net::ethertype::arp) return;
    auto request = net::parse_arp(eth->payload);
    if (!request || request->operation != net::arp_operation::request) return;
    auto reply = net::build_arp_frame(request->sender_mac, gateway_mac,
                                      net::arp_view{.operation = net::arp_operation::reply,
                                                    .sender_mac = gateway_mac,
                                                    .sender_ip = request->target_ip,
                                                    .target_mac = request->sender_mac,
                                                    .target_ip = request->sender_ip});
    sw_.receive(gw_, reply, t0_);
  };
  send(a_, test::arp_request(mac(1), test::ip(10, 0, 2, 15), test::ip(10, 0, 2, 2)));
  ASSERT_EQ(a_sink_.frames.size(), 1u);  // the reply, unicast
  auto eth = net::parse_ethernet(a_sink_.frames[0]);
  ASSERT_TRUE(eth);
  EXPECT_EQ(eth->source, gateway_mac);
  EXPECT_EQ(net::parse_arp(eth->payload)->operation, net::arp_operation::reply);
  EXPECT_EQ(b_sink_.frames.size(), 1u);  // the request, flooded: the flood went on after the reply
  EXPECT_EQ(c_sink_.frames.size(), 1u);
  EXPECT_EQ(sw_.counters(gw_)->frames_in, 1u);
}

TEST_F(NetworkSwitch, CountsFramesAndBytesInAndOut) {
  announce(b_, mac(2));
  auto before_in = sw_.totals().frames_in;
  send(a_, test::ethernet_frame(mac(2), mac(1), net::ethertype::ipv4, 100));
  send(a_, test::ethernet_frame(net::mac_address::broadcast(), mac(1), net::ethertype::ipv4, 60));
  const port_counters* a = sw_.counters(a_);
  EXPECT_EQ(a->frames_in, 2u);
  EXPECT_EQ(a->bytes_in, 160u);
  const port_counters* b = sw_.counters(b_);
  EXPECT_EQ(b->frames_out, 2u);  // the unicast and the broadcast
  EXPECT_EQ(b->bytes_out, 160u);
  EXPECT_EQ(sw_.counters(c_)->frames_out, 2u);  // b's announcement and a's broadcast
  EXPECT_EQ(sw_.totals().frames_in - before_in, 2u);
}

TEST_F(NetworkSwitch, ReleasesAPortsMacsWhenItDetaches) {
  announce(a_, mac(1));
  announce(a_, mac(3));
  EXPECT_EQ(sw_.mac_count(), 3u);
  sw_.detach(a_);
  EXPECT_EQ(sw_.mac_count(), 1u);
  EXPECT_EQ(sw_.port_count(), 3u);
  EXPECT_EQ(sw_.counters(a_), nullptr);
  send(b_, test::ethernet_frame(net::mac_address::broadcast(), mac(2)));
  EXPECT_TRUE(a_sink_.frames.empty());  // a detached port receives nothing
}

TEST_F(NetworkSwitch, IgnoresUnknownPortIds) {
  sw_.detach(12345);
  sw_.receive(12345, test::ethernet_frame(net::mac_address::broadcast(), mac(1)), t0_);
  EXPECT_EQ(sw_.totals().frames_in, 0u);
  EXPECT_FALSE(sw_.lookup(mac(1), t0_));
  EXPECT_EQ(sw_.counters(12345), nullptr);
}

// Records what a tap saw: (sender port, frame).
class recording_tap : public frame_tap {
 public:
  void on_frame(port_id from, std::span<const std::byte> f) override { seen.emplace_back(from, frame(f.begin(), f.end())); }
  std::vector<std::pair<port_id, frame>> seen;
};

TEST_F(NetworkSwitch, WholeNetworkTapSeesEveryFrameOnceIncludingDrops) {
  recording_tap tap;
  ASSERT_TRUE(sw_.add_tap(tap));
  announce(b_, mac(2));  // a broadcast, flooded to three ports: seen once
  auto unicast = test::ethernet_frame(mac(2), mac(1));
  send(a_, unicast);
  auto spoof = test::ethernet_frame(mac(1), mac(2));
  send(c_, spoof);  // mac(2) lives on b: dropped as a spoof, still seen
  auto runt = frame(10, std::byte{0});
  send(a_, runt);
  ASSERT_EQ(tap.seen.size(), 4u);
  EXPECT_EQ(tap.seen[0].first, b_);
  EXPECT_EQ(tap.seen[1], std::make_pair(a_, unicast));
  EXPECT_EQ(tap.seen[2], std::make_pair(c_, spoof));
  EXPECT_EQ(tap.seen[3], std::make_pair(a_, runt));
  EXPECT_EQ(drops(c_, drop_reason::spoofed_source), 1u);
}

TEST_F(NetworkSwitch, WholeNetworkTapSeesTheGatewaysAnswersInOrder) {
  recording_tap tap;
  ASSERT_TRUE(sw_.add_tap(tap));
  gw_sink_.on_deliver = [&](std::span<const std::byte>) {
    sw_.receive(gw_, test::ethernet_frame(mac(1), gateway_mac), t0_);
  };
  auto question = test::ethernet_frame(gateway_mac, mac(1));
  send(a_, question);
  ASSERT_EQ(tap.seen.size(), 2u);
  EXPECT_EQ(tap.seen[0], std::make_pair(a_, question));
  EXPECT_EQ(tap.seen[1].first, gw_);
}

TEST_F(NetworkSwitch, PortTapSeesWhatThePortSendsAndReceivesOnly) {
  recording_tap tap;
  ASSERT_TRUE(sw_.add_tap(tap, b_));
  announce(a_, mac(1));  // broadcast from a: handed to b
  announce(c_, mac(3));  // broadcast from c: handed to b
  ASSERT_EQ(tap.seen.size(), 2u);
  EXPECT_EQ(tap.seen[0].first, a_);
  EXPECT_EQ(tap.seen[1].first, c_);
  tap.seen.clear();
  send(a_, test::ethernet_frame(mac(3), mac(1)));  // a -> c: not b's business
  EXPECT_TRUE(tap.seen.empty());
  auto to_a = test::ethernet_frame(mac(1), mac(2));
  send(b_, to_a);  // b -> a: sent by b, seen once
  ASSERT_EQ(tap.seen.size(), 1u);
  EXPECT_EQ(tap.seen[0], std::make_pair(b_, to_a));
  auto to_b = test::ethernet_frame(mac(2), mac(3));
  send(c_, to_b);  // c -> b: delivered to b
  ASSERT_EQ(tap.seen.size(), 2u);
  EXPECT_EQ(tap.seen[1], std::make_pair(c_, to_b));
}

TEST_F(NetworkSwitch, PortTapSeesItsDroppedFrames) {
  recording_tap tap;
  ASSERT_TRUE(sw_.add_tap(tap, c_));
  announce(b_, mac(2));
  tap.seen.clear();
  send(c_, test::ethernet_frame(mac(1), mac(2)));  // spoof of b's MAC
  EXPECT_EQ(tap.seen.size(), 1u);
}

TEST_F(NetworkSwitch, TapsAreBoundedAndRemovable) {
  std::vector<recording_tap> taps(network_switch::max_taps + 1);
  for (std::size_t i = 0; i < network_switch::max_taps; ++i) EXPECT_TRUE(sw_.add_tap(taps[i]));
  EXPECT_FALSE(sw_.add_tap(taps.back()));
  EXPECT_EQ(sw_.tap_count(), network_switch::max_taps);
  sw_.remove_tap(taps[3]);
  EXPECT_EQ(sw_.tap_count(), network_switch::max_taps - 1);
  EXPECT_TRUE(sw_.add_tap(taps.back(), a_));
  send(a_, test::ethernet_frame(net::mac_address::broadcast(), mac(1)));
  EXPECT_TRUE(taps[3].seen.empty());
  EXPECT_EQ(taps[0].seen.size(), 1u);
  EXPECT_EQ(taps.back().seen.size(), 1u);
  for (auto& t : taps) sw_.remove_tap(t);
  EXPECT_EQ(sw_.tap_count(), 0u);
  sw_.remove_tap(taps[0]);  // unknown: ignored
}

TEST_F(NetworkSwitch, RefusesATapOnAnUnknownPort) {
  recording_tap tap;
  EXPECT_FALSE(sw_.add_tap(tap, 999));
  EXPECT_EQ(sw_.tap_count(), 0u);
}

TEST_F(NetworkSwitch, ListsTheMacsAPortSources) {
  EXPECT_EQ(sw_.macs(gw_), std::vector<net::mac_address>{gateway_mac});
  EXPECT_TRUE(sw_.macs(a_).empty());
  announce(a_, mac(1));
  announce(a_, mac(5));
  EXPECT_EQ(sw_.macs(a_), (std::vector<net::mac_address>{mac(1), mac(5)}));
  EXPECT_TRUE(sw_.macs(999).empty());
  sw_.expire(t0_ + 301s);
  EXPECT_TRUE(sw_.macs(a_).empty());
}

TEST(DropReason, HasAStableNameForEveryReason) {
  EXPECT_STREQ(to_string(drop_reason::runt), "runt");
  EXPECT_STREQ(to_string(drop_reason::giant), "giant");
  EXPECT_STREQ(to_string(drop_reason::bad_source), "bad_source");
  EXPECT_STREQ(to_string(drop_reason::spoofed_source), "spoofed_source");
  EXPECT_STREQ(to_string(drop_reason::mac_limit), "mac_limit");
  EXPECT_STREQ(to_string(drop_reason::hairpin), "hairpin");
  EXPECT_STREQ(to_string(drop_reason::queue_full), "queue_full");
}

}  // namespace
}  // namespace switchyard::stack
