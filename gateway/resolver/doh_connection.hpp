// gateway/resolver/doh_connection.hpp - one kept-alive HTTPS connection to a DoH server: the
// upstream's address, the TLS settings, and one POST at a time. Core loop only.
//
// The implementation (Beast over asio::ssl) stays in the .cpp: callers see this
// interface only, so Beast is compiled once.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/system/error_code.hpp>

#include "gateway/resolver/resolver_config.hpp"

namespace boost::asio::ssl {
class context;
}

namespace switchyard::gateway {

/// Where and how to reach one upstream, from its `url` (and `address`).
struct doh_target {
  std::string url;          ///< as configured, for logs
  std::string host;         ///< the URL's host (brackets removed from an IPv6 literal)
  std::uint16_t port = 443;
  std::string path;         ///< the request target: path and query ("/dns-query")
  std::string host_header;  ///< host[:port], as the Host header wants it
  /// The address to connect to: `address`, or the URL's host when that is an
  /// IP literal; unset means resolve `host`.
  std::optional<boost::asio::ip::address> connect_address;
  bool host_is_ip = false;  ///< check the certificate's IP SANs, send no SNI
};

/// Reads an upstream's settings; throws std::invalid_argument with the reason
/// for a URL that is not https://host[:port]/path, or an `address` that is not an IP.
doh_target make_doh_target(const doh_upstream& upstream);

/// The TLS client context all upstreams share: peer verification on, TLS 1.2
/// or newer, CAs from `ca_file` (PEM) or, when empty, the system's store.
/// Throws std::runtime_error naming the file when it cannot be loaded.
std::shared_ptr<boost::asio::ssl::context> make_doh_tls_context(const std::string& ca_file);

class doh_connection {
 public:
  using handler = std::function<void(boost::system::error_code, std::vector<std::byte> answer)>;

  virtual ~doh_connection() = default;

  /// POSTs `message` (application/dns-message) and reads the answer's body,
  /// connecting first (resolve, TCP, TLS with certificate and host checks) if
  /// not connected yet. Only when !busy(). `done` is called exactly once, on
  /// the core loop, never before send() returns, also after close(). Any error
  /// closes the connection; so does a response that asks for it.
  virtual void send(std::shared_ptr<const std::vector<std::byte>> message, handler done) = 0;
  /// Closes the socket now; a send() in progress fails (no timeout of its own: the caller owns deadlines).
  virtual void close() = 0;

  virtual bool busy() const = 0;
  /// Connected, idle and fit for another request.
  virtual bool reusable() const = 0;
  /// Answers received on this connection so far.
  virtual std::size_t answered() const = 0;
};

struct doh_connection_settings {
  std::size_t max_response_size = 64 * 1024;  ///< the body; a larger one is an error
  std::chrono::seconds idle_timeout{30};       ///< an idle connection closes itself after this
};

/// A new, unconnected connection; `id` tags its log lines.
std::shared_ptr<doh_connection> make_doh_connection(boost::asio::io_context& core,
                                                    std::shared_ptr<boost::asio::ssl::context> tls,
                                                    std::shared_ptr<const doh_target> target,
                                                    doh_connection_settings settings, std::uint64_t id);

}  // namespace switchyard::gateway
