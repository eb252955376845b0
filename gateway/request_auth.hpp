// gateway/request_auth.hpp - pure helpers that authorise a WebSocket upgrade:
// where the token is, how it is compared, which network a path names.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace switchyard::gateway {

/// The token a request presents: the first `token` query parameter of `target`
/// (percent-decoded; '+' stays '+') or, when there is none, the credentials of
/// `Authorization: Bearer <token>` (scheme case-insensitive). Browsers cannot set
/// headers on a WebSocket, hence the query parameter. nullopt when neither is there.
std::optional<std::string> extract_token(std::string_view target, std::string_view authorization_header);

/// Compares tokens in time that depends on neither content nor `expected`'s
/// length. An empty `expected` never matches (no token configured means the
/// caller must not ask).
bool token_matches(std::string_view expected, std::string_view given);

/// The network named by `path` under `prefix`: "/net/lab-2" with prefix "/net/"
/// gives "lab-2". nullopt if the prefix differs, the name is empty or another
/// '/' follows. `path` excludes the query string; the result aliases `path`.
std::optional<std::string_view> network_from_path(std::string_view path, std::string_view prefix);

}  // namespace switchyard::gateway
