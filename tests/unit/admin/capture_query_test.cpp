// tests/unit/admin/capture_query_test.cpp - the capture endpoint's query string.
#include "gateway/admin/capture_query.hpp"

#include <gtest/gtest.h>

namespace switchyard::gateway::admin {
namespace {

using namespace std::chrono_literals;

capture_query ok(std::string_view q) {
  auto r = parse_capture_query(q);
  if (auto* e = std::get_if<capture_query_error>(&r)) ADD_FAILURE() << q << ": " << e->field << ": " << e->message;
  return std::get_if<capture_query>(&r) ? std::get<capture_query>(r) : capture_query{};
}

std::string field_of_error(std::string_view q) {
  auto r = parse_capture_query(q);
  auto* e = std::get_if<capture_query_error>(&r);
  if (!e) return "(accepted)";
  EXPECT_NE(e->message.find(e->field), std::string::npos) << e->message;
  return e->field;
}

TEST(CaptureQuery, EmptyMeansTheWholeNetworkWithoutLimit) {
  auto q = ok("");
  EXPECT_FALSE(q.port);
  EXPECT_FALSE(q.duration);
  EXPECT_FALSE(q.packets);
}

TEST(CaptureQuery, ReadsPortAndSeconds) {
  auto q = ok("port=3&limit=30s");
  EXPECT_EQ(q.port, 3u);
  EXPECT_EQ(q.duration, 30s);
  EXPECT_FALSE(q.packets);
}

TEST(CaptureQuery, ReadsPacketsWithAndWithoutSuffix) {
  EXPECT_EQ(ok("limit=500").packets, 500u);
  EXPECT_EQ(ok("limit=500p").packets, 500u);
  EXPECT_EQ(ok("limit=10000000").packets, 10'000'000u);
  EXPECT_EQ(ok("limit=86400s").duration, 86400s);
  EXPECT_EQ(ok("limit=1s").duration, 1s);
}

TEST(CaptureQuery, IgnoresTokenAndUnknownParameters) {
  auto q = ok("token=secret&foo=bar&&baz&port=7");
  EXPECT_EQ(q.port, 7u);
}

TEST(CaptureQuery, RejectsBadPorts) {
  for (auto q : {"port=", "port", "port=0", "port=-1", "port=+1", "port=abc", "port=1x", "port=4294967296",
                 "port=99999999999999999999", "port= 1", "port=1&port=2"})
    EXPECT_EQ(field_of_error(q), "port") << q;
}

TEST(CaptureQuery, RejectsBadLimits) {
  for (auto q : {"limit=", "limit=0", "limit=0s", "limit=0p", "limit=86401s", "limit=10000001", "limit=s", "limit=p",
                 "limit=5m", "limit=5ps", "limit=-5", "limit=1.5s", "limit=5&limit=6"})
    EXPECT_EQ(field_of_error(q), "limit") << q;
}

}  // namespace
}  // namespace switchyard::gateway::admin
