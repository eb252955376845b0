// gateway/admin/admin_session.cpp - one HTTP/1.1 connection on the admin listener.
//
// Routing, in this order:
//   /healthz, /readyz        GET/HEAD, no token: liveness and readiness
//   /api/..., /metrics       the token when one is configured (Bearer or ?token=)
//     /metrics               Prometheus text
//     /api/events            server-sent events (event_stream takes the socket)
//     /api/networks/N/capture  pcapng (capture_stream takes the socket)
//     other /api/            admin_api, JSON in and out
//   anything else, GET/HEAD  the dashboard's embedded files, no token (they
//                            hold no data: the page asks for the token)
//
// Without a token the listener is loopback-only, and the Host header must name
// a loopback host too: a page on another site cannot reach the API through
// DNS rebinding. Writes need Content-Type: application/json, which no
// cross-site form can send without a CORS preflight we never answer.
#include "gateway/admin/admin_session.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/serialize.hpp>

#include "gateway/admin/admin_api.hpp"
#include "gateway/admin/capture_stream.hpp"
#include "gateway/admin/event_stream.hpp"
#include "gateway/admin/metrics.hpp"
#include "gateway/admin/web_assets.hpp"
#include "gateway/config.hpp"
#include "gateway/endpoint_text.hpp"
#include "gateway/http_session.hpp"
#include "gateway/logging.hpp"
#include "gateway/network_registry.hpp"
#include "gateway/request_auth.hpp"

namespace switchyard::gateway::admin {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr std::uint32_t header_limit = 8 * 1024;
constexpr std::uint64_t body_limit = 64 * 1024;
constexpr std::chrono::seconds request_timeout{30};

spdlog::logger& log() {
  static const auto logger = get_logger("admin");
  return *logger;
}

// "localhost:8087", "127.0.0.1", "[::1]:8087" -> loopback.
bool loopback_host_header(std::string_view host) {
  if (host.starts_with('[')) {
    auto close = host.find(']');
    return close != std::string_view::npos && host.substr(1, close - 1) == "::1";
  }
  return is_loopback_host(host.substr(0, host.find(':')));
}

class admin_session : public std::enable_shared_from_this<admin_session> {
 public:
  admin_session(tcp::socket&& socket, admin_context& context, std::uint64_t id)
      : stream_(std::move(socket)), context_(context), id_(id) {}

  void run() { do_read(); }

 private:
  using request = http::request<http::string_body>;
  using response = http::response<http::string_body>;

  void do_read() {
    parser_.emplace();
    parser_->header_limit(header_limit);
    parser_->body_limit(body_limit);
    stream_.expires_after(request_timeout);
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream) return do_close();
    if (ec == http::error::body_limit)
      return send(json_response(413, R"({"error":"the body is larger than 64 KiB"})", 11, false));
    if (ec == http::error::header_limit) return send(text_response(431, "header fields too large\n", 11, false));
    if (ec) {
      bool malformed = ec.category() == http::make_error_code(http::error::bad_method).category() &&
                       ec != http::error::partial_message;
      if (malformed) return send(text_response(400, "bad request\n", 11, false));
      return;  // timeouts, resets: nobody to answer
    }
    route(parser_->get());
  }

