// protocols/dns/zone.cpp - one network's authoritative DNS data: its domain, its reverse zone, static and DHCP host records.
#include "protocols/dns/zone.hpp"

#include <algorithm>

#include "protocols/net/byte_reader.hpp"

namespace switchyard::dns {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

// A decimal octet as in-addr.arpa writes it: "0"-"255", no leading zeros.
std::optional<std::uint32_t> reverse_octet(std::string_view label) {
  if (label.empty() || label.size() > 3 || (label.size() > 1 && label[0] == '0')) return std::nullopt;
  std::uint32_t v = 0;
  for (char c : label) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint32_t>(c - '0');
  }
  if (v > 255) return std::nullopt;
  return v;
}

name in_addr_arpa() {
  name root;
  return *root.prepend("arpa")->prepend("in-addr");
}

bool has_type(const std::vector<zone_record>& records, rr_type type) {
  return std::any_of(records.begin(), records.end(),
                     [type](const zone_record& r) { return r.type == static_cast<std::uint16_t>(type); });
}

}  // namespace

zone::zone(const name& domain, net::ipv4_subnet subnet, zone_options options)
    : domain_(domain),
      subnet_(subnet),
      options_(options),
      serial_(options.serial),
      reverse_octets_((subnet.prefix_length + 7) / 8) {
  add_apex(domain_);
  if (reverse_octets_ == 0) {
    add_apex(in_addr_arpa());
    return;
  }
  // Every octet-aligned block of the rounded-up length inside the subnet.
  unsigned block_bits = 8 * static_cast<unsigned>(reverse_octets_);
  std::uint32_t blocks = std::uint32_t{1} << (block_bits - subnet_.prefix_length);
  std::uint64_t step = std::uint64_t{1} << (32 - block_bits);
  for (std::uint32_t i = 0; i < blocks; ++i) {
    auto a = static_cast<std::uint32_t>(subnet_.network.value() + i * step);
    name apex = in_addr_arpa();
    for (std::size_t o = 0; o < reverse_octets_; ++o)
      apex = *apex.prepend(std::to_string((a >> (24 - 8 * o)) & 0xff));
    add_apex(apex);
  }
}

void zone::add_apex(const name& apex) {
  auto [it, inserted] = nodes_.try_emplace(std::string(apex.lowercase().wire_view()));
  node& n = it->second;
  if (n.apex) return;  // the domain inside in-addr.arpa: one apex is enough
  n.apex = true;
  name gateway = domain_.prepend("gateway").value_or(domain_);
  soa_fields soa{gateway, domain_.prepend("hostmaster").value_or(domain_), serial_, options_.refresh,
                 options_.retry, options_.expire, options_.negative_ttl};
  n.records.push_back({static_cast<std::uint16_t>(rr_type::soa), options_.negative_ttl, false, soa_rdata(soa)});
  n.records.push_back({static_cast<std::uint16_t>(rr_type::ns), options_.ns_ttl, false, name_rdata(gateway)});
  apexes_.push_back(&n);
}

void zone::bump_serial() {
  ++serial_;
  for (node* apex : apexes_)
    for (auto& r : apex->records)
      if (r.type == static_cast<std::uint16_t>(rr_type::soa)) net::store_u32(r.rdata, r.rdata.size() - 20, serial_);
}

name zone::reverse_name(net::ipv4_address address) {
  name n = in_addr_arpa();
  for (int shift = 24; shift >= 0; shift -= 8) n = *n.prepend(std::to_string((address.value() >> shift) & 0xff));
  return n;
}

std::optional<std::size_t> zone::reverse_apex_labels(const name& n) const {
  std::size_t count = n.label_count();
  if (count < 2 + reverse_octets_) return std::nullopt;
  if (!iequals(n.label(count - 1), "arpa") || !iequals(n.label(count - 2), "in-addr")) return std::nullopt;
  std::uint32_t address = 0;
  for (std::size_t o = 0; o < reverse_octets_; ++o) {
    auto v = reverse_octet(n.label(count - 3 - o));
    if (!v) return std::nullopt;
    address |= *v << (24 - 8 * o);
  }
  if (!subnet_.contains(net::ipv4_address(address))) return std::nullopt;
  return 2 + reverse_octets_;
}

std::optional<std::size_t> zone::apex_labels(const name& n) const {
  if (is_subdomain(n, domain_)) return domain_.label_count();
  return reverse_apex_labels(n);
}

