// gateway/resolver/doh_client.hpp - one DoH upstream (RFC 8484): its connections, the queries
// waiting for them, deadlines and the retry after a closed keep-alive connection. Core loop only.
//
// Theory of operation
//   HTTP/1.1 carries one request at a time per connection, and pipelining is
//   fragile, so the client keeps up to `max_connections` kept-alive TLS
//   connections (default 2: a slow answer does not stall every other query,
//   yet a burst does not open a connection per query) and a FIFO of at most
//   `max_queued` queries waiting for one; more fail at once with queue_full
//   (the resolver then asks the next upstream). Each query has a deadline
//   covering the wait, connect, TLS and the exchange; when it passes the query
//   fails with timed_out and its connection, if it had one, is closed.
//   A kept-alive connection may have been closed by the server meanwhile
//   (idle timeout, restart): a query that fails on the transport of a
//   connection that had answered before is sent once more on a new one (DNS
//   queries are idempotent). Errors from a server that did answer (HTTP
//   status, content type) are not retried here.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/system/error_code.hpp>

#include "gateway/resolver/doh_connection.hpp"
#include "gateway/resolver/resolver_config.hpp"

namespace switchyard::gateway {

struct doh_client_limits {
  std::size_t max_connections = 2;
  std::size_t max_queued = 64;
  doh_connection_settings connection;
};

struct doh_client_counters {
  std::uint64_t queries = 0, connections = 0, retries = 0, timeouts = 0, rejected = 0;
};

class doh_client {
 public:
  using callback = std::function<void(boost::system::error_code, std::vector<std::byte> answer)>;
  using ticket = std::uint64_t;
  using clock = std::chrono::steady_clock;

  /// Throws std::invalid_argument for an unusable `upstream` (make_doh_target).
  doh_client(boost::asio::io_context& core, std::shared_ptr<boost::asio::ssl::context> tls,
             const doh_upstream& upstream, doh_client_limits limits = {});
  /// Closes every connection; no callback is called afterwards.
  ~doh_client();
  doh_client(const doh_client&) = delete;
  doh_client& operator=(const doh_client&) = delete;

  /// Sends the DNS `message` and calls `done` exactly once, on the core loop and
  /// never before query() returns, with the answer's body (at most
  /// max_response_size bytes, not yet checked as DNS) or an error — unless
  /// cancel() is called first or the client is destroyed.
  ticket query(std::vector<std::byte> message, clock::time_point deadline, callback done);
  /// Forgets a query: its callback will not be called. Unknown tickets are ignored.
  void cancel(ticket t);

  const std::string& url() const;
  const doh_client_counters& counters() const;

 private:
  class pool;
  std::shared_ptr<pool> pool_;
};

}  // namespace switchyard::gateway
