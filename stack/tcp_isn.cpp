// stack/tcp_isn.cpp - keyed initial sequence numbers for lwIP (RFC 6528).
#include "stack/tcp_isn.hpp"

#include <openssl/rand.h>

#include <chrono>
#include <cstring>
#include <stdexcept>

namespace switchyard::stack {
namespace {

std::uint64_t rotl(std::uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

void sip_round(std::uint64_t& v0, std::uint64_t& v1, std::uint64_t& v2, std::uint64_t& v3) {
  v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);
  v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
  v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;
  v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
}

std::uint64_t load_le64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

const std::array<std::uint8_t, 16>& secret() {
  static const auto key = [] {
    std::array<std::uint8_t, 16> k{};
    if (RAND_bytes(k.data(), static_cast<int>(k.size())) != 1) throw std::runtime_error("RAND_bytes failed");
    return k;
  }();
  return key;
}

}  // namespace

std::uint64_t siphash24(const std::array<std::uint8_t, 16>& key, const std::uint8_t* data, std::size_t size) {
  std::uint64_t k0 = load_le64(key.data()), k1 = load_le64(key.data() + 8);
  std::uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
  std::uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
  std::size_t full = size - size % 8;
  for (std::size_t i = 0; i < full; i += 8) {
    std::uint64_t m = load_le64(data + i);
    v3 ^= m;
    sip_round(v0, v1, v2, v3);
    sip_round(v0, v1, v2, v3);
    v0 ^= m;
  }
  std::uint64_t b = static_cast<std::uint64_t>(size) << 56;
  for (std::size_t i = 0; i < size % 8; ++i) b |= static_cast<std::uint64_t>(data[full + i]) << (8 * i);
  v3 ^= b;
  sip_round(v0, v1, v2, v3);
  sip_round(v0, v1, v2, v3);
  v0 ^= b;
  v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) sip_round(v0, v1, v2, v3);
  return v0 ^ v1 ^ v2 ^ v3;
}

std::uint32_t tcp_isn(std::uint32_t local_ip, std::uint16_t local_port, std::uint32_t remote_ip,
                      std::uint16_t remote_port) {
  std::uint8_t tuple[12];
  std::memcpy(tuple, &local_ip, 4);
  std::memcpy(tuple + 4, &remote_ip, 4);
  std::memcpy(tuple + 8, &local_port, 2);
  std::memcpy(tuple + 10, &remote_port, 2);
  auto ticks = std::chrono::duration_cast<std::chrono::microseconds>(
                   std::chrono::steady_clock::now().time_since_epoch()).count() / 4;
  return static_cast<std::uint32_t>(ticks) + static_cast<std::uint32_t>(siphash24(secret(), tuple, sizeof tuple));
}

}  // namespace switchyard::stack
