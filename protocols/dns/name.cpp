// protocols/dns/name.cpp - domain names: wire parsing (with compression), text form, comparison, compressed writing.
#include "protocols/dns/name.hpp"

#include <algorithm>
#include <cstring>

namespace switchyard::dns {
namespace {

std::uint8_t octet(std::span<const std::byte> b, std::size_t i) { return std::to_integer<std::uint8_t>(b[i]); }

// A table, not a branch per octet: names are compared and lowercased per query.
constexpr std::array<std::uint8_t, 256> lower_table = [] {
  std::array<std::uint8_t, 256> t{};
  for (unsigned i = 0; i < 256; ++i) t[i] = static_cast<std::uint8_t>(i >= 'A' && i <= 'Z' ? i - 'A' + 'a' : i);
  return t;
}();

char ascii_lower(char c) { return static_cast<char>(lower_table[static_cast<unsigned char>(c)]); }
std::byte ascii_lower(std::byte b) { return std::byte{lower_table[std::to_integer<std::uint8_t>(b)]}; }

bool equal_ignore_case(std::span<const std::byte> a, std::span<const std::byte> b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i] && ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

// Offset of label `skip` (counted from the left) in an uncompressed wire name.
std::size_t skip_labels(std::span<const std::byte> wire, std::size_t skip) {
  std::size_t pos = 0;
  for (std::size_t i = 0; i < skip && octet(wire, pos) != 0; ++i) pos += 1 + octet(wire, pos);
  return pos;
}

}  // namespace

std::optional<name> name::from_wire(std::span<const std::byte> wire) {
  if (wire.empty() || wire.size() > max_wire_size) return std::nullopt;
  std::size_t pos = 0;
  for (;;) {
    auto len = octet(wire, pos);
    if (len == 0) break;
    if (len > max_label_size) return std::nullopt;  // also rejects pointers and reserved types
    pos += 1 + len;
    if (pos >= wire.size()) return std::nullopt;
  }
  if (pos + 1 != wire.size()) return std::nullopt;
  name n;
  std::memcpy(n.wire_.data(), wire.data(), wire.size());
  n.size_ = static_cast<std::uint8_t>(wire.size());
  return n;
}

std::optional<name> name::from_text(std::string_view text) {
  if (text == ".") return name{};
  if (text.empty()) return std::nullopt;
  name n;
  std::size_t size = 0;                // bytes written, labels only
  std::size_t label_start = 0;         // where the current label's length octet goes
  std::size_t label_size = 0;
  auto put = [&](std::byte b) {
    if (label_size == max_label_size || label_start + 1 + label_size + 1 >= max_wire_size) return false;
    n.wire_[label_start + 1 + label_size++] = b;
    return true;
  };
  auto end_label = [&] {
    if (label_size == 0) return false;  // "a..b", ".a"
    n.wire_[label_start] = std::byte(label_size);
    size = label_start + 1 + label_size;
    label_start = size;
    label_size = 0;
    return true;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.') {
      if (!end_label()) return std::nullopt;
      continue;
    }
    if (c == '\\') {
      if (i + 1 >= text.size()) return std::nullopt;
      auto digit = [&](std::size_t k) { return k < text.size() && text[k] >= '0' && text[k] <= '9'; };
      if (digit(i + 1)) {
        if (!digit(i + 2) || !digit(i + 3)) return std::nullopt;
        int v = (text[i + 1] - '0') * 100 + (text[i + 2] - '0') * 10 + (text[i + 3] - '0');
        if (v > 255 || !put(std::byte(v))) return std::nullopt;
        i += 3;
      } else {
        if (!put(std::byte(static_cast<unsigned char>(text[++i])))) return std::nullopt;
      }
      continue;
    }
    if (!put(std::byte(static_cast<unsigned char>(c)))) return std::nullopt;
  }
  if (label_size > 0 && !end_label()) return std::nullopt;
  n.wire_[size] = std::byte{0};
  n.size_ = static_cast<std::uint8_t>(size + 1);
  return n;
}

