// tests/unit/gateway/config_wisp_test.cpp - the Wisp keys of [[network]] and
// [[network.wisp_user]]: defaults, every key's happy path and every error.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gateway/config.hpp"
#include "tests/support/config_errors.hpp"

namespace switchyard::gateway {
namespace {

using ::testing::HasSubstr;

std::string error_of(std::string_view text) { return test::config_error_of(text, "lab.toml"); }
// A [[network]] named "a" (lines 1-2) followed by `rest`, which starts on line 3.
std::string network_with(std::string_view rest) { return "[[network]]\nname = \"a\"\n" + std::string(rest); }
network_config network_of(std::string_view rest) { return parse_config(network_with(rest), "lab.toml").networks[0]; }

TEST(ConfigWisp, DefaultsAreOnWith128CreditAnd64Streams) {
  for (const config& c : {default_config(), parse_config(network_with(""), "lab.toml")}) {
    const auto& w = c.networks[0].wisp;
    EXPECT_TRUE(w.enabled);
    EXPECT_EQ(w.buffer_size, 128u);
    EXPECT_EQ(w.max_streams, 64u);
    EXPECT_TRUE(w.udp);
    EXPECT_TRUE(w.motd.empty());
    EXPECT_TRUE(w.users.empty());
  }
}

TEST(ConfigWisp, ReadsEveryKey) {
  auto n = network_of(
      "wisp = false\nwisp_buffer = 32\nwisp_max_streams = 500\nwisp_udp = false\nwisp_motd = \"class 7b\"\n"
      "[[network.wisp_user]]\nname = \"teacher\"\npassword = \"s3cret\"\n"
      "[[network.wisp_user]]\nname = \"ta\"\npassword = \"other\"\n");
  EXPECT_FALSE(n.wisp.enabled);
  EXPECT_EQ(n.wisp.buffer_size, 32u);
  EXPECT_EQ(n.wisp.max_streams, 500u);
  EXPECT_FALSE(n.wisp.udp);
  EXPECT_EQ(n.wisp.motd, "class 7b");
  ASSERT_EQ(n.wisp.users.size(), 2u);
  EXPECT_EQ(n.wisp.users[0].name, "teacher");
  EXPECT_EQ(n.wisp.users[0].password, "s3cret");
  EXPECT_EQ(n.wisp.users[1].name, "ta");
}

TEST(ConfigWisp, RefusesBadValuesWithFileLineAndKey) {
  EXPECT_EQ(error_of(network_with("wisp = \"yes\"\n")), "lab.toml:3: network[0].wisp: expected true or false");
  EXPECT_EQ(error_of(network_with("wisp_buffer = 0\n")),
            "lab.toml:3: network[0].wisp_buffer: must be between 1 and 4096, got 0");
  EXPECT_EQ(error_of(network_with("wisp_max_streams = 5000\n")),
            "lab.toml:3: network[0].wisp_max_streams: must be between 1 and 4096, got 5000");
  EXPECT_EQ(error_of(network_with("wisp_udp = 1\n")), "lab.toml:3: network[0].wisp_udp: expected true or false");
  EXPECT_EQ(error_of(network_with("wisp_motd = \"" + std::string(1025, 'x') + "\"\n")),
            "lab.toml:3: network[0].wisp_motd: must be at most 1024 bytes long");
  EXPECT_THAT(error_of(network_with("wisp_bufer = 3\n")), HasSubstr("did you mean 'wisp_buffer'?"));
}

TEST(ConfigWisp, RefusesBadUsers) {
  EXPECT_EQ(error_of(network_with("wisp_user = 3\n")),
            "lab.toml:3: network[0].wisp_user: expected an array of tables ([[network.wisp_user]]), got an integer");
  EXPECT_EQ(error_of(network_with("[[network.wisp_user]]\npassword = \"p\"\n")),
            "lab.toml:3: network[0].wisp_user[0].name: missing");
  EXPECT_EQ(error_of(network_with("[[network.wisp_user]]\nname = \"u\"\n")),
            "lab.toml:3: network[0].wisp_user[0].password: missing");
  EXPECT_EQ(error_of(network_with("[[network.wisp_user]]\nname = \"\"\npassword = \"p\"\n")),
            "lab.toml:4: network[0].wisp_user[0].name: must be 1 to 255 bytes long");
  EXPECT_EQ(error_of(network_with("[[network.wisp_user]]\nname = \"u\"\npassword = \"\"\n")),
            "lab.toml:5: network[0].wisp_user[0].password: must be 1 to 1024 bytes long");
  EXPECT_EQ(error_of(network_with("[[network.wisp_user]]\nname = \"u\"\npassword = \"p\"\n"
                                  "[[network.wisp_user]]\nname = \"u\"\npassword = \"q\"\n")),
            "lab.toml:7: network[0].wisp_user[1].name: \"u\" is listed twice");
  EXPECT_THAT(error_of(network_with("[[network.wisp_user]]\nname = \"u\"\npassword = \"p\"\nrole = \"x\"\n")),
              HasSubstr("network[0].wisp_user[0].role: unknown key"));
}

}  // namespace
}  // namespace switchyard::gateway
