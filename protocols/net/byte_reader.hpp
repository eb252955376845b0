// protocols/net/byte_reader.hpp - bounds-checked reads of untrusted bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace switchyard::net {

using bytes = std::span<const std::byte>;

/// Reads big-endian integers and byte ranges from a span; every read checks the
/// bounds and a failed read leaves the reader "bad" (all later reads fail too).
class byte_reader {
 public:
  explicit byte_reader(bytes data) : data_(data) {}

  std::optional<std::uint8_t> u8() {
    auto b = take(1);
    if (!b) return std::nullopt;
    return std::to_integer<std::uint8_t>((*b)[0]);
  }
  std::optional<std::uint16_t> u16() {
    auto b = take(2);
    if (!b) return std::nullopt;
    return static_cast<std::uint16_t>((std::to_integer<unsigned>((*b)[0]) << 8) | std::to_integer<unsigned>((*b)[1]));
  }
  std::optional<std::uint32_t> u32() {
    auto b = take(4);
    if (!b) return std::nullopt;
    std::uint32_t v = 0;
    for (auto x : *b) v = (v << 8) | std::to_integer<std::uint32_t>(x);
    return v;
  }
  std::optional<bytes> take(std::size_t n) {
    if (bad_ || n > data_.size() - pos_) {
      bad_ = true;
      return std::nullopt;
    }
    auto out = data_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  bool skip(std::size_t n) { return take(n).has_value(); }
  bytes rest() const { return data_.subspan(pos_); }
  std::size_t position() const { return pos_; }
  std::size_t remaining() const { return data_.size() - pos_; }
  bool bad() const { return bad_; }

 private:
  bytes data_;
  std::size_t pos_ = 0;
  bool bad_ = false;
};

/// Big-endian stores into a caller-sized buffer (the caller checked the size).
inline void store_u16(std::span<std::byte> out, std::size_t at, std::uint16_t v) {
  out[at] = std::byte(v >> 8);
  out[at + 1] = std::byte(v & 0xff);
}
inline void store_u32(std::span<std::byte> out, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out[at + static_cast<std::size_t>(i)] = std::byte((v >> (24 - 8 * i)) & 0xff);
}
inline std::uint16_t load_u16(bytes in, std::size_t at) {
  return static_cast<std::uint16_t>((std::to_integer<unsigned>(in[at]) << 8) | std::to_integer<unsigned>(in[at + 1]));
}
inline std::uint32_t load_u32(bytes in, std::size_t at) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | std::to_integer<std::uint32_t>(in[at + i]);
  return v;
}

}  // namespace switchyard::net
