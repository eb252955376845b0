// tests/unit/protocols/dhcp_message_test.cpp - the DHCPv4 codec: golden bytes,
// truncation, malformed options, overload, and the layout of our replies.
#include "protocols/dhcp/message.hpp"

#include <gtest/gtest.h>

#include "tests/support/dhcp_packets.hpp"
#include "tests/support/frames.hpp"

namespace switchyard::dhcp {
namespace {

using test::bytes_of;
using test::dhcp_bytes;
using test::dhcp_packet;

const net::mac_address vm_mac = *net::mac_address::parse("52:54:00:12:34:56");

// A DISCOVER as busybox udhcpc 1.35 sends it with default options, written
// out field by field from RFC 2131 figure 1: 53 DISCOVER, 57 max size 576,
// 55 the options udhcpc marks OPTION_REQ, 60 "udhcp 1.35.0", 61 01+MAC, end,
// then zero padding to 300 bytes.
dhcp_bytes golden_udhcpc_discover() {
  dhcp_bytes p = bytes_of({
      0x01, 0x01, 0x06, 0x00,                          // op BOOTREQUEST, htype Ethernet, hlen 6, hops 0
      0x39, 0x03, 0xf3, 0x26,                          // xid
      0x00, 0x00, 0x00, 0x00,                          // secs, flags
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // ciaddr, yiaddr
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // siaddr, giaddr
      0x52, 0x54, 0x00, 0x12, 0x34, 0x56,              // chaddr (6 of 16 bytes)
  });
  p.resize(236, std::byte{0});  // rest of chaddr, sname (64), file (128)
  auto tail = bytes_of({
      0x63, 0x82, 0x53, 0x63,                                      // magic cookie
      0x35, 0x01, 0x01,                                            // 53: DISCOVER
      0x39, 0x02, 0x02, 0x40,                                      // 57: 576
      0x37, 0x07, 0x01, 0x03, 0x06, 0x0c, 0x0f, 0x1c, 0x2a,        // 55: 1 3 6 12 15 28 42
      0x3c, 0x0c, 'u', 'd', 'h', 'c', 'p', ' ', '1', '.', '3', '5', '.', '0',  // 60
      0x3d, 0x07, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,        // 61: 01 + MAC
      0xff,                                                        // end
  });
  p.insert(p.end(), tail.begin(), tail.end());
  p.resize(300, std::byte{0});
  return p;
}
constexpr std::size_t golden_end_index = 279;

parse_error error_of(const dhcp_bytes& payload) {
  parse_error e{};
  auto m = parse(payload, &e);
  EXPECT_FALSE(m) << "parsed, expected an error";
  return e;
}

dhcp_packet minimal_discover() {
  dhcp_packet p;
  p.chaddr = vm_mac;
  p.type(message_type::discover);
  return p;
}

// The option codes of a serialized message, in order, up to and including end.
std::vector<int> option_codes(const dhcp_bytes& b) {
  std::vector<int> codes;
  std::size_t i = min_message_size;
  while (i < b.size()) {
    int code = std::to_integer<int>(b[i]);
    codes.push_back(code);
    if (code == option::end) break;
    if (code == option::pad) {
      ++i;
      continue;
    }
    i += 2 + std::to_integer<std::size_t>(b[i + 1]);
  }
  return codes;
}

TEST(DhcpMessage, ParsesAGoldenUdhcpcDiscover) {
  auto golden = golden_udhcpc_discover();
  ASSERT_EQ(golden.size(), 300u);
  ASSERT_EQ(golden[golden_end_index], std::byte{0xff});
  parse_error e{};
  auto m = parse(golden, &e);
  ASSERT_TRUE(m) << to_string(e);
  EXPECT_EQ(m->op, op_code::request);
  EXPECT_EQ(m->type, message_type::discover);
  EXPECT_EQ(m->xid, 0x3903f326u);
  EXPECT_EQ(m->secs, 0);
  EXPECT_FALSE(m->broadcast);
  EXPECT_EQ(m->chaddr, vm_mac);
  EXPECT_EQ(m->ciaddr.value(), 0u);
  EXPECT_EQ(m->giaddr.value(), 0u);
  EXPECT_EQ(m->max_message_size, 576);
  EXPECT_EQ(m->parameter_list, (std::vector<std::uint8_t>{1, 3, 6, 12, 15, 28, 42}));
  EXPECT_EQ(m->client_id, test::client_id_of(vm_mac));
  EXPECT_TRUE(m->hostname.empty());
  EXPECT_FALSE(m->requested_ip);
  EXPECT_FALSE(m->server_id);
}

TEST(DhcpMessage, RejectsEveryTruncationBeforeTheEndOption) {
  auto golden = golden_udhcpc_discover();
  for (std::size_t n = 0; n < golden.size(); ++n) {
    dhcp_bytes cut(golden.begin(), golden.begin() + static_cast<std::ptrdiff_t>(n));
    parse_error e{};
    auto m = parse(cut, &e);
    if (n <= golden_end_index) {
      EXPECT_FALSE(m) << "prefix of " << n << " bytes parsed";
      if (n < min_message_size) EXPECT_EQ(e, parse_error::truncated) << n;
      else EXPECT_TRUE(e == parse_error::missing_end || e == parse_error::option_overflow) << n << ": " << to_string(e);
    } else {
      EXPECT_TRUE(m) << "padding cut at " << n << " bytes was refused";  // padding is optional
    }
  }
}

TEST(DhcpMessage, RejectsAnOptionWhoseLengthRunsPastTheEnd) {
  auto p = minimal_discover();
  p.end = false;
  p.pad_to = 0;
  auto b = p.bytes();
  b.push_back(std::byte{option::hostname});
  b.push_back(std::byte{200});
  for (char c : std::string("alice")) b.push_back(static_cast<std::byte>(c));
  EXPECT_EQ(error_of(b), parse_error::option_overflow);

  // A code as the very last byte, without its length byte.
  auto c = minimal_discover();
  c.end = false;
  c.pad_to = 0;
  auto b2 = c.bytes();
  b2.push_back(std::byte{option::hostname});
  EXPECT_EQ(error_of(b2), parse_error::option_overflow);
}

TEST(DhcpMessage, RejectsAMissingOrWrongMagicCookie) {
  auto p = minimal_discover();
  p.cookie = 0;
  EXPECT_EQ(error_of(p.bytes()), parse_error::bad_cookie);
  p.cookie = 0x63825362;
  EXPECT_EQ(error_of(p.bytes()), parse_error::bad_cookie);
}

TEST(DhcpMessage, RejectsOptionsWithoutAnEndOption) {
  auto p = minimal_discover();
  p.end = false;  // padded with zeros (pad options) to 300 bytes, but never ended
  EXPECT_EQ(error_of(p.bytes()), parse_error::missing_end);
  p.pad_to = 0;
  EXPECT_EQ(error_of(p.bytes()), parse_error::missing_end);
}

TEST(DhcpMessage, RejectsPlainBootpWithoutMessageType) {
  dhcp_packet p;
  p.chaddr = vm_mac;
  p.add_text(option::hostname, "old-bootp-box");
  EXPECT_EQ(error_of(p.bytes()), parse_error::not_dhcp);
}

TEST(DhcpMessage, RejectsNonEthernetHardwareAndUnknownOps) {
  auto p = minimal_discover();
  p.htype = 6;  // IEEE 802
  EXPECT_EQ(error_of(p.bytes()), parse_error::unsupported_hardware);
  p.htype = 1;
  p.hlen = 16;
  EXPECT_EQ(error_of(p.bytes()), parse_error::unsupported_hardware);
  p.hlen = 6;
  p.op = 3;
  EXPECT_EQ(error_of(p.bytes()), parse_error::bad_op);
  p.op = 0;
  EXPECT_EQ(error_of(p.bytes()), parse_error::bad_op);
}

TEST(DhcpMessage, RejectsUnknownOrMisSizedMessageTypes) {
  dhcp_packet p;
  p.add_u8(option::message_type, 9);  // FORCERENEW: not for a server
  EXPECT_EQ(error_of(p.bytes()), parse_error::unknown_message_type);
  dhcp_packet q;
  q.add_u8(option::message_type, 0);
  EXPECT_EQ(error_of(q.bytes()), parse_error::unknown_message_type);
  dhcp_packet r;
  r.add_u16(option::message_type, 1);
  EXPECT_EQ(error_of(r.bytes()), parse_error::bad_option_length);
}

TEST(DhcpMessage, ConcatenatesRepeatedOptionsAsRfc3396Says) {
  auto p = minimal_discover();
  p.add_text(option::hostname, "ali").add_text(option::parameter_list, "\x01\x03").add_text(option::hostname, "ce");
  p.add_text(option::parameter_list, "\x06");
  auto m = parse(p.bytes());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->hostname, "alice");
  EXPECT_EQ(m->parameter_list, (std::vector<std::uint8_t>{1, 3, 6}));

