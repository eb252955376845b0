// gateway/admin/api_records.cpp - DNS records over the admin API: list a
// network's zone, add and delete the records the API owns, restore them at
// startup. The zone itself is dns_service's.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "gateway/admin/admin_api.hpp"
#include "gateway/admin/admin_store.hpp"
#include "gateway/admin/json_to_toml.hpp"
#include "gateway/admin/json_views.hpp"
#include "gateway/config_tables.hpp"
#include "gateway/dns_service.hpp"
#include "gateway/logging.hpp"
#include "gateway/network_registry.hpp"

namespace switchyard::gateway::admin {
namespace json = boost::json;

namespace {

spdlog::logger& log() {
  static const auto logger = get_logger("admin");
  return *logger;
}

json::object record_json(const dns_service::record_view& r) {
  return {{"name", r.name}, {"type", r.type}, {"value", r.value}, {"ttl", r.ttl}, {"source", r.source}};
}

}  // namespace

json::array records_json(const network_entry& e) {
  json::array out;
  if (e.dns)
    for (const auto& r : e.dns->records()) out.push_back(record_json(r));
  return out;
}

api_response admin_api::add_record(std::string_view name, const api_request& r) {
  network_entry* e = networks_.find(name);
  auto body = json_object_body(r);
  if (auto* answer = std::get_if<api_response>(&body)) return std::move(*answer);
  const auto& spec = std::get<json::object>(body);
  if (!e->dns) return api_error(409, "DNS is off on network \"" + std::string(name) + "\"");
  dns_record record;
  try {
    record = parse_record_table(json_to_toml(spec), "request");
  } catch (const config_error& err) {
    return api_error(400, err.key().empty() ? err.message() : err.key() + ": " + err.message(), err.key());
  }
  dns_service::record_view added;
  if (auto why = e->dns->add_api_record(record, &added)) return api_error(409, *why, "name");
  // Stored under the absolute owner, the form DELETE is matched in.
  auto owner = e->dns->absolute_owner(record.name).value_or(record.name);
  std::int64_t id = store_ ? store_->add_record({0, std::string(name), owner, record.type, json::serialize(spec)}) : 1;
  if (id == 0) {
    e->dns->remove_api_records(record.name, record.type);
    return api_error(500, "the state store failed, the record was not added: " + store_->last_error());
  }
  log().info("network {}: DNS record {} {} {} added over the admin API", name, record.type, record.name, record.value);
  return {201, record_json(added), {}};
}

api_response admin_api::delete_records(std::string_view name, std::string_view owner, std::string_view type_text) {
  network_entry* e = networks_.find(name);
  std::string type(type_text);
  for (auto& c : type) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (!e->dns) return api_error(404, "DNS is off on network \"" + std::string(name) + "\"");
  auto absolute = e->dns->absolute_owner(owner);
  if (!absolute) return api_error(400, "\"" + std::string(owner) + "\" is not a DNS name", "name");
  if (store_ && !store_->delete_records(name, *absolute, type))
    return api_error(500, "the state store failed, nothing was deleted: " + store_->last_error());
  if (e->dns->remove_api_records(owner, type) == 0)
    return api_error(404, "no record " + type + " " + std::string(owner) + " added over the API on network \"" +
                          std::string(name) + "\"");
  log().info("network {}: DNS records {} {} deleted over the admin API", name, type, owner);
  return {204, nullptr, {}};
}

void admin_api::restore_records() {
  for (const auto& stored : store_->records()) {
    network_entry* e = networks_.find(stored.network);
    if (!e || !e->dns) continue;
    boost::system::error_code ec;
    json::value v = json::parse(stored.spec, ec);
    try {
      if (ec || !v.is_object()) throw config_error("the stored body is not a JSON object");
      auto record = parse_record_table(json_to_toml(v.as_object()), "state store");
      if (auto why = e->dns->add_api_record(record)) throw config_error(*why);
    } catch (const std::exception& err) {
      log().error("network {}: stored DNS record {} {} skipped: {}", stored.network, stored.type, stored.name,
                  err.what());
    }
  }
}

}  // namespace switchyard::gateway::admin