const zone::node* zone::find(const name& lower) const {
  auto it = nodes_.find(lower.wire_view());
  return it == nodes_.end() ? nullptr : &it->second;
}

zone::node& zone::ensure(const name& lower, std::size_t apex) {
  auto [it, inserted] = nodes_.try_emplace(std::string(lower.wire_view()));
  node& n = it->second;  // references survive rehashing, iterators do not
  if (inserted) {
    name p = lower;
    while (p.label_count() > apex) {
      p = p.parent();
      auto [parent, created] = nodes_.try_emplace(std::string(p.wire_view()));
      ++parent->second.children;
      if (!created) break;
    }
  }
  return n;
}

void zone::prune(const name& lower) {
  name p = lower;
  for (;;) {
    auto it = nodes_.find(p.wire_view());
    if (it == nodes_.end()) return;
    const node& n = it->second;
    if (n.apex || !n.records.empty() || n.children != 0) return;
    nodes_.erase(it);
    if (p.is_root()) return;
    p = p.parent();
    auto parent = nodes_.find(p.wire_view());
    if (parent == nodes_.end()) return;
    --parent->second.children;
  }
}

std::optional<zone_record> zone::remove_dynamic(const name& lower, rr_type type, const name* target) {
  auto it = nodes_.find(lower.wire_view());
  if (it == nodes_.end()) return std::nullopt;
  auto& records = it->second.records;
  auto r = std::find_if(records.begin(), records.end(), [&](const zone_record& rec) {
    if (!rec.dynamic || rec.type != static_cast<std::uint16_t>(type)) return false;
    if (!target) return true;
    auto n = read_name(rec.rdata);
    return n && *n == *target;
  });
  if (r == records.end()) return std::nullopt;
  zone_record removed = std::move(*r);
  records.erase(r);
  return removed;
}

bool zone::add_record(const resource_record& rr, zone_error* why) {
  auto fail = [why](zone_error e) {
    if (why) *why = e;
    return false;
  };
  switch (static_cast<rr_type>(rr.type)) {
    case rr_type::a: case rr_type::aaaa: case rr_type::cname:
    case rr_type::txt: case rr_type::srv: case rr_type::ptr: break;
    default: return fail(zone_error::unsupported_type);
  }
  if (rr.rclass != class_in) return fail(zone_error::unsupported_type);
  if (!valid_rdata(rr.type, rr.rdata)) return fail(zone_error::bad_rdata);
  auto apex = apex_labels(rr.owner);
  if (!apex) return fail(zone_error::outside_zone);
  name lower = rr.owner.lowercase();
  bool is_cname = rr.type == static_cast<std::uint16_t>(rr_type::cname);
  if (const node* n = find(lower)) {
    for (const auto& r : n->records)
      if (!r.dynamic && r.type == rr.type && r.rdata == rr.rdata) return true;
    if (is_cname && (n->apex || !n->records.empty())) return fail(zone_error::cname_conflict);
    if (!is_cname && has_type(n->records, rr_type::cname)) return fail(zone_error::cname_conflict);
  }
  ensure(lower, *apex).records.push_back({rr.type, rr.ttl, false, rr.rdata});
  bump_serial();
  return true;
}

std::size_t zone::remove_record(const name& owner, std::uint16_t type) {
  name lower = owner.lowercase();
  auto it = nodes_.find(lower.wire_view());
  if (it == nodes_.end()) return 0;
  auto removed = std::erase_if(it->second.records, [&](const zone_record& r) { return !r.dynamic && r.type == type; });
  if (removed == 0) return 0;
  prune(lower);
  bump_serial();
  return removed;
}

std::vector<zone_listing> zone::list() const {
  std::vector<zone_listing> out;
  for (const auto& [key, n] : nodes_) {
    auto owner = name::from_wire(std::as_bytes(std::span(key.data(), key.size())));
    if (!owner) continue;
    for (const auto& r : n.records) {
      bool apex_record = n.apex && (r.type == static_cast<std::uint16_t>(rr_type::soa) ||
                                    r.type == static_cast<std::uint16_t>(rr_type::ns));
      out.push_back({*owner, r.type, r.ttl, rdata_text(r.type, r.rdata),
                     apex_record ? zone_listing::apex : r.dynamic ? zone_listing::host : zone_listing::static_record});
    }
  }
  std::sort(out.begin(), out.end(), [](const zone_listing& a, const zone_listing& b) {
    auto at = a.owner.to_text(), bt = b.owner.to_text();
    return at != bt ? at < bt : a.type < b.type;
  });
  return out;
}