  // So a repeated fixed-size option is one option of the wrong size.
  auto q = minimal_discover();
  q.type(message_type::request);
  EXPECT_EQ(error_of(q.bytes()), parse_error::bad_option_length);
  auto r = minimal_discover();
  r.add_ip(option::requested_ip, test::ip(10, 0, 2, 15)).add_ip(option::requested_ip, test::ip(10, 0, 2, 16));
  EXPECT_EQ(error_of(r.bytes()), parse_error::bad_option_length);
}

TEST(DhcpMessage, RejectsFixedSizeOptionsOfTheWrongSize) {
  struct bad_case {
    std::uint8_t code;
    dhcp_bytes data;
  };
  std::vector<bad_case> cases = {
      {option::requested_ip, bytes_of({10, 0, 2})},
      {option::server_id, bytes_of({10, 0, 2, 2, 0})},
      {option::lease_time, bytes_of({})},
      {option::max_message_size, bytes_of({2})},
      {option::subnet_mask, bytes_of({255, 255, 255})},
      {option::router, bytes_of({10, 0, 2, 2, 10})},
      {option::dns_server, bytes_of({})},
      {option::interface_mtu, bytes_of({5, 220, 0})},
      {option::renewal_time, bytes_of({1})},
      {option::rebinding_time, bytes_of({1, 2, 3, 4, 5})},
      {option::overload, bytes_of({1, 2})},
      {option::overload, bytes_of({4})},
  };
  for (const auto& c : cases) {
    auto p = minimal_discover();
    p.add(c.code, c.data);
    EXPECT_EQ(error_of(p.bytes()), parse_error::bad_option_length) << "option " << int(c.code);
  }
}

TEST(DhcpMessage, RejectsAClientIdLongerThan255Bytes) {
  auto p = minimal_discover();
  p.add(option::client_id, dhcp_bytes(200, std::byte{7})).add(option::client_id, dhcp_bytes(100, std::byte{7}));
  EXPECT_EQ(error_of(p.bytes()), parse_error::bad_option_length);
}

TEST(DhcpMessage, TreatsEmptyVariableOptionsAsAbsentAndCutsLongText) {
  auto p = minimal_discover();
  p.add(option::hostname, {}).add(option::client_id, {});
  p.add(option::domain_name, dhcp_bytes(255, std::byte{'a'})).add(option::domain_name, dhcp_bytes(10, std::byte{'b'}));
  auto m = parse(p.bytes());
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->hostname.empty());
  EXPECT_TRUE(m->client_id.empty());
  EXPECT_EQ(m->domain_name, std::string(255, 'a'));
}

