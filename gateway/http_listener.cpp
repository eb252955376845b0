// gateway/http_listener.cpp - a TCP listener: binds the configured address and
// starts one HTTP session per accepted connection (public or admin).
#include "gateway/http_listener.hpp"

#include <chrono>
#include <stdexcept>
#include <string>

#include <boost/asio/ip/address.hpp>
#include <fmt/format.h>

#include "gateway/endpoint_text.hpp"
#include "gateway/logging.hpp"

namespace switchyard::gateway {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// After a failed accept (EMFILE, ENFILE, ENOBUFS) the backlog still holds the
// connection, so accepting again at once would spin; wait a little instead.
constexpr std::chrono::milliseconds accept_retry_delay{100};

tcp::endpoint resolve(asio::io_context& core, const listen_address& address) {
  boost::system::error_code ec;
  auto ip = asio::ip::make_address(address.host, ec);
  if (!ec) return {ip, address.port};
  // A host name (e.g. "localhost"): resolving once at startup is fine, it blocks
  // before the loop runs. The first answer wins, as most servers do it.
  tcp::resolver resolver(core);
  auto results = resolver.resolve(address.host, std::to_string(address.port), tcp::resolver::passive, ec);
  if (ec || results.empty()) {
    auto why = ec ? ec : make_error_code(asio::error::host_not_found);
    throw std::runtime_error(fmt::format("cannot resolve listen address {}: {}", address.to_string(), why.message()));
  }
  return results.begin()->endpoint();
}

}  // namespace

http_listener::http_listener(asio::io_context& core, const listen_address& address, session_starter start_session,
                             std::string_view banner)
    : core_(core), acceptor_(core), retry_timer_(core), start_session_(std::move(start_session)), banner_(banner) {
  auto endpoint = resolve(core, address);
  auto fail = [&](const boost::system::error_code& ec, const char* step) {
    // ec.message() only: system_error's what() appends a source location.
    throw std::runtime_error(fmt::format("cannot {} {}: {}", step, endpoint_text(endpoint), ec.message()));
  };
  boost::system::error_code ec;
  acceptor_.open(endpoint.protocol(), ec);
  if (ec) fail(ec, "open a socket for");
  // A restart must not wait for the old process's TIME_WAIT connections.
  acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) fail(ec, "set SO_REUSEADDR on");
  acceptor_.bind(endpoint, ec);
  if (ec) fail(ec, "listen on");
  acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) fail(ec, "listen on");
  local_endpoint_ = acceptor_.local_endpoint(ec);
  if (ec) fail(ec, "read the bound address of");
}

void http_listener::run() {
  // Tests read the port from exactly these lines: keep their wording.
  get_logger("http")->info("{} {}", banner_, endpoint_text(local_endpoint_));
  do_accept();
}

void http_listener::stop() {
  boost::system::error_code ignored;
  retry_timer_.cancel();
  acceptor_.close(ignored);
}

void http_listener::do_accept() {
  // Each session gets its own socket on the core loop: the whole server runs there.
  acceptor_.async_accept(core_, [self = shared_from_this()](const boost::system::error_code& ec, tcp::socket socket) {
    self->on_accept(ec, std::move(socket));
  });
}

void http_listener::on_accept(const boost::system::error_code& ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;  // stop()
  if (ec) {
    get_logger("http")->warn("accept failed: {}; retrying in {} ms", ec.message(), accept_retry_delay.count());
    retry_timer_.expires_after(accept_retry_delay);
    retry_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& wait_ec) {
      if (!wait_ec && self->acceptor_.is_open()) self->do_accept();
    });
    return;
  }
  // Frames are small and latency-bound (ARP, TCP ACKs inside the VM's traffic).
  boost::system::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  start_session_(std::move(socket), next_session_id_++);
  do_accept();
}

}  // namespace switchyard::gateway
