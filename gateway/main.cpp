// gateway/main.cpp - the switchyard executable: flags, config, logging, then server_app.
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>

#include <CLI/CLI.hpp>

#include "gateway/config.hpp"
#include "gateway/http_session.hpp"
#include "gateway/logging.hpp"
#include "gateway/server_app.hpp"

int main(int argc, char** argv) {
  namespace gw = switchyard::gateway;

  CLI::App cli{"Switchyard - a gateway that gives browser virtual machines a network"};
  std::string config_file;
  std::string listen;
  std::string state_dir;
  std::string admin_listen;
  std::string log_level = "info";
  // No existence check on --config: load_config_file reports an unreadable file
  // in the same one-line form as every other configuration error.
  cli.add_option("--config", config_file, "TOML configuration file (default: built-in defaults)");
  cli.add_option("--listen", listen, "HOST:PORT to listen on, overrides [server] listen (port 0: any free port)");
  cli.add_option("--admin-listen", admin_listen,
                 "HOST:PORT of the admin API and dashboard, overrides [admin] listen (\"off\" disables it)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  cli.add_option("--state-dir", state_dir, "directory for persistent state (leases): default next to the config, or ./state");
  cli.add_option("--log-level", log_level, "trace, debug, info, warn, error or off (default: info)")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  cli.set_version_flag("--version", std::string("switchyard ") + std::string(gw::server_version));

  try {
    cli.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return cli.exit(e);  // --help, --version
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "switchyard: %s (see --help)\n", e.what());
    return 1;
  }

  try {
    gw::init_logging(log_level);
    gw::config cfg = config_file.empty() ? gw::default_config() : gw::load_config_file(config_file);
    if (!listen.empty()) cfg.server.listen = gw::parse_listen_address(listen, "--listen");
    if (admin_listen == "off") {
      cfg.admin.enabled = false;
    } else if (!admin_listen.empty()) {
      cfg.admin.enabled = true;
      cfg.admin.listen = gw::parse_listen_address(admin_listen, "--admin-listen");
      if (!cfg.admin.token && !gw::is_loopback_host(cfg.admin.listen.host))
        throw gw::config_error("--admin-listen: " + admin_listen +
                               " is not a loopback address: set [admin] token to expose the admin API");
    }
    // State lives where the operator said, else beside the config, else ./state.
    if (!state_dir.empty()) cfg.server.state_dir = state_dir;
    if (cfg.server.state_dir.empty())
      cfg.server.state_dir = config_file.empty() ? std::string("state")
                                                 : std::filesystem::path(config_file).parent_path().string();
    if (cfg.server.state_dir.empty()) cfg.server.state_dir = ".";
    gw::server_app app(cfg);
    return app.run();
  } catch (const gw::config_error& e) {
    std::fprintf(stderr, "switchyard: configuration error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "switchyard: %s\n", e.what());
    return 1;
  }
}
