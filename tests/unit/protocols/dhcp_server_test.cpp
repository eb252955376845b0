// tests/unit/protocols/dhcp_server_test.cpp - the DHCPv4 server's rules: DORA,
// reboot, renew, release, decline, inform, delivery, limits, names, expiry,
// restore, and the one-address-one-client invariant under random traffic.
#include "protocols/dhcp/server.hpp"

#include <gtest/gtest.h>

#include <random>
#include <set>

#include "tests/support/dhcp_packets.hpp"
#include "tests/support/frames.hpp"

namespace switchyard::dhcp {
namespace {

using namespace std::chrono_literals;
using test::dhcp_client;
using test::ip;
using test::mac;

const system_time t0 = system_time(std::chrono::hours(24 * 365 * 55));  // some day in 2025
const net::ipv4_address gateway = ip(10, 0, 2, 2);
const net::ipv4_address other_server = ip(10, 0, 2, 3);

server_config default_config() {
  server_config c;
  c.subnet = *net::ipv4_subnet::parse("10.0.2.0/24");
  c.server_address = gateway;
  c.router = gateway;
  c.dns_server = gateway;
  c.domain = "default.lan";
  c.mtu = 1500;
  c.pool_first = ip(10, 0, 2, 15);
  c.pool_last = ip(10, 0, 2, 254);
  return c;
}

outcome send(server& s, const dhcp_client& c, const test::dhcp_packet& p, std::uint32_t port, system_time now) {
  return s.handle(p.bytes(), client_context{.port = port, .source_mac = c.mac}, now);
}

bool invariants_hold(const server& s) {
  std::string why;
  bool ok = s.check_invariants(&why);
  EXPECT_TRUE(ok) << why;
  return ok;
}

/// DISCOVER, OFFER, REQUEST, ACK; returns the address (0.0.0.0 if any step failed).
net::ipv4_address dora(server& s, const dhcp_client& c, std::uint32_t port, system_time now) {
  auto offer = send(s, c, c.discover(), port, now);
  EXPECT_EQ(offer.result, disposition::replied) << to_string(offer.result);
  if (!offer.response || offer.response->msg.type != message_type::offer) {
    ADD_FAILURE() << "no offer";
    return {};
  }
  auto ack = send(s, c, c.select(offer.response->msg.yiaddr, gateway), port, now);
  if (!ack.response || ack.response->msg.type != message_type::ack) {
    ADD_FAILURE() << "no ack";
    return {};
  }
  return ack.response->msg.yiaddr;
}

class DhcpServer : public testing::Test {
 protected:
  server srv{default_config()};
  dhcp_client vm{mac(1)};
};

// ---- DORA and replies ---------------------------------------------------------

TEST_F(DhcpServer, FullDoraGrantsThePoolsFirstAddress) {
  auto offer = send(srv, vm, vm.discover(), 1, t0);
  ASSERT_EQ(offer.result, disposition::replied);
  ASSERT_TRUE(offer.response);
  EXPECT_EQ(offer.response->msg.type, message_type::offer);
  EXPECT_EQ(offer.response->msg.yiaddr, ip(10, 0, 2, 15));
  EXPECT_TRUE(offer.events.empty());
  EXPECT_EQ(srv.offer_count(), 1u);
  EXPECT_TRUE(srv.leases().empty());

  auto ack = send(srv, vm, vm.select(ip(10, 0, 2, 15), gateway), 1, t0 + 1s);
  ASSERT_TRUE(ack.response);
  EXPECT_EQ(ack.response->msg.type, message_type::ack);
  EXPECT_EQ(ack.response->msg.yiaddr, ip(10, 0, 2, 15));
  ASSERT_EQ(ack.events.size(), 1u);
  EXPECT_EQ(ack.events[0].kind, lease_event_kind::granted);
  lease expected{.ip = ip(10, 0, 2, 15),
                 .mac = vm.mac,
                 .client_id = test::client_id_of(vm.mac),
                 .hostname = "",
                 .port = 1,
                 .expires_at = t0 + 1s + 3600s};
  EXPECT_EQ(ack.events[0].what, expected);
  EXPECT_EQ(srv.leases(), std::vector<lease>{expected});
  EXPECT_EQ(srv.lease_for_port(1), expected);
  EXPECT_EQ(srv.port_of_address(ip(10, 0, 2, 15)), 1u);
  EXPECT_FALSE(srv.port_of_address(ip(10, 0, 2, 16)));
  EXPECT_EQ(srv.offer_count(), 0u);

  const auto& n = srv.counters();
  EXPECT_EQ(n.discover, 1u);
  EXPECT_EQ(n.offer, 1u);
  EXPECT_EQ(n.request, 1u);
  EXPECT_EQ(n.ack, 1u);
  EXPECT_EQ(n.nak, 0u);
  invariants_hold(srv);
}

TEST_F(DhcpServer, NeverOffersAnAddressAStaticMachineUses) {
  // 10.0.2.15 is a static VM's (another MAC); 10.0.2.16 is the asking VM's own.
  srv.set_in_use_check([&](net::ipv4_address a, net::mac_address m) {
    return a == ip(10, 0, 2, 15) || (a == ip(10, 0, 2, 16) && m != vm.mac);
  });
  auto offer = send(srv, vm, vm.discover(), 1, t0);
  ASSERT_TRUE(offer.response);
  EXPECT_EQ(offer.response->msg.yiaddr, ip(10, 0, 2, 16));
}

TEST_F(DhcpServer, OfferCarriesTheNetworksOptions) {
  auto out = send(srv, vm, vm.discover(), 1, t0);
  ASSERT_TRUE(out.response);
  const message& r = out.response->msg;
  EXPECT_EQ(r.op, op_code::reply);
  EXPECT_EQ(r.xid, vm.xid);
  EXPECT_EQ(r.chaddr, vm.mac);
  EXPECT_EQ(r.ciaddr.value(), 0u);
  EXPECT_EQ(r.server_id, gateway);
  EXPECT_EQ(r.lease_time, 3600u);
  EXPECT_EQ(r.renewal_time, 1800u);
  EXPECT_EQ(r.rebinding_time, 3150u);
  EXPECT_EQ(r.subnet_mask, ip(255, 255, 255, 0));
  EXPECT_EQ(r.router, gateway);
  EXPECT_EQ(r.dns_server, gateway);
  EXPECT_EQ(r.domain_name, "default.lan");
  EXPECT_EQ(r.interface_mtu, 1500);
  EXPECT_EQ(r.client_id, test::client_id_of(vm.mac));  // RFC 6842
  // The bytes that go out parse back to the same message.
  EXPECT_EQ(parse(serialize(r)), r);
}

TEST_F(DhcpServer, RepliesGoToChaddrAndYiaddrWithoutTheBroadcastBit) {
  auto out = send(srv, vm, vm.discover(), 1, t0);
  ASSERT_TRUE(out.response);
  EXPECT_EQ(out.response->destination_mac, vm.mac);
  EXPECT_EQ(out.response->destination_ip, ip(10, 0, 2, 15));
}

TEST_F(DhcpServer, RepliesAreBroadcastWhenTheClientSetsTheBroadcastBit) {
  vm.broadcast = true;
  auto offer = send(srv, vm, vm.discover(), 1, t0);
  ASSERT_TRUE(offer.response);
  EXPECT_TRUE(offer.response->msg.broadcast);
  EXPECT_EQ(offer.response->destination_mac, net::mac_address::broadcast());
  EXPECT_EQ(offer.response->destination_ip, ip(255, 255, 255, 255));
  auto ack = send(srv, vm, vm.select(ip(10, 0, 2, 15), gateway), 1, t0);
  ASSERT_TRUE(ack.response);
  EXPECT_EQ(ack.response->destination_mac, net::mac_address::broadcast());
}

TEST_F(DhcpServer, NaksAreAlwaysBroadcast) {
  auto out = send(srv, vm, vm.renew(ip(192, 168, 1, 10)), 1, t0);  // ciaddr set, wrong network
  ASSERT_TRUE(out.response);
  EXPECT_EQ(out.response->msg.type, message_type::nak);
  EXPECT_EQ(out.response->msg.text, "wrong network");
  EXPECT_EQ(out.response->msg.server_id, gateway);
  EXPECT_EQ(out.response->msg.yiaddr.value(), 0u);
  EXPECT_FALSE(out.response->msg.lease_time);
  EXPECT_EQ(out.response->destination_mac, net::mac_address::broadcast());
  EXPECT_EQ(out.response->destination_ip, ip(255, 255, 255, 255));
  EXPECT_EQ(srv.counters().nak, 1u);
}

TEST_F(DhcpServer, ALeaseHolderThatDiscoversAgainIsOfferedItsOwnAddressAndKeepsIt) {
  auto a = dora(srv, vm, 1, t0);
  auto again = send(srv, vm, vm.discover(ip(10, 0, 2, 99)), 1, t0 + 10s);
  ASSERT_TRUE(again.response);
  EXPECT_EQ(again.response->msg.yiaddr, a);
  ASSERT_EQ(srv.leases().size(), 1u);
  EXPECT_EQ(srv.leases()[0].expires_at, t0 + 3600s);
  EXPECT_EQ(srv.offer_count(), 0u);
}

TEST_F(DhcpServer, OffersTheRequestedAddressWhenItIsFree) {
  auto out = send(srv, vm, vm.discover(ip(10, 0, 2, 77)), 1, t0);
  ASSERT_TRUE(out.response);
  EXPECT_EQ(out.response->msg.yiaddr, ip(10, 0, 2, 77));
  dhcp_client other(mac(2));
  out = send(srv, other, other.discover(ip(10, 0, 2, 77)), 2, t0);  // held for the first offer
  ASSERT_TRUE(out.response);
  EXPECT_NE(out.response->msg.yiaddr, ip(10, 0, 2, 77));
}

TEST_F(DhcpServer, NeverOffersTheNetworkBroadcastServerRouterOrDnsAddress) {
  auto c = default_config();
  c.pool_first = ip(10, 0, 2, 0);
  c.pool_last = ip(10, 0, 2, 7);
  c.router = ip(10, 0, 2, 1);
  c.dns_server = ip(10, 0, 2, 3);
  c.subnet = *net::ipv4_subnet::parse("10.0.2.0/29");
  server s(c);
  std::set<std::uint32_t> given;
  for (std::uint32_t i = 1; i <= 5; ++i) {
    dhcp_client client(mac(i));
    auto out = send(s, client, client.discover(gateway), i, t0);  // asking for the gateway does not help
    if (i <= 3) {
      ASSERT_TRUE(out.response) << i;
      given.insert(out.response->msg.yiaddr.value());
    } else {
      EXPECT_EQ(out.result, disposition::pool_exhausted) << i;
    }
  }
  // .0 network, .1 router, .2 server, .3 DNS, .7 broadcast: only .4-.6 are left.
  EXPECT_EQ(given, (std::set<std::uint32_t>{ip(10, 0, 2, 4).value(), ip(10, 0, 2, 5).value(),
                                            ip(10, 0, 2, 6).value()}));
  invariants_hold(s);
}

// ---- SELECTING ----------------------------------------------------------------

TEST_F(DhcpServer, ARequestForAnotherServerDropsOurOfferSilently) {
  auto offer = send(srv, vm, vm.discover(), 1, t0);
  ASSERT_TRUE(offer.response);
  auto out = send(srv, vm, vm.select(offer.response->msg.yiaddr, other_server), 1, t0);
  EXPECT_EQ(out.result, disposition::silent);
  EXPECT_FALSE(out.response);
  EXPECT_EQ(srv.offer_count(), 0u);
  dhcp_client other(mac(2));
  auto taken = send(srv, other, other.discover(offer.response->msg.yiaddr), 2, t0);
  ASSERT_TRUE(taken.response);
  EXPECT_EQ(taken.response->msg.yiaddr, offer.response->msg.yiaddr);  // free again at once
}

TEST_F(DhcpServer, SelectingAnAddressWeDidNotOfferGetsANak) {
  send(srv, vm, vm.discover(), 1, t0);
  auto out = send(srv, vm, vm.select(ip(10, 0, 2, 20), gateway), 1, t0);
  ASSERT_TRUE(out.response);
  EXPECT_EQ(out.response->msg.type, message_type::nak);
  EXPECT_TRUE(srv.leases().empty());
}

TEST_F(DhcpServer, SelectingAfterTheOfferLapsedGetsANak) {
  auto offer = send(srv, vm, vm.discover(), 1, t0);
  auto out = send(srv, vm, vm.select(offer.response->msg.yiaddr, gateway), 1, t0 + 31s);
  ASSERT_TRUE(out.response);
  EXPECT_EQ(out.response->msg.type, message_type::nak);
  // Within the hold time it would have worked.
  offer = send(srv, vm, vm.discover(), 1, t0 + 40s);
  out = send(srv, vm, vm.select(offer.response->msg.yiaddr, gateway), 1, t0 + 69s);
  EXPECT_EQ(out.response->msg.type, message_type::ack);
}

// ---- INIT-REBOOT ----------------------------------------------------------------

TEST_F(DhcpServer, InitRebootAfterRestoreIsAckedAndTheLeaseJoinsThePort) {
  dhcp_client alice(mac(1), "alice");
  lease persisted{.ip = ip(10, 0, 2, 50),
                  .mac = alice.mac,
                  .client_id = test::client_id_of(alice.mac),
                  .hostname = "alice",
                  .port = 3,
                  .expires_at = t0 + 1000s};
  ASSERT_EQ(srv.restore(persisted, t0), restore_result::restored);
  auto restored = srv.leases();
  ASSERT_EQ(restored.size(), 1u);
  EXPECT_EQ(restored[0].port, no_port);  // old port ids mean nothing after a restart
  EXPECT_FALSE(srv.port_of_address(ip(10, 0, 2, 50)));

  auto out = send(srv, alice, alice.reboot(ip(10, 0, 2, 50)), 9, t0 + 5s);
  ASSERT_TRUE(out.response);
  EXPECT_EQ(out.response->msg.type, message_type::ack);
  EXPECT_EQ(out.response->msg.yiaddr, ip(10, 0, 2, 50));
  EXPECT_EQ(out.response->msg.hostname, "alice");
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_EQ(out.events[0].kind, lease_event_kind::renewed);
  EXPECT_EQ(out.events[0].what.port, 9u);
  EXPECT_EQ(out.events[0].what.expires_at, t0 + 5s + 3600s);
  EXPECT_EQ(srv.port_of_address(ip(10, 0, 2, 50)), 9u);
  invariants_hold(srv);
}

TEST_F(DhcpServer, InitRebootWithoutARecordIsAckedWhenTheAddressIsFree) {
  auto out = send(srv, vm, vm.reboot(ip(10, 0, 2, 77)), 1, t0);
  ASSERT_TRUE(out.response);
  EXPECT_EQ(out.response->msg.type, message_type::ack);
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_EQ(out.events[0].kind, lease_event_kind::granted);
}

TEST_F(DhcpServer, InitRebootForAnAddressAnotherClientHoldsGetsANak) {
  auto a = dora(srv, vm, 1, t0);
  dhcp_client intruder(mac(2));
  auto out = send(srv, intruder, intruder.reboot(a), 2, t0);
  ASSERT_TRUE(out.response);
  EXPECT_EQ(out.response->msg.type, message_type::nak);
  EXPECT_EQ(srv.port_of_address(a), 1u);
}

TEST_F(DhcpServer, InitRebootOnTheWrongNetworkOrOutsideThePoolGetsANak) {
  for (auto wrong : {ip(192, 168, 1, 10), ip(10, 0, 2, 5), gateway, ip(10, 0, 2, 255)}) {
    auto out = send(srv, vm, vm.reboot(wrong), 1, t0);
    ASSERT_TRUE(out.response) << wrong.to_string();
    EXPECT_EQ(out.response->msg.type, message_type::nak) << wrong.to_string();
  }
  EXPECT_TRUE(srv.leases().empty());
}

TEST_F(DhcpServer, InitRebootForAnotherAddressThanTheClientsLeaseGetsANak) {
  auto a = dora(srv, vm, 1, t0);
  auto out = send(srv, vm, vm.reboot(ip(10, 0, 2, 99)), 1, t0);
  ASSERT_TRUE(out.response);
  EXPECT_EQ(out.response->msg.type, message_type::nak);
  EXPECT_EQ(srv.leases().at(0).ip, a);
}

// ---- RENEWING / REBINDING ---------------------------------------------------------

TEST_F(DhcpServer, RenewExtendsTheLeaseAndAnswersCiaddrByUnicast) {
  auto a = dora(srv, vm, 1, t0);
  auto out = send(srv, vm, vm.renew(a), 1, t0 + 1800s);
  ASSERT_TRUE(out.response);
  EXPECT_EQ(out.response->msg.type, message_type::ack);
  EXPECT_EQ(out.response->msg.ciaddr, a);
  EXPECT_EQ(out.response->msg.yiaddr, a);
  EXPECT_EQ(out.response->destination_mac, vm.mac);
  EXPECT_EQ(out.response->destination_ip, a);
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_EQ(out.events[0].kind, lease_event_kind::renewed);
  EXPECT_EQ(out.events[0].what.expires_at, t0 + 1800s + 3600s);
  EXPECT_TRUE(srv.expire(t0 + 3601s).empty());  // the old expiry no longer applies
}

TEST_F(DhcpServer, RebindingFromANewPortMovesTheLeaseThere) {
  auto a = dora(srv, vm, 1, t0);
  auto out = send(srv, vm, vm.renew(a), 7, t0 + 3200s);  // the VM reconnected: new port id
  ASSERT_TRUE(out.response);
  EXPECT_EQ(out.response->msg.type, message_type::ack);
  EXPECT_EQ(srv.port_of_address(a), 7u);
  EXPECT_FALSE(srv.lease_for_port(1));
  invariants_hold(srv);
}

TEST_F(DhcpServer, RenewingAnotherClientsAddressGetsANak) {
  auto a = dora(srv, vm, 1, t0);
  dhcp_client other(mac(2));
  auto out = send(srv, other, other.renew(a), 2, t0);
  ASSERT_TRUE(out.response);
  EXPECT_EQ(out.response->msg.type, message_type::nak);
  EXPECT_EQ(srv.port_of_address(a), 1u);
}

TEST_F(DhcpServer, RenewingAfterTheLeaseExpiredIsAckedIfTheAddressIsStillFree) {
  auto a = dora(srv, vm, 1, t0);
  auto out = send(srv, vm, vm.renew(a), 1, t0 + 4000s);  // our clock ran ahead of the client's
  ASSERT_TRUE(out.response);
  EXPECT_EQ(out.response->msg.type, message_type::ack);
  ASSERT_EQ(out.events.size(), 2u);
  EXPECT_EQ(out.events[0].kind, lease_event_kind::expired);
  EXPECT_EQ(out.events[1].kind, lease_event_kind::granted);
}

// ---- RELEASE, DECLINE, INFORM -------------------------------------------------------

TEST_F(DhcpServer, ReleaseFreesTheLeaseAndTheClientGetsItsAddressBackLater) {
  auto a = dora(srv, vm, 1, t0);
  auto out = send(srv, vm, vm.release(a, gateway), 1, t0 + 10s);
  EXPECT_EQ(out.result, disposition::silent);
  EXPECT_FALSE(out.response);
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_EQ(out.events[0].kind, lease_event_kind::released);
  EXPECT_EQ(out.events[0].what.ip, a);
  EXPECT_TRUE(srv.leases().empty());

  dhcp_client other(mac(2));
  EXPECT_NE(dora(srv, other, 2, t0 + 20s), a);  // remembered for its last holder
  EXPECT_EQ(dora(srv, vm, 1, t0 + 30s), a);
  invariants_hold(srv);
}

TEST_F(DhcpServer, ReleaseOfSomebodyElsesAddressIsIgnored) {
  auto a = dora(srv, vm, 1, t0);
  dhcp_client other(mac(2));
  auto out = send(srv, other, other.release(a, gateway), 2, t0);
  EXPECT_TRUE(out.events.empty());
  EXPECT_EQ(srv.leases().size(), 1u);
  out = send(srv, vm, vm.release(a, other_server), 1, t0);  // to another server
  EXPECT_TRUE(out.events.empty());
  EXPECT_EQ(srv.leases().size(), 1u);
}

TEST_F(DhcpServer, DeclineQuarantinesTheAddressForTenMinutes) {
  auto a = dora(srv, vm, 1, t0);
  auto out = send(srv, vm, vm.decline(a, gateway), 1, t0 + 1s);
  EXPECT_EQ(out.result, disposition::silent);
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_EQ(out.events[0].kind, lease_event_kind::released);
  EXPECT_TRUE(srv.leases().empty());
  EXPECT_EQ(srv.quarantined_count(), 1u);

  auto again = send(srv, vm, vm.discover(a), 1, t0 + 2s);
  ASSERT_TRUE(again.response);
  EXPECT_NE(again.response->msg.yiaddr, a);
  auto reboot = send(srv, vm, vm.reboot(a), 1, t0 + 3s);
  EXPECT_EQ(reboot.response->msg.type, message_type::nak);

  srv.expire(t0 + 1s + 600s);
  EXPECT_EQ(srv.quarantined_count(), 0u);
  dhcp_client other(mac(2));
  auto later = send(srv, other, other.discover(a), 2, t0 + 601s);
  ASSERT_TRUE(later.response);
  EXPECT_EQ(later.response->msg.yiaddr, a);
  EXPECT_EQ(srv.counters().declined_addresses, 1u);
}

TEST_F(DhcpServer, DeclineOfAnAddressThatIsNotTheClientsIsIgnored) {
  auto a = dora(srv, vm, 1, t0);
  dhcp_client other(mac(2));
  auto out = send(srv, other, other.decline(a, gateway), 2, t0);
  EXPECT_TRUE(out.events.empty());
  EXPECT_EQ(srv.quarantined_count(), 0u);
  EXPECT_EQ(srv.leases().size(), 1u);
}

TEST_F(DhcpServer, DeclinesCannotQuarantineMoreThanTheCap) {
  auto c = default_config();
  c.max_declined = 4;
  c.rate_burst = 1000;
  server s(c);
  for (std::uint32_t i = 0; i < 20; ++i) {
    auto now = t0 + std::chrono::seconds(i);
    auto offer = send(s, vm, vm.discover(), 1, now);
    ASSERT_TRUE(offer.response) << i;
    send(s, vm, vm.decline(offer.response->msg.yiaddr, gateway), 1, now);
    EXPECT_LE(s.quarantined_count(), 4u);
  }
  EXPECT_EQ(s.counters().declined_addresses, 20u);
  invariants_hold(s);
}

TEST_F(DhcpServer, InformIsAckedWithTheNetworksOptionsButNoLease) {
  auto out = send(srv, vm, vm.inform(ip(10, 0, 2, 9)), 1, t0);
  ASSERT_TRUE(out.response);
  const message& r = out.response->msg;
  EXPECT_EQ(r.type, message_type::ack);
  EXPECT_EQ(r.ciaddr, ip(10, 0, 2, 9));
  EXPECT_EQ(r.yiaddr.value(), 0u);
  EXPECT_FALSE(r.lease_time);
  EXPECT_FALSE(r.renewal_time);
  EXPECT_FALSE(r.rebinding_time);
  EXPECT_EQ(r.router, gateway);
  EXPECT_EQ(r.domain_name, "default.lan");
  EXPECT_EQ(out.response->destination_ip, ip(10, 0, 2, 9));
  EXPECT_TRUE(out.events.empty());
  EXPECT_TRUE(srv.leases().empty());
  EXPECT_EQ(srv.counters().inform, 1u);

  auto elsewhere = send(srv, vm, vm.inform(ip(172, 16, 0, 9)), 1, t0);
  EXPECT_EQ(elsewhere.result, disposition::silent);
}

// ---- what is dropped ------------------------------------------------------------

TEST_F(DhcpServer, RelayedMessagesAreDropped) {
  auto p = vm.discover();
  p.giaddr = ip(10, 0, 2, 1);
  auto out = send(srv, vm, p, 1, t0);
  EXPECT_EQ(out.result, disposition::dropped_relayed);
  EXPECT_EQ(srv.counters().dropped_relayed, 1u);
  EXPECT_EQ(srv.offer_count(), 0u);
}

TEST_F(DhcpServer, AChaddrThatIsNotTheFramesSourceIsDropped) {
  auto out = srv.handle(vm.discover().bytes(), client_context{.port = 1, .source_mac = mac(99)}, t0);
  EXPECT_EQ(out.result, disposition::dropped_mac_mismatch);
  EXPECT_FALSE(out.response);
  EXPECT_EQ(srv.counters().dropped_mac_mismatch, 1u);
  EXPECT_EQ(srv.counters().discover, 0u);
}

TEST_F(DhcpServer, GarbageAndServerMessagesFromClientsAreMalformed) {
  auto garbage = test::bytes_of({1, 2, 3});
  EXPECT_EQ(srv.handle(garbage, client_context{.port = 1, .source_mac = vm.mac}, t0).result,
            disposition::dropped_malformed);
  auto offer = vm.base(message_type::offer);
  EXPECT_EQ(send(srv, vm, offer, 1, t0).result, disposition::dropped_malformed);
  auto reply = vm.discover();
  reply.op = 2;
  EXPECT_EQ(send(srv, vm, reply, 1, t0).result, disposition::dropped_malformed);
  dhcp_client multicast(net::mac_address::from_u64(0x01'00'5e'00'00'01));
  EXPECT_EQ(send(srv, multicast, multicast.discover(), 1, t0).result, disposition::dropped_malformed);
  auto no_address = vm.base(message_type::request);  // neither 50 nor ciaddr
  EXPECT_EQ(send(srv, vm, no_address, 1, t0).result, disposition::dropped_malformed);
  EXPECT_EQ(srv.counters().dropped_malformed, 5u);
}

TEST_F(DhcpServer, AFullPoolStaysSilentAndCounts) {
  auto c = default_config();
  c.pool_first = ip(10, 0, 2, 15);
  c.pool_last = ip(10, 0, 2, 16);
  server s(c);
  dhcp_client a(mac(1)), b(mac(2)), late(mac(3));
  dora(s, a, 1, t0);
  dora(s, b, 2, t0);
  for (int i = 0; i < 5; ++i) {
    auto out = send(s, late, late.discover(), 3, t0 + std::chrono::seconds(i));
    EXPECT_EQ(out.result, disposition::pool_exhausted);
    EXPECT_FALSE(out.response);
  }
  auto reboot = send(s, late, late.reboot(ip(10, 0, 2, 15)), 3, t0);
  EXPECT_EQ(reboot.response->msg.type, message_type::nak);
  EXPECT_EQ(s.counters().pool_exhausted, 5u);
  invariants_hold(s);
}

// ---- per-port limits and rate ----------------------------------------------------

TEST_F(DhcpServer, APortCyclingThroughRandomMacsHoldsAtMostOneAddress) {
  std::mt19937_64 random(42);
  auto now = t0;
  dhcp_client last;
  net::ipv4_address last_offer;
  for (int i = 0; i < 300; ++i) {
    now += 200ms;  // under the rate limit: this is about the lease limit
    dhcp_client spoofer(net::mac_address::from_u64((random() & 0xfeff'ffff'ffffULL) | 0x0200'0000'0000ULL));
    auto out = send(srv, spoofer, spoofer.discover(), 1, now);
    ASSERT_EQ(out.result, disposition::replied) << i;
    last = spoofer;
    last_offer = out.response->msg.yiaddr;
    ASSERT_LE(srv.offer_count(), 1u);
  }
  auto ack = send(srv, last, last.select(last_offer, gateway), 1, now);
  ASSERT_EQ(ack.response->msg.type, message_type::ack);
  for (int i = 0; i < 50; ++i) {
    now += 200ms;
    dhcp_client spoofer(mac(1000 + static_cast<std::uint64_t>(i)));
    auto out = send(srv, spoofer, spoofer.discover(), 1, now);
    EXPECT_EQ(out.result, disposition::port_limit);
    auto reboot = send(srv, spoofer, spoofer.reboot(ip(10, 0, 2, static_cast<std::uint8_t>(100 + i))), 1, now);
    EXPECT_EQ(reboot.response->msg.type, message_type::nak);
  }
  EXPECT_EQ(srv.leases_for_port(1).size(), 1u);
  EXPECT_EQ(srv.leases().size(), 1u);
  EXPECT_EQ(srv.offer_count(), 0u);
  EXPECT_EQ(srv.counters().port_limit, 100u);
  // Everybody else is unaffected.
  for (std::uint32_t port = 2; port < 6; ++port) {
    dhcp_client neighbour(mac(port));
    EXPECT_NE(dora(srv, neighbour, port, now).value(), 0u);
  }
  invariants_hold(srv);
}

TEST_F(DhcpServer, ThePortLimitCanAllowMoreThanOneClient) {
  auto c = default_config();
  c.max_leases_per_port = 2;
  server s(c);
  dhcp_client a(mac(1)), b(mac(2)), third(mac(3));
  dora(s, a, 1, t0);
  dora(s, b, 1, t0);
  EXPECT_EQ(send(s, third, third.discover(), 1, t0).result, disposition::port_limit);
  EXPECT_EQ(s.leases_for_port(1).size(), 2u);
}

TEST_F(DhcpServer, RateLimitAllowsABurstThenDropsUntilTokensReturn) {
  for (int i = 0; i < 20; ++i) ASSERT_EQ(send(srv, vm, vm.discover(), 1, t0).result, disposition::replied) << i;
  EXPECT_EQ(send(srv, vm, vm.discover(), 1, t0).result, disposition::dropped_rate_limited);
  EXPECT_EQ(send(srv, vm, vm.discover(), 1, t0 + 50ms).result, disposition::dropped_rate_limited);
  dhcp_client neighbour(mac(2));
  EXPECT_EQ(send(srv, neighbour, neighbour.discover(), 2, t0).result, disposition::replied);
  EXPECT_EQ(send(srv, vm, vm.discover(), 1, t0 + 100ms).result, disposition::replied);
  EXPECT_EQ(send(srv, vm, vm.discover(), 1, t0 + 100ms).result, disposition::dropped_rate_limited);
  EXPECT_EQ(srv.counters().dropped_rate_limited, 3u);
  // After two quiet seconds the whole burst is back.
  for (int i = 0; i < 20; ++i)
    ASSERT_EQ(send(srv, vm, vm.discover(), 1, t0 + 2100ms).result, disposition::replied) << i;
}

TEST_F(DhcpServer, AClockSteppingBackDoesNotLockAPortOut) {
  for (int i = 0; i < 25; ++i) send(srv, vm, vm.discover(), 1, t0);
  EXPECT_EQ(send(srv, vm, vm.discover(), 1, t0 - 1h).result, disposition::replied);
}

TEST_F(DhcpServer, ExpireForgetsIdlePortsRateState) {
  for (int i = 0; i < 25; ++i) send(srv, vm, vm.discover(), 1, t0);
  srv.expire(t0 + 10s);
  for (int i = 0; i < 20; ++i) ASSERT_EQ(send(srv, vm, vm.discover(), 1, t0 + 10s).result, disposition::replied);
}

// ---- client identity -------------------------------------------------------------

TEST_F(DhcpServer, AClientIdNeverMovesALiveLeaseToAnotherMac) {
  auto a = dora(srv, vm, 1, t0);
  dhcp_client copycat(mac(2), "", false);
  auto p = copycat.renew(a);
  p.add(option::client_id, test::client_id_of(vm.mac));  // claims vm's identity
  auto out = send(srv, copycat, p, 2, t0);
  EXPECT_EQ(out.result, disposition::dropped_client_conflict);
  EXPECT_EQ(srv.port_of_address(a), 1u);
  EXPECT_EQ(srv.leases().at(0).mac, vm.mac);
  EXPECT_EQ(srv.counters().dropped_client_conflict, 1u);
}

TEST_F(DhcpServer, ClientsWithoutAClientIdAreKnownByTheirMac) {
  dhcp_client dhclient(mac(5), "", false);
  auto a = dora(srv, dhclient, 1, t0);
  ASSERT_EQ(srv.leases().size(), 1u);
  EXPECT_TRUE(srv.leases()[0].client_id.empty());
  auto out = send(srv, dhclient, dhclient.reboot(a), 1, t0 + 10s);
  EXPECT_EQ(out.response->msg.type, message_type::ack);
  EXPECT_EQ(out.events.at(0).kind, lease_event_kind::renewed);
  EXPECT_TRUE(out.response->msg.client_id.empty());
}

// ---- hostnames ----------------------------------------------------------------------

TEST(DhcpHostname, IsSanitisedToOneLowercaseDnsLabel) {
  struct name_case {
    std::string raw, expected;
  };
  std::vector<name_case> cases = {
      {"alice", "alice"},
      {"Alice", "alice"},
      {"alice.example.com", "alice"},
      {"Bob's PC", "bob-s-pc"},
      {"--x--", "x"},
      {"  spaced  out  ", "spaced-out"},
      {"under_score", "under-score"},
      {std::string("nul\0", 4), "nul"},
      {"\xc3\xbcmlaut", "mlaut"},
      {"!!!", ""},
      {"", ""},
      {".hidden", ""},
      {"42", "42"},
      {std::string(100, 'a'), std::string(63, 'a')},
      {std::string(62, 'a') + "-b", std::string(62, 'a')},
  };
  for (const auto& c : cases) EXPECT_EQ(sanitize_hostname(c.raw), c.expected) << '"' << c.raw << '"';
  EXPECT_EQ(hostname_with_suffix("alice", 2), "alice-2");
  EXPECT_EQ(hostname_with_suffix(std::string(63, 'a'), 12), std::string(60, 'a') + "-12");
  EXPECT_EQ(hostname_with_suffix(std::string(60, 'a') + "-bc", 2), std::string(60, 'a') + "-2");
}

TEST_F(DhcpServer, DuplicateHostnamesGetNumberedSuffixes) {
  std::vector<std::string> names;
  for (std::uint32_t i = 1; i <= 3; ++i) {
    dhcp_client c(mac(i), i == 2 ? "ALICE.lan" : "Alice");
    auto offer = send(srv, c, c.discover(), i, t0);
    auto ack = send(srv, c, c.select(offer.response->msg.yiaddr, gateway), i, t0);
    ASSERT_TRUE(ack.response);
    names.push_back(ack.response->msg.hostname);
    EXPECT_EQ(ack.events.at(0).what.hostname, ack.response->msg.hostname);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"alice", "alice-2", "alice-3"}));
  invariants_hold(srv);
}

TEST_F(DhcpServer, ARenewalKeepsTheNameItGotEvenWhenTheOriginalIsFreed) {
  dhcp_client first(mac(1), "alice"), second(mac(2), "alice");
  auto a1 = dora(srv, first, 1, t0);
  auto a2 = dora(srv, second, 2, t0);
  send(srv, first, first.release(a1, gateway), 1, t0 + 1s);
  auto out = send(srv, second, second.renew(a2), 2, t0 + 2s);
  EXPECT_EQ(out.response->msg.hostname, "alice-2");
  // A new name in the renewal is honoured.
  second.hostname = "bob";
  out = send(srv, second, second.renew(a2), 2, t0 + 3s);
  EXPECT_EQ(out.response->msg.hostname, "bob");
  EXPECT_EQ(out.events.at(0).what.hostname, "bob");
}

TEST_F(DhcpServer, ANameSentOnlyInTheDiscoverIsKeptForTheLease) {
  dhcp_client c(mac(1), "web");
  auto offer = send(srv, c, c.discover(), 1, t0);
  EXPECT_EQ(offer.response->msg.hostname, "web");
  c.hostname.clear();
  auto ack = send(srv, c, c.select(offer.response->msg.yiaddr, gateway), 1, t0);
  EXPECT_EQ(ack.response->msg.hostname, "web");
}

// ---- reservations -------------------------------------------------------------------

TEST_F(DhcpServer, AReservationGetsItsAddressAndNameAndNobodyElseDoes) {
  auto c = default_config();
  c.reservations = {{.mac = mac(7), .ip = ip(10, 0, 2, 200), .name = "printer"},
                    {.mac = mac(8), .ip = ip(10, 0, 2, 10), .name = ""}};  // outside the pool
  server s(c);
  dhcp_client printer(mac(7), "HP-LaserJet");
  auto offer = send(s, printer, printer.discover(ip(10, 0, 2, 50)), 1, t0);
  EXPECT_EQ(offer.response->msg.yiaddr, ip(10, 0, 2, 200));
  EXPECT_EQ(offer.response->msg.hostname, "printer");
  EXPECT_EQ(dora(s, printer, 1, t0), ip(10, 0, 2, 200));
  EXPECT_EQ(s.leases().at(0).hostname, "printer");

  dhcp_client fixed(mac(8), "db");
  EXPECT_EQ(dora(s, fixed, 2, t0), ip(10, 0, 2, 10));
  EXPECT_EQ(send(s, fixed, fixed.reboot(ip(10, 0, 2, 50)), 2, t0).response->msg.type, message_type::nak);

  dhcp_client squatter(mac(9), "printer");
  auto other = send(s, squatter, squatter.discover(ip(10, 0, 2, 200)), 3, t0);
  EXPECT_NE(other.response->msg.yiaddr, ip(10, 0, 2, 200));
  EXPECT_EQ(other.response->msg.hostname, "printer-2");
  EXPECT_EQ(send(s, squatter, squatter.reboot(ip(10, 0, 2, 10)), 3, t0).response->msg.type, message_type::nak);
  invariants_hold(s);
}

TEST_F(DhcpServer, AReservedNameIsNotGivenToAnotherClientEvenBeforeItsOwnerComes) {
  auto c = default_config();
  c.reservations = {{.mac = mac(7), .ip = ip(10, 0, 2, 200), .name = "printer"}};
  server s(c);
  dhcp_client early(mac(1), "printer");
  dora(s, early, 1, t0);
  EXPECT_EQ(s.leases().at(0).hostname, "printer-2");
}

TEST_F(DhcpServer, AReservedNameDoesNotFollowAClientIdToAnotherMac) {
  // Found by the fuzzer: the reserved MAC's offer is filed under its client
  // id; another MAC sending that id and the same name took over the offer and,
  // with it, the reserved name.
  auto c = default_config();
  c.reservations = {{.mac = mac(7), .ip = ip(10, 0, 2, 200), .name = "printer"}};
  server s(c);
  dhcp_client printer(mac(7), "printer");
  send(s, printer, printer.discover(), 1, t0);
  dhcp_client impostor(mac(8), "printer", false);
  auto p = impostor.discover();
  p.add(option::client_id, test::client_id_of(printer.mac));
  auto out = send(s, impostor, p, 2, t0);
  ASSERT_TRUE(out.response);
  EXPECT_NE(out.response->msg.yiaddr, ip(10, 0, 2, 200));
  EXPECT_EQ(out.response->msg.hostname, "printer-2");
  invariants_hold(s);
}

// ---- expiry --------------------------------------------------------------------------

TEST_F(DhcpServer, LeasesExpireWithAnEventAndTheClientLaterGetsTheSameAddress) {
  auto a = dora(srv, vm, 1, t0);
  EXPECT_TRUE(srv.expire(t0 + 3599s).empty());
  auto events = srv.expire(t0 + 3600s);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, lease_event_kind::expired);
  EXPECT_EQ(events[0].what.ip, a);
  EXPECT_TRUE(srv.leases().empty());
  EXPECT_FALSE(srv.port_of_address(a));

