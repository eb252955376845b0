// gateway/admin/json_to_toml.cpp - an admin API body (JSON) as a TOML table.
#include "gateway/admin/json_to_toml.hpp"

#include <limits>
#include <string>

#include "gateway/config.hpp"

namespace switchyard::gateway::admin {
namespace {

[[noreturn]] void fail(const std::string& key, const std::string& message) {
  throw config_error(key.empty() ? message : key + ": " + message, key, message);
}

std::string child(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

void convert_into(const boost::json::value& v, const std::string& path, int depth, auto&& put);

toml::table to_table(const boost::json::object& object, const std::string& path, int depth) {
  if (depth > max_json_depth) fail(path, "nested too deeply");
  toml::table out;
  for (const auto& member : object) {
    std::string_view key = member.key();  // a plain local: clang 14 cannot capture structured bindings
    std::string at = child(path, key);
    convert_into(member.value(), at, depth + 1, [&](auto&& node) { out.insert_or_assign(key, std::move(node)); });
  }
  return out;
}

toml::array to_array(const boost::json::array& array, const std::string& path, int depth) {
  if (depth > max_json_depth) fail(path, "nested too deeply");
  toml::array out;
  for (std::size_t i = 0; i < array.size(); ++i)
    convert_into(array[i], path + "[" + std::to_string(i) + "]", depth + 1,
                 [&](auto&& node) { out.push_back(std::move(node)); });
  return out;
}

void convert_into(const boost::json::value& v, const std::string& path, int depth, auto&& put) {
  switch (v.kind()) {
    case boost::json::kind::null: fail(path, "null is not a value here (leave the key out for the default)");
    case boost::json::kind::bool_: return put(v.get_bool());
    case boost::json::kind::int64: return put(v.get_int64());
    case boost::json::kind::uint64:
      if (v.get_uint64() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        fail(path, "integer too large");
      return put(static_cast<std::int64_t>(v.get_uint64()));
    case boost::json::kind::double_: return put(v.get_double());
    case boost::json::kind::string: return put(std::string(v.get_string()));
    case boost::json::kind::array: return put(to_array(v.get_array(), path, depth));
    case boost::json::kind::object: return put(to_table(v.get_object(), path, depth));
  }
}

}  // namespace

toml::table json_to_toml(const boost::json::object& object) { return to_table(object, "", 0); }

}  // namespace switchyard::gateway::admin
