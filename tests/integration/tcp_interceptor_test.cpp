// tests/integration/tcp_interceptor_test.cpp - any-destination TCP through real
// lwIP, in memory: a VM's SYN to a foreign address is held until the egress
// decides; admitted flows are answered from the original destination, refused
// ones get a RST; retransmissions wait; a VM that gives up is reported.
#include <gtest/gtest.h>

#include "stack/gateway_netif.hpp"
#include "stack/lwip_core.hpp"
#include "stack/tcp_connection.hpp"
#include "stack/tcp_interceptor.hpp"
#include "stack/tcp_ports.hpp"
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
const auto far_ip = *net::ipv4_address::parse("198.51.100.10");

// The egress side, recording what the stack reports and deciding on command.
struct scripted_egress : stack::foreign_traffic_handler {
  std::vector<stack::tcp_flow> opened, abandoned;
  std::vector<std::unique_ptr<stack::tcp_connection>> established;
  enum class answer { later, admit_now, refuse_now } on_open = answer::later;
  stack::tcp_interceptor* interceptor = nullptr;

  void on_tcp_open(const stack::tcp_flow& flow) override {
    opened.push_back(flow);
    if (on_open == answer::admit_now) interceptor->admit(flow);
    if (on_open == answer::refuse_now) interceptor->refuse(flow);
  }
  void on_tcp_established(const stack::tcp_flow&, std::unique_ptr<stack::tcp_connection> c) override {
    established.push_back(std::move(c));
  }
  void on_tcp_abandoned(const stack::tcp_flow& flow) override { abandoned.push_back(flow); }
  void on_udp(const stack::udp_datagram&) override {}
  void on_icmp_echo(const stack::icmp_echo_request&) override {}
};

class TcpInterceptor : public ::testing::Test {
 protected:
  TcpInterceptor() : port(net.attach(vm)) {
    egress.interceptor = &net.interceptor();
    net.gateway().set_foreign_traffic_handler(&egress);
  }
  ~TcpInterceptor() override {
    net.gateway().set_foreign_traffic_handler(nullptr);
    net.detach(port);
  }
  void send(const tcp_segment& s) { net.receive(port, test::tcp_frame(net.gateway_mac(), vm_mac, s)); }
  static tcp_segment to_far(std::uint16_t dport, std::uint32_t seq, std::uint32_t ack, std::uint8_t flags) {
    return {.source = vm_ip, .destination = far_ip, .source_port = 40000, .destination_port = dport,
            .seq = seq, .ack = ack, .flags = flags, .window = 65535, .payload = {}};
  }
  stack::tcp_flow flow(std::uint16_t dport) const {
    return {.source = vm_ip, .source_port = 40000, .destination = far_ip, .destination_port = dport};
  }

  boost::asio::io_context io;
  stack::lwip_core core{io};
  stack::virtual_network net{io, stack::network_settings{.name = "t", .subnet = subnet, .gateway = gateway_ip}};
  recording_vm vm;
  scripted_egress egress;
  stack::port_id port;
};

TEST_F(TcpInterceptor, HeldSynIsAnsweredFromTheOriginalDestinationOnceAdmitted) {
  send(to_far(80, 1000, 0, flag::syn));
  ASSERT_EQ(egress.opened.size(), 1u);
  EXPECT_EQ(egress.opened[0], flow(80));
  EXPECT_TRUE(vm.take_tcp().empty()) << "nothing answers before the egress decides";

  send(to_far(80, 1000, 0, flag::syn));  // the VM retransmits meanwhile
  EXPECT_EQ(egress.opened.size(), 1u);
  EXPECT_TRUE(vm.take_tcp().empty());

  net.interceptor().admit(flow(80));
  auto out = vm.take_tcp();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].flags, flag::syn | flag::ack);
  EXPECT_EQ(out[0].source, far_ip);
  EXPECT_EQ(out[0].source_port, 80);
  EXPECT_EQ(out[0].ack, 1001u);

  send(to_far(80, 1001, out[0].seq + 1, flag::ack));
  ASSERT_EQ(egress.established.size(), 1u);
  EXPECT_EQ(egress.established[0]->local().address, far_ip);
  EXPECT_EQ(egress.established[0]->remote().port, 40000);
  EXPECT_EQ(net.interceptor().pending(), 0u);
  EXPECT_EQ(net.interceptor().counters().established, 1u);
}

