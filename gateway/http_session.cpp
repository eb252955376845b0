// gateway/http_session.cpp - one HTTP/1.1 connection: reads requests, answers
// /healthz and DoH, authorises and hands WebSocket upgrades on /net/{network}
// and /wisp/{network}/ over.
//
// Routing, in this order:
//   /healthz                      GET/HEAD -> 200 "ok\n"; other methods 405
//   /net/{network}                unknown network -> 404; method other than GET
//                                 -> 405; token configured and not presented or
//                                 wrong -> 401 (WWW-Authenticate: Bearer); not a
//                                 WebSocket upgrade -> 426; else ethernet_session
//   /wisp/, /wisp/{network}/      the same checks (404 also when `wisp = false`);
//                                 else wisp_session (`/wisp/` is `default`)
//   /dns-query[/{network}]        RFC 8484 GET/POST (and CORS preflight)
//   /demo/, /demo/*               the v86 demo page (embedded files; /demo -> 308)
//   anything else                 404
// Authorisation comes before the 426 so that an unauthorised client learns
// nothing beyond "this network exists and wants a token". Plain requests keep
// the connection alive; one response is written before the next request is
// read (pipelined requests wait in the read buffer).
#include "gateway/http_session.hpp"

#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <fmt/format.h>

#include "gateway/admin/web_assets.hpp"
#include "gateway/endpoint_text.hpp"
#include "gateway/dns_service.hpp"
#include "gateway/doh_request.hpp"
#include "gateway/ethernet_session.hpp"
#include "gateway/logging.hpp"
#include "gateway/network_registry.hpp"
#include "gateway/request_auth.hpp"
#include "gateway/wisp/wisp_session.hpp"
#include "protocols/dns/message.hpp"

namespace switchyard::gateway {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

constexpr std::uint32_t header_limit = 8 * 1024;
// Nothing served here takes a body yet; a small cap keeps a slow or hostile
// upload from holding memory.
constexpr std::uint64_t body_limit = 16 * 1024;
constexpr std::chrono::seconds request_timeout{30};
constexpr std::string_view net_prefix = "/net/";
constexpr std::string_view wisp_prefix = "/wisp/";
constexpr std::string_view doh_path = "/dns-query";

spdlog::logger& log() {
  static const auto logger = get_logger("http");
  return *logger;
}

class http_session : public std::enable_shared_from_this<http_session> {
 public:
  http_session(tcp::socket&& socket, network_registry& networks, std::uint64_t id)
      : stream_(std::move(socket)), networks_(networks), id_(id) {
    boost::system::error_code ec;
    auto remote = stream_.socket().remote_endpoint(ec);
    peer_ = ec ? std::string("?") : endpoint_text(remote);
  }

  void run() {
    log().debug("[S{}] connection from {}", id_, peer_);
    do_read();
  }

 private:
  using request = http::request<http::string_body>;
  using response = http::response<http::string_body>;

  void do_read() {
    // A fresh parser per request: its limits apply per message.
    parser_.emplace();
    parser_->header_limit(header_limit);
    parser_->body_limit(body_limit);
    stream_.expires_after(request_timeout);
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&http_session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream) return do_close();
    if (ec) return on_read_error(ec);
    route(parser_->get());
  }

  void on_read_error(const beast::error_code& ec) {
    const bool malformed = ec.category() == beast::http::make_error_code(http::error::bad_method).category() &&
                           ec != http::error::partial_message;
    if (!malformed) {
      // Timeouts, resets and mid-request disconnects: nobody to answer.
      log().debug("[S{}] connection ended: {}", id_, ec.message());
      return;
    }
    log().debug("[S{}] bad request from {}: {}", id_, peer_, ec.message());
    auto status = ec == http::error::header_limit ? http::status::request_header_fields_too_large
                  : ec == http::error::body_limit ? http::status::payload_too_large
                                                  : http::status::bad_request;
    // The parser's state is unknown after an error, so the connection ends here.
    send(make_response(status, 11, false, fmt::format("{}\n", std::string_view(http::obsolete_reason(status)))));
  }

