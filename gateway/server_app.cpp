// gateway/server_app.cpp - the composition root: builds the core loop, lwIP, the
// networks and the listener in order, runs them, and stops on SIGINT/SIGTERM.
//
// Shutdown: a signal closes the acceptor, sends every relay session a 1001
// close and stops the loop after a short grace. Sessions never touch their
// network from their destructors, because the networks die before the loop.
#include "gateway/server_app.hpp"

#include <algorithm>
#include <csignal>

#include "gateway/logging.hpp"

namespace switchyard::gateway {

namespace {

std::unique_ptr<lease_store> open_lease_store(const config& cfg) {
  auto store = std::make_unique<lease_store>(std::filesystem::path(cfg.server.state_dir) / "switchyard.db");
  if (store->set_aside())
    get_logger("dhcp")->warn("lease store {} was not a usable database: moved to {}, starting with no leases",
                             store->path().string(), store->set_aside()->string());
  get_logger("dhcp")->info("leases in {}", store->path().string());
  return store;
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
      listener_(std::make_shared<http_listener>(core_, cfg.server.listen, networks_)),
      signals_(core_, SIGINT, SIGTERM),
      shutdown_timer_(core_) {
  get_logger("config")->info("configuration from {}: {} network(s)", cfg.source, networks_.size());
}

server_app::~server_app() = default;

int server_app::run() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signal_number) {
    if (ec) return;
    get_logger("http")->info("signal {} received, shutting down", signal_number);
    stop();
  });
  listener_->run();
  core_.run();
  get_logger("http")->info("stopped");
  return 0;
}

void server_app::stop() {
  listener_->stop();
  boost::system::error_code ignored;
  signals_.cancel(ignored);
  // Relay sessions get a 1001 close (v86 reconnects at once instead of
  // timing out); the loop runs a moment longer so those frames leave.
  if (networks_.close_sessions() == 0) return core_.stop();
  shutdown_timer_.expires_after(shutdown_grace);
  shutdown_timer_.async_wait([this](const boost::system::error_code&) { core_.stop(); });
}

}  // namespace switchyard::gateway
