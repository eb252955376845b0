// tests/tools/ws_url.hpp - splits the ws:// URLs the test tools take into host, port and target.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace switchyard::tools {

struct ws_url {
  std::string host;    ///< without brackets for IPv6 literals
  std::string port;    ///< decimal, "80" when the URL has none
  std::string target;  ///< path and query, at least "/"
  /// The Host header value: what the URL said, brackets and port included.
  std::string host_header() const {
    std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    return h + ":" + port;
  }
};

/// Parses "ws://HOST[:PORT][/PATH[?QUERY]]". Only plain ws: the tools talk to a
/// server on loopback, TLS is the server's own business and tested elsewhere.
inline std::optional<ws_url> parse_ws_url(std::string_view text) {
  constexpr std::string_view scheme = "ws://";
  if (!text.starts_with(scheme)) return std::nullopt;
  text.remove_prefix(scheme.size());
  auto slash = text.find('/');
  std::string_view authority = text.substr(0, slash);
  ws_url url;
  url.target = slash == std::string_view::npos ? "/" : std::string(text.substr(slash));
  std::string_view port;
  if (authority.starts_with('[')) {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    url.host = std::string(authority.substr(1, close - 1));
    auto rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port = rest.substr(1);
    }
  } else {
    auto colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (url.host.empty()) return std::nullopt;
  if (port.empty()) {
    url.port = "80";
  } else {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535) return std::nullopt;
    url.port = std::string(port);
  }
  return url;
}

}  // namespace switchyard::tools
