// tests/integration/udp_nat_test.cpp - the UDP NAT and the ping proxy on a real
// in-process network (lwIP, switch, gateway netif), talking to real sockets on
// loopback. The policy callbacks allow 127.0.0.1 only: nothing leaves this host.
#include <gtest/gtest.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/ip/udp.hpp>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>

#include "gateway/egress/icmp_echo.hpp"
#include "gateway/egress/udp_nat.hpp"
#include "protocols/net/icmp.hpp"
#include "protocols/net/udp.hpp"
#include "stack/gateway_netif.hpp"
#include "stack/lwip_core.hpp"
#include "stack/virtual_network.hpp"
#include "tests/support/ip_frames.hpp"
#include "tests/support/test_lan.hpp"

namespace switchyard {
namespace {

namespace asio = boost::asio;
using asio::ip::udp;
using namespace std::chrono_literals;
using gateway::policy::reason;

const auto subnet = test::lan_subnet;
const auto gateway_ip = test::lan_gateway;
using test::recording_vm;
using test::vm_ip;
using test::vm_mac;
const auto vm2_ip = *net::ipv4_address::parse("10.0.2.16");
const auto vm2_mac = *net::mac_address::parse("52:54:00:12:34:57");
const auto loopback = *net::ipv4_address::parse("127.0.0.1");
const auto denied_ip = *net::ipv4_address::parse("192.0.2.1");  // TEST-NET-1: refused by the test policy

// Forwards what the gateway hands the egress to the objects under test.
struct test_egress : stack::foreign_traffic_handler {
  gateway::udp_nat* udp = nullptr;
  gateway::icmp_echo* icmp = nullptr;
  void on_tcp_open(const stack::tcp_flow&) override {}
  void on_tcp_established(const stack::tcp_flow&, std::unique_ptr<stack::tcp_connection>) override {}
  void on_tcp_abandoned(const stack::tcp_flow&) override {}
  void on_udp(const stack::udp_datagram& d) override {
    if (udp) udp->on_udp(d);
  }
  void on_icmp_echo(const stack::icmp_echo_request& r) override {
    if (icmp) icmp->on_echo_request(r);
  }
};

struct udp_reply {
  net::mac_address eth_destination, eth_source;
  net::ipv4_address source, destination;
  std::uint16_t source_port = 0, destination_port = 0;
  std::string payload;
};

std::optional<udp_reply> read_udp(const test::frame& f) {
  auto eth = net::parse_ethernet(f);
  if (!eth || eth->type != net::ethertype::ipv4) return std::nullopt;
  auto ip = net::parse_ipv4(eth->payload);
  if (!ip) return std::nullopt;
  auto u = net::parse_udp(*ip);  // verifies the checksum
  if (!u) return std::nullopt;
  udp_reply r{eth->destination, eth->source, ip->source, ip->destination, u->source_port, u->destination_port, {}};
  for (auto b : u->payload) r.payload.push_back(static_cast<char>(b));
  return r;
}

struct icmp_message {
  net::ipv4_address source, destination;
  std::uint8_t type = 0, code = 0;
  test::frame body;  // after the 8-byte header: echo payload, or the quoted packet
  std::uint32_t rest = 0;
};

std::optional<icmp_message> read_icmp(const test::frame& f) {
  auto eth = net::parse_ethernet(f);
  if (!eth || eth->type != net::ethertype::ipv4) return std::nullopt;
  auto ip = net::parse_ipv4(eth->payload);
  if (!ip || ip->protocol != net::ip_protocol::icmp || ip->payload.size() < 8) return std::nullopt;
  if (net::checksum_finish(net::checksum_add(ip->payload)) != 0) return std::nullopt;
  return icmp_message{.source = ip->source,
                      .destination = ip->destination,
                      .type = std::to_integer<std::uint8_t>(ip->payload[0]),
                      .code = std::to_integer<std::uint8_t>(ip->payload[1]),
                      .body = test::frame(ip->payload.begin() + 8, ip->payload.end()),
                      .rest = net::load_u32(ip->payload, 4)};
}

net::bytes as_bytes(const std::string& s) { return std::as_bytes(std::span(s)); }

// A UDP echo server on loopback, on the test's own loop.
struct echo_server {
  udp::socket socket;
  std::array<char, 4096> buffer{};
  udp::endpoint peer;
  std::size_t echoed = 0;
  std::function<std::string(std::string)> answer = [](std::string s) { return s; };

