// bench/wisp_load/options.cpp - parsing and checking wisp_load's command line.
#include "bench/wisp_load/options.hpp"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <system_error>

namespace switchyard::bench::wisp_load {

namespace {

template <typename T>
T number(std::string_view flag, std::string_view text) {
  T v{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size()) usage("bad number for " + std::string(flag));
  return v;
}

}  // namespace

void usage(const std::string& why, int code) {
  std::fprintf(stderr,
               "wisp_load: %s\n"
               "usage: wisp_load --serve echo|download [--listen HOST:PORT]\n"
               "       wisp_load --mode echo|download|opens|idle (--url ws://HOST:PORT/PATH/ | --direct)\n"
               "                 --host H --port P [--streams N] [--conns K] [--bytes B] [--duration S]\n"
               "                 [--concurrency C] [--msg BYTES] [--window BYTES] [--settle S]\n"
               "                 [--rss-pid PID] [--timeout S]\n",
               why.c_str());
  std::exit(code);
}

options parse_args(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--help" || a == "-h") usage("a Wisp v1 load generator and its TCP targets (bench/README.md, \"Wisp benchmark\")", 0);
    if (a == "--direct") {
      o.direct = true;
      continue;
    }
    if (i + 1 >= argc) usage("missing value for " + std::string(a));
    std::string_view v = argv[++i];
    if (a == "--serve") o.serve = v;
    else if (a == "--listen") o.listen = v;
    else if (a == "--mode") o.mode = v;
    else if (a == "--url") o.url = v;
    else if (a == "--host") o.host = v;
    else if (a == "--port") o.port = number<std::uint16_t>(a, v);
    else if (a == "--streams") o.streams = number<std::size_t>(a, v);
    else if (a == "--conns") o.conns = number<std::size_t>(a, v);
    else if (a == "--concurrency") o.concurrency = number<std::size_t>(a, v);
    else if (a == "--msg") o.msg = number<std::size_t>(a, v);
    else if (a == "--window") o.window = number<std::size_t>(a, v);
    else if (a == "--bytes") o.bytes = number<std::uint64_t>(a, v);
    else if (a == "--duration") o.duration = number<double>(a, v);
    else if (a == "--settle") o.settle = number<double>(a, v);
    else if (a == "--timeout") o.timeout = number<double>(a, v);
    else if (a == "--rss-pid") o.rss_pid = number<int>(a, v);
    else usage("unknown flag " + std::string(a));
  }
  if (!o.serve.empty()) {
    if (o.serve != "echo" && o.serve != "download") usage("--serve takes echo or download");
    return o;
  }
  if (o.mode != "echo" && o.mode != "download" && o.mode != "opens" && o.mode != "idle")
    usage("--mode takes echo, download, opens or idle");
  if (o.direct == !o.url.empty()) usage("give exactly one of --url and --direct");
  if (o.port == 0) usage("--port is required");
  if (o.streams == 0 || o.conns == 0 || o.conns > o.streams) usage("need 1 <= --conns <= --streams");
  if (o.msg == 0 || o.msg > pattern_size) usage("--msg must be 1..1048576");
  if (o.window < o.msg) usage("--window must be >= --msg");
  if (o.concurrency == 0) o.concurrency = o.mode == "idle" ? 256 : o.mode == "opens" ? 1 : o.streams;
  if (o.timeout <= 0) o.timeout = o.duration + 120;
  return o;
}

tcp::endpoint endpoint_of(const std::string& hostport) {
  auto colon = hostport.rfind(':');
  if (colon == std::string::npos) usage("expected HOST:PORT, got " + hostport);
  return {asio::ip::make_address(hostport.substr(0, colon)), number<std::uint16_t>("port", hostport.substr(colon + 1))};
}

}  // namespace switchyard::bench::wisp_load
