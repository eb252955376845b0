// tests/unit/gateway/name_memory_test.cpp - addresses remember the names the
// resolver gave them out for, for their TTL (at least 5 minutes), bounded.
#include "gateway/egress/name_memory.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace switchyard::gateway {
namespace {

using namespace std::chrono_literals;
const auto t0 = std::chrono::steady_clock::time_point{} + 1000h;
net::ipv4_address ip(std::string_view s) { return *net::ipv4_address::parse(s); }

TEST(NameMemory, RemembersNamesPerAddressForAtLeastTheMinimumLifetime) {
  name_memory m;
  m.remember(ip("198.51.100.10"), "www.example.test", 30s, t0);
  m.remember(ip("198.51.100.10"), "cdn.example.test", 3600s, t0);
  EXPECT_EQ(m.names_for(ip("198.51.100.10"), t0 + 1s).size(), 2u);
  EXPECT_TRUE(m.names_for(ip("198.51.100.11"), t0).empty());
  // A 30 s TTL still counts for the minimum lifetime: guests cache longer than told.
  EXPECT_EQ(m.names_for(ip("198.51.100.10"), t0 + name_memory::min_lifetime - 1s).size(), 2u);
  auto later = m.names_for(ip("198.51.100.10"), t0 + name_memory::min_lifetime + 1s);
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0], "cdn.example.test");
  EXPECT_TRUE(m.names_for(ip("198.51.100.10"), t0 + 3601s).empty());
}

TEST(NameMemory, ARepeatedAnswerExtendsTheNameNotDuplicatesIt) {
  name_memory m;
  m.remember(ip("198.51.100.10"), "a.example.test", 300s, t0);
  m.remember(ip("198.51.100.10"), "a.example.test", 900s, t0 + 100s);
  auto names = m.names_for(ip("198.51.100.10"), t0 + 950s);
  ASSERT_EQ(names.size(), 1u);
}

TEST(NameMemory, KeepsAtMostEightNamesPerAddressDroppingTheFirstToExpire) {
  name_memory m;
  for (int i = 0; i < 10; ++i)
    m.remember(ip("198.51.100.10"), "n" + std::to_string(i) + ".test", std::chrono::seconds(1000 + i), t0);
  auto names = m.names_for(ip("198.51.100.10"), t0);
  EXPECT_EQ(names.size(), name_memory::max_names_per_address);
  EXPECT_EQ(std::count(names.begin(), names.end(), "n0.test"), 0);
  EXPECT_EQ(std::count(names.begin(), names.end(), "n9.test"), 1);
}

TEST(NameMemory, IsBoundedAndMakesRoomOnlyFromExpiredEntries) {
  name_memory m(2);
  m.remember(ip("198.51.100.1"), "a.test", 300s, t0);
  m.remember(ip("198.51.100.2"), "b.test", 300s, t0);
  m.remember(ip("198.51.100.3"), "c.test", 300s, t0);  // full of live entries: not learned
  EXPECT_EQ(m.size(), 2u);
  EXPECT_TRUE(m.names_for(ip("198.51.100.3"), t0).empty());
  m.remember(ip("198.51.100.3"), "c.test", 300s, t0 + 400s);  // the others expired: room again
  EXPECT_EQ(m.names_for(ip("198.51.100.3"), t0 + 400s).size(), 1u);
  EXPECT_EQ(m.size(), 1u);
}

}  // namespace
}  // namespace switchyard::gateway
