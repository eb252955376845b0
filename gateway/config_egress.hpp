// gateway/config_egress.hpp - the egress keys of the configuration: a network's
// `egress` mode, its `[[network.rule]]` list and `egress_*` limits, and the
// top-level `[resolver]` table. Internal to the configuration loader.
#pragma once

#include <array>
#include <string_view>

#include "gateway/config.hpp"
#include "gateway/config_reader.hpp"

namespace switchyard::gateway::config_detail {

/// The `[[network]]` keys read_network_egress() owns, for the unknown-key check.
inline constexpr std::array<std::string_view, 8> network_egress_keys{
    "egress",          "rule", "egress_tcp_per_vm", "egress_tcp_per_network", "egress_udp_flows_per_vm",
    "egress_udp_pps_per_vm", "egress_udp_idle", "egress_connect_timeout_ms"};

/// Fills `n.egress` and `n.limits` from the network table at `path` ("network[0]").
void read_network_egress(const reader& r, const toml::table& table, std::string_view path, network_config& n);

/// Reads `[resolver]`. A relative `ca_file` is taken from the directory of
/// `source_name` (the config file), so a service's working directory does not matter.
void read_resolver(const reader& r, const toml::node& node, std::string_view source_name, resolver_config& out);

/// Gives `c` public DoH upstreams when a network has egress but none is configured.
void add_default_upstreams(config& c);

}  // namespace switchyard::gateway::config_detail