  explicit echo_server(asio::io_context& io, const char* address = "127.0.0.1")
      : socket(io, udp::endpoint(asio::ip::make_address_v4(address), 0)) {
    receive();
  }
  std::uint16_t port() const { return socket.local_endpoint().port(); }
  void receive() {
    socket.async_receive_from(asio::buffer(buffer), peer, [this](boost::system::error_code ec, std::size_t n) {
      if (ec) return;
      auto reply = answer(std::string(buffer.data(), n));
      socket.send_to(asio::buffer(reply), peer);
      ++echoed;
      receive();
    });
  }
};

class Egress : public ::testing::Test {
 protected:
  void SetUp() override { net.gateway().set_foreign_traffic_handler(&handler); }
  void TearDown() override {
    net.gateway().set_foreign_traffic_handler(nullptr);
    net.detach(port);
  }

  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 3s) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io.run_one_for(10ms);
    }
    return true;
  }
  void run_for(std::chrono::milliseconds d) {
    run_until([] { return false; }, d);
  }

  void send_udp(std::uint16_t source_port, net::ipv4_address to, std::uint16_t port_to, const std::string& payload,
                net::ipv4_address from = vm_ip, net::mac_address mac = vm_mac) {
    net.receive(port, net::build_udp_frame(net.gateway_mac(), mac, from, source_port, to, port_to, as_bytes(payload)));
  }
  void send_ping(net::ipv4_address to, std::uint16_t id, std::uint16_t seq) {
    net.receive(port, test::icmp_echo_frame(net.gateway_mac(), vm_mac, vm_ip, to, id, seq));
  }
  std::vector<udp_reply> udp_frames() const {
    std::vector<udp_reply> out;
    for (auto& f : vm.frames)
      if (auto r = read_udp(f)) out.push_back(*r);
    return out;
  }
  std::vector<icmp_message> icmp_frames() const {
    std::vector<icmp_message> out;
    for (auto& f : vm.frames)
      if (auto m = read_icmp(f)) out.push_back(*m);
    return out;
  }

  // The test policy: 127.0.0.1 only, with the names the lookup gave.
  gateway::policy::verdict judge(const gateway::policy::destination& d) {
    ++policy_calls;
    last_destination = d;
    last_names.assign(d.names.begin(), d.names.end());
    if (d.addr == asio::ip::make_address("127.0.0.1"))
      return {.allowed = true, .why = reason::allowed_by_rule, .rule_index = 0};
    return {.allowed = false, .why = reason::not_on_allowlist, .rule_index = -1};
  }
  std::unique_ptr<gateway::udp_nat> make_nat(gateway::egress_limits limits = {}) {
    auto nat = std::make_unique<gateway::udp_nat>(
        io, net, limits, [this](const gateway::policy::destination& d) { return judge(d); },
        [](net::ipv4_address a) {
          return a == loopback ? std::vector<std::string>{"echo.test"} : std::vector<std::string>{};
        });
    handler.udp = nat.get();
    return nat;
  }
  std::unique_ptr<gateway::icmp_echo> make_ping_proxy() {
    auto proxy = std::make_unique<gateway::icmp_echo>(
        io, net, [this](const gateway::policy::destination& d) { return judge(d); }, nullptr);
    handler.icmp = proxy.get();
    return proxy;
  }

  asio::io_context io;
  stack::lwip_core core{io};
  stack::virtual_network net{io, stack::network_settings{.name = "egress", .subnet = subnet, .gateway = gateway_ip}};
  recording_vm vm;
  stack::port_id port = net.attach(vm);
  test_egress handler;
  int policy_calls = 0;
  gateway::policy::destination last_destination;
  std::vector<std::string> last_names;
};

