// gateway/http_session.cpp - one HTTP/1.1 connection: reads requests, answers
// /healthz, authorises and hands WebSocket upgrades on /net/{network} over.
//
// Routing, in this order:
//   /healthz                      GET/HEAD -> 200 "ok\n"; other methods 405
//   /net/{network}                unknown network -> 404; method other than GET
//                                 -> 405; token configured and not presented or
//                                 wrong -> 401 (WWW-Authenticate: Bearer); not a
//                                 WebSocket upgrade -> 426; else ethernet_session
//   anything else                 404
// Authorisation comes before the 426 so that an unauthorised client learns
// nothing beyond "this network exists and wants a token". Plain requests keep
// the connection alive; one response is written before the next request is
// read (pipelined requests wait in the read buffer).
#include "gateway/http_session.hpp"

#include <chrono>
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

#include "gateway/ethernet_session.hpp"
#include "gateway/logging.hpp"
#include "gateway/network_registry.hpp"
#include "gateway/request_auth.hpp"

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

spdlog::logger& log() {
  static const auto logger = get_logger("http");
  return *logger;
}

std::string endpoint_text(const tcp::endpoint& ep) {
  if (ep.address().is_v6()) return fmt::format("[{}]:{}", ep.address().to_string(), ep.port());
  return fmt::format("{}:{}", ep.address().to_string(), ep.port());
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
      if (req.method() != http::verb::get) {
        auto res = respond(http::status::method_not_allowed, "method not allowed\n");
        res.set(http::field::allow, "GET");
        return send(std::move(res));
      }
      if (entry->config.token) {
        auto given = extract_token(target, std::string_view(req[http::field::authorization]));
        if (!given || !token_matches(*entry->config.token, *given)) {
          auto res = respond(http::status::unauthorized, "token required\n");
          res.set(http::field::www_authenticate, "Bearer");
          return send(std::move(res));
        }
      }
      if (!websocket::is_upgrade(req)) {
        auto res = respond(http::status::upgrade_required, "WebSocket upgrade required\n");
        res.set(http::field::upgrade, "websocket");
        res.set(http::field::connection, "Upgrade");
        return send(std::move(res));
      }
      log().debug("[S{}] upgrade {} from {}", id_, path, peer_);
      // A client must wait for the 101 before sending frames (RFC 6455 4.1),
      // so nothing of value is left in buffer_ here.
      std::make_shared<ethernet_session>(stream_.release_socket(), *entry, id_)->run(parser_->release());
      return;
    }

    send(respond(http::status::not_found, "not found\n"));
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
