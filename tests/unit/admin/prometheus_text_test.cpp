// tests/unit/admin/prometheus_text_test.cpp - the text exposition format 0.0.4 writer: exact output.
#include "gateway/admin/prometheus_text.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace switchyard::gateway {
namespace {

TEST(PrometheusText, WritesHelpAndTypeOncePerFamilyWithItsSamplesGrouped) {
  prometheus_text m;
  // Walking networks one by one interleaves families; the text groups them.
  for (std::string_view net : {"a", "b"}) {
    m.counter("sy_frames_total", "Frames seen").add({{"network", net}}, std::uint64_t{net == "a" ? 3u : 4u});
    m.gauge("sy_ports", "Ports attached").add({{"network", net}}, std::uint64_t{1});
  }
  EXPECT_EQ(m.text(),
            "# HELP sy_frames_total Frames seen\n"
            "# TYPE sy_frames_total counter\n"
            "sy_frames_total{network=\"a\"} 3\n"
            "sy_frames_total{network=\"b\"} 4\n"
            "# HELP sy_ports Ports attached\n"
            "# TYPE sy_ports gauge\n"
            "sy_ports{network=\"a\"} 1\n"
            "sy_ports{network=\"b\"} 1\n");
}

TEST(PrometheusText, WritesSamplesWithoutLabelsAndWithSeveral) {
  prometheus_text m;
  m.gauge("up", "Whether it runs").add({}, std::uint64_t{1});
  m.counter("sy_drops_total", "Drops").add({{"network", "lab"}, {"reason", "runt"}}, std::uint64_t{0});
  EXPECT_EQ(m.text(),
            "# HELP up Whether it runs\n"
            "# TYPE up gauge\n"
            "up 1\n"
            "# HELP sy_drops_total Drops\n"
            "# TYPE sy_drops_total counter\n"
            "sy_drops_total{network=\"lab\",reason=\"runt\"} 0\n");
}

TEST(PrometheusText, EscapesLabelValuesAndHelp) {
  prometheus_text m;
  m.gauge("g", "a \\ back\nslash \"quoted\"").add({{"network", "x\\y\"z\nw"}}, std::uint64_t{7});
  EXPECT_EQ(m.text(),
            "# HELP g a \\\\ back\\nslash \"quoted\"\n"
            "# TYPE g gauge\n"
            "g{network=\"x\\\\y\\\"z\\nw\"} 7\n");
  EXPECT_EQ(escape_label_value("plain"), "plain");
  EXPECT_EQ(escape_label_value(""), "");
}

TEST(PrometheusText, FormatsValues) {
  EXPECT_EQ(format_value(0.0), "0");
  EXPECT_EQ(format_value(2.5), "2.5");
  EXPECT_EQ(format_value(0.001), "0.001");
  EXPECT_EQ(format_value(1700000000.25), "1700000000.25");
  EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_value(std::nan("")), "NaN");
  prometheus_text m;
  m.gauge("big", "Exact integers").add({}, std::uint64_t{18446744073709551615u});
  EXPECT_EQ(m.text(), "# HELP big Exact integers\n# TYPE big gauge\nbig 18446744073709551615\n");
}

TEST(PrometheusText, WritesCumulativeHistogramBucketsWithInfSumAndCount) {
  prometheus_text m;
  std::array<double, 3> bounds{0.001, 0.01, 0.1};
  std::array<std::uint64_t, 4> counts{2, 0, 3, 1};  // one above every bound
  m.histogram("sy_latency_seconds", "Latency")
      .add_histogram({{"network", "lab"}}, {.bounds = bounds, .bucket_counts = counts, .sum = 0.75});
  EXPECT_EQ(m.text(),
            "# HELP sy_latency_seconds Latency\n"
            "# TYPE sy_latency_seconds histogram\n"
            "sy_latency_seconds_bucket{network=\"lab\",le=\"0.001\"} 2\n"
            "sy_latency_seconds_bucket{network=\"lab\",le=\"0.01\"} 2\n"
            "sy_latency_seconds_bucket{network=\"lab\",le=\"0.1\"} 5\n"
            "sy_latency_seconds_bucket{network=\"lab\",le=\"+Inf\"} 6\n"
            "sy_latency_seconds_sum{network=\"lab\"} 0.75\n"
            "sy_latency_seconds_count{network=\"lab\"} 6\n");
}

