// stack/tcp_isn.hpp - keyed initial sequence numbers for lwIP (RFC 6528).
#pragma once

#include <array>
#include <cstdint>

namespace switchyard::stack {

/// SipHash-2-4 of `data` under a 128-bit key (pure; exposed for tests).
std::uint64_t siphash24(const std::array<std::uint8_t, 16>& key, const std::uint8_t* data, std::size_t size);

/// ISN = 4 µs clock + SipHash(secret, 4-tuple): unpredictable to off-path
/// attackers, monotonic per 4-tuple. Addresses and ports in host order.
std::uint32_t tcp_isn(std::uint32_t local_ip, std::uint16_t local_port, std::uint32_t remote_ip,
                      std::uint16_t remote_port);

}  // namespace switchyard::stack
