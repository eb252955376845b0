// gateway/config_wisp.hpp - the Wisp keys of a `[[network]]` table: `wisp`,
// `wisp_buffer`, `wisp_max_streams`, `wisp_udp`, `wisp_motd` and the
// `[[network.wisp_user]]` accounts. Internal to the configuration loader.
#pragma once

#include <array>
#include <string_view>

#include "gateway/config.hpp"
#include "gateway/config_reader.hpp"

namespace switchyard::gateway::config_detail {

/// The `[[network]]` keys read_network_wisp() owns, for the unknown-key check.
inline constexpr std::array<std::string_view, 6> network_wisp_keys{"wisp",     "wisp_buffer", "wisp_max_streams",
                                                                   "wisp_udp", "wisp_motd",   "wisp_user"};

/// Fills `n.wisp` from the network table at `path` ("network[0]").
void read_network_wisp(const reader& r, const toml::table& table, std::string_view path, network_config& n);

}  // namespace switchyard::gateway::config_detail