  dhcp_client other(mac(2));
  EXPECT_NE(dora(srv, other, 2, t0 + 3700s), a);
  EXPECT_EQ(dora(srv, vm, 1, t0 + 3800s), a);
}

TEST_F(DhcpServer, HandleReportsExpiriesThatFellDue) {
  auto a = dora(srv, vm, 1, t0);
  dhcp_client other(mac(2));
  auto out = send(srv, other, other.discover(), 2, t0 + 4000s);
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_EQ(out.events[0].kind, lease_event_kind::expired);
  EXPECT_EQ(out.events[0].what.ip, a);
}

TEST_F(DhcpServer, OffersLapseSilently) {
  send(srv, vm, vm.discover(), 1, t0);
  EXPECT_EQ(srv.offer_count(), 1u);
  EXPECT_TRUE(srv.expire(t0 + 30s).empty());
  EXPECT_EQ(srv.offer_count(), 0u);
}

TEST(DhcpLeaseTable, RemembersAtMostCapacityClientsAndForgetsTheOldestFirst) {
  // Found by the fuzzer (under ASan): evicting the oldest memory used its key
  // after erasing it.
  lease_table table;
  std::vector<client_key> keys;
  for (std::uint32_t i = 1; i <= 4; ++i) {
    keys.push_back(make_client_key({}, mac(i)));
    table.remember(keys.back(), ip(10, 0, 2, static_cast<std::uint8_t>(20 + i)), 2);
  }
  EXPECT_EQ(table.remembered_count(), 2u);
  EXPECT_FALSE(table.remembered(keys[0]));
  EXPECT_FALSE(table.remembered(keys[1]));
  EXPECT_EQ(table.remembered(keys[2]), ip(10, 0, 2, 23));
  EXPECT_EQ(table.remembered(keys[3]), ip(10, 0, 2, 24));
  EXPECT_TRUE(table.remembered_by_other(ip(10, 0, 2, 24), keys[2]));
  EXPECT_FALSE(table.remembered_by_other(ip(10, 0, 2, 21), keys[2]));
  std::string why;
  EXPECT_TRUE(table.check(&why)) << why;
}

TEST_F(DhcpServer, ManyExpiriesBeyondTheMemoryCapacityAreHarmless) {
  auto c = default_config();
  c.remembered_clients = 2;
  server s(c);
  for (std::uint32_t i = 1; i <= 6; ++i) {
    dhcp_client client(mac(i));
    dora(s, client, i, t0);
  }
  EXPECT_EQ(s.expire(t0 + 3600s).size(), 6u);
  invariants_hold(s);
}

// ---- restore ---------------------------------------------------------------------------

TEST_F(DhcpServer, RestoreRefusesLeasesItCannotHonourAndSaysWhy) {
  auto c = default_config();
  c.reservations = {{.mac = mac(7), .ip = ip(10, 0, 2, 200), .name = "printer"}};
  server s(c);
  auto base = lease{.ip = ip(10, 0, 2, 50), .mac = mac(1), .client_id = {}, .hostname = "", .port = 1,
                    .expires_at = t0 + 100s};
  auto with = [&](auto change) {
    lease l = base;
    change(l);
    return s.restore(l, t0);
  };
  EXPECT_EQ(with([](lease& l) { l.expires_at = t0; }), restore_result::expired);
  EXPECT_EQ(with([](lease& l) { l.mac = {}; }), restore_result::bad_mac);
  EXPECT_EQ(with([](lease& l) { l.mac = net::mac_address::broadcast(); }), restore_result::bad_mac);
  EXPECT_EQ(with([](lease& l) { l.client_id.assign(300, std::byte{1}); }), restore_result::bad_client_id);
  EXPECT_EQ(with([](lease& l) { l.ip = ip(192, 168, 0, 5); }), restore_result::outside_subnet);
  EXPECT_EQ(with([](lease& l) { l.ip = gateway; }), restore_result::not_assignable);
  EXPECT_EQ(with([](lease& l) { l.ip = ip(10, 0, 2, 5); }), restore_result::not_assignable);
  EXPECT_EQ(with([](lease& l) { l.ip = ip(10, 0, 2, 200); }), restore_result::reserved_for_other);
  EXPECT_EQ(with([](lease& l) { l.mac = mac(7); }), restore_result::reserved_elsewhere);
  EXPECT_EQ(s.restore(base, t0), restore_result::restored);
  EXPECT_EQ(with([](lease& l) { l.mac = mac(2); }), restore_result::address_taken);
  EXPECT_EQ(with([](lease& l) { l.ip = ip(10, 0, 2, 51); }), restore_result::duplicate_client);
  EXPECT_EQ(s.leases().size(), 1u);
  EXPECT_STREQ(to_string(restore_result::address_taken), "address already leased");
  invariants_hold(s);
}

TEST_F(DhcpServer, RestoreCapsTheExpiryAndKeepsNamesUnique) {
  lease far{.ip = ip(10, 0, 2, 50), .mac = mac(1), .client_id = {}, .hostname = "Alice", .port = 1,
            .expires_at = t0 + 24h * 365};
  lease twin{.ip = ip(10, 0, 2, 51), .mac = mac(2), .client_id = {}, .hostname = "alice", .port = 2,
             .expires_at = t0 + 100s};
  ASSERT_EQ(srv.restore(far, t0), restore_result::restored);
  ASSERT_EQ(srv.restore(twin, t0), restore_result::restored);
  auto all = srv.leases();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].expires_at, t0 + 3600s);
  EXPECT_EQ(all[0].hostname, "alice");
  EXPECT_EQ(all[1].hostname, "alice-2");
  EXPECT_EQ(all[1].expires_at, t0 + 100s);
}