  void route(request& req) {
    std::string_view target = req.target();
    auto question = target.find('?');
    std::string_view path = target.substr(0, question);
    std::string_view query = question == std::string_view::npos ? "" : target.substr(question + 1);
    const unsigned version = req.version();
    const bool keep_alive = req.keep_alive();
    const bool read_only = req.method() == http::verb::get || req.method() == http::verb::head;
    log().debug("[A{}] {} {}", id_, std::string_view(req.method_string()), path);

    if (path == "/healthz" || path == "/readyz") {
      if (!read_only) return send(not_allowed("GET, HEAD", version, keep_alive));
      bool ok = path == "/healthz" || context_.api.ready();
      auto res = text_response(ok ? 200 : 503, path == "/healthz" ? "ok\n" : ok ? "ready\n" : "not ready\n", version,
                               keep_alive);
      if (req.method() == http::verb::head) res.body().clear();
      return send(std::move(res));
    }
    if (!context_.token && !loopback_host_header(req[http::field::host]))
      return send(json_response(403, R"({"error":"Host must be a loopback name when [admin] token is not set"})",
                                version, false));

    const bool protected_path = path == "/metrics" || path == "/api" || path.starts_with("/api/");
    if (!protected_path) return serve_asset(req, path, version, keep_alive);

    if (context_.token) {
      auto given = extract_token(target, std::string_view(req[http::field::authorization]));
      if (!given || !token_matches(*context_.token, *given)) {
        auto res = json_response(401, R"j({"error":"admin token required (Authorization: Bearer TOKEN)"})j", version,
                                 keep_alive);
        res.set(http::field::www_authenticate, "Bearer");
        return send(std::move(res));
      }
    }
    if (path == "/metrics") {
      if (!read_only) return send(not_allowed("GET, HEAD", version, keep_alive));
      auto res = make_response(200, render_metrics(context_.networks), metrics_content_type, version, keep_alive);
      if (req.method() == http::verb::head) res.body().clear();
      return send(std::move(res));
    }
    if (path == "/api/events") {
      if (req.method() != http::verb::get) return send(not_allowed("GET", version, keep_alive));
      return start_event_stream(stream_.release_socket(), context_.api, version, id_);
    }
    if (auto network = capture_network(path)) {
      if (req.method() != http::verb::get) return send(not_allowed("GET", version, keep_alive));
      auto entry = context_.networks.share(*network);
      if (!entry || entry->retired())
        return send(json_response(404, boost::json::serialize(boost::json::object{
                                           {"error", "no network called \"" + std::string(*network) + "\""}}),
                                  version, keep_alive));
      return serve_capture(stream_.release_socket(), std::move(entry), query, version, id_);
    }

    api_request r{req.method(), path, query, req[http::field::content_type], req.body()};
    api_response answer = context_.api.handle(r);
    response res = answer.status == 204
                       ? make_response(204, "", "application/json", version, keep_alive)
                       : json_response(answer.status, boost::json::serialize(answer.body) + "\n", version, keep_alive);
    if (!answer.allow.empty()) res.set(http::field::allow, answer.allow);
    if (answer.status >= 400)
      log().debug("[A{}] {} {} -> {}", id_, std::string_view(req.method_string()), path, answer.status);
    send(std::move(res));
  }

  // "/api/networks/NAME/capture" -> NAME.
  static std::optional<std::string_view> capture_network(std::string_view path) {
    constexpr std::string_view prefix = "/api/networks/", suffix = "/capture";
    if (!path.starts_with(prefix) || !path.ends_with(suffix) || path.size() <= prefix.size() + suffix.size())
      return std::nullopt;
    auto name = path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
    if (name.find('/') != std::string_view::npos) return std::nullopt;
    return name;
  }

  void serve_asset(const request& req, std::string_view path, unsigned version, bool keep_alive) {
    if (req.method() != http::verb::get && req.method() != http::verb::head)
      return send(not_allowed("GET, HEAD", version, keep_alive));
    const web_asset* asset = find_web_asset(path);
    if (!asset) return send(text_response(404, "not found\n", version, keep_alive));
    auto res = make_response(200, std::string(asset->body), asset->content_type, version, keep_alive);
    res.set(http::field::cache_control, "no-cache");
    res.set("X-Content-Type-Options", "nosniff");
    res.set("X-Frame-Options", "DENY");
    res.set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
    if (req.method() == http::verb::head) res.body().clear();
    send(std::move(res));
  }

  static response make_response(unsigned status, std::string body, std::string_view type, unsigned version,
                                bool keep_alive) {
    response res{static_cast<http::status>(status), version};
    res.set(http::field::server, server_header);
    res.set(http::field::content_type, type);
    res.keep_alive(keep_alive);
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
  }
  static response text_response(unsigned status, std::string body, unsigned version, bool keep_alive) {
    return make_response(status, std::move(body), "text/plain; charset=utf-8", version, keep_alive);
  }
  static response json_response(unsigned status, std::string body, unsigned version, bool keep_alive) {
    auto res = make_response(status, std::move(body), "application/json", version, keep_alive);
    res.set(http::field::cache_control, "no-store");
    return res;
  }
  static response not_allowed(std::string_view allow, unsigned version, bool keep_alive) {
    auto res = json_response(405, R"({"error":"method not allowed"})", version, keep_alive);
    res.set(http::field::allow, allow);
    return res;
  }

  void send(response res) {
    response_ = std::move(res);
    stream_.expires_after(request_timeout);
    http::async_write(stream_, response_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;
      if (self->response_.need_eof()) return self->do_close();
      self->do_read();
    });
  }

  void do_close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  response response_;
  admin_context& context_;
  std::uint64_t id_;
};

}  // namespace

void start_admin_session(tcp::socket socket, admin_context& context, std::uint64_t session_id) {
  std::make_shared<admin_session>(std::move(socket), context, session_id)->run();
}

}  // namespace switchyard::gateway::admin
