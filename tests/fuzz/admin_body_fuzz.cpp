// tests/fuzz/admin_body_fuzz.cpp - what the admin API parses from a request:
// JSON bodies turned into TOML tables and validated as a network, a policy or
// a DNS record (the config file's reader), and the capture query string.
//
// The first byte picks the parser; the rest is the body or query. Every input
// must end in a value or a config_error (never another exception, a crash or
// a sanitizer report), and a network that validates must satisfy the config
// file's invariants: the gateway and DHCP range inside the subnet.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <boost/json/parse.hpp>

#include "gateway/admin/capture_query.hpp"
#include "gateway/admin/json_to_toml.hpp"
#include "gateway/config_tables.hpp"

namespace {

namespace gw = switchyard::gateway;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

void body(std::uint8_t mode, std::string_view text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return;
  try {
    auto table = gw::admin::json_to_toml(v.as_object());
    switch (mode % 3) {
      case 0: {
        auto n = gw::parse_network_table(table, "fuzz");
        check(n.subnet.contains(n.gateway) && n.subnet.contains(n.dhcp_first) && n.subnet.contains(n.dhcp_last));
        check(n.dhcp_first <= n.dhcp_last && n.mtu >= 576 && n.mtu <= 65500);
        break;
      }
      case 1: gw::parse_policy_table(table, gw::default_config().networks.front(), "fuzz"); break;
      case 2: gw::parse_record_table(table, "fuzz"); break;
    }
  } catch (const gw::config_error& e) {
    check(std::string_view(e.what()).find('\n') == std::string_view::npos);  // one line, always
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0 || size > 64 * 1024) return 0;  // the admin body limit
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] == 0xff) {
    gw::admin::parse_capture_query(rest);
    return 0;
  }
  body(data[0], rest);
  return 0;
}