TEST(PrometheusText, WritesAnEmptyHistogramWithoutLabels) {
  prometheus_text m;
  std::array<double, 1> bounds{1};
  std::array<std::uint64_t, 2> counts{0, 0};
  m.histogram("h_seconds", "H").add_histogram({}, {.bounds = bounds, .bucket_counts = counts, .sum = 0});
  EXPECT_EQ(m.text(),
            "# HELP h_seconds H\n# TYPE h_seconds histogram\n"
            "h_seconds_bucket{le=\"1\"} 0\nh_seconds_bucket{le=\"+Inf\"} 0\nh_seconds_sum 0\nh_seconds_count 0\n");
}

TEST(PrometheusText, LeavesOutFamiliesWithoutSamples) {
  prometheus_text m;
  m.gauge("nothing_yet", "No samples");
  EXPECT_EQ(m.text(), "");
}

TEST(PrometheusText, ValidatesNames) {
  EXPECT_TRUE(is_valid_metric_name("switchyard_network_ports"));
  EXPECT_TRUE(is_valid_metric_name("a:b_c9"));
  EXPECT_TRUE(is_valid_metric_name(":recorded"));
  EXPECT_FALSE(is_valid_metric_name(""));
  EXPECT_FALSE(is_valid_metric_name("9lives"));
  EXPECT_FALSE(is_valid_metric_name("has-dash"));
  EXPECT_FALSE(is_valid_metric_name("sp ace"));
  EXPECT_TRUE(is_valid_label_name("network"));
  EXPECT_TRUE(is_valid_label_name("_x1"));
  EXPECT_FALSE(is_valid_label_name("__reserved"));
  EXPECT_FALSE(is_valid_label_name("a:b"));
  EXPECT_FALSE(is_valid_label_name("1a"));
  EXPECT_FALSE(is_valid_label_name(""));
}

TEST(PrometheusText, RefusesProgrammingErrors) {
  prometheus_text m;
  EXPECT_THROW(m.gauge("bad-name", "x"), std::invalid_argument);
  EXPECT_THROW(m.counter("frames", "a counter without _total"), std::invalid_argument);
  m.gauge("g", "help");
  EXPECT_THROW(m.counter("g", "help"), std::invalid_argument);   // another type
  EXPECT_THROW(m.gauge("g", "other"), std::invalid_argument);    // another help
  EXPECT_THROW(m.gauge("g", "help").add({{"__x", "v"}}, std::uint64_t{1}), std::invalid_argument);
  auto& h = m.histogram("h", "help");
  std::array<double, 2> bounds{1, 2};
  std::array<std::uint64_t, 2> too_few{0, 0};
  EXPECT_THROW(h.add_histogram({}, {.bounds = bounds, .bucket_counts = too_few, .sum = 0}), std::invalid_argument);
  std::array<double, 2> descending{2, 1};
  std::array<std::uint64_t, 3> counts{0, 0, 0};
  EXPECT_THROW(h.add_histogram({}, {.bounds = descending, .bucket_counts = counts, .sum = 0}), std::invalid_argument);
  EXPECT_THROW(h.add_histogram({{"le", "1"}}, {.bounds = bounds, .bucket_counts = counts, .sum = 0}),
               std::invalid_argument);
  EXPECT_THROW(h.add({}, std::uint64_t{1}), std::invalid_argument);
  EXPECT_EQ(m.text(), "");  // nothing half-written
}

}  // namespace
}  // namespace switchyard::gateway
