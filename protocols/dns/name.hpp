// protocols/dns/name.hpp - domain names: wire parsing (with compression), text form, comparison, compressed writing.
//
// A name is held in uncompressed wire form (length-prefixed labels ending with
// the root's zero octet, at most 255 octets) in a fixed array: parsing one out
// of a query never allocates. Case is kept as received, so a question can be
// echoed exactly, and comparison ignores ASCII case only (RFC 4343). Because
// label length octets are at most 63 (below 'A'), a case-insensitive compare of
// two wire forms is a byte-wise compare after ASCII lowercasing; and the
// lowercased wire form is the zone's hash key.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace switchyard::dns {

struct parsed_name;
enum class name_error : std::uint8_t;

class name {
 public:
  static constexpr std::size_t max_wire_size = 255;  ///< RFC 1035 section 2.3.4, length octets included
  static constexpr std::size_t max_label_size = 63;

  /// The root name ".".
  name() { wire_[0] = std::byte{0}; }
  // Copies move only the octets in use: names are copied on the query path.
  name(const name& other) : size_(other.size_) { std::memcpy(wire_.data(), other.wire_.data(), size_); }
  name& operator=(const name& other) {
    size_ = other.size_;
    std::memmove(wire_.data(), other.wire_.data(), size_);
    return *this;
  }

  /// From uncompressed wire form that must be exactly one name (`wire` ends with
  /// its root octet); nullopt for pointers, reserved label types, bad lengths.
  static std::optional<name> from_wire(std::span<const std::byte> wire);
  /// From presentation form: "a.b.c." or "a.b.c" (both absolute), "." for the
  /// root; `\.`, `\\` and `\DDD` escapes. Rejects empty labels and over-long names.
  static std::optional<name> from_text(std::string_view text);

  /// The uncompressed wire form, root octet included.
  std::span<const std::byte> wire() const { return {wire_.data(), size_}; }
  /// The same bytes as a string_view: the form the zone's hash maps take as key.
  std::string_view wire_view() const { return {reinterpret_cast<const char*>(wire_.data()), size_}; }
  std::size_t wire_size() const { return size_; }
  bool is_root() const { return size_ == 1; }
  std::size_t label_count() const;
  /// Label `i` counted from the left (0 is the leftmost); `i` < label_count().
  std::string_view label(std::size_t i) const;

  /// "alice.default.lan." ("." for the root), escaping what would be ambiguous.
  std::string to_text() const;
  /// A copy with ASCII letters lowercased (the zone's lookup key).
  name lowercase() const;
  /// `label` + this name; nullopt when the label is empty, over 63 octets, or
  /// the result would exceed 255 octets.
  std::optional<name> prepend(std::string_view label) const;
  /// This name without its leftmost `n` labels (the root stays the root).
  name parent(std::size_t n = 1) const;

  /// Equal ignoring ASCII case (RFC 4343): how DNS compares names.
  friend bool operator==(const name& a, const name& b);
  /// Equal including case (what "echoed exactly" means).
  bool identical(const name& other) const { return wire_view() == other.wire_view(); }

 private:
  friend std::optional<parsed_name> parse_name(std::span<const std::byte>, std::size_t, name_error*);

  std::array<std::byte, max_wire_size> wire_;
  std::uint8_t size_ = 1;
};

/// True when `n` is `zone` or below it, on label boundaries, ignoring case.
bool is_subdomain(const name& n, const name& zone);

/// True for an LDH label (RFC 952/1123 host names): 1-63 letters, digits and
/// hyphens, not starting or ending with a hyphen.
bool is_ldh_label(std::string_view label);

/// A DHCP client's host name made into one lowercase LDH label: letters and
/// digits kept, anything else becomes '-', runs of '-' collapse, hyphens trimmed
/// at both ends, at most 63 octets. Returns "" when nothing usable is left.
std::string sanitize_hostname(std::string_view hostname);

enum class name_error : std::uint8_t {
  truncated,           ///< the message ends inside the name
  bad_label_type,      ///< label types 0b01 (extended, retired by RFC 6891) and 0b10 (never assigned)
  too_long,            ///< over 255 octets expanded
  bad_pointer,         ///< a compression pointer that does not go further back
  too_many_pointers,   ///< more hops than any honest encoder needs
};

struct parsed_name {
  dns::name value;
  std::size_t end = 0;  ///< message offset just past the name (past its first pointer)
};

/// Parses the (possibly compressed) name at `offset` of `message`. The first
/// pointer must land before `offset` and each further one before the previous
/// one's target (BIND's rule: honest encoders only point at names written
/// earlier), and there may be at most `max_pointers`, so no input can loop.
std::optional<parsed_name> parse_name(std::span<const std::byte> message, std::size_t offset,
                                      name_error* error = nullptr);
inline constexpr std::size_t max_pointers = 32;

/// Writes names into one message being built, pointing back at earlier names
/// that share a suffix (RFC 1035 section 4.1.4). Holds offsets into the
/// caller's buffer only: use one per message, and roll it back together with
/// the buffer when a record is abandoned.
class name_compressor {
 public:
  static constexpr std::size_t capacity = 64;  ///< suffixes remembered; later ones are just not pointed at

  /// Writes `n` at out[pos...]: compressed when `compress`, else in full (it is
  /// still remembered as a target either way, when `remember`). Returns the
  /// bytes written, or 0 when they do not fit in `out`.
  std::size_t write(std::span<std::byte> out, std::size_t pos, const name& n, bool compress = true,
                    bool remember = true);

  std::size_t mark() const { return count_; }
  /// Forgets suffixes remembered after `mark()` returned `m` (their bytes are gone).
  void rollback(std::size_t m) {
    if (m < count_) count_ = m;
  }

 private:
  struct entry {
    std::uint16_t offset;     // where the suffix starts in the message
    std::uint8_t wire_size;   // its expanded size: a cheap first filter
  };
  std::optional<std::uint16_t> find(std::span<const std::byte> out, std::span<const std::byte> suffix) const;

  std::array<entry, capacity> entries_;  // only [0, count_) is ever read: no need to clear it per message
  std::size_t count_ = 0;
};

}  // namespace switchyard::dns
