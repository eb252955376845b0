// protocols/dns/zone.hpp - one network's authoritative DNS data: its domain, its reverse zone, static and DHCP host records.
//
// Theory of operation
//  * The zone answers for two name spaces: the network's domain (e.g.
//    class-7b.lan) and the in-addr.arpa names of its subnet. Anything else is
//    not ours: resolve() says REFUSED and the caller may forward it instead.
//  * Reverse zones. In-addr.arpa zones are cut at octet boundaries, so the
//    subnet's prefix length is rounded *up* to a multiple of 8 and every such
//    block inside the subnet is an apex of its own: a /24 is one zone
//    (2.0.10.in-addr.arpa), a /16 one zone, a /20 sixteen /24 zones, a /26
//    sixty-four one-address zones (15.2.0.10.in-addr.arpa is then an apex).
//    That covers exactly the subnet's addresses — never a neighbour's — and
//    every apex gets the SOA and NS a client expects there. At most 128 apexes.
//  * Storage: one hash map from the lowercased wire form of an owner name to a
//    node holding that name's records (RDATA uncompressed, rdata.hpp). A query
//    needs one lowercase copy of the name on the stack and one lookup per name
//    in a CNAME chain: no allocation. Nodes also exist, without records, for
//    every name between a record and its apex ("empty non-terminals", RFC
//    8020): _tcp.lab.lan exists when _http._tcp.lab.lan does, so it gets
//    NODATA, not NXDOMAIN.
//  * Each apex holds a synthesised SOA (mname gateway.<domain>, rname
//    hostmaster.<domain>) and NS (gateway.<domain>); the serial starts at
//    zone_options::serial and grows by one with every change. The caller adds
//    gateway.<domain> itself, as a host.
//  * Hosts (set_host) are DHCP's names: an A record <label>.<domain> and, when
//    the address is in the subnet, its PTR, both with the short host TTL. A
//    name has at most one host address; static records live beside hosts and
//    are never touched by set_host/remove_host. A CNAME owns its name alone
//    (RFC 1034 section 3.6.2): conflicting additions are refused.
//  * CNAMEs are followed inside the zone, at most zone_answer::max_cnames
//    links and never twice through one name; a chain that leaves the zone,
//    loops or is too long ends where it is and the client goes on from there.
//    No wildcards, no delegations, no DNSSEC.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "protocols/dns/message.hpp"
#include "protocols/dns/name.hpp"
#include "protocols/dns/rdata.hpp"
#include "protocols/net/ipv4.hpp"

namespace switchyard::dns {

struct zone_options {
  std::uint32_t host_ttl = 60;       ///< set_host()'s A and PTR: DHCP hosts come and go
  std::uint32_t negative_ttl = 60;   ///< the SOA's MINIMUM and its own TTL (RFC 2308)
  std::uint32_t ns_ttl = 3600;
  std::uint32_t refresh = 3600;
  std::uint32_t retry = 600;
  std::uint32_t expire = 86400;
  std::uint32_t serial = 1;          ///< the first serial; every change adds one
};

struct zone_record {
  std::uint16_t type = 0;
  std::uint32_t ttl = 0;
  bool dynamic = false;          ///< from set_host(); removed by remove_host()
  std::vector<std::byte> rdata;  ///< uncompressed
};

/// One record of the zone, for operators (the admin API).
struct zone_listing {
  enum kind_t : std::uint8_t { apex, static_record, host };  ///< SOA/NS, add_record(), set_host()
  name owner;
  std::uint16_t type = 0;
  std::uint32_t ttl = 0;
  std::string value;  ///< RDATA in presentation form (rdata_text)
  kind_t kind = static_record;
};

enum class zone_error {
  outside_zone,      ///< the owner is neither under the domain nor in the reverse zone
  unsupported_type,  ///< only A, AAAA, CNAME, TXT, SRV and PTR, class IN, may be added
  bad_rdata,
  cname_conflict,    ///< a CNAME beside other data, a second CNAME, or one at an apex
};

/// What the zone says about one question. Points into the zone: valid until
/// the zone next changes.
struct zone_answer {
  static constexpr std::size_t max_cnames = 8;

