// tests/support/dhcp_packets.hpp - builders of raw DHCP payloads, byte by byte,
// and of the client messages udhcpc/dhclient send, for tests and fuzz seeds.
//
// The builder writes bytes itself (not through dhcp::serialize) so parser tests
// do not test the codec against itself, and so it can write what no codec
// would: wrong cookies, missing end options, lying lengths.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocols/dhcp/message.hpp"
#include "protocols/net/byte_reader.hpp"
#include "protocols/net/ethernet.hpp"
#include "protocols/net/ipv4.hpp"

namespace switchyard::test {

using dhcp_bytes = std::vector<std::byte>;

struct dhcp_raw_option {
  std::uint8_t code = 0;
  dhcp_bytes data;
};

/// A BOOTP/DHCP payload, field by field. bytes() lays it out as RFC 2131
/// figure 1 shows, then the options in order, then 255 (unless `end` is
/// false), then zeros up to `pad_to`.
struct dhcp_packet {
  std::uint8_t op = 1, htype = 1, hlen = 6, hops = 0;
  std::uint32_t xid = 0x1badcafe;
  std::uint16_t secs = 0, flags = 0;
  net::ipv4_address ciaddr, yiaddr, siaddr, giaddr;
  net::mac_address chaddr;
  std::array<std::byte, 64> sname{};
  std::array<std::byte, 128> file{};
  std::uint32_t cookie = dhcp::magic_cookie;
  std::vector<dhcp_raw_option> options;
  bool end = true;
  std::size_t pad_to = 300;

  dhcp_packet& add(std::uint8_t code, dhcp_bytes data) {
    options.push_back({code, std::move(data)});
    return *this;
  }
  dhcp_packet& add_u8(std::uint8_t code, std::uint8_t v) { return add(code, {std::byte{v}}); }
  dhcp_packet& add_u16(std::uint8_t code, std::uint16_t v) {
    dhcp_bytes b(2);
    net::store_u16(b, 0, v);
    return add(code, std::move(b));
  }
  dhcp_packet& add_u32(std::uint8_t code, std::uint32_t v) {
    dhcp_bytes b(4);
    net::store_u32(b, 0, v);
    return add(code, std::move(b));
  }
  dhcp_packet& add_ip(std::uint8_t code, net::ipv4_address a) { return add_u32(code, a.value()); }
  dhcp_packet& add_text(std::uint8_t code, std::string_view s) {
    dhcp_bytes b;
    for (char c : s) b.push_back(static_cast<std::byte>(c));
    return add(code, std::move(b));
  }
  dhcp_packet& type(dhcp::message_type t) { return add_u8(dhcp::option::message_type, static_cast<std::uint8_t>(t)); }

  dhcp_bytes bytes() const {
    dhcp_bytes out(dhcp::min_message_size);
    std::span<std::byte> o(out);
    o[0] = std::byte{op};
    o[1] = std::byte{htype};
    o[2] = std::byte{hlen};
    o[3] = std::byte{hops};
    net::store_u32(o, 4, xid);
    net::store_u16(o, 8, secs);
    net::store_u16(o, 10, flags);
    net::store_u32(o, 12, ciaddr.value());
    net::store_u32(o, 16, yiaddr.value());
    net::store_u32(o, 20, siaddr.value());
    net::store_u32(o, 24, giaddr.value());
    chaddr.write_to(o.subspan(28, 6));
    std::copy(sname.begin(), sname.end(), out.begin() + 44);
    std::copy(file.begin(), file.end(), out.begin() + 108);
    net::store_u32(o, 236, cookie);
    for (const auto& opt : options) {
      out.push_back(std::byte{opt.code});
      out.push_back(static_cast<std::byte>(opt.data.size()));
      out.insert(out.end(), opt.data.begin(), opt.data.end());
    }
    if (end) out.push_back(std::byte{dhcp::option::end});
    if (out.size() < pad_to) out.resize(pad_to, std::byte{0});
    return out;
  }
};

/// udhcpc's default client id: type 1 (Ethernet) + the MAC.
inline dhcp_bytes client_id_of(net::mac_address mac) {
  dhcp_bytes id(7);
  id[0] = std::byte{1};
  mac.write_to(std::span(id).subspan(1, 6));
  return id;
}

/// A DHCP client on one MAC, producing the messages of RFC 2131's client states
/// with the options busybox udhcpc puts in them (57, 55, 61 = 01+MAC unless
/// `client_id` is off, like dhclient; 12 when `hostname` is set).
struct dhcp_client {
  dhcp_client() = default;
  explicit dhcp_client(net::mac_address m, std::string name = {}, bool send_client_id = true)
      : mac(m), hostname(std::move(name)), client_id(send_client_id) {}

