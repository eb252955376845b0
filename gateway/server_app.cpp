// gateway/server_app.cpp - the composition root: builds the core loop, lwIP, the
// networks and the listener in order, runs them, and stops on SIGINT/SIGTERM.
//
// Shutdown: a signal closes the acceptor, sends every relay session a 1001
// close and stops the loop after a short grace. Sessions never touch their
// network from their destructors, because the networks die before the loop.
#include "gateway/server_app.hpp"

#include <algorithm>
#include <csignal>

#include "gateway/admin/capture_stream.hpp"
#include "gateway/endpoint_text.hpp"
#include "gateway/http_session.hpp"
#include "gateway/logging.hpp"

namespace switchyard::gateway {

namespace {

std::filesystem::path state_file(const config& cfg) {
  return std::filesystem::path(cfg.server.state_dir) / "switchyard.db";
}

std::unique_ptr<lease_store> open_lease_store(const config& cfg) {
  auto store = std::make_unique<lease_store>(state_file(cfg));
  if (store->set_aside())
    get_logger("dhcp")->warn("lease store {} was not a usable database: moved to {}, starting with no leases",
                             store->path().string(), store->set_aside()->string());
  get_logger("dhcp")->info("leases in {}", store->path().string());
  return store;
}


admin::server_facts make_facts() {
  admin::server_facts facts;
  facts.version = std::string(server_version);
  return facts;
}

std::unique_ptr<resolver> make_resolver(boost::asio::io_context& core, const config& cfg) {
  bool any_egress = std::any_of(cfg.networks.begin(), cfg.networks.end(),
                                [](const network_config& n) { return n.egress.mode != policy::egress_mode::off; });
  if (!any_egress) return nullptr;
  auto log = get_logger("dns");
  for (const auto& u : cfg.resolver.upstreams)
    log->info("resolver upstream {}{}", u.url, u.address ? " at " + *u.address : std::string());
  return std::make_unique<resolver>(core, cfg.resolver);
}

}  // namespace

server_app::server_app(const config& cfg)
    : lwip_(core_),
      leases_(open_lease_store(cfg)),
      resolver_(make_resolver(core_, cfg)),
      networks_(core_, cfg.networks, leases_.get(), resolver_.get()),
      admin_store_(std::make_unique<admin::admin_store>(state_file(cfg))),
      admin_api_(networks_, admin_store_.get(), make_facts()),
      listener_(std::make_shared<http_listener>(
          core_, cfg.server.listen,
          [this](boost::asio::ip::tcp::socket socket, std::uint64_t id) {
            start_http_session(std::move(socket), networks_, id);
          })),
      signals_(core_, SIGINT, SIGTERM),
      shutdown_timer_(core_) {
  admin_api_.restore();
  auto& facts = admin_api_.facts();
  facts.public_listen = endpoint_text(listener_->local_endpoint());
  facts.token_required = cfg.admin.token.has_value();
  if (cfg.admin.enabled) {
    admin_context_.emplace(admin::admin_context{networks_, admin_api_, cfg.admin.token});
    admin_listener_ = std::make_shared<http_listener>(
        core_, cfg.admin.listen,
        [this](boost::asio::ip::tcp::socket socket, std::uint64_t id) {
          admin::start_admin_session(std::move(socket), *admin_context_, id);
        },
        "admin API on");
    facts.admin_listen = endpoint_text(admin_listener_->local_endpoint());
  }
  get_logger("config")->info("configuration from {}: {} network(s)", cfg.source, networks_.size());
}

server_app::~server_app() = default;

int server_app::run() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signal_number) {
    if (ec) return;
    get_logger("http")->info("signal {} received, shutting down", signal_number);
    stop();
  });
  // The admin line first: tests take both ports once the public line is there.
  if (admin_listener_) admin_listener_->run();
  listener_->run();
  core_.run();
  get_logger("http")->info("stopped");
  return 0;
}

void server_app::stop() {
  listener_->stop();
  if (admin_listener_) admin_listener_->stop();
  boost::system::error_code ignored;
  signals_.cancel(ignored);
  // Relay sessions get a 1001 close (v86 reconnects at once instead of
  // timing out) and captures their closing statistics block; the loop runs a
  // moment longer so those bytes leave.
  if (networks_.close_sessions() + admin::end_captures() == 0) return core_.stop();
  shutdown_timer_.expires_after(shutdown_grace);
  shutdown_timer_.async_wait([this](const boost::system::error_code&) { core_.stop(); });
}

}  // namespace switchyard::gateway
