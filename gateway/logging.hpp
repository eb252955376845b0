// gateway/logging.hpp - the process's spdlog setup: one shared stderr sink and one named logger per subsystem.
#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include <spdlog/spdlog.h>

namespace switchyard::gateway {

/// Parses a `--log-level` value: trace, debug, info, warn, error or off.
std::optional<spdlog::level::level_enum> parse_log_level(std::string_view name);

/// Creates the subsystem loggers (http, ws, switch, stack, config) on one stderr
/// sink at `level_name`. Throws std::invalid_argument for an unknown level.
/// Call once at startup, before any other thread exists.
void init_logging(std::string_view level_name);

/// The logger named `name`; created on first use (sharing the sink and level)
/// so subsystems added later need no registration. Never returns null.
std::shared_ptr<spdlog::logger> get_logger(std::string_view name);

}  // namespace switchyard::gateway
