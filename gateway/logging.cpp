// gateway/logging.cpp - the process's spdlog setup: one shared stderr sink and one named logger per subsystem.
#include "gateway/logging.hpp"

#include <array>
#include <mutex>
#include <stdexcept>
#include <string>

#include <spdlog/sinks/stdout_color_sinks.h>

namespace switchyard::gateway {
namespace {

// Loggers that exist from the start, so `--log-level` applies to them even
// before their subsystem logs its first line.
constexpr std::array<std::string_view, 5> builtin_loggers = {"http", "ws", "switch", "stack", "config"};

// One line per event: time, level, logger, message. Tests and operators grep
// these lines, so the shape stays stable.
constexpr const char* log_pattern = "%Y-%m-%d %H:%M:%S.%e %^%l%$ [%n] %v";

struct logging_state {
  std::mutex mutex;  // get_logger may be called from any thread later
  spdlog::sink_ptr sink;
  spdlog::level::level_enum level = spdlog::level::info;
};

logging_state& state() {
  static logging_state s;
  return s;
}

// Caller holds state().mutex.
spdlog::sink_ptr shared_sink(logging_state& s) {
  if (!s.sink) {
    // stderr keeps stdout free for anything a tool might print; colours only
    // when stderr is a terminal, so piped logs stay plain text.
    s.sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    s.sink->set_pattern(log_pattern);
  }
  return s.sink;
}

// Caller holds state().mutex.
std::shared_ptr<spdlog::logger> find_or_create(logging_state& s, std::string_view name) {
  std::string key(name);
  if (auto existing = spdlog::get(key)) return existing;
  auto logger = std::make_shared<spdlog::logger>(key, shared_sink(s));
  logger->set_level(s.level);
  spdlog::register_logger(logger);
  return logger;
}

}  // namespace

std::optional<spdlog::level::level_enum> parse_log_level(std::string_view name) {
  if (name == "trace") return spdlog::level::trace;
  if (name == "debug") return spdlog::level::debug;
  if (name == "info") return spdlog::level::info;
  if (name == "warn") return spdlog::level::warn;
  if (name == "error") return spdlog::level::err;
  if (name == "off") return spdlog::level::off;
  return std::nullopt;
}

void init_logging(std::string_view level_name) {
  auto level = parse_log_level(level_name);
  if (!level) {
    throw std::invalid_argument("unknown log level '" + std::string(level_name) +
                                "' (expected trace, debug, info, warn, error or off)");
  }
  auto& s = state();
  std::lock_guard lock(s.mutex);
  s.level = *level;
  for (auto name : builtin_loggers) find_or_create(s, name);
  // Loggers created earlier (by get_logger before init) follow the new level too.
  spdlog::set_level(*level);
}

std::shared_ptr<spdlog::logger> get_logger(std::string_view name) {
  auto& s = state();
  std::lock_guard lock(s.mutex);
  return find_or_create(s, name);
}

}  // namespace switchyard::gateway
