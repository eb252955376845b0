// gateway/admin/process_stats.cpp - the process's own resource use, from /proc.
#include "gateway/admin/process_stats.hpp"

#include <dirent.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <string>
#include <vector>

namespace switchyard::gateway {
namespace {

constexpr std::size_t max_proc_file = 1 << 20;  // /proc/stat's intr line grows with the CPUs; 1 MiB is plenty

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string_view trim_front(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  return s;
}

// A leading unsigned decimal of `s`, with what follows it.
std::optional<std::uint64_t> leading_number(std::string_view& s) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{}) return std::nullopt;
  s.remove_prefix(static_cast<std::size_t>(end - s.data()));
  return value;
}

// The line of `text` that starts with `prefix`, without the prefix and without its newline.
std::optional<std::string_view> line_after(std::string_view text, std::string_view prefix) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (line.starts_with(prefix)) return line.substr(prefix.size());
    pos = end + 1;
  }
  return std::nullopt;
}

std::vector<std::string_view> split_fields(std::string_view s) {
  std::vector<std::string_view> out;
  while (true) {
    s = trim_front(s);
    if (s.empty() || s.front() == '\n') break;
    std::size_t n = 0;
    while (n < s.size() && !is_space(s[n]) && s[n] != '\n') ++n;
    out.push_back(s.substr(0, n));
    s.remove_prefix(n);
  }
  return out;
}

std::optional<std::uint64_t> number(std::string_view field) {
  auto value = leading_number(field);
  return value && field.empty() ? value : std::nullopt;
}

std::optional<std::string> read_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  // /proc files report size 0: read until the end, bounded.
  std::string text;
  char chunk[4096];
  while (text.size() < max_proc_file && in.read(chunk, sizeof chunk).gcount() > 0)
    text.append(chunk, static_cast<std::size_t>(in.gcount()));
  return text;
}

std::optional<std::uint64_t> count_open_fds() {
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return std::nullopt;
  std::uint64_t n = 0;
  while (const dirent* e = readdir(dir))
    if (e->d_name[0] != '.') ++n;  // the directory's own descriptor counts, as in Prometheus' clients
  closedir(dir);
  return n;
}

}  // namespace

std::optional<std::uint64_t> parse_status_kib(std::string_view status, std::string_view key) {
  auto rest = line_after(status, std::string(key) + ":");
  if (!rest) return std::nullopt;
  std::string_view s = trim_front(*rest);
  auto value = leading_number(s);
  if (!value || trim_front(s) != "kB") return std::nullopt;
  if (*value > UINT64_MAX / 1024) return std::nullopt;
  return *value * 1024;
}

std::optional<proc_stat_times> parse_proc_stat(std::string_view stat) {
  auto close = stat.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  auto fields = split_fields(stat.substr(close + 1));  // fields[0] is field 3 (state)
  auto field = [&](std::size_t n) { return n - 3 < fields.size() ? number(fields[n - 3]) : std::nullopt; };
  auto user = field(14), system = field(15), start = field(22);
  if (!user || !system || !start) return std::nullopt;
  return proc_stat_times{.user_ticks = *user, .system_ticks = *system, .start_ticks = *start};
}

std::optional<std::uint64_t> parse_boot_time(std::string_view proc_stat) {
  auto rest = line_after(proc_stat, "btime ");
  if (!rest) return std::nullopt;
  auto fields = split_fields(*rest);
  return fields.size() == 1 ? number(fields[0]) : std::nullopt;
}

std::optional<open_files_limit> parse_open_files_limit(std::string_view limits) {
  auto rest = line_after(limits, "Max open files ");
  if (!rest) return std::nullopt;
  auto fields = split_fields(*rest);  // soft, hard, units
  if (fields.size() != 3 || fields[2] != "files") return std::nullopt;
  if (fields[0] == "unlimited") return open_files_limit{};
  auto soft = number(fields[0]);
  if (!soft) return std::nullopt;
  return open_files_limit{.soft = soft};
}

process_stats read_process_stats() {
  process_stats out;
  if (auto status = read_file("/proc/self/status")) {
    out.resident_memory_bytes = parse_status_kib(*status, "VmRSS");
    out.virtual_memory_bytes = parse_status_kib(*status, "VmSize");
  }
  out.open_fds = count_open_fds();
  if (auto limits = read_file("/proc/self/limits"))
    if (auto limit = parse_open_files_limit(*limits)) out.max_fds = limit->soft;

  long ticks_per_second = sysconf(_SC_CLK_TCK);
  auto stat = read_file("/proc/self/stat");
  auto times = stat ? parse_proc_stat(*stat) : std::nullopt;
  if (!times || ticks_per_second <= 0) return out;
  auto hz = static_cast<double>(ticks_per_second);
  out.cpu_seconds = static_cast<double>(times->user_ticks + times->system_ticks) / hz;
  // The boot time never changes while we run: read /proc/stat once.
  static const std::optional<std::uint64_t> boot_time = [] {
    auto text = read_file("/proc/stat");
    return text ? parse_boot_time(*text) : std::nullopt;
  }();
  if (boot_time)
    out.start_time_seconds = static_cast<double>(*boot_time) + static_cast<double>(times->start_ticks) / hz;
  return out;
}

}  // namespace switchyard::gateway