bool zone::set_host(std::string_view label, net::ipv4_address address) {
  if (!is_ldh_label(label)) return false;
  auto owner = domain_.prepend(label);
  if (!owner) return false;
  name lower = owner->lowercase();
  if (const node* n = find(lower)) {
    if (has_type(n->records, rr_type::cname)) return false;
    for (const auto& r : n->records)
      if (r.dynamic && r.type == static_cast<std::uint16_t>(rr_type::a) && read_a(r.rdata) == address) return true;
  }
  if (auto old = remove_dynamic(lower, rr_type::a)) {
    auto old_address = read_a(old->rdata);
    if (old_address && subnet_.contains(*old_address)) {
      name old_reverse = reverse_name(*old_address);
      remove_dynamic(old_reverse, rr_type::ptr, &*owner);
      prune(old_reverse);
    }
  }
  ensure(lower, domain_.label_count())
      .records.push_back({static_cast<std::uint16_t>(rr_type::a), options_.host_ttl, true, a_rdata(address)});
  if (subnet_.contains(address)) {
    name reverse = reverse_name(address);  // already lowercase
    const node* existing = find(reverse);
    // A static CNAME there (RFC 2317-style data) owns the name; the host gets no PTR.
    if (!existing || !has_type(existing->records, rr_type::cname)) {
      remove_dynamic(reverse, rr_type::ptr);  // the address's previous host loses it
      ensure(reverse, *reverse_apex_labels(reverse))
          .records.push_back({static_cast<std::uint16_t>(rr_type::ptr), options_.host_ttl, true, name_rdata(*owner)});
    }
  }
  bump_serial();
  return true;
}

bool zone::remove_host(std::string_view label) {
  if (!is_ldh_label(label)) return false;
  auto owner = domain_.prepend(label);
  if (!owner) return false;
  name lower = owner->lowercase();
  auto old = remove_dynamic(lower, rr_type::a);
  if (!old) return false;
  prune(lower);
  auto address = read_a(old->rdata);
  if (address && subnet_.contains(*address)) {
    name reverse = reverse_name(*address);
    remove_dynamic(reverse, rr_type::ptr, &*owner);
    prune(reverse);
  }
  bump_serial();
  return true;
}

zone_answer zone::resolve(const name& qname, std::uint16_t qtype) const {
  zone_answer a;
  a.qtype = qtype;
  auto apex = apex_labels(qname);
  if (!apex) return a;  // refused
  a.code = rcode::noerror;
  a.owners[0] = qname;
  bool follow = qtype != static_cast<std::uint16_t>(rr_type::cname) && qtype != static_cast<std::uint16_t>(rr_type::any);
  for (;;) {
    const name& current = a.owners[a.cname_count];
    const node* n = find(current.lowercase());
    const zone_record* cname = nullptr;
    if (n && follow) {
      for (const auto& r : n->records)
        if (r.type == static_cast<std::uint16_t>(rr_type::cname)) cname = &r;
    }
    if (!cname) {
      if (n) a.final_records = n->records;
      if (!n) a.code = rcode::nxdomain;
      bool any = n && std::any_of(n->records.begin(), n->records.end(), [&a](const zone_record& r) { return a.matches(r); });
      if (!any) {
        // Negative answer: the SOA of the apex this name is under (RFC 2308).
        a.soa_owner = current.parent(current.label_count() - *apex);
        if (const node* top = find(a.soa_owner.lowercase()))
          for (const auto& r : top->records)
            if (r.type == static_cast<std::uint16_t>(rr_type::soa)) a.soa = &r;
      }
      return a;
    }
    if (a.cname_count == zone_answer::max_cnames) return a;  // long chain: the client carries on
    auto target = read_name(cname->rdata);
    if (!target) return a;  // unreachable: add_record validated it
    a.cnames[a.cname_count++] = cname;
    a.owners[a.cname_count] = *target;
    for (std::size_t i = 0; i < a.cname_count; ++i)
      if (a.owners[i] == *target) return a;  // a loop: every link has been given once
    apex = apex_labels(*target);
    if (!apex) return a;  // leaves our authority: the client resolves the rest
  }
}

}  // namespace switchyard::dns
