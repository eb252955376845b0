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

#include "gateway/policy/policy.hpp"
#include "gateway/resolver/resolver_config.hpp"
#include "protocols/net/ethernet.hpp"
#include "protocols/net/ipv4.hpp"

namespace switchyard::gateway {

/// A startup error in the configuration; what() is one line:
/// "<file>:<line>: <key>: <message>" (line omitted when unknown). <key> is a
/// path such as `network[1].subnet`; array indexes count from 0.
class config_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  /// With the parts kept apart, for the admin API's {"error", "field"}.
  config_error(const std::string& what, std::string key, std::string message)
      : std::runtime_error(what), key_(std::move(key)), message_(std::move(message)) {}
  const std::string& key() const { return key_; }  ///< "subnet", "rule[1].ports"; may be empty
  /// The message without file, line and key (what() when the parts were not kept).
  std::string message() const { return message_.empty() ? what() : message_; }

 private:
  std::string key_, message_;
};

/// lwIP's netif index is a u8 and a few are taken: one process holds at most
/// this many networks (more networks means more processes, see DESIGN).
inline constexpr std::size_t max_networks = 250;

struct listen_address {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8086;
  std::string to_string() const;
};
/// Parses "HOST:PORT" or "[V6]:PORT"; throws config_error naming `what` on failure.
listen_address parse_listen_address(std::string_view text, std::string_view what = "listen");

/// A fixed address (and optionally a name) for a MAC: `[[network.host]]`.
struct host_reservation {
  net::mac_address mac;
  net::ipv4_address address;
  std::string name;  ///< LDH label, may be empty
};

/// A static DNS record of the network's zone: `[[network.record]]`.
struct dns_record {
  std::string type;   ///< A, AAAA, CNAME, TXT, SRV, PTR
  std::string name;   ///< relative to the domain ("db", "_pg._tcp"), "@" for the domain, or absolute with a final '.'
  std::string value;  ///< address, target name or text
  std::uint32_t ttl = 300;
  std::uint16_t priority = 0, weight = 0, port = 0;  ///< SRV only
};

/// Per-network egress quotas: one VM must never exhaust what others need.
struct egress_limits {
  std::size_t tcp_per_vm = 64;             ///< `egress_tcp_per_vm`: open outbound TCP connections per VM address
  std::size_t tcp_per_network = 1024;      ///< `egress_tcp_per_network`
  std::size_t udp_flows_per_vm = 64;       ///< `egress_udp_flows_per_vm`
  std::size_t udp_packets_per_second = 2000;  ///< `egress_udp_pps_per_vm`: outbound datagrams per VM (token bucket)
  std::chrono::seconds udp_idle_timeout{60};  ///< `egress_udp_idle`
  std::chrono::milliseconds connect_timeout{5000};  ///< `egress_connect_timeout_ms`
};

/// A Wisp password-auth account: `[[network.wisp_user]]`.
struct wisp_user {
  std::string name;      ///< 1..255 bytes
  std::string password;  ///< 1..1024 bytes
};

/// A network's Wisp endpoint (`/wisp/{name}/`).
struct wisp_settings {
  bool enabled = true;             ///< `wisp`
  std::uint32_t buffer_size = 128;  ///< `wisp_buffer`: packets of credit per TCP stream, 1..4096
  std::size_t max_streams = 64;    ///< `wisp_max_streams`: live streams per connection, 1..4096
  bool udp = true;                 ///< `wisp_udp`: UDP streams allowed
  std::string motd;                ///< `wisp_motd`: v2 message of the day, at most 1024 bytes
  std::vector<wisp_user> users;    ///< `[[network.wisp_user]]`: when any, v2 clients must authenticate (v1 is refused)
};

struct network_config {
  std::string name;                      ///< [a-z0-9][a-z0-9_-]{0,62}: used in URLs and DNS later
  net::ipv4_subnet subnet;               ///< prefix 8..30; absent in the file: 10.0.2.0/24
  net::ipv4_address gateway;             ///< inside subnet, not its network or broadcast address; default network + 2
  std::size_t mtu = 1500;                ///< 576..65500; max frame = mtu + 18
  std::optional<std::string> token;      ///< if set, /net/{name} needs ?token= or Authorization: Bearer
  std::size_t max_macs_per_port = 4;     ///< 1..64
  std::chrono::seconds mac_ageing{300};  ///< 10..86400

  bool dhcp = true;                        ///< serve DHCPv4 on the gateway
  bool dns = true;                         ///< serve DNS (UDP and TCP 53) on the gateway
  net::ipv4_address dhcp_first, dhcp_last;  ///< `dhcp_range`; default network+15 (or +3) .. broadcast-1
  std::chrono::seconds lease_time{3600};    ///< 120..604800
  std::size_t max_leases_per_port = 1;      ///< 1..16 active leases one VM connection may hold
  std::string domain;                       ///< default "<name>.lan"
  std::vector<host_reservation> hosts;
  std::vector<dns_record> records;

  /// Egress: `egress = "off" | "allowlist" | "internet"` and ordered
  /// `[[network.rule]]` tables (gateway/policy/policy.hpp).
  policy::egress_policy egress;
  egress_limits limits;

  wisp_settings wisp;
};

struct server_config {
  listen_address listen;
  std::string state_dir;  ///< `[server] state_dir` (or --state-dir); empty: next to the config, or ./state
};

/// `[admin]`: the operator's listener (API, metrics, dashboard).
struct admin_config {
  bool enabled = true;  ///< `listen = "off"` turns it off
  listen_address listen{"127.0.0.1", 8087};
  std::optional<std::string> token;  ///< required for a non-loopback `listen`
};

struct config {
  std::string source = "<defaults>";  ///< the file it came from
  server_config server;
  admin_config admin;
  /// `[resolver]` and `[[resolver.upstream]]`: the DoH client behind the LAN
  /// resolvers of networks whose egress is not off.
  resolver_config resolver;
  std::vector<network_config> networks;
};

/// The embedded defaults: network `default`, 10.0.2.0/24, gateway 10.0.2.2, on 127.0.0.1:8086.
config default_config();
/// Reads and validates a TOML file. Throws config_error (unreadable file, syntax
/// error, unknown key, bad value, duplicate network name).
config load_config_file(const std::filesystem::path& path);
/// Same, from text; `source_name` is used in error messages.
config parse_config(std::string_view toml_text, std::string_view source_name);

/// Whether `host` is a loopback address or `localhost` (no token needed there).
bool is_loopback_host(std::string_view host);

}  // namespace switchyard::gateway
