// bench/wisp_load/main.cpp - wisp_load's entry point: picks the role and builds the client's parts in order.
//
// Theory of operation
//   One process, one thread, Boost.Asio, two roles:
//
//   target  `--serve echo|download --listen 127.0.0.1:0` (targets.hpp) prints
//           "listening on HOST:PORT" and serves until killed.
//   client  `--mode echo|download|opens|idle` runs one workload
//           (workload.hpp) over Wisp v1 (`--url ws://HOST:PORT/PATH/`,
//           wisp_connection.hpp) or, with `--direct`, over plain TCP straight
//           to the same target (the anchor, direct_stream.hpp), and prints one
//           JSON line (report.hpp).
//
//   Files: options (the command line), targets, stream (what a workload
//   drives), direct_stream and wisp_connection (the two transports),
//   workload, report; this file composes them. bench/wisp_bench.sh drives it;
//   bench/README.md ("Wisp benchmark") says what it measures and why.
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <exception>
#include <memory>
#include <vector>

#include "bench/wisp_load/common.hpp"
#include "bench/wisp_load/direct_stream.hpp"
#include "bench/wisp_load/options.hpp"
#include "bench/wisp_load/targets.hpp"
#include "bench/wisp_load/wisp_connection.hpp"
#include "bench/wisp_load/workload.hpp"

namespace switchyard::bench::wisp_load {
namespace {

/// The client: the workload, its streams (over --conns Wisp connections,
/// round-robin, or one TCP connection each) and the handshake deadline. Runs
/// until the workload finishes, which exits the process.
int run_client(const options& o) {
  asio::io_context io;
  workload w(io, o);
  std::vector<std::unique_ptr<wisp_connection>> conns;
  std::size_t pending = o.direct ? 0 : o.conns;
  if (o.direct) {
    tcp::endpoint target(asio::ip::make_address(o.host), o.port);
    for (std::size_t i = 0; i < o.streams; ++i) w.add_stream(std::make_unique<direct_stream>(io, target, w));
    asio::post(io, [&] { w.start(); });
  } else {
    for (std::size_t i = 0; i < o.conns; ++i) conns.push_back(std::make_unique<wisp_connection>(io, o, w, &pending));
    for (std::size_t i = 0; i < o.streams; ++i) w.add_stream(std::make_unique<wisp_stream>(*conns[i % o.conns], w));
    for (auto& c : conns) c->start();
  }
  // Connecting and handshakes fall under the deadline too.
  asio::steady_timer guard(io, std::chrono::seconds(30));
  guard.async_wait([&](error_code ec) {
    if (!ec && pending) w.connection_failed("Wisp handshake did not finish within 30 s");
  });
  io.run();
  return 0;
}

}  // namespace
}  // namespace switchyard::bench::wisp_load

int main(int argc, char** argv) {
  namespace wl = switchyard::bench::wisp_load;
  wl::options o = wl::parse_args(argc, argv);
  try {
    return o.serve.empty() ? wl::run_client(o) : wl::serve(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "wisp_load: %s\n", e.what());
    return 2;
  }
}
