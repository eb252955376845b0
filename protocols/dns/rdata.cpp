// protocols/dns/rdata.cpp - record types and their RDATA: build, read back, and expand from a message.
#include "protocols/dns/rdata.hpp"

#include "protocols/net/byte_reader.hpp"

namespace switchyard::dns {
namespace {

using net::byte_reader;

void append(std::vector<std::byte>& out, std::span<const std::byte> b) { out.insert(out.end(), b.begin(), b.end()); }
void append_u16(std::vector<std::byte>& out, std::uint16_t v) {
  out.push_back(std::byte(v >> 8));
  out.push_back(std::byte(v & 0xff));
}
void append_u32(std::vector<std::byte>& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(std::byte((v >> shift) & 0xff));
}

// One uncompressed name at the reader's position; no pointers allowed.
std::optional<name> take_name(byte_reader& r) {
  auto rest = r.rest();
  std::size_t pos = 0;
  while (pos < rest.size()) {
    auto len = std::to_integer<std::size_t>(rest[pos]);
    if (len == 0) {
      auto n = name::from_wire(rest.first(pos + 1));
      if (n) r.skip(pos + 1);
      return n;
    }
    if (len > name::max_label_size) return std::nullopt;
    pos += 1 + len;
  }
  return std::nullopt;
}

bool valid_txt(std::span<const std::byte> rdata) {
  if (rdata.empty()) return false;  // one string at least
  std::size_t pos = 0;
  while (pos < rdata.size()) pos += 1 + std::to_integer<std::size_t>(rdata[pos]);
  return pos == rdata.size();
}

bool valid_options(std::span<const std::byte> rdata) {
  byte_reader r(rdata);
  while (r.remaining() > 0) {
    auto code = r.u16();
    auto len = r.u16();
    if (!code || !len || !r.skip(*len)) return false;
  }
  return true;
}

// Expands `count` names (compressed in `message`) starting at `pos`, appending
// them; returns the position after the last one.
std::optional<std::size_t> expand_names(std::span<const std::byte> message, std::size_t pos, int count,
                                        std::vector<std::byte>& out) {
  for (int i = 0; i < count; ++i) {
    auto n = parse_name(message, pos);
    if (!n) return std::nullopt;
    append(out, n->value.wire());
    pos = n->end;
  }
  return pos;
}

}  // namespace

std::vector<std::byte> a_rdata(net::ipv4_address address) {
  std::vector<std::byte> out;
  append_u32(out, address.value());
  return out;
}

std::vector<std::byte> aaaa_rdata(const ipv6_bytes& address) {
  std::vector<std::byte> out;
  for (auto b : address) out.push_back(std::byte{b});
  return out;
}

std::vector<std::byte> name_rdata(const name& target) {
  auto w = target.wire();
  return {w.begin(), w.end()};
}

std::optional<std::vector<std::byte>> txt_rdata(std::span<const std::string_view> strings) {
  std::vector<std::byte> out;
  if (strings.empty()) out.push_back(std::byte{0});
  for (auto s : strings) {
    if (s.size() > 255 || out.size() + 1 + s.size() > 0xffff) return std::nullopt;
    out.push_back(std::byte(s.size()));
    for (char c : s) out.push_back(std::byte(static_cast<unsigned char>(c)));
  }
  return out;
}

std::vector<std::byte> srv_rdata(const srv_fields& srv) {
  std::vector<std::byte> out;
  append_u16(out, srv.priority);
  append_u16(out, srv.weight);
  append_u16(out, srv.port);
  append(out, srv.target.wire());
  return out;
}

std::vector<std::byte> soa_rdata(const soa_fields& soa) {
  std::vector<std::byte> out;
  append(out, soa.mname.wire());
  append(out, soa.rname.wire());
  for (auto v : {soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum}) append_u32(out, v);
  return out;
}

std::optional<net::ipv4_address> read_a(std::span<const std::byte> rdata) {
  if (rdata.size() != 4) return std::nullopt;
  return net::ipv4_address(net::load_u32(rdata, 0));
}

std::optional<ipv6_bytes> read_aaaa(std::span<const std::byte> rdata) {
  if (rdata.size() != 16) return std::nullopt;
  ipv6_bytes a;
  for (std::size_t i = 0; i < 16; ++i) a[i] = std::to_integer<std::uint8_t>(rdata[i]);
  return a;
}

std::optional<name> read_name(std::span<const std::byte> rdata) { return name::from_wire(rdata); }

std::optional<std::vector<std::string>> read_txt(std::span<const std::byte> rdata) {
  if (!valid_txt(rdata)) return std::nullopt;
  std::vector<std::string> out;
  for (std::size_t pos = 0; pos < rdata.size();) {
    std::size_t len = std::to_integer<std::size_t>(rdata[pos]);
    out.emplace_back(reinterpret_cast<const char*>(rdata.data() + pos + 1), len);
    pos += 1 + len;
  }
  return out;
}

std::optional<srv_fields> read_srv(std::span<const std::byte> rdata) {
  byte_reader r(rdata);
  auto priority = r.u16();
  auto weight = r.u16();
  auto port = r.u16();
  if (!port) return std::nullopt;
  auto target = take_name(r);
  if (!target || r.remaining() != 0) return std::nullopt;
  return srv_fields{*priority, *weight, *port, *target};
}

std::optional<soa_fields> read_soa(std::span<const std::byte> rdata) {
  byte_reader r(rdata);
  auto mname = take_name(r);
  auto rname = mname ? take_name(r) : std::nullopt;
  if (!rname || r.remaining() != 20) return std::nullopt;
  soa_fields s{*mname, *rname};
  for (auto* field : {&s.serial, &s.refresh, &s.retry, &s.expire, &s.minimum}) *field = *r.u32();
  return s;
}

namespace {

struct type_entry {
  rr_type type;
  std::string_view text;
};
constexpr type_entry type_names[] = {{rr_type::a, "A"},       {rr_type::ns, "NS"},   {rr_type::cname, "CNAME"},
                                     {rr_type::soa, "SOA"},   {rr_type::ptr, "PTR"}, {rr_type::mx, "MX"},
                                     {rr_type::txt, "TXT"},   {rr_type::aaaa, "AAAA"}, {rr_type::srv, "SRV"}};

}  // namespace

std::string type_name(std::uint16_t type) {
  for (const auto& e : type_names)
    if (static_cast<std::uint16_t>(e.type) == type) return std::string(e.text);
  return "TYPE" + std::to_string(type);
}

std::optional<rr_type> type_from_name(std::string_view text) {
  for (const auto& e : type_names) {
    if (e.text.size() != text.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < text.size() && same; ++i)
      same = (text[i] >= 'a' && text[i] <= 'z' ? static_cast<char>(text[i] - 32) : text[i]) == e.text[i];
    if (same) return e.type;
  }
  return std::nullopt;
}

std::string rdata_text(std::uint16_t type, std::span<const std::byte> rdata) {
  switch (static_cast<rr_type>(type)) {
    case rr_type::a:
      if (auto a = read_a(rdata)) return a->to_string();
      break;
    case rr_type::aaaa:
      if (auto v6 = read_aaaa(rdata)) {
        std::string out;  // full form, no zero compression: unambiguous and enough here
        static constexpr char hex[] = "0123456789abcdef";
        for (std::size_t i = 0; i < 16; i += 2) {
          if (i) out += ':';
          unsigned group = (unsigned((*v6)[i]) << 8) | (*v6)[i + 1];
          bool leading = true;
          for (int shift = 12; shift >= 0; shift -= 4) {
            unsigned digit = (group >> shift) & 0xf;
            if (digit == 0 && leading && shift != 0) continue;
            leading = false;
            out += hex[digit];
          }
        }
        return out;
      }
      break;
    case rr_type::cname: case rr_type::ptr: case rr_type::ns:
      if (auto n = read_name(rdata)) return n->to_text();
      break;
    case rr_type::txt:
      if (auto strings = read_txt(rdata)) {
        std::string out;
        for (const auto& part : *strings) {
          if (!out.empty()) out += ' ';
          out += '"';
          for (char c : part) {
            if (c == '"' || c == '\\') out += '\\';
            out += c;
          }
          out += '"';
        }
        return out;
      }
      break;
    case rr_type::srv:
      if (auto srv = read_srv(rdata))
        return std::to_string(srv->priority) + ' ' + std::to_string(srv->weight) + ' ' + std::to_string(srv->port) + ' ' +
               srv->target.to_text();
      break;
    case rr_type::soa:
      if (auto soa = read_soa(rdata))
        return soa->mname.to_text() + ' ' + soa->rname.to_text() + ' ' + std::to_string(soa->serial) + ' ' +
               std::to_string(soa->refresh) + ' ' + std::to_string(soa->retry) + ' ' + std::to_string(soa->expire) +
               ' ' + std::to_string(soa->minimum);
      break;
    default: break;
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "\\# " + std::to_string(rdata.size()) + (rdata.empty() ? "" : " ");
  for (auto b : rdata) {
    out += hex[std::to_integer<unsigned>(b) >> 4];
    out += hex[std::to_integer<unsigned>(b) & 0xf];
  }
  return out;
}

bool valid_rdata(std::uint16_t type, std::span<const std::byte> rdata) {
  switch (static_cast<rr_type>(type)) {
    case rr_type::a: return rdata.size() == 4;
    case rr_type::aaaa: return rdata.size() == 16;
    case rr_type::ns:
    case rr_type::cname:
    case rr_type::ptr: return read_name(rdata).has_value();
    case rr_type::txt: return valid_txt(rdata);
    case rr_type::srv: return read_srv(rdata).has_value();
    case rr_type::soa: return read_soa(rdata).has_value();
    case rr_type::mx: {
      byte_reader r(rdata);
      return r.u16() && take_name(r) && r.remaining() == 0;
    }
    case rr_type::opt: return valid_options(rdata);
    default: return true;
  }
}

bool expand_rdata(std::span<const std::byte> message, std::size_t offset, std::size_t length, std::uint16_t type,
                  std::vector<std::byte>& out) {
  if (offset > message.size() || length > message.size() - offset) return false;
  // Names may point anywhere before them, but their labels must stay inside the RDATA.
  auto bounded = message.first(offset + length);
  auto raw = message.subspan(offset, length);
  std::size_t end = offset + length;
  std::size_t start = out.size();
  std::optional<std::size_t> after;
  switch (static_cast<rr_type>(type)) {
    case rr_type::ns:
    case rr_type::cname:
    case rr_type::ptr:
      after = expand_names(bounded, offset, 1, out);
      break;
    case rr_type::soa:
      after = expand_names(bounded, offset, 2, out);
      if (after && end - *after == 20) {
        append(out, message.subspan(*after, 20));
        after = end;
      }
      break;
    case rr_type::mx:
    case rr_type::srv: {
      std::size_t fixed = static_cast<rr_type>(type) == rr_type::mx ? 2 : 6;
      if (length < fixed) return false;
      append(out, raw.first(fixed));
      after = expand_names(bounded, offset + fixed, 1, out);
      break;
    }
    default:
      if (!valid_rdata(type, raw)) return false;
      append(out, raw);
      return true;
  }
  if (!after || *after != end || out.size() - start > 0xffff) {
    out.resize(start);
    return false;
  }
  return true;
}

std::size_t compressible_names(std::uint16_t type, std::span<const std::byte> rdata,
                               std::array<std::size_t, 2>& offsets) {
  switch (static_cast<rr_type>(type)) {
    case rr_type::ns:
    case rr_type::cname:
    case rr_type::ptr:
      offsets[0] = 0;
      return 1;
    case rr_type::mx:
      offsets[0] = 2;
      return 1;
    case rr_type::soa: {
      byte_reader r(rdata);
      if (!take_name(r)) return 0;
      offsets[0] = 0;
      offsets[1] = r.position();
      return 2;
    }
    default:
      return 0;
  }
}

}  // namespace switchyard::dns
