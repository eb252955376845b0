// tests/unit/admin/process_stats_test.cpp - the /proc parsers behind process_* metrics, and the live reader.
#include "gateway/admin/process_stats.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <fcntl.h>
#include <unistd.h>

namespace switchyard::gateway {
namespace {

// Real files from a Linux 6.1 host, trimmed.
constexpr std::string_view status_text =
    "Name:\tswitchyard\n"
    "Umask:\t0022\n"
    "State:\tS (sleeping)\n"
    "VmPeak:\t  250004 kB\n"
    "VmSize:\t  249876 kB\n"
    "VmLck:\t       0 kB\n"
    "VmHWM:\t   90112 kB\n"
    "VmRSS:\t   81234 kB\n"
    "Threads:\t1\n";

TEST(ProcessStats, ReadsMemoryFromStatusInBytes) {
  EXPECT_EQ(parse_status_kib(status_text, "VmRSS"), 81234u * 1024);
  EXPECT_EQ(parse_status_kib(status_text, "VmSize"), 249876u * 1024);
  EXPECT_FALSE(parse_status_kib(status_text, "VmSwap"));  // absent
  EXPECT_FALSE(parse_status_kib(status_text, "Threads"));  // no unit: not a size
  EXPECT_FALSE(parse_status_kib("VmRSS:\t12 MB\n", "VmRSS"));
  EXPECT_FALSE(parse_status_kib("VmRSS:\t kB\n", "VmRSS"));
  EXPECT_FALSE(parse_status_kib("VmRSS:\t99999999999999999999 kB\n", "VmRSS"));
  EXPECT_FALSE(parse_status_kib("", "VmRSS"));
  // "VmRSS" must be the whole key, not a prefix of another.
  EXPECT_FALSE(parse_status_kib("VmRSSX:\t5 kB\n", "VmRSS"));
}

TEST(ProcessStats, ReadsCpuTicksAndStartFromStat) {
  constexpr std::string_view stat =
      "26097 (cat) R 26095 26095 21848 0 -1 4194304 99 0 0 0 7 3 0 0 20 0 1 0 2933320 3133440 382 "
      "18446744073709551615 94356792143872 94356792163753 140729978490608 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n";
  auto t = parse_proc_stat(stat);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->user_ticks, 7u);
  EXPECT_EQ(t->system_ticks, 3u);
  EXPECT_EQ(t->start_ticks, 2933320u);
}

TEST(ProcessStats, CountsStatFieldsAfterTheLastParenthesisOfTheName) {
  // A command name may hold spaces and ") " itself.
  constexpr std::string_view stat =
      "42 (a) b (c) d) S 1 1 1 0 -1 0 0 0 0 0 11 22 0 0 20 0 1 0 555 100 10 0\n";
  auto t = parse_proc_stat(stat);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->user_ticks, 11u);
  EXPECT_EQ(t->system_ticks, 22u);
  EXPECT_EQ(t->start_ticks, 555u);
}

TEST(ProcessStats, RefusesShortOrGarbledStat) {
  EXPECT_FALSE(parse_proc_stat(""));
  EXPECT_FALSE(parse_proc_stat("42 no parenthesis S 1 1 1 0 -1 0 0 0 0 0 11 22 0 0 20 0 1 0 555\n"));
  EXPECT_FALSE(parse_proc_stat("42 (x) S 1 1 1 0 -1 0 0 0 0 0 11 22 0 0 20 0 1 0\n"));  // ends before field 22
  EXPECT_FALSE(parse_proc_stat("42 (x) S 1 1 1 0 -1 0 0 0 0 0 1x 22 0 0 20 0 1 0 555\n"));
}

TEST(ProcessStats, ReadsBootTime) {
  EXPECT_EQ(parse_boot_time("cpu  1 2 3\nintr 1 2 3 4\nctxt 99\nbtime 1795814518\nprocesses 5\n"), 1795814518u);
  EXPECT_FALSE(parse_boot_time("cpu  1 2 3\nctxt 99\n"));
  EXPECT_FALSE(parse_boot_time("btime soon\n"));
}

TEST(ProcessStats, ReadsTheSoftOpenFilesLimit) {
  constexpr std::string_view limits =
      "Limit                     Soft Limit           Hard Limit           Units     \n"
      "Max cpu time              unlimited            unlimited            seconds   \n"
      "Max open files            1024                 524288               files     \n"
      "Max locked memory         8388608              8388608              bytes     \n";
  auto limit = parse_open_files_limit(limits);
  ASSERT_TRUE(limit);
  EXPECT_EQ(limit->soft, 1024u);
  auto unlimited = parse_open_files_limit("Max open files            unlimited     unlimited     files\n");
  ASSERT_TRUE(unlimited);
  EXPECT_FALSE(unlimited->soft);
  EXPECT_FALSE(parse_open_files_limit("Max cpu time unlimited unlimited seconds\n"));
  EXPECT_FALSE(parse_open_files_limit("Max open files            many                 524288               files\n"));
}

TEST(ProcessStats, ReadsThisProcess) {
  auto before = read_process_stats();
  ASSERT_TRUE(before.open_fds);
  int fd = open("/dev/null", O_RDONLY);
  ASSERT_GE(fd, 0);
  auto after = read_process_stats();
  close(fd);
  ASSERT_TRUE(after.open_fds);
  EXPECT_EQ(*after.open_fds, *before.open_fds + 1);

  ASSERT_TRUE(after.resident_memory_bytes);
  ASSERT_TRUE(after.virtual_memory_bytes);
  EXPECT_GT(*after.resident_memory_bytes, 0u);
  EXPECT_GE(*after.virtual_memory_bytes, *after.resident_memory_bytes);
  ASSERT_TRUE(after.cpu_seconds);
  EXPECT_GE(*after.cpu_seconds, 0.0);
  ASSERT_TRUE(after.max_fds);  // test runners have a finite limit
  EXPECT_GE(*after.max_fds, *after.open_fds);
  ASSERT_TRUE(after.start_time_seconds);
  // This test process started within the last day, and not in the future
  // (boot time has one-second resolution).
  double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_LE(*after.start_time_seconds, now + 1);
  EXPECT_GT(*after.start_time_seconds, now - 86400);
}

}  // namespace
}  // namespace switchyard::gateway