  void route(request& req) {
    std::string_view target = req.target();
    // Only the path is logged: the query may carry a token.
    std::string_view path = target.substr(0, target.find('?'));
    auto respond = [&](http::status status, std::string body) {
      log().debug("[S{}] {} {} -> {}", id_, std::string_view(req.method_string()), path, static_cast<unsigned>(status));
      return make_response(status, req.version(), req.keep_alive(), std::move(body));
    };

    if (path == "/healthz") {
      if (req.method() != http::verb::get && req.method() != http::verb::head) {
        auto res = respond(http::status::method_not_allowed, "method not allowed\n");
        res.set(http::field::allow, "GET, HEAD");
        return send(std::move(res));
      }
      auto res = respond(http::status::ok, "ok\n");
      if (req.method() == http::verb::head) res.body().clear();  // keeps Content-Length: 3
      return send(std::move(res));
    }

    if (path.starts_with(net_prefix)) {
      auto name = network_from_path(path, net_prefix);
      network_entry* entry = name ? networks_.find(*name) : nullptr;
      if (!entry) return send(respond(http::status::not_found, "unknown network\n"));
      if (!admit_upgrade(req, target, *entry, respond)) return;
      log().debug("[S{}] upgrade {} from {}", id_, path, peer_);
      // A client must wait for the 101 before sending frames (RFC 6455 4.1),
      // so nothing of value is left in buffer_ here.
      std::make_shared<ethernet_session>(stream_.release_socket(), networks_.share(*name), id_)
          ->run(parser_->release());
      return;
    }

    if (path == "/wisp" || path.starts_with(wisp_prefix)) {
      auto name = wisp_network(path);
      network_entry* entry = name ? networks_.find(*name) : nullptr;
      if (!entry) return send(respond(http::status::not_found, "unknown network\n"));
      if (!entry->config.wisp.enabled) return send(respond(http::status::not_found, "Wisp is off on this network\n"));
      if (!admit_upgrade(req, target, *entry, respond)) return;
      log().debug("[S{}] wisp upgrade {} from {}", id_, path, peer_);
      std::make_shared<wisp_session>(stream_.release_socket(), networks_.share(entry->config.name),
                                     networks_.names_resolver(), id_)
          ->run(parser_->release());
      return;
    }

    if (path == doh_path || path.starts_with(std::string(doh_path) + "/")) return serve_doh(req, target, path, respond);

    if (path == "/demo" || path.starts_with("/demo/")) return serve_demo(req, path, respond);

    send(respond(http::status::not_found, "not found\n"));
  }

  // Method, token and upgrade checks shared by /net/ and /wisp/; answers and
  // returns false when the request may not upgrade.
  template <typename Respond>
  bool admit_upgrade(const request& req, std::string_view target, const network_entry& entry, Respond& respond) {
    if (req.method() != http::verb::get) {
      auto res = respond(http::status::method_not_allowed, "method not allowed\n");
      res.set(http::field::allow, "GET");
      send(std::move(res));
      return false;
    }
    if (entry.config.token) {
      auto given = extract_token(target, std::string_view(req[http::field::authorization]));
      if (!given || !token_matches(*entry.config.token, *given)) {
        auto res = respond(http::status::unauthorized, "token required\n");
        res.set(http::field::www_authenticate, "Bearer");
        send(std::move(res));
        return false;
      }
    }
    if (!websocket::is_upgrade(req)) {
      auto res = respond(http::status::upgrade_required, "WebSocket upgrade required\n");
      res.set(http::field::upgrade, "websocket");
      res.set(http::field::connection, "Upgrade");
      send(std::move(res));
      return false;
    }
    return true;
  }