TEST(DhcpMessage, KeepsTheFirstRouterAndDnsServerOfAList) {
  auto p = minimal_discover();
  p.add(option::router, bytes_of({10, 0, 2, 2, 10, 0, 2, 3}));
  p.add(option::dns_server, bytes_of({10, 0, 2, 3, 1, 1, 1, 1}));
  auto m = parse(p.bytes());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->router, test::ip(10, 0, 2, 2));
  EXPECT_EQ(m->dns_server, test::ip(10, 0, 2, 3));
}

TEST(DhcpMessage, ReadsOptionsFromFileThenSnameWhenOverloaded) {
  auto p = minimal_discover();
  p.add_u8(option::overload, 3);
  // file: hostname "web" then end; sname: requested IP, no end (the field's end ends it).
  auto file_part = bytes_of({option::hostname, 3, 'w', 'e', 'b', option::end});
  std::copy(file_part.begin(), file_part.end(), p.file.begin());
  auto sname_part = bytes_of({option::pad, option::requested_ip, 4, 10, 0, 2, 77});
  std::copy(sname_part.begin(), sname_part.end(), p.sname.begin());
  auto m = parse(p.bytes());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->hostname, "web");
  EXPECT_EQ(m->requested_ip, test::ip(10, 0, 2, 77));

  // Only the fields option 52 names are read.
  auto q = p;
  q.options.back().data = bytes_of({1});  // file only
  m = parse(q.bytes());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->hostname, "web");
  EXPECT_FALSE(m->requested_ip);
}

TEST(DhcpMessage, IgnoresFileAndSnameWithoutOverload) {
  auto p = minimal_discover();
  auto looks_like_options = bytes_of({option::hostname, 3, 'w', 'e', 'b', option::end});
  std::copy(looks_like_options.begin(), looks_like_options.end(), p.file.begin());
  auto m = parse(p.bytes());
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->hostname.empty());
}

TEST(DhcpMessage, RejectsAnOverloadedFieldWithAnOptionRunningPastIt) {
  auto p = minimal_discover();
  p.add_u8(option::overload, 2);
  p.sname[62] = std::byte{option::hostname};
  p.sname[63] = std::byte{10};  // 10 bytes would run into `file`
  EXPECT_EQ(error_of(p.bytes()), parse_error::option_overflow);
}

TEST(DhcpMessage, ReadsTheBroadcastBitAndIgnoresReservedFlagBits) {
  auto p = minimal_discover();
  p.flags = 0x8000;
  auto m = parse(p.bytes());
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->broadcast);
  p.flags = 0x7fff;
  m = parse(p.bytes());
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->broadcast);
}