// ---- configuration ---------------------------------------------------------------------

TEST(DhcpServerConfig, RejectsNetworksThatCannotWork) {
  auto broken = [](auto change) {
    auto c = default_config();
    change(c);
    return c;
  };
  EXPECT_NO_THROW(validate(default_config()));
  std::vector<server_config> bad = {
      broken([](server_config& c) { c.pool_first = ip(10, 0, 3, 1); }),
      broken([](server_config& c) { c.pool_first = ip(10, 0, 2, 200); c.pool_last = ip(10, 0, 2, 100); }),
      broken([](server_config& c) { c.server_address = ip(10, 0, 2, 0); }),
      broken([](server_config& c) { c.server_address = ip(10, 0, 3, 2); }),
      broken([](server_config& c) { c.router = ip(10, 0, 2, 255); }),
      broken([](server_config& c) { c.subnet = *net::ipv4_subnet::parse("10.0.2.0/31"); }),
      broken([](server_config& c) {
        c.subnet = *net::ipv4_subnet::parse("10.0.0.0/8");
        c.pool_first = ip(10, 0, 0, 10);
        c.pool_last = ip(10, 2, 0, 0);
      }),
      broken([](server_config& c) { c.lease_time = 5s; }),
      broken([](server_config& c) { c.offer_hold = 0s; }),
      broken([](server_config& c) { c.max_leases_per_port = 0; }),
      broken([](server_config& c) { c.rate_per_second = 0; }),
      broken([](server_config& c) { c.domain = std::string(254, 'd'); }),
      broken([](server_config& c) { c.reservations = {{.mac = mac(1), .ip = gateway, .name = ""}}; }),
      broken([](server_config& c) { c.reservations = {{.mac = {}, .ip = ip(10, 0, 2, 9), .name = ""}}; }),
      broken([](server_config& c) { c.reservations = {{.mac = mac(1), .ip = ip(10, 0, 2, 9), .name = "Bad Name"}}; }),
      broken([](server_config& c) {
        c.reservations = {{.mac = mac(1), .ip = ip(10, 0, 2, 9), .name = ""},
                          {.mac = mac(2), .ip = ip(10, 0, 2, 9), .name = ""}};
      }),
      broken([](server_config& c) {
        c.reservations = {{.mac = mac(1), .ip = ip(10, 0, 2, 9), .name = "db"},
                          {.mac = mac(2), .ip = ip(10, 0, 2, 8), .name = "db"}};
      }),
  };
  for (std::size_t i = 0; i < bad.size(); ++i) EXPECT_THROW(server{bad[i]}, std::invalid_argument) << "case " << i;
}

