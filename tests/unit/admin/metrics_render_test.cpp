// tests/unit/admin/metrics_render_test.cpp - GET /metrics over real networks (lwIP,
// switch, services): well-formed text, exact traffic counters, lwIP pools, process_*.
#include "gateway/admin/metrics.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "gateway/config.hpp"
#include "gateway/network_registry.hpp"
#include "stack/lwip_core.hpp"
#include "stack/lwip_stats.hpp"
#include "tests/support/test_lan.hpp"

namespace switchyard::gateway {
namespace {

// Checks the exposition the way a scraper reads it: every line a comment or a
// sample, HELP and TYPE once per family before its samples, families not split,
// every sample named after its family. Returns the samples ("name{labels}" -> value).
std::map<std::string, std::string> parse_exposition(const std::string& text) {
  static const std::string name_re = "([a-zA-Z_:][a-zA-Z0-9_:]*)";
  static const std::string label = R"([a-zA-Z_][a-zA-Z0-9_]*="(\\[\\"n]|[^"\\\n])*")";  // only \\ \" \n escapes
  static const std::string value = R"(([-+]?[0-9]+(\.[0-9]+)?(e[-+]?[0-9]+)?|\+Inf|-Inf|NaN))";
  static const std::regex comment("# (HELP|TYPE) " + name_re + " (.*)");
  static const std::regex sample(name_re + "(\\{" + label + "(," + label + ")*\\})? " + value);
  static const std::set<std::string> types{"counter", "gauge", "histogram"};
  std::map<std::string, std::string> samples;
  std::map<std::string, std::string> type_of;
  std::set<std::string> helped, finished;
  std::string current;
  std::istringstream in(text);
  std::string line;
  EXPECT_TRUE(text.empty() || text.back() == '\n');
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, m, comment)) {
      std::string name = m[2];
      if (name != current) {
        EXPECT_FALSE(finished.contains(name)) << "family split: " << name;
        if (!current.empty()) finished.insert(current);
        current = name;
      }
      if (m[1] == "HELP") {
        EXPECT_TRUE(helped.insert(name).second) << "second HELP for " << name;
      } else {
        EXPECT_TRUE(types.contains(m[3])) << line;
        EXPECT_TRUE(type_of.emplace(name, m[3]).second) << "second TYPE for " << name;
      }
      continue;
    }
    if (!std::regex_match(line, m, sample)) {
      ADD_FAILURE() << "not a sample: " << line;
      continue;
    }
    std::string name = m[1];
    auto it = type_of.find(current);
    EXPECT_TRUE(it != type_of.end() && helped.contains(current)) << "sample before HELP and TYPE: " << line;
    if (it != type_of.end() && it->second == "histogram") {
      EXPECT_TRUE(name == current + "_bucket" || name == current + "_sum" || name == current + "_count") << line;
    } else {
      EXPECT_EQ(name, current) << line;
    }
    if (it != type_of.end() && it->second == "counter") {
      EXPECT_TRUE(name.ends_with("_total")) << line;
    }
    auto space = line.rfind(' ');
    EXPECT_TRUE(samples.emplace(line.substr(0, space), line.substr(space + 1)).second) << "duplicate: " << line;
  }
  return samples;
}

class MetricsRender : public ::testing::Test {
 protected:
  MetricsRender() {
    auto c = parse_config(R"(
[[network]]
name = "lab"
subnet = "10.0.2.0/24"

[[network]]
name = "other"
subnet = "10.0.2.0/24"
dhcp = false
dns = false
)",
                          "metrics.toml");
    registry_ = std::make_unique<network_registry>(io_, c.networks);
  }

  std::map<std::string, std::string> scrape() { return parse_exposition(render_metrics(*registry_)); }

  boost::asio::io_context io_;
  stack::lwip_core core_{io_};
  std::unique_ptr<network_registry> registry_;
};