  rcode code = rcode::refused;  ///< noerror, nxdomain, or refused (not our name)
  /// The answer section: cnames[i] is owned by owners[i]; then every record of
  /// final_records that matches() the question type, owned by owners[cname_count].
  std::size_t cname_count = 0;
  std::array<const zone_record*, max_cnames> cnames{};
  std::array<name, max_cnames + 1> owners;  ///< owners[0] is the question's name, as asked
  std::span<const zone_record> final_records;
  std::uint16_t qtype = 0;
  /// For NXDOMAIN and NODATA: the apex's SOA, for the authority section.
  const zone_record* soa = nullptr;
  name soa_owner;

  bool matches(const zone_record& r) const { return qtype == static_cast<std::uint16_t>(rr_type::any) || r.type == qtype; }
};

class zone {
 public:
  /// `domain` e.g. class-7b.lan; `subnet` the network's, for the reverse zone.
  zone(const name& domain, net::ipv4_subnet subnet, zone_options options = {});
  zone(const zone&) = delete;  // apexes_ points into nodes_
  zone& operator=(const zone&) = delete;
  zone(zone&&) = default;      // node addresses survive moving an unordered_map
  zone& operator=(zone&&) = default;

  const name& domain() const { return domain_; }
  const net::ipv4_subnet& subnet() const { return subnet_; }
  const zone_options& options() const { return options_; }
  std::uint32_t serial() const { return serial_; }

  /// True for the domain and names below it, and for the subnet's in-addr.arpa names.
  bool is_authoritative_for(const name& n) const { return apex_labels(n).has_value(); }

  /// Adds a static record (A, AAAA, CNAME, TXT, SRV, PTR; class IN) with its
  /// own TTL. Give all records of one name and type the same TTL (RFC 2181).
  /// Adding an identical record again changes nothing.
  bool add_record(const resource_record& rr, zone_error* why = nullptr);

  /// Points <label>.<domain> at `address` (replacing its previous host address)
  /// and, if the address is in the subnet, its PTR at the name. The last
  /// set_host() for an address owns its PTR. False when `label` is not an LDH
  /// label or the name holds a CNAME.
  bool set_host(std::string_view label, net::ipv4_address address);
  /// Removes the host record of <label>.<domain> and the PTR pointing at it.
  /// False when there was none.
  bool remove_host(std::string_view label);

  /// Removes every static record (add_record) of `owner` and `type`; returns
  /// how many. Host records and the apex's SOA/NS are not touched.
  std::size_t remove_record(const name& owner, std::uint16_t type);
  /// Every record, sorted by owner then type (a snapshot).
  std::vector<zone_listing> list() const;

  /// Looks a question up (the class is the caller's business).
  zone_answer resolve(const name& qname, std::uint16_t qtype) const;

  /// d.c.b.a.in-addr.arpa for a.b.c.d.
  static name reverse_name(net::ipv4_address address);

 private:
  struct node {
    std::vector<zone_record> records;
    std::uint32_t children = 0;  // nodes directly below: while any, this name exists
    bool apex = false;
  };
  struct key_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  /// The label count of the apex `n` falls under, or nullopt when not ours.
  std::optional<std::size_t> apex_labels(const name& n) const;
  std::optional<std::size_t> reverse_apex_labels(const name& n) const;
  const node* find(const name& lower) const;
  node& ensure(const name& lower, std::size_t apex);
  void prune(const name& lower);
  void add_apex(const name& apex);
  void bump_serial();
  /// Removes `lower`'s dynamic record of `type` (PTR: only one targeting `target`, if given).
  std::optional<zone_record> remove_dynamic(const name& lower, rr_type type, const name* target = nullptr);

  name domain_;
  net::ipv4_subnet subnet_;
  zone_options options_;
  std::uint32_t serial_;
  std::size_t reverse_octets_;  // the subnet's prefix length rounded up to octets
  std::unordered_map<std::string, node, key_hash, std::equal_to<>> nodes_;
  std::vector<node*> apexes_;
};

}  // namespace switchyard::dns