std::size_t name::label_count() const {
  std::size_t count = 0;
  for (std::size_t pos = 0; octet(wire(), pos) != 0; pos += 1 + octet(wire(), pos)) ++count;
  return count;
}

std::string_view name::label(std::size_t i) const {
  std::size_t pos = skip_labels(wire(), i);
  return wire_view().substr(pos + 1, octet(wire(), pos));
}

std::string name::to_text() const {
  if (is_root()) return ".";
  std::string out;
  out.reserve(size_ + 8);
  for (std::size_t pos = 0; octet(wire(), pos) != 0; pos += 1 + octet(wire(), pos)) {
    std::size_t len = octet(wire(), pos);
    for (std::size_t i = 0; i < len; ++i) {
      auto c = octet(wire(), pos + 1 + i);
      if (c == '.' || c == '\\' || c == '"' || c == '(' || c == ')' || c == ';' || c == '@' || c == '$') {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c < 0x21 || c > 0x7e) {
        // \DDD: the master-file escape (RFC 1035 section 5.1), unambiguous for any octet.
        out += '\\';
        out += static_cast<char>('0' + c / 100);
        out += static_cast<char>('0' + c / 10 % 10);
        out += static_cast<char>('0' + c % 10);
      } else {
        out += static_cast<char>(c);
      }
    }
    out += '.';
  }
  return out;
}

name name::lowercase() const {
  name n;
  for (std::size_t i = 0; i < size_; ++i) n.wire_[i] = ascii_lower(wire_[i]);
  n.size_ = size_;
  return n;
}

std::optional<name> name::prepend(std::string_view label) const {
  if (label.empty() || label.size() > max_label_size || 1 + label.size() + size_ > max_wire_size) return std::nullopt;
  name n;
  n.wire_[0] = std::byte(label.size());
  std::memcpy(n.wire_.data() + 1, label.data(), label.size());
  std::memcpy(n.wire_.data() + 1 + label.size(), wire_.data(), size_);
  n.size_ = static_cast<std::uint8_t>(1 + label.size() + size_);
  return n;
}

name name::parent(std::size_t n) const {
  std::size_t pos = skip_labels(wire(), n);
  name p;
  std::memcpy(p.wire_.data(), wire_.data() + pos, size_ - pos);
  p.size_ = static_cast<std::uint8_t>(size_ - pos);
  return p;
}

bool operator==(const name& a, const name& b) { return equal_ignore_case(a.wire(), b.wire()); }

bool is_subdomain(const name& n, const name& zone) {
  std::size_t nl = n.label_count();
  std::size_t zl = zone.label_count();
  if (nl < zl) return false;
  std::size_t pos = skip_labels(n.wire(), nl - zl);
  return equal_ignore_case(n.wire().subspan(pos), zone.wire());
}

bool is_ldh_label(std::string_view label) {
  if (label.empty() || label.size() > name::max_label_size) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  return std::all_of(label.begin(), label.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  });
}

