// protocols/dns/rdata.hpp - record types and their RDATA: build, read back, and expand from a message.
//
// RDATA is kept in one form everywhere: uncompressed wire bytes (names in full,
// as if no compression existed). The zone stores it so, the writer copies it
// (compressing the names of the RFC 1035 types on the way out), and
// parse_message expands received RDATA into it. Typed values go in and come
// out through the small functions below.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/dns/name.hpp"
#include "protocols/net/ipv4.hpp"

namespace switchyard::dns {

/// TYPE and QTYPE values we know by name (others pass through as numbers).
enum class rr_type : std::uint16_t {
  a = 1,
  ns = 2,
  cname = 5,
  soa = 6,
  ptr = 12,
  mx = 15,
  txt = 16,
  aaaa = 28,
  srv = 33,
  opt = 41,
  tkey = 249,
  tsig = 250,
  ixfr = 251,
  axfr = 252,
  maila = 253,
  mailb = 254,
  any = 255,
};

inline constexpr std::uint16_t class_in = 1;
inline constexpr std::uint16_t class_any = 255;

using ipv6_bytes = std::array<std::uint8_t, 16>;

struct srv_fields {
  std::uint16_t priority = 0;
  std::uint16_t weight = 0;
  std::uint16_t port = 0;
  name target;
};

struct soa_fields {
  name mname;  ///< the primary server
  name rname;  ///< the mailbox, first label = local part
  std::uint32_t serial = 0;
  std::uint32_t refresh = 0;
  std::uint32_t retry = 0;
  std::uint32_t expire = 0;
  std::uint32_t minimum = 0;  ///< negative-caching TTL (RFC 2308)
};

// Builders: uncompressed RDATA for one record.
std::vector<std::byte> a_rdata(net::ipv4_address address);
std::vector<std::byte> aaaa_rdata(const ipv6_bytes& address);
/// For CNAME, PTR and NS: the RDATA is one name.
std::vector<std::byte> name_rdata(const name& target);
/// One character-string per element; nullopt when one exceeds 255 octets or
/// the whole exceeds 65535. An empty list gives one empty string (TXT needs one).
std::optional<std::vector<std::byte>> txt_rdata(std::span<const std::string_view> strings);
std::vector<std::byte> srv_rdata(const srv_fields& srv);
std::vector<std::byte> soa_rdata(const soa_fields& soa);

// Readers of uncompressed RDATA; nullopt when it is not exactly one valid value.
std::optional<net::ipv4_address> read_a(std::span<const std::byte> rdata);
std::optional<ipv6_bytes> read_aaaa(std::span<const std::byte> rdata);
std::optional<name> read_name(std::span<const std::byte> rdata);
std::optional<std::vector<std::string>> read_txt(std::span<const std::byte> rdata);
std::optional<srv_fields> read_srv(std::span<const std::byte> rdata);
std::optional<soa_fields> read_soa(std::span<const std::byte> rdata);

/// The mnemonic of a type ("A", "SRV", ...; "TYPE99" for others) and back
/// (case-insensitive; nullopt for names we do not know).
std::string type_name(std::uint16_t type);
std::optional<rr_type> type_from_name(std::string_view text);
/// RDATA in presentation form: "10.0.2.20", "db.lab.lan.", "\"text\"",
/// "0 5 5432 db.lab.lan."; "\# N HEX" (RFC 3597) when not readable.
std::string rdata_text(std::uint16_t type, std::span<const std::byte> rdata);

/// True when `rdata` (uncompressed) is well-formed for `type`; types we do not
/// know are taken as opaque and always pass.
bool valid_rdata(std::uint16_t type, std::span<const std::byte> rdata);

/// Expands the RDATA of a received record (at `offset`, `length` octets of
/// `message`) to uncompressed form, following pointers in the types where
/// RFC 3597 section 4 lets them appear, and validates the types we know.
/// Appends to `out`; false when malformed.
bool expand_rdata(std::span<const std::byte> message, std::size_t offset, std::size_t length, std::uint16_t type,
                  std::vector<std::byte>& out);

/// The offsets of the names inside uncompressed RDATA that a sender may
/// compress (RFC 3597 section 4: only the RFC 1035 types): NS, CNAME, PTR
/// (one name at 0), SOA (two), MX (one at 2). Returns how many it filled in.
std::size_t compressible_names(std::uint16_t type, std::span<const std::byte> rdata,
                               std::array<std::size_t, 2>& offsets);

}  // namespace switchyard::dns
