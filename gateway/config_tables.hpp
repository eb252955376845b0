// gateway/config_tables.hpp - single config tables validated on their own: the
// admin API turns a JSON body into a TOML table and checks it here, with the
// config file's rules and messages (error keys have no `network[i].` prefix).
#pragma once

#include <string_view>

#include <toml++/toml.h>

#include "gateway/config.hpp"

namespace switchyard::gateway {

/// One `[[network]]` table. Throws config_error.
network_config parse_network_table(const toml::table& table, std::string_view source_name);
/// The egress keys (`egress`, `rule`, the `egress_*` limits) of `table`,
/// applied over a copy of `base`; any other key is an error. Throws config_error.
network_config parse_policy_table(const toml::table& table, const network_config& base, std::string_view source_name);
/// One `[[network.record]]` table. Throws config_error.
dns_record parse_record_table(const toml::table& table, std::string_view source_name);

}  // namespace switchyard::gateway
