// protocols/dhcp/message.hpp - BOOTP/DHCPv4 messages (RFC 2131, 2132, 3396): parse and build (pure).
//
// Theory of operation
//   A DHCP message is the 236-byte BOOTP header, the magic cookie
//   99.130.83.99 and a list of options (code, length, data), ended by 255.
//   parse() reads one UDP payload into a `message` that owns its data (the
//   server keeps client ids and names beyond the packet's lifetime), and
//   serialize() writes one back. Both know the same set of options, so
//   parse(serialize(m)) == m for every message parse() returns: the fuzz
//   target checks that round trip.
//
//   Decisions, and why:
//   * Ethernet only (htype 1, hlen 6): our ports are Ethernet. chaddr is 16
//     bytes on the wire; we keep the first 6 and ignore the rest.
//   * No option 53 means plain BOOTP: parse() returns `not_dhcp`. We serve
//     DHCP clients only (udhcpc, dhclient, systemd-networkd all send 53).
//   * Duplicate options are concatenated in order, as RFC 3396 says (split
//     long options are legal, and taking "the first" of them would truncate).
//     Fixed-size options are checked after concatenation, so two 53s are an
//     error (`bad_option_length`), not "the first one wins".
//   * Option overload (52) is honoured when reading: after the options field,
//     `file` (52 = 1 or 3) and then `sname` (52 = 2 or 3) are read as options
//     too, in the RFC 3396 order. An option 52 inside them is ignored. The
//     options field must end with 255 (a message without one is truncated or
//     forged); in `file`/`sname` the end of the field also ends the list.
//     serialize() never overloads: our replies are small.
//   * Any option we read with a wrong length makes the message malformed
//     (`bad_option_length`), except that text options are cut to 255 bytes and
//     zero-length variable options count as absent: that is what lets the
//     round trip hold, and no client we serve sends such things.
//   * Lists (router 3, DNS 6) keep their first address only: one router and
//     one DNS server is all a network here has.
//   * serialize() writes options in a fixed order: 53 first (some old clients
//     expect it there), then 54, 51, 58, 59, 1, 3, 6, 15, 26, 12, 56, 61
//     (RFC 6842: servers echo the client id), then the client-side ones 50, 55,
//     57, and 255; options longer than 255 bytes are split (RFC 3396). The
//     result is zero-padded to 300 bytes, the BOOTP minimum some clients
//     insist on.
//   * Every read goes through bounds-checked offsets; a short or lying length
//     is an error value, never undefined behaviour, never an exception.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocols/net/byte_reader.hpp"
#include "protocols/net/ethernet.hpp"
#include "protocols/net/ipv4.hpp"

namespace switchyard::dhcp {

inline constexpr std::uint16_t server_port = 67;
inline constexpr std::uint16_t client_port = 68;

/// Size of the BOOTP header before the magic cookie.
inline constexpr std::size_t bootp_header_size = 236;
/// Header + cookie: the smallest DHCP message (with an empty option list).
inline constexpr std::size_t min_message_size = bootp_header_size + 4;
/// Replies are zero-padded to this size (RFC 1542's BOOTP minimum).
inline constexpr std::size_t min_reply_size = 300;
inline constexpr std::uint32_t magic_cookie = 0x63825363;  // 99.130.83.99

enum class op_code : std::uint8_t { request = 1, reply = 2 };

enum class message_type : std::uint8_t {
  discover = 1,
  offer = 2,
  request = 3,
  decline = 4,
  ack = 5,
  nak = 6,
  release = 7,
  inform = 8,
};
const char* to_string(message_type t);

/// Option codes we read or write (RFC 2132).
namespace option {
inline constexpr std::uint8_t pad = 0;
inline constexpr std::uint8_t subnet_mask = 1;
inline constexpr std::uint8_t router = 3;
inline constexpr std::uint8_t dns_server = 6;
inline constexpr std::uint8_t hostname = 12;
inline constexpr std::uint8_t domain_name = 15;
inline constexpr std::uint8_t interface_mtu = 26;
inline constexpr std::uint8_t requested_ip = 50;
inline constexpr std::uint8_t lease_time = 51;
inline constexpr std::uint8_t overload = 52;
inline constexpr std::uint8_t message_type = 53;
inline constexpr std::uint8_t server_id = 54;
inline constexpr std::uint8_t parameter_list = 55;
inline constexpr std::uint8_t text = 56;
inline constexpr std::uint8_t max_message_size = 57;
inline constexpr std::uint8_t renewal_time = 58;
inline constexpr std::uint8_t rebinding_time = 59;
inline constexpr std::uint8_t client_id = 61;
inline constexpr std::uint8_t end = 255;
}  // namespace option

/// One DHCP message, owning its data. Empty strings and vectors mean "option
/// absent"; so does an empty optional.
struct message {
  op_code op = op_code::request;
  std::uint8_t hops = 0;
  std::uint32_t xid = 0;
  std::uint16_t secs = 0;
  bool broadcast = false;  ///< the B bit of `flags` (the other 15 are reserved: ignored, written as 0)
  net::ipv4_address ciaddr, yiaddr, siaddr, giaddr;
  net::mac_address chaddr;  ///< the first 6 of chaddr's 16 bytes
  message_type type = message_type::discover;

  std::optional<net::ipv4_address> subnet_mask;   // 1
  std::optional<net::ipv4_address> router;        // 3, first address only
  std::optional<net::ipv4_address> dns_server;    // 6, first address only
  std::string hostname;                           // 12, raw bytes as sent (not sanitised)
  std::string domain_name;                        // 15
  std::optional<std::uint16_t> interface_mtu;     // 26
  std::optional<net::ipv4_address> requested_ip;  // 50
  std::optional<std::uint32_t> lease_time;        // 51, seconds
  std::optional<net::ipv4_address> server_id;     // 54
  std::vector<std::uint8_t> parameter_list;       // 55
  std::string text;                               // 56, a NAK's reason
  std::optional<std::uint16_t> max_message_size;  // 57
  std::optional<std::uint32_t> renewal_time;      // 58, T1 seconds
  std::optional<std::uint32_t> rebinding_time;    // 59, T2 seconds
  std::vector<std::byte> client_id;               // 61, type byte included

  bool operator==(const message&) const = default;
};

enum class parse_error {
  truncated,              ///< shorter than header + cookie
  bad_op,                 ///< op is neither BOOTREQUEST nor BOOTREPLY
  unsupported_hardware,   ///< not Ethernet (htype 1, hlen 6)
  bad_cookie,             ///< no DHCP magic cookie: plain BOOTP or garbage
  option_overflow,        ///< an option's length runs past the end of its field
  missing_end,            ///< the options field has no end option (255)
  bad_option_length,      ///< a known option with an impossible length
  not_dhcp,               ///< no message type (option 53): BOOTP, which we do not serve
  unknown_message_type,   ///< option 53 outside 1..8
};
const char* to_string(parse_error e);

/// Longest client id we keep (it becomes a map key); longer ones are malformed.
inline constexpr std::size_t max_client_id_size = 255;
/// Text options (12, 15, 56) and the parameter list are cut to this length.
inline constexpr std::size_t max_text_size = 255;

/// Parses one DHCP message (a UDP payload). On failure returns nullopt and
/// stores the reason in `*error` when `error` is not null.
std::optional<message> parse(net::bytes payload, parse_error* error = nullptr);

/// Writes `m` in the option order described above, zero-padded to
/// min_reply_size. The other 15 flag bits, sname and file are written as zero.
std::vector<std::byte> serialize(const message& m);

}  // namespace switchyard::dhcp
