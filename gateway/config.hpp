// gateway/config.hpp - Switchyard's configuration: embedded defaults, or a TOML
// file validated with errors that name the file, line and key.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/net/ipv4.hpp"

namespace switchyard::gateway {

/// A startup error in the configuration; what() is one line:
/// "<file>:<line>: <key>: <message>" (line omitted when unknown). <key> is a
/// path such as `network[1].subnet`; array indexes count from 0.
class config_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct listen_address {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8086;
  std::string to_string() const;
};
/// Parses "HOST:PORT" or "[V6]:PORT"; throws config_error naming `what` on failure.
listen_address parse_listen_address(std::string_view text, std::string_view what = "listen");

struct network_config {
  std::string name;                      ///< [a-z0-9][a-z0-9_-]{0,62}: used in URLs and DNS later
  net::ipv4_subnet subnet;               ///< prefix 8..30; absent in the file: 10.0.2.0/24
  net::ipv4_address gateway;             ///< inside subnet, not its network or broadcast address; default network + 2
  std::size_t mtu = 1500;                ///< 576..65500; max frame = mtu + 18
  std::optional<std::string> token;      ///< if set, /net/{name} needs ?token= or Authorization: Bearer
  std::size_t max_macs_per_port = 4;     ///< 1..64
  std::chrono::seconds mac_ageing{300};  ///< 10..86400
};

struct server_config {
  listen_address listen;
};

struct config {
  std::string source = "<defaults>";  ///< the file it came from
  server_config server;
  std::vector<network_config> networks;
};

/// The embedded defaults: network `default`, 10.0.2.0/24, gateway 10.0.2.2, on 127.0.0.1:8086.
config default_config();
/// Reads and validates a TOML file. Throws config_error (unreadable file, syntax
/// error, unknown key, bad value, duplicate network name).
config load_config_file(const std::filesystem::path& path);
/// Same, from text; `source_name` is used in error messages.
config parse_config(std::string_view toml_text, std::string_view source_name);

}  // namespace switchyard::gateway