// ---- the invariant under random traffic --------------------------------------------------

TEST(DhcpServerInvariant, NeverGivesOneAddressToTwoClientsUnderRandomTraffic) {
  auto c = default_config();
  c.pool_first = ip(10, 0, 2, 15);
  c.pool_last = ip(10, 0, 2, 26);  // 12 addresses for 30 clients: constant contention
  c.max_leases_per_port = 2;
  c.lease_time = 60s;
  c.offer_hold = 5s;
  c.decline_hold = 20s;
  c.reservations = {{.mac = mac(3), .ip = ip(10, 0, 2, 20), .name = "fixed"}};
  server s(c);
  std::mt19937 random(7);
  auto pick = [&random](std::uint32_t n) { return static_cast<std::uint32_t>(random() % n); };

  std::vector<dhcp_client> clients;
  for (std::uint32_t i = 0; i < 30; ++i)
    clients.emplace_back(mac(i + 1), i % 3 == 0 ? "node" : "", i % 4 != 0);
  std::vector<net::ipv4_address> last_seen(clients.size());
  auto now = t0;
  std::size_t acks = 0;

  for (int step = 0; step < 10000; ++step) {
    now += std::chrono::milliseconds(pick(3000));
    auto& client = clients[pick(static_cast<std::uint32_t>(clients.size()))];
    auto& seen = last_seen[&client - clients.data()];
    std::uint32_t port = 1 + pick(12);
    net::ipv4_address any(c.pool_first.value() - 2 + pick(16));
    test::dhcp_packet p;
    switch (pick(9)) {
      case 0: p = client.discover(); break;
      case 1: p = client.discover(any); break;
      case 2: p = client.select(seen, pick(5) ? gateway : other_server); break;
      case 3: p = client.reboot(any); break;
      case 4: p = client.renew(seen); break;
      case 5: p = client.release(seen, gateway); break;
      case 6: p = client.decline(seen, gateway); break;
      case 7: p = client.inform(any); break;
      default: s.expire(now); continue;
    }
    auto out = send(s, client, p, port, now);
    if (out.response && out.response->msg.yiaddr.value() != 0) seen = out.response->msg.yiaddr;
    if (out.response && out.response->msg.type == message_type::ack && out.response->msg.lease_time) ++acks;

    std::string why;
    ASSERT_TRUE(s.check_invariants(&why)) << "step " << step << ": " << why;
    // The same, seen from outside.
    std::set<std::uint32_t> addresses;
    std::map<std::uint32_t, int> per_port;
    for (const auto& l : s.leases()) {
      ASSERT_TRUE(addresses.insert(l.ip.value()).second) << "address leased twice at step " << step;
      ASSERT_TRUE(l.ip == ip(10, 0, 2, 20) || (l.ip >= c.pool_first && l.ip <= c.pool_last)) << l.ip.to_string();
      ASSERT_LE(++per_port[l.port], 2) << "port " << l.port;
    }
  }
  EXPECT_GT(acks, 100u);  // the walk did reach bound states
  EXPECT_GT(s.counters().nak, 0u);
  EXPECT_GT(s.counters().port_limit + s.counters().pool_exhausted, 0u);
}

}  // namespace
}  // namespace switchyard::dhcp
