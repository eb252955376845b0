// tests/integration/same_subnet_tcp_test.cpp - two networks with the same subnet,
// driven in memory through real lwIP: equal 4-tuples stay apart, and the gateway
// answers ICMP and RSTs on the network the packet came from.
#include <gtest/gtest.h>

#include <map>

#include "lwip/stats.h"
#include "stack/gateway_netif.hpp"
#include "stack/lwip_core.hpp"
#include "stack/tcp_listener.hpp"
#include "stack/virtual_network.hpp"
#include "tests/support/ip_frames.hpp"
#include "tests/support/test_lan.hpp"

namespace switchyard {
namespace {

using test::frame;
using test::tcp_segment;
namespace flag = test::tcp_flag;

const auto subnet = test::lan_subnet;
const auto gateway_ip = test::lan_gateway;
using test::recording_vm;
using test::vm_ip;
using test::vm_mac;

struct lan {
  stack::virtual_network net;
  recording_vm vm;
  stack::port_id port;
  lan(boost::asio::io_context& io, std::string name)
      : net(io, stack::network_settings{.name = std::move(name), .subnet = subnet, .gateway = gateway_ip}),
        port(net.attach(vm)) {}
  ~lan() { net.detach(port); }
  void send(const tcp_segment& s) { net.receive(port, test::tcp_frame(net.gateway_mac(), vm_mac, s)); }
};

tcp_segment from_vm(std::uint16_t dport, std::uint32_t seq, std::uint32_t ack, std::uint8_t flags,
                    std::string payload = {}) {
  return {.source = vm_ip, .destination = gateway_ip, .source_port = 40000, .destination_port = dport,
          .seq = seq, .ack = ack, .flags = flags, .window = 65535, .payload = std::move(payload)};
}

class SameSubnet : public ::testing::Test {
 protected:
  boost::asio::io_context io;
  stack::lwip_core core{io};
};

TEST_F(SameSubnet, EqualFourTuplesOnTwoNetworksReachTheirOwnConnection) {
  lan a(io, "a"), b(io, "b");
  ASSERT_NE(a.net.gateway_mac(), b.net.gateway_mac());

  struct accepted {
    std::unique_ptr<stack::tcp_connection> conn;
    std::string data;
  };
  std::vector<std::unique_ptr<accepted>> connections;
  stack::tcp_listener listener(7, nullptr, [&](std::unique_ptr<stack::tcp_connection> c) {
    auto entry = std::make_unique<accepted>();
    auto* e = entry.get();
    c->set_handlers({.on_data = [e](std::span<const std::byte> d) {
                       for (auto x : d) e->data.push_back(static_cast<char>(x));
                       e->conn->acknowledge(d.size());
                     },
                     .on_peer_closed = {}, .on_sent = {}, .on_error = {}});
    entry->conn = std::move(c);
    connections.push_back(std::move(entry));
  });

  // The same SYN (same MAC, addresses and ports) enters both networks.
  a.send(from_vm(7, 1000, 0, flag::syn));
  b.send(from_vm(7, 1000, 0, flag::syn));
  auto syn_ack_a = a.vm.tcp(), syn_ack_b = b.vm.tcp();
  ASSERT_EQ(syn_ack_a.size(), 1u);
  ASSERT_EQ(syn_ack_b.size(), 1u);
  EXPECT_EQ(syn_ack_a[0].flags, flag::syn | flag::ack);
  EXPECT_EQ(syn_ack_a[0].ack, 1001u);
  EXPECT_EQ(syn_ack_b[0].ack, 1001u);
  EXPECT_EQ(syn_ack_a[0].source, gateway_ip);

  a.send(from_vm(7, 1001, syn_ack_a[0].seq + 1, flag::ack | flag::psh, "from-a"));
  b.send(from_vm(7, 1001, syn_ack_b[0].seq + 1, flag::ack | flag::psh, "from-b"));
  ASSERT_EQ(connections.size(), 2u);

  std::map<std::string, accepted*> by_data;
  for (auto& c : connections) by_data[c->data] = c.get();
  ASSERT_TRUE(by_data.count("from-a"));
  ASSERT_TRUE(by_data.count("from-b"));
  EXPECT_EQ(by_data["from-a"]->conn->netif_index(), netif_get_index(a.net.gateway().lwip_netif()));
  EXPECT_EQ(by_data["from-b"]->conn->netif_index(), netif_get_index(b.net.gateway().lwip_netif()));
  EXPECT_EQ(by_data["from-a"]->conn->local().address, gateway_ip);

  // Replies leave through the network their connection belongs to, and only there.
  a.vm.frames.clear();
  b.vm.frames.clear();
  std::string reply_a = "reply-a", reply_b = "reply-b";
  by_data["from-a"]->conn->write(std::as_bytes(std::span(reply_a)));
  by_data["from-b"]->conn->write(std::as_bytes(std::span(reply_b)));
  auto payloads = [](const recording_vm& vm) {
    std::string all;
    for (auto& s : vm.tcp()) all += s.payload;
    return all;
  };
  EXPECT_EQ(payloads(a.vm), "reply-a");
  EXPECT_EQ(payloads(b.vm), "reply-b");

  for (auto& c : connections) c->conn->abort();
  connections.clear();
  EXPECT_EQ(lwip_stats.memp[MEMP_TCP_PCB]->used, 0);
}

TEST_F(SameSubnet, GatewayAnswersPingOnlyOnTheNetworkAsked) {
  lan a(io, "a"), b(io, "b");
  a.net.receive(a.port, test::icmp_echo_frame(a.net.gateway_mac(), vm_mac, vm_ip, gateway_ip, 7, 1));
  ASSERT_EQ(a.vm.frames.size(), 1u);
  EXPECT_TRUE(b.vm.frames.empty());
  auto eth = net::parse_ethernet(a.vm.frames[0]);
  auto ip = net::parse_ipv4(eth->payload);
  ASSERT_TRUE(ip);
  EXPECT_EQ(ip->protocol, net::ip_protocol::icmp);
  EXPECT_EQ(std::to_integer<int>(ip->payload[0]), 0);  // echo reply
  EXPECT_EQ(ip->destination, vm_ip);
  EXPECT_EQ(eth->destination, vm_mac);
  EXPECT_EQ(eth->source, a.net.gateway_mac());
}

TEST_F(SameSubnet, ClosedPortIsResetOnTheNetworkItCameFrom) {
  lan a(io, "a"), b(io, "b");
  b.send(from_vm(9, 77, 0, flag::syn));
  EXPECT_TRUE(a.vm.frames.empty());
  auto segments = b.vm.tcp();
  ASSERT_EQ(segments.size(), 1u);
  EXPECT_TRUE(segments[0].flags & flag::rst);
  EXPECT_EQ(segments[0].ack, 78u);
}

TEST_F(SameSubnet, PacketsForOtherAddressesNeverReachLwip) {
  lan a(io, "a");
  auto other = *net::ipv4_address::parse("10.0.2.16");
  tcp_segment s = from_vm(7, 1, 0, flag::syn);
  s.destination = other;
  a.send(s);
  a.net.receive(a.port, test::icmp_echo_frame(a.net.gateway_mac(), vm_mac, vm_ip, other, 1, 1));
  EXPECT_TRUE(a.vm.frames.empty());
}

TEST_F(SameSubnet, GatewayAnswersArpForItsAddressOnly) {
  lan a(io, "a");
  auto ask = [&](net::ipv4_address target) {
    auto f = net::build_arp_frame(net::mac_address::broadcast(), vm_mac,
                                  {.operation = net::arp_operation::request, .sender_mac = vm_mac, .sender_ip = vm_ip,
                                   .target_mac = {}, .target_ip = target});
    a.net.receive(a.port, f);
  };
  ask(*net::ipv4_address::parse("10.0.2.99"));
  EXPECT_TRUE(a.vm.frames.empty());
  ask(gateway_ip);
  ASSERT_EQ(a.vm.frames.size(), 1u);
  auto eth = net::parse_ethernet(a.vm.frames[0]);
  auto arp = net::parse_arp(eth->payload);
  ASSERT_TRUE(arp);
  EXPECT_EQ(arp->operation, net::arp_operation::reply);
  EXPECT_EQ(arp->sender_mac, a.net.gateway_mac());
  EXPECT_EQ(arp->sender_ip, gateway_ip);
  EXPECT_EQ(arp->target_mac, vm_mac);
  EXPECT_EQ(a.vm.frames[0].size(), 60u);  // padded like a real NIC
}

}  // namespace
}  // namespace switchyard
