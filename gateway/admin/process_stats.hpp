// gateway/admin/process_stats.hpp - the process's own resource use for the
// standard process_* metrics: pure parsers of /proc text, and a thin reader.
//
// The same sources Prometheus' client libraries use: /proc/self/status
// (VmRSS, VmSize), /proc/self/stat (CPU ticks, start time in ticks since
// boot), /proc/stat (btime, the boot time), /proc/self/limits (open files)
// and the entries of /proc/self/fd. Every parser takes the file's text and
// returns nothing for text it does not understand.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace switchyard::gateway {

struct process_stats {
  std::optional<std::uint64_t> resident_memory_bytes;
  std::optional<std::uint64_t> virtual_memory_bytes;
  std::optional<std::uint64_t> open_fds;
  std::optional<std::uint64_t> max_fds;  ///< the soft limit; nullopt when unlimited
  std::optional<double> cpu_seconds;     ///< user + system
  std::optional<double> start_time_seconds;  ///< since the Unix epoch
};

/// /proc/self/status: a "Key:   value kB" line's value in bytes (VmRSS, VmSize).
std::optional<std::uint64_t> parse_status_kib(std::string_view status, std::string_view key);

struct proc_stat_times {
  std::uint64_t user_ticks = 0, system_ticks = 0;  ///< fields 14 and 15
  std::uint64_t start_ticks = 0;                   ///< field 22: after boot, in clock ticks
};
/// /proc/self/stat. The command name (field 2) is in parentheses and may
/// itself hold spaces and parentheses: fields are counted after the last ')'.
std::optional<proc_stat_times> parse_proc_stat(std::string_view stat);

/// /proc/stat: the boot time ("btime SECONDS") in seconds since the epoch.
std::optional<std::uint64_t> parse_boot_time(std::string_view proc_stat);

struct open_files_limit {
  std::optional<std::uint64_t> soft;  ///< nullopt: unlimited
};
/// /proc/self/limits: the "Max open files" row's soft limit.
std::optional<open_files_limit> parse_open_files_limit(std::string_view limits);

/// Reads the running process's figures (what cannot be read stays nullopt).
process_stats read_process_stats();

}  // namespace switchyard::gateway
