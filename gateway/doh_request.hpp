// gateway/doh_request.hpp - pure helpers for the DNS-over-HTTPS endpoint
// (RFC 8484): the query of a GET, base64url without padding.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace switchyard::gateway {

/// Largest DNS message accepted over DoH (a query; RFC 8484 allows up to 65535).
inline constexpr std::size_t max_doh_query = 4096;

/// Decodes base64url (RFC 4648 section 5). Padding is tolerated although RFC
/// 8484 omits it; any other byte, or a length no encoding produces, is nullopt.
std::optional<std::vector<std::byte>> decode_base64url(std::string_view text);

/// The DNS message in `?dns=` of a request target; nullopt when absent, badly
/// encoded or over max_doh_query.
std::optional<std::vector<std::byte>> doh_query_from_target(std::string_view target);

}  // namespace switchyard::gateway