  net::mac_address mac;
  std::string hostname;
  bool client_id = true;
  bool broadcast = false;
  std::uint32_t xid = 0x5eed0001;

  dhcp_packet base(dhcp::message_type t) const {
    dhcp_packet p;
    p.xid = xid;
    p.chaddr = mac;
    p.flags = broadcast ? 0x8000 : 0;
    p.type(t);
    return p;
  }
  void client_options(dhcp_packet& p) const {
    p.add_u16(dhcp::option::max_message_size, 576);
    p.add(dhcp::option::parameter_list,
          {std::byte{1}, std::byte{3}, std::byte{6}, std::byte{12}, std::byte{15}, std::byte{28}, std::byte{42}});
    if (!hostname.empty()) p.add_text(dhcp::option::hostname, hostname);
    if (client_id) p.add(dhcp::option::client_id, client_id_of(mac));
  }

  dhcp_packet discover(std::optional<net::ipv4_address> requested = std::nullopt) const {
    auto p = base(dhcp::message_type::discover);
    if (requested) p.add_ip(dhcp::option::requested_ip, *requested);
    client_options(p);
    return p;
  }
  /// REQUEST in SELECTING state: answers `server`'s offer of `ip`.
  dhcp_packet select(net::ipv4_address ip, net::ipv4_address server) const {
    auto p = base(dhcp::message_type::request);
    p.add_ip(dhcp::option::requested_ip, ip);
    p.add_ip(dhcp::option::server_id, server);
    client_options(p);
    return p;
  }
  /// REQUEST in INIT-REBOOT state: "may I keep `ip`?"
  dhcp_packet reboot(net::ipv4_address ip) const {
    auto p = base(dhcp::message_type::request);
    p.add_ip(dhcp::option::requested_ip, ip);
    client_options(p);
    return p;
  }
  /// REQUEST in RENEWING/REBINDING state: ciaddr set, no 50, no 54.
  dhcp_packet renew(net::ipv4_address ip) const {
    auto p = base(dhcp::message_type::request);
    p.ciaddr = ip;
    p.flags = 0;  // a configured client never asks for broadcast replies
    client_options(p);
    return p;
  }
  dhcp_packet release(net::ipv4_address ip, net::ipv4_address server) const {
    auto p = base(dhcp::message_type::release);
    p.ciaddr = ip;
    p.flags = 0;
    p.add_ip(dhcp::option::server_id, server);
    if (client_id) p.add(dhcp::option::client_id, client_id_of(mac));
    return p;
  }
  dhcp_packet decline(net::ipv4_address ip, net::ipv4_address server) const {
    auto p = base(dhcp::message_type::decline);
    p.add_ip(dhcp::option::requested_ip, ip);
    p.add_ip(dhcp::option::server_id, server);
    if (client_id) p.add(dhcp::option::client_id, client_id_of(mac));
    return p;
  }
  dhcp_packet inform(net::ipv4_address ip) const {
    auto p = base(dhcp::message_type::inform);
    p.ciaddr = ip;
    client_options(p);
    return p;
  }
};

}  // namespace switchyard::test