TEST(DhcpMessage, SkipsPadOptionsAndIgnoresBytesAfterTheEnd) {
  auto p = minimal_discover();
  p.options.insert(p.options.begin(), {option::pad, {}});  // a 2-byte "option" 0 0: two pads
  p.add_text(option::hostname, "box");
  auto b = p.bytes();
  b.resize(400, std::byte{0xee});  // garbage after end and padding
  auto m = parse(b);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->hostname, "box");
}

TEST(DhcpMessage, ReplyPutsMessageTypeFirstAndOptionsInTheDocumentedOrder) {
  message r;
  r.op = op_code::reply;
  r.xid = 0xdeadbeef;
  r.broadcast = true;
  r.yiaddr = test::ip(10, 0, 2, 15);
  r.chaddr = vm_mac;
  r.type = message_type::ack;
  r.server_id = test::ip(10, 0, 2, 2);
  r.lease_time = 3600;
  r.renewal_time = 1800;
  r.rebinding_time = 3150;
  r.subnet_mask = test::ip(255, 255, 255, 0);
  r.router = test::ip(10, 0, 2, 2);
  r.dns_server = test::ip(10, 0, 2, 2);
  r.domain_name = "class-7b.lan";
  r.interface_mtu = 1500;
  r.hostname = "alice";
  r.client_id = test::client_id_of(vm_mac);
  auto b = serialize(r);

  EXPECT_GE(b.size(), min_reply_size);
  EXPECT_EQ(b[0], std::byte{2});  // BOOTREPLY
  EXPECT_EQ(b[1], std::byte{1});
  EXPECT_EQ(b[2], std::byte{6});
  EXPECT_EQ(net::load_u32(b, 4), 0xdeadbeefu);
  EXPECT_EQ(net::load_u16(b, 10), 0x8000);
  EXPECT_EQ(net::load_u32(b, 16), test::ip(10, 0, 2, 15).value());
  EXPECT_EQ(net::mac_address::from_bytes(std::span(b).subspan(28, 6)), vm_mac);
  EXPECT_EQ(net::load_u32(b, 236), magic_cookie);
  EXPECT_EQ(option_codes(b), (std::vector<int>{53, 54, 51, 58, 59, 1, 3, 6, 15, 26, 12, 61, 255}));
  EXPECT_EQ(b[240], std::byte{53});
  EXPECT_EQ(b[241], std::byte{1});
  EXPECT_EQ(b[242], std::byte{5});  // ACK
  auto back = parse(b);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, r);
}

TEST(DhcpMessage, NakCarriesTypeServerIdAndMessageOnly) {
  message n;
  n.op = op_code::reply;
  n.chaddr = vm_mac;
  n.type = message_type::nak;
  n.server_id = test::ip(10, 0, 2, 2);
  n.text = "wrong network";
  auto b = serialize(n);
  EXPECT_EQ(option_codes(b), (std::vector<int>{53, 54, 56, 255}));
  auto back = parse(b);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->text, "wrong network");
  EXPECT_EQ(*back, n);
}

TEST(DhcpMessage, PadsShortRepliesWithZerosTo300Bytes) {
  message m;
  m.op = op_code::reply;
  m.type = message_type::offer;
  auto b = serialize(m);
  ASSERT_EQ(b.size(), 300u);
  EXPECT_EQ(b[240], std::byte{53});
  EXPECT_EQ(b[243], std::byte{0xff});
  for (std::size_t i = 244; i < b.size(); ++i) ASSERT_EQ(b[i], std::byte{0}) << i;
  for (std::size_t i = 44; i < 236; ++i) ASSERT_EQ(b[i], std::byte{0}) << "sname/file byte " << i;
}

TEST(DhcpMessage, SplitsOptionsLongerThan255BytesAndDoesNotPadLongReplies) {
  message m;
  m.op = op_code::reply;
  m.type = message_type::ack;
  m.hostname = std::string(300, 'h');  // not from parse(): only a builder could hold this
  auto b = serialize(m);
  EXPECT_GT(b.size(), 300u);
  EXPECT_EQ(option_codes(b), (std::vector<int>{53, 12, 12, 255}));
  EXPECT_EQ(b.back(), std::byte{0xff});
}

TEST(DhcpMessage, RoundTripsTheGoldenDiscover) {
  auto m = parse(golden_udhcpc_discover());
  ASSERT_TRUE(m);
  auto again = parse(serialize(*m));
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *m);
}

TEST(DhcpMessage, ErrorsAndTypesHaveNames) {
  EXPECT_STREQ(to_string(parse_error::missing_end), "no end option");
  EXPECT_STREQ(to_string(message_type::inform), "INFORM");
}

}  // namespace
}  // namespace switchyard::dhcp
