// protocols/dns/message_writer.cpp - builds one DNS message in a caller's buffer, with name compression and a size limit.
#include "protocols/dns/message_writer.hpp"

#include <algorithm>
#include <cstring>

#include "protocols/net/byte_reader.hpp"

namespace switchyard::dns {

message_writer::message_writer(std::span<std::byte> out, std::size_t max_size)
    : out_(out), limit_(std::min(out.size(), max_size)) {}

bool message_writer::start(const dns::header& h) {
  if (limit_ < header_size) return false;
  header_ = h;
  header_.qdcount = header_.ancount = header_.nscount = header_.arcount = 0;
  pos_ = header_size;
  started_ = true;
  return true;
}

void message_writer::set_rcode(rcode code) {
  auto v = static_cast<std::uint16_t>(code);
  header_.rcode = static_cast<std::uint8_t>(v & 0xf);
  extended_rcode_ = static_cast<std::uint8_t>(v >> 4);
}

bool message_writer::add_question(const question& q) {
  if (!started_ || header_.ancount || header_.nscount || header_.arcount || header_.qdcount == 0xffff) return false;
  auto names_before = names_.mark();
  auto room = out_.first(record_limit());
  std::size_t n = names_.write(room, pos_, q.qname, /*compress=*/false);
  if (n == 0 || !fits(n + 4, record_limit())) {
    names_.rollback(names_before);
    return false;
  }
  net::store_u16(out_, pos_ + n, q.qtype);
  net::store_u16(out_, pos_ + n + 2, q.qclass);
  pos_ += n + 4;
  ++header_.qdcount;
  return true;
}

bool message_writer::add_record(section s, const name& owner, std::uint16_t type, std::uint32_t ttl,
                                std::span<const std::byte> rdata, std::uint16_t rclass) {
  if (!started_ || s < current_) return false;
  std::uint16_t& count = s == section::answer ? header_.ancount
                         : s == section::authority ? header_.nscount
                                                   : header_.arcount;
  if (count == 0xffff) return false;
  auto before = save();
  auto room = out_.first(record_limit());
  std::size_t p = pos_;
  std::size_t n = names_.write(room, p, owner);
  if (n == 0) return false;  // nothing was written or remembered
  p += n;
  if (room.size() - p < 10) {
    restore(before);
    return false;
  }
  net::store_u16(out_, p, type);
  net::store_u16(out_, p + 2, rclass);
  net::store_u32(out_, p + 4, ttl);
  std::size_t rdlength_at = p + 8;
  p += 10;
  std::size_t rdata_start = p;
  if (!write_rdata(room, p, type, rdata) || p - rdata_start > 0xffff) {
    restore(before);
    return false;
  }
  net::store_u16(out_, rdlength_at, static_cast<std::uint16_t>(p - rdata_start));
  pos_ = p;
  current_ = s;
  ++count;
  return true;
}

bool message_writer::write_rdata(std::span<std::byte> room, std::size_t& p, std::uint16_t type,
                                 std::span<const std::byte> rdata) {
  auto copy = [&](std::span<const std::byte> b) {
    if (room.size() - p < b.size()) return false;
    if (!b.empty()) std::memcpy(room.data() + p, b.data(), b.size());
    p += b.size();
    return true;
  };
  std::array<std::size_t, 2> offsets{};
  std::size_t names = compressible_names(type, rdata, offsets);
  std::size_t done = 0;
  for (std::size_t i = 0; i < names; ++i) {
    if (offsets[i] < done || offsets[i] > rdata.size() || !copy(rdata.subspan(done, offsets[i] - done))) return false;
    // RDATA is uncompressed, so parse_name reads exactly the stored name.
    auto n = parse_name(rdata, offsets[i]);
    if (!n) return false;
    std::size_t w = names_.write(room, p, n->value);
    if (w == 0) return false;
    p += w;
    done = n->end;
  }
  return copy(rdata.subspan(done));
}

bool message_writer::add_opt(const edns& e) {
  if (!started_ || opt_ttl_at_ != 0 || header_.arcount == 0xffff) return false;
  reserved_ = 0;
  if (!fits(opt_record_size, limit_)) return false;
  std::size_t p = pos_;
  out_[p] = std::byte{0};  // owner: the root
  net::store_u16(out_, p + 1, static_cast<std::uint16_t>(rr_type::opt));
  net::store_u16(out_, p + 3, e.udp_payload_size);
  std::uint32_t ttl = (std::uint32_t{e.extended_rcode} << 24) | (std::uint32_t{e.version} << 16) |
                      (e.dnssec_ok ? 0x8000u : 0u);
  net::store_u32(out_, p + 5, ttl);
  net::store_u16(out_, p + 9, 0);
  opt_ttl_at_ = p + 5;
  pos_ = p + opt_record_size;
  current_ = section::additional;
  ++header_.arcount;
  return true;
}

void message_writer::restore(const mark& m) {
  pos_ = m.pos;
  names_.rollback(m.names);
  header_.qdcount = m.header.qdcount;
  header_.ancount = m.header.ancount;
  header_.nscount = m.header.nscount;
  header_.arcount = m.header.arcount;
  current_ = m.current;
  if (opt_ttl_at_ >= pos_) opt_ttl_at_ = 0;
}

std::size_t message_writer::finish() {
  if (!started_) return 0;
  write_header(out_, header_);
  if (opt_ttl_at_ != 0) out_[opt_ttl_at_] = std::byte{extended_rcode_};
  return pos_;
}

}  // namespace switchyard::dns
