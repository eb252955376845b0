// gateway/resolver/doh_connection.cpp - one HTTPS connection to a DoH server (Beast over asio::ssl).
//
// Theory of operation
//   A connection is created unconnected and connects on its first send():
//   resolve the URL's host (unless an address is configured or the host is an
//   IP literal), TCP connect, TLS handshake. The handshake verifies the chain
//   against the context's CAs and the certificate against the URL's host
//   (DNS SAN via SSL_set1_host, IP SAN for a literal), with SNI for names only
//   (RFC 6066 forbids literals there). Each send() is one HTTP/1.1 POST and one
//   response read with a body limit. Afterwards the connection is idle and
//   kept (unless the server said "Connection: close") until the idle timeout.
//   Any failure closes it for good: an SSL stream cannot be reused after an
//   error, so the owner makes a new connection instead.
//   There are no timeouts here besides the idle one: the owner holds each
//   request's deadline and calls close() when it passes.
#include "gateway/resolver/doh_connection.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <stdexcept>
#include <string_view>
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/url/parse.hpp>
#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "gateway/logging.hpp"
#include "gateway/resolver/doh_error.hpp"

namespace switchyard::gateway {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr std::string_view dns_message_type = "application/dns-message";
constexpr std::size_t max_header_size = 8 * 1024;

bool is_dns_message(std::string_view content_type) {
  // "application/dns-message", parameters allowed, any case (RFC 9110 section 8.3.1).
  auto end = content_type.find(';');
  auto type = content_type.substr(0, end);
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  return std::equal(type.begin(), type.end(), dns_message_type.begin(), dns_message_type.end(),
                    [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
}

// OpenSSL's verification results ("hostname mismatch", "certificate has expired"), as error codes.
const boost::system::error_category& certificate_category() {
  struct category final : boost::system::error_category {
    const char* name() const noexcept override { return "x509"; }
    std::string message(int e) const override {
      return std::string("certificate rejected: ") + X509_verify_cert_error_string(e);
    }
  };
  static const category instance;
  return instance;
}

class beast_doh_connection final : public doh_connection,
                                   public std::enable_shared_from_this<beast_doh_connection> {
 public:
  beast_doh_connection(asio::io_context& core, std::shared_ptr<ssl::context> tls,
                       std::shared_ptr<const doh_target> target, doh_connection_settings settings, std::uint64_t id)
      : tls_(std::move(tls)),
        target_(std::move(target)),
        settings_(settings),
        tag_(fmt::format("[{} C{}]", target_->url, id)),
        resolver_(core),
        stream_(core, *tls_),
        idle_timer_(core),
        log_(get_logger("resolver")) {}

  void send(std::shared_ptr<const std::vector<std::byte>> message, handler done) override {
    busy_ = true;
    done_ = std::move(done);
    idle_timer_.cancel();
    build_request(*message);
    if (closed_) {
      // Keep the promise of never calling back from inside send().
      asio::post(stream_.get_executor(), [self = shared_from_this()] { self->fail(asio::error::not_connected); });
    } else if (connected_) {
      do_write();
    } else {
      do_connect();
    }
  }

  void close() override {
    if (closed_) return;
    closed_ = true;
    connected_ = false;
    resolver_.cancel();
    idle_timer_.cancel();
    // No TLS close_notify: the server loses nothing, and waiting for one would
    // need a timeout of its own.
    beast::get_lowest_layer(stream_).close();
  }

  bool busy() const override { return busy_; }
  bool reusable() const override { return connected_ && !closed_ && !busy_; }
  std::size_t answered() const override { return answered_; }

 private:
  void build_request(const std::vector<std::byte>& message) {
    request_ = {};
    request_.method(http::verb::post);
    request_.target(target_->path);
    request_.version(11);
    request_.set(http::field::host, target_->host_header);
    request_.set(http::field::content_type, dns_message_type);
    request_.set(http::field::accept, dns_message_type);
    request_.body().assign(reinterpret_cast<const char*>(message.data()), message.size());
    request_.prepare_payload();
  }

  void do_connect() {
    if (!prepare_tls()) return;
    auto self = shared_from_this();
    if (target_->connect_address) {
      tcp::endpoint endpoint(*target_->connect_address, target_->port);
      beast::get_lowest_layer(stream_).async_connect(endpoint, [self](error_code ec) { self->on_connect(ec); });
      return;
    }
    resolver_.async_resolve(target_->host, std::to_string(target_->port),
                            [self](error_code ec, const tcp::resolver::results_type& results) {
                              if (ec) return self->fail(ec);
                              if (self->closed_) return self->fail(asio::error::operation_aborted);
                              beast::get_lowest_layer(self->stream_)
                                  .async_connect(results, [self](error_code e, const tcp::endpoint&) {
                                    self->on_connect(e);
                                  });
                            });
  }

  // Names the peer we expect before the handshake: SNI and the certificate check.
  bool prepare_tls() {
    SSL* handle = stream_.native_handle();
    bool ok = true;
    if (target_->host_is_ip) {
      ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(handle), target_->host.c_str()) == 1;
    } else {
      SSL_set_hostflags(handle, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      ok = SSL_set1_host(handle, target_->host.c_str()) == 1 &&
           SSL_set_tlsext_host_name(handle, target_->host.c_str()) == 1;
    }
    if (!ok) {
      asio::post(stream_.get_executor(), [self = shared_from_this()] {
        self->fail(ssl::error::make_error_code(ssl::error::unspecified_system_error));
      });
    }
    return ok;
  }

  void on_connect(error_code ec) {
    if (ec) return fail(ec);
    if (closed_) return fail(asio::error::operation_aborted);
    beast::get_lowest_layer(stream_).socket().set_option(tcp::no_delay(true), ec);
    stream_.async_handshake(ssl::stream_base::client,
                            [self = shared_from_this()](error_code e) { self->on_handshake(e); });
  }

  void on_handshake(error_code ec) {
    if (ec) {
      // "certificate verify failed" alone does not tell an operator what to fix.
      auto verify = SSL_get_verify_result(stream_.native_handle());
      if (verify != X509_V_OK) return fail(error_code(static_cast<int>(verify), certificate_category()));
      return fail(ec);
    }
    connected_ = true;
    log_->debug("{} connected", tag_);
    do_write();
  }

  void do_write() {
    http::async_write(stream_, request_, [self = shared_from_this()](error_code ec, std::size_t) {
      if (ec) return self->fail(ec);
      self->do_read();
    });
  }

  void do_read() {
    parser_.emplace();
    parser_->body_limit(settings_.max_response_size);
    parser_->header_limit(max_header_size);
    buffer_.clear();
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(error_code ec) {
    if (ec) return fail(ec);
    auto& response = parser_->get();
    if (response.result() != http::status::ok) {
      log_->debug("{} HTTP status {}", tag_, response.result_int());
      return fail(doh_errc::http_status);
    }
    if (!is_dns_message(response[http::field::content_type])) return fail(doh_errc::bad_content_type);

    const auto& body = response.body();
    std::vector<std::byte> answer(body.size());
    std::memcpy(answer.data(), body.data(), body.size());
    ++answered_;
    if (!response.keep_alive()) close();
    parser_.reset();
    finish({}, std::move(answer));
    if (reusable()) start_idle_timer();
  }

  void start_idle_timer() {
    idle_timer_.expires_after(settings_.idle_timeout);
    idle_timer_.async_wait([weak = weak_from_this()](error_code ec) {
      auto self = weak.lock();
      if (ec || !self || self->busy_) return;
      self->log_->debug("{} idle, closing", self->tag_);
      self->close();
    });
  }

  void fail(error_code ec) {
    close();
    log_->debug("{} {}", tag_, ec.message());
    finish(ec, {});
  }

  void finish(error_code ec, std::vector<std::byte> answer) {
    busy_ = false;
    auto done = std::move(done_);
    done_ = nullptr;
    if (done) done(ec, std::move(answer));
  }

  std::shared_ptr<ssl::context> tls_;  // outlives stream_: members die in reverse order
  std::shared_ptr<const doh_target> target_;
  doh_connection_settings settings_;
  std::string tag_;
  tcp::resolver resolver_;
  beast::ssl_stream<beast::tcp_stream> stream_;
  asio::steady_timer idle_timer_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  std::optional<http::response_parser<http::string_body>> parser_;
  handler done_;
  std::shared_ptr<spdlog::logger> log_;
  std::size_t answered_ = 0;
  bool busy_ = false;
  bool connected_ = false;
  bool closed_ = false;
};

}  // namespace

doh_target make_doh_target(const doh_upstream& upstream) {
  auto bad = [&](std::string_view why) {
    return std::invalid_argument(fmt::format("DoH upstream \"{}\": {}", upstream.url, why));
  };
  auto parsed = boost::urls::parse_uri(upstream.url);
  if (!parsed) throw bad("not a URL");
  const auto& u = *parsed;
  if (u.scheme_id() != boost::urls::scheme::https) throw bad("the scheme must be https");
  if (u.has_userinfo()) throw bad("user info is not allowed");
  if (u.has_fragment()) throw bad("a fragment is not allowed");

  doh_target t;
  t.url = upstream.url;
  switch (u.host_type()) {
    case boost::urls::host_type::name: t.host = u.host_address(); break;
    case boost::urls::host_type::ipv4:
    case boost::urls::host_type::ipv6:
      t.host = u.host_address();
      t.host_is_ip = true;
      break;
    default: throw bad("the host must be a name or an IP address");
  }
  if (t.host.empty()) throw bad("no host");
  std::transform(t.host.begin(), t.host.end(), t.host.begin(),
                 [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
  if (u.has_port()) {
    if (u.port_number() == 0) throw bad("bad port");
    t.port = u.port_number();
  }
  t.path = u.encoded_path().empty() ? "/" : std::string(u.encoded_path());
  if (u.has_query()) t.path += "?" + std::string(u.encoded_query());
  auto host_text = u.host_type() == boost::urls::host_type::ipv6 ? "[" + t.host + "]" : t.host;
  t.host_header = t.port == 443 ? host_text : fmt::format("{}:{}", host_text, t.port);

  if (t.host_is_ip) t.connect_address = asio::ip::make_address(t.host);
  if (upstream.address) {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(*upstream.address, ec);
    if (ec) throw bad(fmt::format("address \"{}\" is not an IP address", *upstream.address));
    t.connect_address = address;
  }
  return t;
}

std::shared_ptr<ssl::context> make_doh_tls_context(const std::string& ca_file) {
  auto tls = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(tls->native_handle(), TLS1_2_VERSION);
  tls->set_verify_mode(ssl::verify_peer);
  boost::system::error_code ec;
  if (ca_file.empty()) {
    tls->set_default_verify_paths(ec);
  } else {
    tls->load_verify_file(ca_file, ec);
  }
  if (ec) {
    throw std::runtime_error(fmt::format("cannot load the resolver's CA certificates from {}: {}",
                                         ca_file.empty() ? "the system store" : ca_file, ec.message()));
  }
  // We speak HTTP/1.1 only; say so, so that no server picks h2.
  static constexpr unsigned char alpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_CTX_set_alpn_protos(tls->native_handle(), alpn, sizeof alpn);
  return tls;
}

std::shared_ptr<doh_connection> make_doh_connection(asio::io_context& core, std::shared_ptr<ssl::context> tls,
                                                    std::shared_ptr<const doh_target> target,
                                                    doh_connection_settings settings, std::uint64_t id) {
  return std::make_shared<beast_doh_connection>(core, std::move(tls), std::move(target), settings, id);
}

}  // namespace switchyard::gateway
