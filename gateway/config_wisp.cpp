// gateway/config_wisp.cpp - reads a network's Wisp settings with the same
// one-line "file:line: key: message" errors as the rest of the configuration.
#include "gateway/config_wisp.hpp"

#include <set>

namespace switchyard::gateway::config_detail {
namespace {

bool read_bool(const reader& r, const toml::node& node, std::string_view key) {
  auto* b = node.as_boolean();
  if (!b) r.fail(node.source(), key, "expected true or false");
  return b->get();
}

void read_users(const reader& r, const toml::node& node, std::string_view path, wisp_settings& out) {
  std::string base = reader::join(path, "wisp_user");
  auto* array = node.as_array();
  if (!array)
    r.fail(node.source(), base,
           "expected an array of tables ([[network.wisp_user]]), got " + std::string(type_name(node.type())));
  static constexpr std::array<std::string_view, 2> known{"name", "password"};
  std::set<std::string, std::less<>> names;
  for (std::size_t i = 0; i < array->size(); ++i) {
    std::string at = base + "[" + std::to_string(i) + "]";
    const toml::table& t = r.table_value(*array->get(i), at);
    r.reject_unknown_keys(t, known, at);
    wisp_user user;
    auto* name = t.get("name");
    if (!name) r.fail(t.source(), reader::join(at, "name"), "missing");
    user.name = r.string_value(*name, reader::join(at, "name"));
    // The draft-6 layout carries the name's length in one byte.
    if (user.name.empty() || user.name.size() > 255)
      r.fail(name->source(), reader::join(at, "name"), "must be 1 to 255 bytes long");
    if (!names.insert(user.name).second)
      r.fail(name->source(), reader::join(at, "name"), "\"" + user.name + "\" is listed twice");
    auto* password = t.get("password");
    if (!password) r.fail(t.source(), reader::join(at, "password"), "missing");
    user.password = r.string_value(*password, reader::join(at, "password"));
    if (user.password.empty() || user.password.size() > 1024)
      r.fail(password->source(), reader::join(at, "password"), "must be 1 to 1024 bytes long");
    out.users.push_back(std::move(user));
  }
}

}  // namespace

void read_network_wisp(const reader& r, const toml::table& table, std::string_view path, network_config& n) {
  auto key = [&](std::string_view k) { return reader::join(path, k); };
  auto& w = n.wisp;
  if (auto* node = table.get("wisp")) w.enabled = read_bool(r, *node, key("wisp"));
  if (auto* node = table.get("wisp_buffer"))
    w.buffer_size = static_cast<std::uint32_t>(r.integer_in(*node, key("wisp_buffer"), 1, 4096));
  if (auto* node = table.get("wisp_max_streams"))
    w.max_streams = static_cast<std::size_t>(r.integer_in(*node, key("wisp_max_streams"), 1, 4096));
  if (auto* node = table.get("wisp_udp")) w.udp = read_bool(r, *node, key("wisp_udp"));
  if (auto* node = table.get("wisp_motd")) {
    w.motd = r.string_value(*node, key("wisp_motd"));
    if (w.motd.size() > 1024) r.fail(node->source(), key("wisp_motd"), "must be at most 1024 bytes long");
  }
  if (auto* node = table.get("wisp_user")) read_users(r, *node, path, w);
}

}  // namespace switchyard::gateway::config_detail
