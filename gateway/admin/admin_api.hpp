// gateway/admin/admin_api.hpp - the admin REST API (README "Admin API"): requests
// in, JSON out. No sockets here: admin_session reads HTTP and writes what this
// returns; the streaming endpoints (capture, events) are the session's.
//
// Every write is validated before anything changes, with the config file's
// rules and messages, and persisted before it is reported done; when the state
// store fails, the in-memory change is undone and the answer is 500.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include <boost/beast/http/verb.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "gateway/config.hpp"

namespace switchyard::gateway {
class network_registry;
}

namespace switchyard::gateway::admin {

class admin_store;

struct api_request {
  boost::beast::http::verb method = boost::beast::http::verb::get;
  std::string_view path;  ///< "/api/networks/lab", no query
  std::string_view query;
  std::string_view content_type;
  std::string_view body;
};

struct api_response {
  unsigned status = 200;
  boost::json::value body;  ///< null with 204
  std::string allow;        ///< the Allow header of a 405
};

/// {"error": message, "field": field} with `status` (field left out when empty).
api_response api_error(unsigned status, std::string message, std::string field = {});
/// The request's JSON object body, or the 415/400 answer when it is none.
std::variant<boost::json::object, api_response> json_object_body(const api_request& r);

/// What the admin side knows about the process.
struct server_facts {
  std::string version;
  std::string public_listen;  ///< "127.0.0.1:8086", the bound address
  std::string admin_listen;
  bool token_required = false;
  std::chrono::system_clock::time_point started = std::chrono::system_clock::now();
};

class admin_api {
 public:
  /// `networks` and `store` (nullptr: nothing persists) outlive the API.
  admin_api(network_registry& networks, admin_store* store, server_facts facts);

  /// Re-creates what the API changed before the last restart (networks, then
  /// policies, then records). A stored item that no longer validates, or whose
  /// name a config-file network took, is logged and skipped (kept in the store).
  void restore();

  api_response handle(const api_request& request);
  /// The dashboard's live feed (event: overview).
  boost::json::value overview() const;
  /// /readyz: every network up and the state store answering.
  bool ready() const;
  server_facts& facts() { return facts_; }

 private:
  api_response networks_collection(const api_request& r);
  api_response create_network(const api_request& r);
  api_response delete_network(std::string_view name);
  api_response replace_policy(std::string_view name, const api_request& r);
  api_response add_record(std::string_view name, const api_request& r);
  api_response delete_records(std::string_view name, std::string_view owner, std::string_view type);
  void restore_records();
  api_response kick_port(std::string_view name, std::string_view id);
  api_response delete_lease(std::string_view name, std::string_view ip);

  network_registry& networks_;
  admin_store* store_;
  server_facts facts_;
};

}  // namespace switchyard::gateway::admin
