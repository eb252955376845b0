// bench/wisp_load/options.hpp - wisp_load's command line: the flags, their defaults and checks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "bench/wisp_load/common.hpp"

namespace switchyard::bench::wisp_load {

/// Every flag, with its default. A target (`--serve`) uses only serve and
/// listen; a client the rest.
struct options {
  std::string serve, listen = "127.0.0.1:0";
  std::string mode, url, host = "127.0.0.1";
  bool direct = false;
  std::uint16_t port = 0;
  std::size_t streams = 1, conns = 1, concurrency = 0, msg = 64 * 1024, window = 4 << 20;
  std::uint64_t bytes = 1 << 30;
  double duration = 5, settle = 1, timeout = 0;
  int rss_pid = 0;
};

/// Prints "wisp_load: WHY" and the usage to stderr, exits with `code`.
[[noreturn]] void usage(const std::string& why, int code = 2);

/// Parses and checks the flags; fills in the defaults that depend on the
/// mode. Exits through usage() on any error (or on --help, with 0).
options parse_args(int argc, char** argv);

/// "HOST:PORT" (HOST a numeric address) -> endpoint; exits through usage()
/// when malformed, throws when HOST is not an address.
tcp::endpoint endpoint_of(const std::string& hostport);

}  // namespace switchyard::bench::wisp_load