TEST_F(TcpInterceptor, RefusedFlowGetsARstAcknowledgingTheSyn) {
  send(to_far(81, 5000, 0, flag::syn));
  net.interceptor().refuse(flow(81));
  auto out = vm.take_tcp();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].flags, flag::rst | flag::ack);
  EXPECT_EQ(out[0].ack, 5001u);
  EXPECT_EQ(out[0].source, far_ip);
  EXPECT_EQ(net.interceptor().pending(), 0u);
}

TEST_F(TcpInterceptor, DecisionsInsideOnOpenAreCarriedOutAfterIt) {
  egress.on_open = scripted_egress::answer::refuse_now;
  send(to_far(82, 7, 0, flag::syn));
  auto out = vm.take_tcp();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].flags, flag::rst | flag::ack);

  egress.on_open = scripted_egress::answer::admit_now;
  send(to_far(83, 7, 0, flag::syn));
  out = vm.take_tcp();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].flags, flag::syn | flag::ack);
}

TEST_F(TcpInterceptor, AVmThatResetsWhileWaitingIsReportedAbandoned) {
  send(to_far(84, 100, 0, flag::syn));
  send(to_far(84, 101, 0, flag::rst));
  ASSERT_EQ(egress.abandoned.size(), 1u);
  EXPECT_EQ(net.interceptor().pending(), 0u);
  net.interceptor().admit(flow(84));  // too late: nothing happens
  EXPECT_TRUE(vm.take_tcp().empty());
}

TEST_F(TcpInterceptor, SegmentsOfUnknownFlowsAreResetByLwip) {
  send(to_far(85, 100, 12345, flag::ack));
  auto out = vm.take_tcp();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].flags & flag::rst);
  EXPECT_TRUE(egress.opened.empty());
}

TEST_F(TcpInterceptor, WithoutAnEgressEverySynIsReset) {
  net.gateway().set_foreign_traffic_handler(nullptr);
  send(to_far(86, 1, 0, flag::syn));
  auto out = vm.take_tcp();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].flags, flag::rst | flag::ack);
  EXPECT_EQ(net.interceptor().counters().unhandled, 1u);
}

TEST_F(TcpInterceptor, ListenersAreReclaimedWhenNoHandshakeIsPending) {
  stack::reclaim_idle_tcp_ports();  // earlier tests' listeners
  auto before = stack::listening_tcp_ports();
  send(to_far(87, 1, 0, flag::syn));
  net.interceptor().admit(flow(87));
  EXPECT_EQ(stack::listening_tcp_ports(), before + 1);
  auto syn_ack = vm.take_tcp();
  ASSERT_EQ(syn_ack.size(), 1u);
  send(to_far(87, 2, syn_ack[0].seq + 1, flag::ack));
  ASSERT_EQ(egress.established.size(), 1u);
  stack::reclaim_idle_tcp_ports();
  EXPECT_EQ(stack::listening_tcp_ports(), before);
  // The established connection does not need the listener.
  EXPECT_TRUE(egress.established[0]->alive());
}

TEST_F(TcpInterceptor, ANewSynReusesATupleLwipStillHoldsInTimeWait) {
  send(to_far(88, 1000, 0, flag::syn));
  net.interceptor().admit(flow(88));
  auto syn_ack = vm.take_tcp();
  ASSERT_EQ(syn_ack.size(), 1u);
  std::uint32_t ours = syn_ack[0].seq + 1;
  send(to_far(88, 1001, ours, flag::ack));
  ASSERT_EQ(egress.established.size(), 1u);
  // We close first (the upstream did), the VM answers with its FIN: lwIP ends in TIME_WAIT.
  egress.established[0]->shutdown_send();
  auto fin = vm.take_tcp();
  ASSERT_EQ(fin.size(), 1u);
  EXPECT_TRUE(fin[0].flags & flag::fin);
  send(to_far(88, 1001, ours + 1, flag::fin | flag::ack));
  egress.established.clear();
  vm.take_tcp();

  // The VM (which did not wait) connects again from the same port.
  send(to_far(88, 90000, 0, flag::syn));
  ASSERT_EQ(egress.opened.size(), 2u);
  net.interceptor().admit(flow(88));
  auto again = vm.take_tcp();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].flags, flag::syn | flag::ack);
  EXPECT_EQ(again[0].ack, 90001u);
}

}  // namespace
}  // namespace switchyard
