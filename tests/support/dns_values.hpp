// tests/support/dns_values.hpp - short spellings of DNS test values: wire bytes, names, types.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <vector>

#include "protocols/dns/name.hpp"
#include "protocols/dns/rdata.hpp"
#include "protocols/net/ipv4.hpp"

namespace switchyard::dns::test_values {

using bytes = std::vector<std::byte>;

inline bytes wire(std::initializer_list<int> values) {
  bytes out;
  for (int v : values) out.push_back(static_cast<std::byte>(v));
  return out;
}
inline name text(std::string_view t) { return name::from_text(t).value(); }
inline std::uint16_t t(rr_type type) { return static_cast<std::uint16_t>(type); }
inline net::ipv4_address ip(std::string_view s) { return net::ipv4_address::parse(s).value(); }

}  // namespace switchyard::dns::test_values