TEST_F(Egress, UdpDatagramReachesALoopbackServerAndTheReplyComesBackFromIt) {
  auto nat = make_nat();
  echo_server server(io);
  send_udp(40000, loopback, server.port(), "hello");
  ASSERT_TRUE(run_until([&] { return !udp_frames().empty(); }));

  auto replies = udp_frames();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].source, loopback);
  EXPECT_EQ(replies[0].source_port, server.port());
  EXPECT_EQ(replies[0].destination, vm_ip);
  EXPECT_EQ(replies[0].destination_port, 40000);
  EXPECT_EQ(replies[0].payload, "hello");
  EXPECT_EQ(replies[0].eth_destination, vm_mac);
  EXPECT_EQ(replies[0].eth_source, net.gateway_mac());

  // The policy saw a UDP destination with the names the lookup remembered.
  EXPECT_EQ(policy_calls, 1);
  EXPECT_EQ(last_destination.proto, gateway::policy::protocol::udp);
  EXPECT_EQ(last_destination.port, server.port());
  EXPECT_EQ(last_names, std::vector<std::string>{"echo.test"});

  // The same flow and destination again: same socket, no second verdict.
  auto nat_port = nat->flow_endpoint(vm_ip, 40000)->port();
  send_udp(40000, loopback, server.port(), "again");
  ASSERT_TRUE(run_until([&] { return udp_frames().size() == 2; }));
  EXPECT_EQ(udp_frames()[1].payload, "again");
  EXPECT_EQ(server.peer.port(), nat_port);
  EXPECT_EQ(policy_calls, 1);
  EXPECT_EQ(nat->flow_count(), 1u);

  auto& c = nat->counters();
  EXPECT_EQ(c.flows_opened, 1u);
  EXPECT_EQ(c.flows_open, 1u);
  EXPECT_EQ(c.datagrams_out, 2u);
  EXPECT_EQ(c.bytes_out, 10u);
  EXPECT_EQ(c.datagrams_in, 2u);
  EXPECT_EQ(c.bytes_in, 10u);
  EXPECT_EQ(net.gateway().counters().foreign_udp, 2u);
}

TEST_F(Egress, UdpFlowsPerVmAreCapped) {
  auto nat = make_nat({.udp_flows_per_vm = 2});
  echo_server server(io);
  send_udp(40001, loopback, server.port(), "a");
  send_udp(40002, loopback, server.port(), "b");
  send_udp(40003, loopback, server.port(), "c");
  EXPECT_EQ(nat->flow_count(), 2u);
  EXPECT_EQ(nat->counters().dropped(gateway::udp_drop::flow_limit), 1u);
  EXPECT_FALSE(nat->flow_endpoint(vm_ip, 40003));

  // The cap is per VM: another address on the LAN still gets its flow.
  send_udp(40003, loopback, server.port(), "d", vm2_ip, vm2_mac);
  EXPECT_EQ(nat->flow_count(), 3u);
  ASSERT_TRUE(run_until([&] { return udp_frames().size() == 3; }));
  std::set<std::string> payloads;
  for (auto& r : udp_frames()) payloads.insert(r.payload);
  EXPECT_EQ(payloads, (std::set<std::string>{"a", "b", "d"}));

  // Addresses outside the subnet would be a VM cycling identities to dodge the caps.
  send_udp(40004, loopback, server.port(), "e", *net::ipv4_address::parse("10.0.3.15"), vm2_mac);
  EXPECT_EQ(nat->flow_count(), 3u);
  EXPECT_EQ(nat->counters().dropped(gateway::udp_drop::foreign_source), 1u);
}

