// gateway/admin/json_views.hpp - the admin API's objects (README "Admin API") as
// JSON, read from the live network. Read-only.
#pragma once

#include <chrono>
#include <string>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "gateway/network_registry.hpp"

namespace switchyard::gateway::admin {

/// RFC 3339 UTC, whole seconds: "2026-11-28T05:30:00Z".
std::string time_text(std::chrono::system_clock::time_point t);

boost::json::object network_json(const network_entry& e);
boost::json::array ports_json(const network_entry& e);
boost::json::array leases_json(const network_entry& e);
/// Every record of the network's zone, with its source (config, api, dhcp, gateway).
boost::json::array records_json(const network_entry& e);
boost::json::array wisp_json(const network_entry& e);
boost::json::object egress_json(const network_entry& e);
/// The newest first, at most `limit`.
boost::json::array refusals_json(const network_entry& e, std::size_t limit);
/// The egress keys of the config file: {"egress", "rule": [...], limits...}.
boost::json::object policy_json(const network_config& c);

}  // namespace switchyard::gateway::admin
