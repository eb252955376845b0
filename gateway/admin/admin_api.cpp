// gateway/admin/admin_api.cpp - the admin REST API: routing, validation, and the
// writes (networks, policy, records, kicks, leases). The JSON objects are in
// json_views.cpp.
#include "gateway/admin/admin_api.hpp"

#include <charconv>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "gateway/admin/admin_store.hpp"
#include "gateway/admin/json_to_toml.hpp"
#include "gateway/admin/json_views.hpp"
#include "gateway/config_tables.hpp"
#include "gateway/dhcp_service.hpp"
#include "gateway/ethernet_session.hpp"
#include "gateway/logging.hpp"
#include "gateway/network_registry.hpp"

namespace switchyard::gateway::admin {
namespace json = boost::json;
using verb = boost::beast::http::verb;

namespace {

spdlog::logger& log() {
  static const auto logger = get_logger("admin");
  return *logger;
}

api_response not_allowed(std::string allow) {
  auto r = api_error(405, "method not allowed (use " + allow + ")");
  r.allow = std::move(allow);
  return r;
}

api_response from_config_error(const config_error& e, unsigned status = 400) {
  return api_error(status, e.key().empty() ? e.message() : e.key() + ": " + e.message(), e.key());
}

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    auto slash = path.find('/');
    auto part = path.substr(0, slash);
    if (!part.empty()) out.push_back(part);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

toml::table to_table(const json::object& o) { return json_to_toml(o); }

}  // namespace

api_response api_error(unsigned status, std::string message, std::string field) {
  json::object body{{"error", std::move(message)}};
  if (!field.empty()) body["field"] = std::move(field);
  return {status, std::move(body), {}};
}

std::variant<json::object, api_response> json_object_body(const api_request& r) {
  auto type = r.content_type.substr(0, r.content_type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  if (type != "application/json") return api_error(415, "the body must be JSON (Content-Type: application/json)");
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (ec) return api_error(400, "the body is not valid JSON: " + ec.message());
  if (!v.is_object()) return api_error(400, "the body must be a JSON object");
  return std::move(v.as_object());
}

admin_api::admin_api(network_registry& networks, admin_store* store, server_facts facts)
    : networks_(networks), store_(store), facts_(std::move(facts)) {}

api_response admin_api::handle(const api_request& r) {
  auto parts = split_path(r.path);  // "api", ...
  if (parts.size() < 2 || parts[0] != "api") return api_error(404, "no such endpoint");
  if (parts[1] == "server" && parts.size() == 2) {
    if (r.method != verb::get) return not_allowed("GET");
    return {200,
            json::object{{"version", facts_.version},
                         {"public", {{"listen", facts_.public_listen}}},
                         {"admin", {{"listen", facts_.admin_listen}, {"token_required", facts_.token_required}}},
                         {"started", time_text(facts_.started)}},
            {}};
  }
  if (parts[1] != "networks") return api_error(404, "no such endpoint");
  if (parts.size() == 2) return networks_collection(r);

  std::string_view name = parts[2];
  network_entry* e = networks_.find(name);
  if (!e) return api_error(404, "no network called \"" + std::string(name) + "\"");
  auto rest = std::span(parts).subspan(3);

  if (rest.empty()) {
    if (r.method == verb::get) return {200, network_json(*e), {}};
    if (r.method == verb::delete_) return delete_network(name);
    return not_allowed("GET, DELETE");
  }
  std::string_view what = rest[0];
  if (what == "ports" && rest.size() == 1) {
    if (r.method != verb::get) return not_allowed("GET");
    return {200, json::object{{"ports", ports_json(*e)}}, {}};
  }
  if (what == "ports" && rest.size() == 2) {
    if (r.method != verb::delete_) return not_allowed("DELETE");
    return kick_port(name, rest[1]);
  }
  if (what == "leases" && rest.size() == 1) {
    if (r.method != verb::get) return not_allowed("GET");
    return {200, json::object{{"leases", leases_json(*e)}}, {}};
  }
  if (what == "leases" && rest.size() == 2) {
    if (r.method != verb::delete_) return not_allowed("DELETE");
    return delete_lease(name, rest[1]);
  }
  if (what == "dns" && rest.size() >= 2 && rest[1] == "records") {
    if (rest.size() == 2) {
      if (r.method == verb::get) return {200, json::object{{"records", records_json(*e)}}, {}};
      if (r.method == verb::post) return add_record(name, r);
      return not_allowed("GET, POST");
    }
    if (rest.size() == 4) {
      if (r.method != verb::delete_) return not_allowed("DELETE");
      return delete_records(name, rest[2], rest[3]);
    }
  }
  if (what == "wisp" && rest.size() == 1) {
    if (r.method != verb::get) return not_allowed("GET");
    return {200, json::object{{"connections", wisp_json(*e)}}, {}};
  }
  if (what == "egress" && rest.size() == 1) {
    if (r.method != verb::get) return not_allowed("GET");
    return {200, egress_json(*e), {}};
  }
  if (what == "policy" && rest.size() == 1) {
    if (r.method == verb::get) return {200, policy_json(e->config), {}};
    if (r.method == verb::put) return replace_policy(name, r);
    return not_allowed("GET, PUT");
  }
  return api_error(404, "no such endpoint");
}

api_response admin_api::networks_collection(const api_request& r) {
  if (r.method == verb::get) {
    json::array list;
    networks_.for_each([&](const network_entry& e) { list.push_back(network_json(e)); });
    return {200, json::object{{"networks", std::move(list)}}, {}};
  }
  if (r.method == verb::post) return create_network(r);
  return not_allowed("GET, POST");
}

api_response admin_api::create_network(const api_request& r) {
  auto body = json_object_body(r);
  if (auto* answer = std::get_if<api_response>(&body)) return std::move(*answer);
  const auto& spec = std::get<json::object>(body);
  network_config config;
  try {
    config = parse_network_table(to_table(spec), "request");
  } catch (const config_error& e) {
    return from_config_error(e);
  }
  if (networks_.find(config.name)) return api_error(409, "a network called \"" + config.name + "\" exists", "name");
  network_entry* entry = nullptr;
  try {
    entry = &networks_.add(config, "api");
  } catch (const config_error& e) {
    return from_config_error(e, e.key() == "name" ? 409 : 400);
  } catch (const std::exception& e) {
    return api_error(400, std::string("the network could not be built: ") + e.what());
  }
  auto created = std::chrono::duration_cast<std::chrono::seconds>(entry->created.time_since_epoch()).count();
  if (store_ && !store_->save_network({config.name, json::serialize(spec), created})) {
    std::string why = store_->last_error();
    networks_.remove(config.name);
    return api_error(500, "the state store failed, nothing was created: " + why);
  }
  log().info("network {} created over the admin API ({})", config.name, config.subnet.to_string());
  return {201, network_json(*entry), {}};
}

api_response admin_api::delete_network(std::string_view name) {
  network_entry* e = networks_.find(name);
  if (e->origin != "api")
    return api_error(409, "network \"" + std::string(name) + "\" is defined in the config file: remove it there",
                     "name");
  if (store_ && !store_->delete_network(name))
    return api_error(500, "the state store failed, nothing was deleted: " + store_->last_error());
  networks_.remove(name);
  log().info("network {} deleted over the admin API", name);
  return {204, nullptr, {}};
}

api_response admin_api::replace_policy(std::string_view name, const api_request& r) {
  network_entry* e = networks_.find(name);
  auto body = json_object_body(r);
  if (auto* answer = std::get_if<api_response>(&body)) return std::move(*answer);
  const auto& spec = std::get<json::object>(body);
  network_config updated;
  try {
    updated = parse_policy_table(to_table(spec), e->config, "request");
  } catch (const config_error& err) {
    return from_config_error(err);
  }
  if (store_ && !store_->save_policy(name, json::serialize(spec)))
    return api_error(500, "the state store failed, the policy is unchanged: " + store_->last_error());
  e->config.egress = updated.egress;
  e->config.limits = updated.limits;
  if (e->egress) e->egress->replace_policy(updated.egress, updated.limits);
  log().info("network {}: egress policy replaced over the admin API ({} rule(s))", name, updated.egress.rules.size());
  return {200, policy_json(e->config), {}};
}

api_response admin_api::kick_port(std::string_view name, std::string_view id_text) {
  network_entry* e = networks_.find(name);
  std::uint32_t id = 0;
  auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
  if (ec != std::errc() || end != id_text.data() + id_text.size() || id == 0)
    return api_error(400, "\"" + std::string(id_text) + "\" is not a port id", "id");
  for (const auto& w : e->sessions)
    if (auto s = w.lock(); s && s->port() == id) {
      s->kick();
      log().info("network {}: port {} ({}) kicked over the admin API", name, id, s->peer());
      return {204, nullptr, {}};
    }
  return api_error(404, "no port " + std::to_string(id) + " on network \"" + std::string(name) + "\"");
}

api_response admin_api::delete_lease(std::string_view name, std::string_view ip_text) {
  network_entry* e = networks_.find(name);
  auto ip = net::ipv4_address::parse(ip_text);
  if (!ip) return api_error(400, "\"" + std::string(ip_text) + "\" is not an IPv4 address", "ip");
  if (!e->dhcp) return api_error(404, "DHCP is off on network \"" + std::string(name) + "\"");
  if (!e->dhcp->revoke(*ip)) return api_error(404, "no lease for " + ip->to_string());
  log().info("network {}: lease {} deleted over the admin API", name, ip->to_string());
  return {204, nullptr, {}};
}

json::value admin_api::overview() const {
  json::array list;
  networks_.for_each([&](const network_entry& e) {
    auto o = network_json(e);
    o["port_list"] = ports_json(e);
    o["refusals"] = refusals_json(e, 10);
    list.push_back(std::move(o));
  });
  return json::object{{"time", time_text(std::chrono::system_clock::now())}, {"networks", std::move(list)}};
}

bool admin_api::ready() const {
  bool up = true;
  networks_.for_each([&](const network_entry& e) { up = up && !e.retired(); });
  return up && (!store_ || store_->writable());
}

void admin_api::restore() {
  if (!store_) return;
  for (const auto& stored : store_->networks()) {
    boost::system::error_code ec;
    json::value v = json::parse(stored.spec, ec);
    try {
      if (ec || !v.is_object()) throw config_error("the stored body is not a JSON object");
      auto config = parse_network_table(to_table(v.as_object()), "state store");
      if (config.name != stored.name) throw config_error("the stored name does not match");
      if (networks_.find(config.name)) {
        log().warn("network {} from the state store skipped: the config file defines one by that name", stored.name);
        continue;
      }
      auto& entry = networks_.add(config, "api");
      entry.created = std::chrono::system_clock::time_point(std::chrono::seconds(stored.created));
    } catch (const std::exception& e) {
      log().error("network {} from the state store skipped: {}", stored.name, e.what());
    }
  }
  for (const auto& [name, spec] : store_->policies()) {
    network_entry* e = networks_.find(name);
    if (!e) continue;
    boost::system::error_code ec;
    json::value v = json::parse(spec, ec);
    try {
      if (ec || !v.is_object()) throw config_error("the stored body is not a JSON object");
      auto updated = parse_policy_table(to_table(v.as_object()), e->config, "state store");
      e->config.egress = updated.egress;
      e->config.limits = updated.limits;
      if (e->egress) e->egress->replace_policy(updated.egress, updated.limits);
      log().info("network {}: egress policy from the state store (replaced over the admin API)", name);
    } catch (const std::exception& err) {
      log().error("network {}: stored policy skipped: {}", name, err.what());
    }
  }
  restore_records();
}

}  // namespace switchyard::gateway::admin