TEST_F(Egress, UdpDatagramsPerVmAreRateLimitedByATokenBucket) {
  auto nat = make_nat({.udp_packets_per_second = 5});
  auto now = std::chrono::steady_clock::now();
  nat->set_clock([&] { return now; });
  echo_server server(io);

  for (int i = 0; i < 8; ++i) send_udp(40000, loopback, server.port(), "x");
  EXPECT_EQ(nat->counters().datagrams_out, 5u);  // the burst
  EXPECT_EQ(nat->counters().dropped(gateway::udp_drop::rate_limited), 3u);

  now += 200ms;  // one token back
  send_udp(40000, loopback, server.port(), "y");
  send_udp(40000, loopback, server.port(), "z");
  EXPECT_EQ(nat->counters().datagrams_out, 6u);
  EXPECT_EQ(nat->counters().dropped(gateway::udp_drop::rate_limited), 4u);

  // Another VM has its own bucket.
  send_udp(40000, loopback, server.port(), "other", vm2_ip, vm2_mac);
  EXPECT_EQ(nat->counters().datagrams_out, 7u);

  now += 10s;  // refilled, but never beyond the burst
  for (int i = 0; i < 8; ++i) send_udp(40000, loopback, server.port(), "x");
  EXPECT_EQ(nat->counters().datagrams_out, 12u);
}

TEST_F(Egress, IdleUdpFlowsCloseOnTheSweep) {
  auto nat = make_nat({.udp_idle_timeout = 30s});
  auto now = std::chrono::steady_clock::now();
  nat->set_clock([&] { return now; });
  echo_server server(io);
  send_udp(40000, loopback, server.port(), "x");
  ASSERT_EQ(nat->flow_count(), 1u);

  nat->expire(now + 29s);
  EXPECT_EQ(nat->flow_count(), 1u);
  now += 20s;  // activity moves the deadline
  send_udp(40000, loopback, server.port(), "y");
  nat->expire(now + 29s);
  EXPECT_EQ(nat->flow_count(), 1u);
  nat->expire(now + 30s);
  EXPECT_EQ(nat->flow_count(), 0u);
  EXPECT_EQ(nat->counters().flows_expired, 1u);
  EXPECT_EQ(nat->counters().flows_open, 0u);

  // The VM's quota came back with it: a new datagram opens a new flow.
  now += 31s;
  send_udp(40000, loopback, server.port(), "z");
  EXPECT_EQ(nat->flow_count(), 1u);
  EXPECT_EQ(nat->counters().flows_opened, 2u);
}

TEST_F(Egress, TheSweepTimerClosesIdleFlowsOnItsOwn) {
  auto nat = make_nat({.udp_idle_timeout = 1s});
  echo_server server(io);
  send_udp(40000, loopback, server.port(), "x");
  ASSERT_EQ(nat->flow_count(), 1u);
  auto opened = std::chrono::steady_clock::now();
  ASSERT_TRUE(run_until([&] { return nat->flow_count() == 0; }, 4s));
  EXPECT_GE(std::chrono::steady_clock::now() - opened, 1s);
}

TEST_F(Egress, UdpRepliesFromPeersTheFlowNeverSentToAreDropped) {
  auto nat = make_nat();
  echo_server server(io);
  send_udp(40000, loopback, server.port(), "hello");
  ASSERT_TRUE(run_until([&] { return udp_frames().size() == 1; }));
  auto nat_endpoint = udp::endpoint(asio::ip::make_address_v4("127.0.0.1"), nat->flow_endpoint(vm_ip, 40000)->port());

  // Another loopback address, and the right address from another port.
  udp::socket other_address(io, udp::endpoint(asio::ip::make_address_v4("127.0.0.2"), 0));
  udp::socket other_port(io, udp::endpoint(asio::ip::make_address_v4("127.0.0.1"), 0));
  other_address.send_to(asio::buffer(std::string("intruder-1")), nat_endpoint);
  other_port.send_to(asio::buffer(std::string("intruder-2")), nat_endpoint);
  ASSERT_TRUE(run_until([&] { return nat->counters().dropped(gateway::udp_drop::unsolicited_reply) == 2; }));
  EXPECT_EQ(udp_frames().size(), 1u);

  // Once the flow has sent to that port, its replies are welcome.
  auto other_port_number = other_port.local_endpoint().port();
  send_udp(40000, loopback, other_port_number, "now-you-may");
  std::array<char, 64> got{};
  udp::endpoint from;
  ASSERT_TRUE(run_until([&] { return other_port.available() > 0; }));
  auto n = other_port.receive_from(asio::buffer(got), from);
  EXPECT_EQ(std::string(got.data(), n), "now-you-may");
  other_port.send_to(asio::buffer(std::string("welcome")), nat_endpoint);
  ASSERT_TRUE(run_until([&] { return udp_frames().size() == 2; }));
  EXPECT_EQ(udp_frames()[1].payload, "welcome");
  EXPECT_EQ(udp_frames()[1].source_port, other_port_number);
}