std::string sanitize_hostname(std::string_view hostname) {
  std::string out;
  out.reserve(std::min(hostname.size(), name::max_label_size));
  for (char raw : hostname) {
    char c = ascii_lower(raw);
    bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (keep) {
      out += c;
    } else if (!out.empty() && out.back() != '-') {  // leading hyphens never start; runs collapse
      out += '-';
    }
    if (out.size() > name::max_label_size) break;  // one spare octet: it may be a hyphen to trim
  }
  if (out.size() > name::max_label_size) out.resize(name::max_label_size);
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

std::optional<parsed_name> parse_name(std::span<const std::byte> message, std::size_t offset, name_error* error) {
  auto fail = [error](name_error e) -> std::optional<parsed_name> {
    if (error) *error = e;
    return std::nullopt;
  };
  parsed_name out;
  auto& buffer = out.value.wire_;
  std::size_t size = 0;
  std::size_t pos = offset;
  std::size_t end = 0;            // set at the first pointer, or at the root octet
  std::size_t limit = offset;     // every pointer must land strictly before this (BIND's rule)
  std::size_t hops = 0;
  for (;;) {
    if (pos >= message.size()) return fail(name_error::truncated);
    auto len = octet(message, pos);
    if (len == 0) {
      if (hops == 0) end = pos + 1;
      buffer[size++] = std::byte{0};
      break;
    }
    switch (len & 0xc0) {
      case 0x00: {
        if (std::size_t{len} + 1 > message.size() - pos) return fail(name_error::truncated);
        if (size + 1 + len + 1 > name::max_wire_size) return fail(name_error::too_long);  // +1: the root to come
        std::memcpy(buffer.data() + size, message.data() + pos, 1 + std::size_t{len});
        size += 1 + std::size_t{len};
        pos += 1 + std::size_t{len};
        break;
      }
      case 0xc0: {
        if (pos + 1 >= message.size()) return fail(name_error::truncated);
        std::size_t target = (std::size_t{len & 0x3fu} << 8) | octet(message, pos + 1);
        // Each target strictly before the previous one: positions only fall,
        // so no input can loop, whatever the hop limit.
        if (target >= limit) return fail(name_error::bad_pointer);
        if (++hops > max_pointers) return fail(name_error::too_many_pointers);
        if (hops == 1) end = pos + 2;
        limit = target;
        pos = target;
        break;
      }
      default:
        return fail(name_error::bad_label_type);
    }
  }
  out.value.size_ = static_cast<std::uint8_t>(size);  // the loop kept it within 255
  out.end = end;
  return out;
}

std::size_t name_compressor::write(std::span<std::byte> out, std::size_t pos, const name& n, bool compress,
                                   bool remember) {
  auto w = n.wire();
  std::size_t cut = w.size() - 1;  // where a pointer (or the root octet) replaces the rest
  std::optional<std::uint16_t> target;
  if (compress) {
    for (std::size_t off = 0; octet(w, off) != 0; off += 1 + octet(w, off)) {
      if ((target = find(out.first(std::min(pos, out.size())), w.subspan(off)))) {
        cut = off;
        break;
      }
    }
  }
  std::size_t need = cut + (target ? 2 : 1);
  if (pos > out.size() || need > out.size() - pos) return 0;
  std::memcpy(out.data() + pos, w.data(), cut);
  if (target) {
    out[pos + cut] = std::byte(0xc0 | (*target >> 8));
    out[pos + cut + 1] = std::byte(*target & 0xff);
  } else {
    out[pos + cut] = std::byte{0};
  }
  if (remember) {
    for (std::size_t off = 0; off < cut && count_ < capacity; off += 1 + octet(w, off)) {
      if (pos + off >= 0x4000) break;  // a pointer has 14 bits
      entries_[count_++] = {static_cast<std::uint16_t>(pos + off), static_cast<std::uint8_t>(w.size() - off)};
    }
  }
  return need;
}

std::optional<std::uint16_t> name_compressor::find(std::span<const std::byte> out,
                                                   std::span<const std::byte> suffix) const {
  for (std::size_t e = 0; e < count_; ++e) {
    if (entries_[e].wire_size != suffix.size()) continue;
    // Walk the written name, following its own pointers (our bytes, but
    // bounded all the same), and compare label by label.
    std::size_t p = entries_[e].offset;
    std::size_t s = 0;
    std::size_t hops = 0;
    bool match = false;
    while (p < out.size()) {
      auto len = octet(out, p);
      if ((len & 0xc0) == 0xc0) {
        if (p + 1 >= out.size() || ++hops > max_pointers) break;
        p = (std::size_t{len & 0x3fu} << 8) | octet(out, p + 1);
        continue;
      }
      if (s >= suffix.size() || len != octet(suffix, s)) break;
      if (len == 0) {
        match = true;
        break;
      }
      if (p + 1 + len > out.size() || !equal_ignore_case(out.subspan(p + 1, len), suffix.subspan(s + 1, len))) break;
      p += 1 + std::size_t{len};
      s += 1 + std::size_t{len};
    }
    if (match) return entries_[e].offset;
  }
  return std::nullopt;
}

}  // namespace switchyard::dns
