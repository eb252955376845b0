// gateway/admin/json_to_toml.hpp - an admin API body (JSON) as the TOML table the
// config loader validates, so a network made over the API passes exactly the
// config file's checks and gets the same messages.
#pragma once

#include <boost/json/object.hpp>
#include <toml++/toml.h>

namespace switchyard::gateway::admin {

/// Deepest nesting accepted (a network's `rule` array of tables is 3 levels).
inline constexpr int max_json_depth = 6;

/// Converts `object` value by value: strings, booleans, integers (that fit in
/// int64), floats, arrays, objects. Throws config_error with the key path for
/// null, an integer out of range, or nesting deeper than max_json_depth.
toml::table json_to_toml(const boost::json::object& object);

}  // namespace switchyard::gateway::admin