TEST_F(Egress, ANatDestroyedWithRepliesInFlightLeavesNothingBehind) {
  auto nat = make_nat();
  echo_server server(io);
  send_udp(40000, loopback, server.port(), "hello");
  ASSERT_TRUE(run_until([&] { return server.echoed == 1; }));  // the reply is on its way
  handler.udp = nullptr;
  nat.reset();
  run_for(100ms);  // the aborted wait (and any readiness already queued) runs into nothing
  EXPECT_TRUE(udp_frames().empty());
}

TEST_F(Egress, UdpRepliesLargerThanTheMtuAreDropped) {
  auto nat = make_nat();
  echo_server server(io);
  // MTU 1500: 1472 bytes of payload fit, 1473 do not.
  server.answer = [](std::string ask) { return std::string(ask == "big" ? 1473 : 1472, 'r'); };
  send_udp(40000, loopback, server.port(), "big");
  ASSERT_TRUE(run_until([&] { return nat->counters().dropped(gateway::udp_drop::oversize_reply) == 1; }));
  send_udp(40000, loopback, server.port(), "fits");
  ASSERT_TRUE(run_until([&] { return udp_frames().size() == 1; }));
  EXPECT_EQ(udp_frames()[0].payload.size(), 1472u);
}

TEST_F(Egress, DeniedUdpIsAnsweredAdministrativelyProhibitedAtALimitedRate) {
  auto nat = make_nat();
  auto now = std::chrono::steady_clock::now();
  nat->set_clock([&] { return now; });
  std::vector<reason> observed;
  nat->set_refusal_observer([&](net::ipv4_address source, net::ipv4_address destination, std::uint16_t p, reason why) {
    EXPECT_EQ(source, vm_ip);
    EXPECT_EQ(destination, denied_ip);
    EXPECT_EQ(p, 53);
    observed.push_back(why);
  });
  send_udp(40000, denied_ip, 53, "query");
  EXPECT_EQ(nat->flow_count(), 0u);  // no socket for a refused destination

  auto icmp = icmp_frames();
  ASSERT_EQ(icmp.size(), 1u);
  EXPECT_EQ(icmp[0].type, net::icmp_type::destination_unreachable);
  EXPECT_EQ(icmp[0].code, net::icmp_unreachable::administratively_prohibited);
  EXPECT_EQ(icmp[0].source, gateway_ip);
  EXPECT_EQ(icmp[0].destination, vm_ip);
  // The quote: the datagram's IP header and UDP header, as the VM sent them.
  ASSERT_EQ(icmp[0].body.size(), 28u);
  EXPECT_EQ(net::ipv4_address(net::load_u32(icmp[0].body, 12)), vm_ip);
  EXPECT_EQ(net::ipv4_address(net::load_u32(icmp[0].body, 16)), denied_ip);
  EXPECT_EQ(std::to_integer<int>(icmp[0].body[9]), net::ip_protocol::udp);
  EXPECT_EQ(net::load_u16(icmp[0].body, 20), 40000);
  EXPECT_EQ(net::load_u16(icmp[0].body, 22), 53);
  EXPECT_EQ(net::load_u16(icmp[0].body, 24), 8 + 5);

  EXPECT_EQ(nat->counters().refusals.at(reason::not_on_allowlist), 1u);
  EXPECT_EQ(observed, std::vector<reason>{reason::not_on_allowlist});

  // A flood is counted in full but answered at most prohibited_per_second (burst the same).
  for (int i = 0; i < 20; ++i) send_udp(40000, denied_ip, 53, "query");
  EXPECT_EQ(nat->counters().refusals.at(reason::not_on_allowlist), 21u);
  EXPECT_EQ(icmp_frames().size(), 10u);
  EXPECT_EQ(nat->counters().prohibited_sent, 10u);
  EXPECT_EQ(nat->counters().prohibited_rate_limited, 11u);
}

