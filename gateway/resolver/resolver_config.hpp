// gateway/resolver/resolver_config.hpp - the DoH resolver's settings (`[resolver]`).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace switchyard::gateway {

struct doh_upstream {
  std::string url;                     ///< https://host[:port]/path
  std::optional<std::string> address;  ///< connect here instead of resolving the URL's host (IP literal)
};

struct resolver_config {
  std::vector<doh_upstream> upstreams;  ///< empty: the resolver answers SERVFAIL
  std::string ca_file;                  ///< PEM bundle; empty: the system's trust store
  std::chrono::milliseconds timeout{4000};      ///< hard limit per resolve()
  std::chrono::milliseconds stale_after{1500};  ///< answer stale data after this long
  std::chrono::seconds serve_stale{86400};      ///< how long past expiry data may be served
  std::size_t cache_entries = 10000;
};

}  // namespace switchyard::gateway