  // The demo page boots v86 from the user's URLs or files; it is the only page
  // the public listener serves.
  template <typename Respond>
  void serve_demo(const request& req, std::string_view path, Respond& respond) {
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
      auto res = respond(http::status::method_not_allowed, "method not allowed\n");
      res.set(http::field::allow, "GET, HEAD");
      return send(std::move(res));
    }
    if (path == "/demo") {
      auto res = respond(http::status::permanent_redirect, "see /demo/\n");
      res.set(http::field::location, "/demo/");
      return send(std::move(res));
    }
    const web_asset* asset = find_web_asset(path);
    if (!asset) return send(respond(http::status::not_found, "not found\n"));
    auto res = respond(http::status::ok, std::string(asset->body));
    res.set(http::field::content_type, asset->content_type);
    res.set(http::field::cache_control, "no-cache");
    res.set("X-Content-Type-Options", "nosniff");
    if (req.method() == http::verb::head) {
      res.body().clear();
      res.content_length(asset->body.size());
    }
    send(std::move(res));
  }

  // "/wisp" and "/wisp/" name `default`; "/wisp/lab/" and "/wisp/lab" name lab.
  static std::optional<std::string_view> wisp_network(std::string_view path) {
    if (path == "/wisp" || path == wisp_prefix) return std::string_view("default");
    std::string_view rest = path.substr(wisp_prefix.size());
    if (rest.ends_with('/')) rest.remove_suffix(1);
    if (rest.empty() || rest.find('/') != std::string_view::npos) return std::nullopt;
    return rest;
  }

  // RFC 8484. /dns-query answers names of every token-less network's zone and
  // forwards the rest under network `default`'s policy; /dns-query/{network}
  // answers as that network's own DNS does (its token rule applies).
  template <typename Respond>
  void serve_doh(const request& req, std::string_view target, std::string_view path, Respond& respond) {
    auto with_cors = [](response res) {
      // Pages that run v86's Wisp adapter query from their own origin.
      res.set(http::field::access_control_allow_origin, "*");
      return res;
    };
    if (req.method() == http::verb::options) {
      auto res = with_cors(respond(http::status::no_content, ""));
      res.set(http::field::access_control_allow_methods, "GET, POST, OPTIONS");
      res.set(http::field::access_control_allow_headers, "content-type");
      res.set(http::field::access_control_max_age, "86400");
      return send(std::move(res));
    }
    if (req.method() != http::verb::get && req.method() != http::verb::post) {
      auto res = respond(http::status::method_not_allowed, "method not allowed\n");
      res.set(http::field::allow, "GET, POST, OPTIONS");
      return send(std::move(res));
    }
    network_entry* entry = nullptr;
    if (path.size() > doh_path.size()) {
      entry = networks_.find(path.substr(doh_path.size() + 1));
      if (!entry) return send(with_cors(respond(http::status::not_found, "unknown network\n")));
      if (entry->config.token) {
        auto given = extract_token(target, std::string_view(req[http::field::authorization]));
        if (!given || !token_matches(*entry->config.token, *given))
          return send(with_cors(respond(http::status::unauthorized, "token required\n")));
      }
    }
    std::vector<std::byte> query;
    if (req.method() == http::verb::post) {
      if (req[http::field::content_type] != "application/dns-message")
        return send(with_cors(respond(http::status::unsupported_media_type, "expected application/dns-message\n")));
      const auto& body = req.body();
      if (body.empty() || body.size() > max_doh_query)
        return send(with_cors(respond(http::status::bad_request, "bad DNS message\n")));
      query.resize(body.size());
      std::memcpy(query.data(), body.data(), body.size());
    } else {
      auto decoded = doh_query_from_target(target);
      if (!decoded) return send(with_cors(respond(http::status::bad_request, "missing or bad ?dns= parameter\n")));
      query = std::move(*decoded);
    }
    if (!entry) {
      auto parsed = dns::parse_query(query);
      if (parsed.ok() && parsed.query.question) entry = networks_.zone_for(parsed.query.question->qname);
      if (!entry) {
        entry = networks_.find("default");
        if (entry && entry->config.token) entry = nullptr;  // a token network answers only at /dns-query/default
      }
    }
    if (!entry || !entry->dns) return send(with_cors(respond(http::status::not_found, "no DNS on this network\n")));
    net::ipv4_address client;
    boost::system::error_code ec;
    auto remote = stream_.socket().remote_endpoint(ec);
    if (!ec && remote.address().is_v4()) client = net::ipv4_address(remote.address().to_v4().to_uint());
    auto version = req.version();
    bool keep_alive = req.keep_alive();
    bool answering = entry->dns->answer_https(
        query, client, [self = shared_from_this(), version, keep_alive](std::span<const std::byte> answer) {
          response res{http::status::ok, version};
          res.set(http::field::server, server_header);
          res.set(http::field::content_type, "application/dns-message");
          res.set(http::field::access_control_allow_origin, "*");
          res.set(http::field::cache_control, "no-cache");
          res.keep_alive(keep_alive);
          res.body().assign(reinterpret_cast<const char*>(answer.data()), answer.size());
          res.prepare_payload();
          self->send(std::move(res));
        });
    if (!answering) send(with_cors(respond(http::status::bad_request, "bad DNS message\n")));
  }

  static response make_response(http::status status, unsigned version, bool keep_alive, std::string body) {
    response res{status, version};
    res.set(http::field::server, server_header);
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.keep_alive(keep_alive);
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
  }

  void send(response res) {
    // One response in flight: the next request is read only after it is written.
    response_ = std::move(res);
    stream_.expires_after(request_timeout);
    http::async_write(stream_, response_, beast::bind_front_handler(&http_session::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    if (ec) {
      log().debug("[S{}] write failed: {}", id_, ec.message());
      return;
    }
    if (response_.need_eof()) return do_close();
    do_read();
  }

  void do_close() {
    // Half-close so the client reads the last response before seeing EOF.
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    log().debug("[S{}] connection closed", id_);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  response response_;
  network_registry& networks_;
  std::uint64_t id_;
  std::string peer_;
};

}  // namespace

void start_http_session(tcp::socket socket, network_registry& networks, std::uint64_t session_id) {
  std::make_shared<http_session>(std::move(socket), networks, session_id)->run();
}

}  // namespace switchyard::gateway