// --- ICMP echo -------------------------------------------------------------

// net.ipv4.ping_group_range, set for one test and restored after it (root only).
class ping_group_range {
 public:
  static constexpr const char* path = "/proc/sys/net/ipv4/ping_group_range";
  ping_group_range() { original_ = read(); }
  ~ping_group_range() {
    if (changed_) write(original_);
  }
  static std::string read() {
    std::ifstream in(path);
    std::string low, high;
    in >> low >> high;
    return low + " " + high;
  }
  /// Sets the range if we may (root); false otherwise.
  bool set(const std::string& range) {
    if (geteuid() != 0 || !write(range)) return false;
    changed_ = true;
    return read() == range;
  }
  /// Whether the current range lets this process open ping sockets.
  static bool allows_us() {
    std::istringstream in(read());
    long low = 0, high = 0;
    in >> low >> high;
    auto inside = [&](gid_t g) { return static_cast<long>(g) >= low && static_cast<long>(g) <= high; };
    if (inside(getegid())) return true;
    std::vector<gid_t> groups(static_cast<std::size_t>(getgroups(0, nullptr)));
    getgroups(static_cast<int>(groups.size()), groups.data());
    return std::any_of(groups.begin(), groups.end(), inside);
  }

 private:
  static bool write(const std::string& range) {
    std::ofstream out(path);
    out << range << '\n';
    out.flush();
    return static_cast<bool>(out);
  }
  std::string original_;
  bool changed_ = false;
};

TEST_F(Egress, DeniedPingIsAnsweredAdministrativelyProhibited) {
  auto proxy = make_ping_proxy();
  send_ping(denied_ip, 0x4242, 3);
  auto icmp = icmp_frames();
  ASSERT_EQ(icmp.size(), 1u);
  EXPECT_EQ(icmp[0].type, net::icmp_type::destination_unreachable);
  EXPECT_EQ(icmp[0].code, net::icmp_unreachable::administratively_prohibited);
  EXPECT_EQ(icmp[0].source, gateway_ip);
  EXPECT_EQ(icmp[0].destination, vm_ip);
  ASSERT_EQ(icmp[0].body.size(), 28u);
  EXPECT_EQ(net::ipv4_address(net::load_u32(icmp[0].body, 16)), denied_ip);
  EXPECT_EQ(std::to_integer<int>(icmp[0].body[20]), net::icmp_type::echo_request);
  EXPECT_EQ(net::load_u16(icmp[0].body, 24), 0x4242);
  EXPECT_EQ(net::load_u16(icmp[0].body, 26), 3);
  EXPECT_EQ(last_destination.proto, gateway::policy::protocol::icmp);
  EXPECT_EQ(proxy->counters().refusals.at(reason::not_on_allowlist), 1u);
  EXPECT_EQ(net.gateway().counters().foreign_icmp, 1u);
}

TEST_F(Egress, PingsToTheGatewayItselfStayWithLwip) {
  auto proxy = make_ping_proxy();
  send_ping(gateway_ip, 1, 1);
  auto icmp = icmp_frames();
  ASSERT_EQ(icmp.size(), 1u);
  EXPECT_EQ(icmp[0].type, net::icmp_type::echo_reply);
  EXPECT_EQ(icmp[0].source, gateway_ip);
  EXPECT_EQ(policy_calls, 0);
  EXPECT_EQ(net.gateway().counters().foreign_icmp, 0u);
}