TEST_F(MetricsRender, IsWellFormedAndCoversEveryPart) {
  auto s = scrape();
  EXPECT_EQ(s["switchyard_networks"], "2");
  EXPECT_EQ(s[R"(switchyard_network_ports{network="lab"})"], "0");
  EXPECT_EQ(s[R"(switchyard_network_frames_in_total{network="other"})"], "0");
  EXPECT_EQ(s[R"(switchyard_network_drops_total{network="lab",reason="queue_full"})"], "0");
  EXPECT_EQ(s[R"(switchyard_dhcp_leases{network="lab"})"], "0");
  EXPECT_EQ(s[R"(switchyard_dns_queries_total{network="lab",transport="https"})"], "0");
  EXPECT_EQ(s[R"(switchyard_dns_forward_duration_seconds_bucket{network="lab",source="upstream",le="+Inf"})"], "0");
  EXPECT_EQ(s[R"(switchyard_egress_flows{network="other",proto="tcp"})"], "0");
  EXPECT_EQ(s[R"(switchyard_wisp_connections_total{network="lab"})"], "0");
  // Networks without DHCP or DNS have no such series.
  EXPECT_FALSE(s.contains(R"(switchyard_dhcp_leases{network="other"})"));
  EXPECT_FALSE(s.contains(R"(switchyard_dns_forwarded_total{network="other"})"));
  // No resolver without an egress network: no resolver series.
  EXPECT_FALSE(s.contains("switchyard_resolver_queries_total"));
  // DNS listens on TCP 53 through lwIP: a listening pcb is in use.
  ASSERT_TRUE(s.contains(R"(switchyard_lwip_pool_used{pool="tcp_pcb_listen"})"));
  EXPECT_GE(std::stoul(s[R"(switchyard_lwip_pool_used{pool="tcp_pcb_listen"})"]), 1u);
  EXPECT_EQ(s[R"(switchyard_lwip_pool_size{pool="tcp_pcb"})"], "4096");
  EXPECT_TRUE(s.contains("switchyard_lwip_heap_size_bytes"));
  EXPECT_EQ(s["switchyard_captures"], "0");
  for (const char* name : {"process_resident_memory_bytes", "process_virtual_memory_bytes", "process_open_fds",
                           "process_max_fds", "process_cpu_seconds_total", "process_start_time_seconds"})
    EXPECT_TRUE(s.contains(name)) << name;
}

TEST_F(MetricsRender, CountsFramesThroughTheSwitchExactly) {
  auto* lab = registry_->find("lab");
  ASSERT_TRUE(lab && lab->network);
  test::recording_vm vm;
  auto port = lab->network->attach(vm);
  // An echo request to the gateway: in from the VM, out to the gateway; the
  // gateway's reply (padded to 60 bytes) in from the gateway, out to the VM.
  auto echo = test::icmp_echo_frame(lab->network->gateway_mac(), test::vm_mac, test::vm_ip, test::lan_gateway, 7, 1);
  ASSERT_EQ(echo.size(), 58u);
  lab->network->receive(port, echo);
  ASSERT_EQ(vm.frames.size(), 1u);
  auto s = scrape();
  EXPECT_EQ(s[R"(switchyard_network_ports{network="lab"})"], "1");
  EXPECT_EQ(s[R"(switchyard_network_frames_in_total{network="lab"})"], "2");
  EXPECT_EQ(s[R"(switchyard_network_frames_out_total{network="lab"})"], "2");
  EXPECT_EQ(s[R"(switchyard_network_bytes_in_total{network="lab"})"], "118");
  EXPECT_EQ(s[R"(switchyard_network_bytes_out_total{network="lab"})"], "118");
  EXPECT_EQ(s[R"(switchyard_network_frames_in_total{network="other"})"], "0");

  // A runt is dropped and counted by reason; the port leaving keeps the totals.
  lab->network->receive(port, std::vector<std::byte>(10));
  lab->network->detach(port);
  s = scrape();
  EXPECT_EQ(s[R"(switchyard_network_ports{network="lab"})"], "0");
  EXPECT_EQ(s[R"(switchyard_network_frames_in_total{network="lab"})"], "3");
  EXPECT_EQ(s[R"(switchyard_network_drops_total{network="lab",reason="runt"})"], "1");
}

TEST_F(MetricsRender, LeavesOutRemovedNetworks) {
  ASSERT_TRUE(registry_->remove("other"));
  auto text = render_metrics(*registry_);
  parse_exposition(text);
  EXPECT_EQ(text.find(R"(network="other")"), std::string::npos);
  EXPECT_NE(text.find("switchyard_networks 1\n"), std::string::npos);
}

TEST(LwipStats, WidensWrappingCounters) {
  EXPECT_EQ(stack::widen_counter(0, 0, 5, 16), 5u);
  EXPECT_EQ(stack::widen_counter(5, 5, 5, 16), 5u);
  EXPECT_EQ(stack::widen_counter(100, 65530, 4, 16), 110u);  // wrapped: 6 to 65535, then 4
  EXPECT_EQ(stack::widen_counter(70000, 10, 12, 32), 70002u);
  EXPECT_EQ(stack::widen_counter(1, 0xffffffff, 0, 32), 2u);
}

}  // namespace
}  // namespace switchyard::gateway
