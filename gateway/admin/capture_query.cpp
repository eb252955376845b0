// gateway/admin/capture_query.cpp - the capture endpoint's query string (pure).
#include "gateway/admin/capture_query.hpp"

#include <charconv>
#include <ctime>

#include <fmt/format.h>

namespace switchyard::gateway::admin {
namespace {

// Decimal digits only (no sign, no spaces), fitting in 64 bits.
std::optional<std::uint64_t> parse_count(std::string_view text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

capture_query_error bad_limit() {
  return {"limit", "limit must be a number of seconds (1s to 86400s) or packets (1 to 10000000, optionally with p)"};
}

}  // namespace

std::variant<capture_query, capture_query_error> parse_capture_query(std::string_view query) {
  capture_query out;
  bool seen_limit = false;
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    auto eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);

    if (key == "port") {
      if (out.port) return capture_query_error{"port", "port is given twice"};
      auto id = parse_count(value);
      if (!id || *id == 0 || *id > UINT32_MAX)
        return capture_query_error{"port", "port must be a port id (a positive integer, see /ports)"};
      out.port = static_cast<std::uint32_t>(*id);
    } else if (key == "limit") {
      if (seen_limit) return capture_query_error{"limit", "limit is given twice"};
      seen_limit = true;
      if (value.ends_with('s')) {
        auto secs = parse_count(value.substr(0, value.size() - 1));
        if (!secs || *secs == 0 || *secs > static_cast<std::uint64_t>(max_capture_duration.count())) return bad_limit();
        out.duration = std::chrono::seconds(*secs);
      } else {
        if (value.ends_with('p')) value.remove_suffix(1);
        auto packets = parse_count(value);
        if (!packets || *packets == 0 || *packets > max_capture_packets) return bad_limit();
        out.packets = *packets;
      }
    }
    // `token` (authentication, checked by the router) and anything else: ignored.
  }
  return out;
}

std::string capture_file_name(std::string_view network, std::optional<std::uint32_t> port,
                              std::chrono::system_clock::time_point started) {
  std::time_t t = std::chrono::system_clock::to_time_t(started);
  std::tm utc{};
  ::gmtime_r(&t, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
  std::string name(network);
  if (port) name += fmt::format("-{}", *port);
  return name + "-" + stamp + ".pcapng";
}

std::string capture_interface_name(std::string_view network, std::optional<std::uint32_t> port) {
  std::string name(network);
  if (port) name += fmt::format("/port{}", *port);
  return name;
}

}  // namespace switchyard::gateway::admin