TEST_F(Egress, PingWithoutPingSocketsIsAnsweredHostUnreachable) {
  ping_group_range range;
  if (!range.set("1 0") && ping_group_range::allows_us())
    GTEST_SKIP() << "ping_group_range allows our gid and we may not change it";
  auto proxy = make_ping_proxy();
  EXPECT_FALSE(proxy->available());
  send_ping(loopback, 0x1234, 9);
  auto icmp = icmp_frames();
  ASSERT_EQ(icmp.size(), 1u);
  EXPECT_EQ(icmp[0].type, net::icmp_type::destination_unreachable);
  EXPECT_EQ(icmp[0].code, net::icmp_unreachable::host);
  EXPECT_EQ(icmp[0].source, gateway_ip);
  EXPECT_EQ(net::ipv4_address(net::load_u32(icmp[0].body, 16)), loopback);
  EXPECT_EQ(net::load_u16(icmp[0].body, 24), 0x1234);
  EXPECT_EQ(proxy->counters().unavailable, 1u);
}

TEST_F(Egress, PingToLoopbackGoesThroughAPingSocketAndKeepsIdAndSequence) {
  ping_group_range range;
  if (!range.set("0 2147483647") && !ping_group_range::allows_us())
    GTEST_SKIP() << "ping_group_range excludes our gid and we may not change it (not root)";
  auto proxy = make_ping_proxy();
  ASSERT_TRUE(proxy->available());

  send_ping(loopback, 0x1234, 7);
  send_ping(loopback, 0x1234, 8);
  ASSERT_TRUE(run_until([&] { return icmp_frames().size() == 2; }));
  auto icmp = icmp_frames();
  std::set<std::uint16_t> sequences;
  for (auto& m : icmp) {
    EXPECT_EQ(m.type, net::icmp_type::echo_reply);
    EXPECT_EQ(m.code, 0);
    EXPECT_EQ(m.source, loopback);
    EXPECT_EQ(m.destination, vm_ip);
    EXPECT_EQ(m.rest >> 16, 0x1234u);  // the VM's identifier, not the kernel's
    sequences.insert(static_cast<std::uint16_t>(m.rest & 0xffff));
    // test::icmp_echo_frame's payload: bytes 8..23 of the message are 8..23.
    ASSERT_EQ(m.body.size(), 16u);
    for (std::size_t i = 0; i < m.body.size(); ++i) EXPECT_EQ(std::to_integer<std::size_t>(m.body[i]), i + 8);
  }
  EXPECT_EQ(sequences, (std::set<std::uint16_t>{7, 8}));
  auto eth = net::parse_ethernet(vm.frames.back());
  EXPECT_EQ(eth->destination, vm_mac);
  EXPECT_EQ(proxy->counters().requests, 2u);
  EXPECT_EQ(proxy->counters().replies, 2u);
  EXPECT_EQ(proxy->pending(), 0u);
}

TEST_F(Egress, PendingPingsAreBoundedPerVmAndExpire) {
  ping_group_range range;
  if (!range.set("0 2147483647") && !ping_group_range::allows_us())
    GTEST_SKIP() << "ping_group_range excludes our gid and we may not change it (not root)";
  auto proxy = make_ping_proxy();
  ASSERT_TRUE(proxy->available());
  auto now = std::chrono::steady_clock::now();
  proxy->set_clock([&] { return now; });
  // Sent in one go, before the loop runs: none is answered yet.
  for (std::uint16_t seq = 0; seq < 20; ++seq) send_ping(loopback, 1, seq);
  EXPECT_EQ(proxy->counters().requests, gateway::icmp_echo::max_pending_per_vm);
  EXPECT_EQ(proxy->counters().pending_full, 20u - gateway::icmp_echo::max_pending_per_vm);

  // Replies after the VM's timeout are not delivered; the slots come back.
  now += gateway::icmp_echo::echo_timeout;
  ASSERT_TRUE(run_until([&] { return proxy->counters().expired == gateway::icmp_echo::max_pending_per_vm; }));
  EXPECT_TRUE(icmp_frames().empty());
  EXPECT_EQ(proxy->pending(), 0u);
}

}  // namespace
}  // namespace switchyard
