// tests/unit/gateway/config_test.cpp - defaults, a full file, every validation
// error (with file, line and key), listen addresses and file loading.
#include "gateway/config.hpp"
#include "tests/support/config_errors.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>

namespace switchyard::gateway {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using namespace std::chrono_literals;

net::ipv4_address ip(std::string_view text) { return *net::ipv4_address::parse(text); }
net::ipv4_subnet subnet(std::string_view text) { return *net::ipv4_subnet::parse(text); }

std::string error_of(std::string_view text) { return test::config_error_of(text, "test.toml"); }

TEST(Config, DefaultsToOneIsolatedNetworkNamedDefault) {
  config c = default_config();
  EXPECT_EQ(c.source, "<defaults>");
  EXPECT_EQ(c.server.listen.host, "127.0.0.1");
  EXPECT_EQ(c.server.listen.port, 8086);
  ASSERT_EQ(c.networks.size(), 1u);
  const network_config& n = c.networks[0];
  EXPECT_EQ(n.name, "default");
  EXPECT_EQ(n.subnet, subnet("10.0.2.0/24"));
  EXPECT_EQ(n.gateway, ip("10.0.2.2"));
  EXPECT_EQ(n.mtu, 1500u);
  EXPECT_FALSE(n.token);
  EXPECT_EQ(n.max_macs_per_port, 4u);
  EXPECT_EQ(n.mac_ageing, 300s);
}

TEST(Config, UsesTheDefaultNetworkWhenTheFileDefinesNone) {
  config c = parse_config("[server]\nlisten = \"0.0.0.0:9000\"\n", "only-server.toml");
  EXPECT_EQ(c.source, "only-server.toml");
  EXPECT_EQ(c.server.listen.host, "0.0.0.0");
  EXPECT_EQ(c.server.listen.port, 9000);
  ASSERT_EQ(c.networks.size(), 1u);
  EXPECT_EQ(c.networks[0].name, "default");
  EXPECT_EQ(c.networks[0].gateway, ip("10.0.2.2"));
}

TEST(Config, TreatsAnEmptyFileAsTheDefaults) {
  config c = parse_config("", "empty.toml");
  EXPECT_EQ(c.server.listen.to_string(), "127.0.0.1:8086");
  ASSERT_EQ(c.networks.size(), 1u);
  EXPECT_EQ(c.networks[0].name, "default");
}

TEST(Config, ReadsAFullValidFile) {
  config c = parse_config(R"(# two classes and a public network
[server]
listen = "[::]:443"

[[network]]
name = "class-7b"
subnet = "192.168.50.0/24"
gateway = "192.168.50.1"
mtu = 9000
token = "s3cr3t-Token_+/="
max_macs_per_port = 2
mac_ageing = 60

[[network]]
name = "public"
subnet = "172.16.0.0/12"
)",
                          "full.toml");
  EXPECT_EQ(c.server.listen.host, "::");
  EXPECT_EQ(c.server.listen.port, 443);
  ASSERT_EQ(c.networks.size(), 2u);
  const network_config& a = c.networks[0];
  EXPECT_EQ(a.name, "class-7b");
  EXPECT_EQ(a.subnet, subnet("192.168.50.0/24"));
  EXPECT_EQ(a.gateway, ip("192.168.50.1"));
  EXPECT_EQ(a.mtu, 9000u);
  EXPECT_EQ(a.token, "s3cr3t-Token_+/=");
  EXPECT_EQ(a.max_macs_per_port, 2u);
  EXPECT_EQ(a.mac_ageing, 60s);
  const network_config& b = c.networks[1];
  EXPECT_EQ(b.name, "public");
  EXPECT_EQ(b.subnet, subnet("172.16.0.0/12"));
  EXPECT_EQ(b.gateway, ip("172.16.0.2"));
  EXPECT_EQ(b.mtu, 1500u);
  EXPECT_FALSE(b.token);
}

TEST(Config, FillsEveryOmittedNetworkKeyWithItsDefault) {
  config c = parse_config("[[network]]\nname = \"lab-2\"\n", "t.toml");
  ASSERT_EQ(c.networks.size(), 1u);
  const network_config& n = c.networks[0];
  EXPECT_EQ(n.subnet, subnet("10.0.2.0/24"));
  EXPECT_EQ(n.gateway, ip("10.0.2.2"));
  EXPECT_EQ(n.mtu, 1500u);
  EXPECT_FALSE(n.token);
  EXPECT_EQ(n.max_macs_per_port, 4u);
  EXPECT_EQ(n.mac_ageing, 300s);
}

TEST(Config, DefaultsTheGatewayToTheNetworkAddressPlusTwo) {
  config c = parse_config("[[network]]\nname = \"a\"\nsubnet = \"192.168.7.0/24\"\n"
                          "[[network]]\nname = \"b\"\nsubnet = \"10.9.9.4/30\"\n",
                          "t.toml");
  EXPECT_EQ(c.networks[0].gateway, ip("192.168.7.2"));
  EXPECT_EQ(c.networks[1].gateway, ip("10.9.9.6"));
}

TEST(Config, AllowsNetworksThatShareASubnet) {
  config c = parse_config(R"([[network]]
name = "class-7a"
subnet = "10.0.2.0/24"
[[network]]
name = "class-7b"
subnet = "10.0.2.0/24"
)",
                          "t.toml");
  ASSERT_EQ(c.networks.size(), 2u);
  EXPECT_EQ(c.networks[0].subnet, c.networks[1].subnet);
}

TEST(Config, AcceptsTheBoundsOfEveryRange) {
  config c = parse_config(R"([[network]]
name = "low"
subnet = "10.0.0.0/8"
mtu = 576
max_macs_per_port = 1
mac_ageing = 10
[[network]]
name = "high"
subnet = "10.0.0.0/30"
gateway = "10.0.0.1"
mtu = 65500
max_macs_per_port = 64
mac_ageing = 86400
)",
                          "t.toml");
  EXPECT_EQ(c.networks[0].mtu, 576u);
  EXPECT_EQ(c.networks[1].mtu, 65500u);
  EXPECT_EQ(c.networks[1].max_macs_per_port, 64u);
  EXPECT_EQ(c.networks[1].mac_ageing, 86400s);
}

TEST(Config, AcceptsInlineTablesInTheNetworkArray) {
  config c = parse_config("network = [ { name = \"a\" }, { name = \"b\", mtu = 1400 } ]\n", "t.toml");
  ASSERT_EQ(c.networks.size(), 2u);
  EXPECT_EQ(c.networks[1].mtu, 1400u);
}

TEST(ConfigErrors, ReportSyntaxErrorsWithTheirLine) {
  std::string e = error_of("[server]\nlisten = \"127.0.0.1:80\"\n\n[[network]\nname = \"x\"\n");
  EXPECT_THAT(e, StartsWith("test.toml:4: syntax error: "));
}

TEST(ConfigErrors, ReportDuplicateKeysAsSyntaxErrors) {
  EXPECT_THAT(error_of("[[network]]\nname = \"a\"\nname = \"b\"\n"), StartsWith("test.toml:3: syntax error: "));
}

TEST(ConfigErrors, RejectAMisspelledNetworkKeyInsteadOfIgnoringIt) {
  std::string e = error_of(R"([[network]]
name = "exam"
tokn = "secret"
)");
  EXPECT_THAT(e, StartsWith("test.toml:3: network[0].tokn: unknown key"));
  EXPECT_THAT(e, HasSubstr("did you mean 'token'?"));
}

TEST(ConfigErrors, RejectUnknownKeysAndTablesEverywhere) {
  EXPECT_THAT(error_of("[servr]\nlisten = \"127.0.0.1:1\"\n"), StartsWith("test.toml:1: servr: unknown key"));
  EXPECT_THAT(error_of("[server]\nlisten = \"127.0.0.1:1\"\nport = 1\n"),
              StartsWith("test.toml:3: server.port: unknown key"));
  EXPECT_THAT(error_of("verbose = true\n"), StartsWith("test.toml:1: verbose: unknown key"));
  EXPECT_THAT(error_of("\"two\\nlines\" = 1\n"), StartsWith("test.toml:1: two lines: unknown key"));
  EXPECT_THAT(error_of("[[network]]\nname = \"a\"\n[[network]]\nname = \"b\"\n[network.extra]\nx = 1\n"),
              StartsWith("test.toml:5: network[1].extra: unknown key"));
}

TEST(ConfigErrors, RejectASubnetThatIsNotCidr) {
  for (const char* value : {"10.0.2.0", "10.0.2.0/", "ten/24", "10.0.2.0/33", "010.0.2.0/24", ""}) {
    std::string text = "[[network]]\nname = \"a\"\nsubnet = \"" + std::string(value) + "\"\n";
    EXPECT_THAT(error_of(text), StartsWith("test.toml:3: network[0].subnet: ")) << value;
  }
}

TEST(ConfigErrors, SuggestTheNetworkAddressWhenASubnetHasHostBits) {
  std::string e = error_of("[[network]]\nname = \"a\"\nsubnet = \"10.0.2.15/24\"\n");
  EXPECT_THAT(e, StartsWith("test.toml:3: network[0].subnet: "));
  EXPECT_THAT(e, HasSubstr("did you mean 10.0.2.0/24?"));
  EXPECT_THAT(error_of("[[network]]\nname = \"a\"\nsubnet = \"10.0.2.0/024\"\n"),
              Not(HasSubstr("host bits")));
}

TEST(ConfigErrors, RejectSubnetPrefixesOutsideEightToThirty) {
  for (const char* value : {"10.0.0.0/7", "10.0.2.0/31", "10.0.2.1/32", "0.0.0.0/0"}) {
    std::string text = "[[network]]\nname = \"a\"\nsubnet = \"" + std::string(value) + "\"\n";
    std::string e = error_of(text);
    EXPECT_THAT(e, StartsWith("test.toml:3: network[0].subnet: ")) << value;
  }
  EXPECT_THAT(error_of("[[network]]\nname = \"a\"\nsubnet = \"10.0.2.0/31\"\n"), HasSubstr("between 8 and 30"));
}

TEST(ConfigErrors, RejectAGatewayOutsideTheSubnet) {
  std::string e = error_of(R"([[network]]
name = "a"
subnet = "10.0.2.0/24"
gateway = "10.0.3.1"
)");
  EXPECT_THAT(e, StartsWith("test.toml:4: network[0].gateway: "));
  EXPECT_THAT(e, HasSubstr("outside the subnet 10.0.2.0/24"));
}

TEST(ConfigErrors, RejectAGatewayOnTheBroadcastAddress) {
  std::string e = error_of("[[network]]\nname = \"a\"\nsubnet = \"10.0.2.0/24\"\ngateway = \"10.0.2.255\"\n");
  EXPECT_THAT(e, StartsWith("test.toml:4: network[0].gateway: "));
  EXPECT_THAT(e, HasSubstr("broadcast"));
}

TEST(ConfigErrors, RejectAGatewayOnTheNetworkAddress) {
  std::string e = error_of("[[network]]\nname = \"a\"\nsubnet = \"10.0.2.0/24\"\ngateway = \"10.0.2.0\"\n");
  EXPECT_THAT(e, StartsWith("test.toml:4: network[0].gateway: "));
  EXPECT_THAT(e, HasSubstr("network address"));
}

TEST(ConfigErrors, RejectAGatewayThatIsNotAnAddress) {
  for (const char* value : {"10.0.2", "10.0.2.01", "gateway", "10.0.2.2/24"}) {
    std::string text = "[[network]]\nname = \"a\"\ngateway = \"" + std::string(value) + "\"\n";
    EXPECT_THAT(error_of(text), StartsWith("test.toml:3: network[0].gateway: ")) << value;
  }
}

TEST(ConfigErrors, CheckTheGatewayAgainstTheSubnetWhateverTheKeyOrder) {
  std::string e = error_of("[[network]]\ngateway = \"10.0.2.2\"\nname = \"a\"\nsubnet = \"192.168.0.0/24\"\n");
  EXPECT_THAT(e, StartsWith("test.toml:2: network[0].gateway: "));
}

TEST(ConfigErrors, RejectAnMtuOutOfRange) {
  for (int mtu : {575, 65501, 0, -1}) {
    std::string text = "[[network]]\nname = \"a\"\nmtu = " + std::to_string(mtu) + "\n";
    std::string e = error_of(text);
    EXPECT_THAT(e, StartsWith("test.toml:3: network[0].mtu: must be between 576 and 65500")) << mtu;
  }
}

TEST(ConfigErrors, RejectMacLimitsAndAgeingOutOfRange) {
  EXPECT_THAT(error_of("[[network]]\nname = \"a\"\nmax_macs_per_port = 0\n"),
              StartsWith("test.toml:3: network[0].max_macs_per_port: must be between 1 and 64"));
  EXPECT_THAT(error_of("[[network]]\nname = \"a\"\nmax_macs_per_port = 65\n"),
              StartsWith("test.toml:3: network[0].max_macs_per_port: "));
  EXPECT_THAT(error_of("[[network]]\nname = \"a\"\nmac_ageing = 9\n"),
              StartsWith("test.toml:3: network[0].mac_ageing: must be between 10 and 86400"));
  EXPECT_THAT(error_of("[[network]]\nname = \"a\"\nmac_ageing = 86401\n"),
              StartsWith("test.toml:3: network[0].mac_ageing: "));
}

TEST(ConfigErrors, RejectDuplicateNetworkNamesAndPointAtTheFirst) {
  std::string e = error_of(R"([[network]]
name = "lab"

[[network]]
name = "other"

[[network]]
name = "lab"
)");
  EXPECT_THAT(e, StartsWith("test.toml:8: network[2].name: duplicate network name \"lab\""));
  EXPECT_THAT(e, HasSubstr("first defined at line 2"));
}

TEST(ConfigErrors, RejectBadNetworkNames) {
  std::string long_name(64, 'a');
  for (const std::string& name :
       {std::string("Lab"), std::string("-lab"), std::string("_lab"), std::string("a b"), std::string(""),
        std::string("lab.2"), std::string("lab/2"), std::string("caf\xc3\xa9"), long_name}) {
    std::string text = "[[network]]\nname = \"" + name + "\"\n";
    EXPECT_THAT(error_of(text), StartsWith("test.toml:2: network[0].name: ")) << name;
  }
}

TEST(ConfigErrors, AcceptTheEdgesOfTheNameRule) {
  std::string longest = "a" + std::string(62, '-');
  config c = parse_config("[[network]]\nname = \"0\"\n[[network]]\nname = \"a_b-c9\"\n[[network]]\nname = \"" +
                              longest + "\"\n",
                          "t.toml");
  EXPECT_EQ(c.networks.size(), 3u);
  EXPECT_EQ(c.networks[2].name, longest);
}

TEST(ConfigErrors, RejectWrongTypes) {
  struct wrong {
    const char* text;
    const char* prefix;
  };
  for (auto [text, prefix] : {
           wrong{"[[network]]\nname = \"a\"\nmtu = \"1500\"\n", "test.toml:3: network[0].mtu: expected an integer"},
           wrong{"[[network]]\nname = \"a\"\nmtu = 1500.0\n", "test.toml:3: network[0].mtu: expected an integer"},
           wrong{"[[network]]\nname = 5\n", "test.toml:2: network[0].name: expected a string"},
           wrong{"[[network]]\nname = \"a\"\nsubnet = 10\n", "test.toml:3: network[0].subnet: expected a string"},
           wrong{"[[network]]\nname = \"a\"\ntoken = true\n", "test.toml:3: network[0].token: expected a string"},
           wrong{"[[network]]\nname = \"a\"\nmac_ageing = \"5m\"\n", "test.toml:3: network[0].mac_ageing: "},
           wrong{"[[network]]\nname = \"a\"\ngateway = [\"10.0.2.2\"]\n", "test.toml:3: network[0].gateway: "},
           wrong{"server = \"127.0.0.1:8086\"\n", "test.toml:1: server: expected a table"},
           wrong{"[server]\nlisten = 8086\n", "test.toml:2: server.listen: expected a string"},
           wrong{"[network]\nname = \"a\"\n", "test.toml:1: network: expected an array of tables"},
           wrong{"network = [\"a\"]\n", "test.toml:1: network[0]: expected a table"},
       })
    EXPECT_THAT(error_of(text), StartsWith(prefix)) << text;
}

TEST(ConfigErrors, RejectANetworkWithoutAName) {
  std::string e = error_of(R"([[network]]
name = "a"

[[network]]
subnet = "10.0.3.0/24"
)");
  EXPECT_THAT(e, StartsWith("test.toml:4: network[1].name: missing"));
}

TEST(ConfigErrors, RejectAnEmptyTokenOrOneWithSpaces) {
  EXPECT_THAT(error_of("[[network]]\nname = \"a\"\ntoken = \"\"\n"),
              StartsWith("test.toml:3: network[0].token: must not be empty"));
  EXPECT_THAT(error_of("[[network]]\nname = \"a\"\ntoken = \"two words\"\n"),
              StartsWith("test.toml:3: network[0].token: "));
  EXPECT_THAT(error_of("[[network]]\nname = \"a\"\ntoken = \"tab\\there\"\n"),
              StartsWith("test.toml:3: network[0].token: "));
}

TEST(ConfigErrors, RejectMoreThan250Networks) {
  std::string text;
  for (int i = 0; i < 251; ++i) text += "[[network]]\nname = \"n" + std::to_string(i) + "\"\n";
  EXPECT_THAT(error_of(text), StartsWith("test.toml:501: network[250]: too many networks"));
  text.resize(text.rfind("[[network]]"));
  EXPECT_EQ(parse_config(text, "t.toml").networks.size(), 250u);
}

TEST(ConfigErrors, RejectABadListenAddressWithItsLocation) {
  std::string e = error_of("\n[server]\nlisten = \"127.0.0.1\"\n");
  EXPECT_THAT(e, StartsWith("test.toml:3: server.listen: \"127.0.0.1\": expected HOST:PORT"));
}

TEST(ListenAddress, ParsesHostPortAndBracketedIpv6) {
  struct ok {
    const char* text;
    const char* host;
    std::uint16_t port;
  };
  for (auto [text, host, port] : {ok{"127.0.0.1:8086", "127.0.0.1", 8086}, ok{"0.0.0.0:0", "0.0.0.0", 0},
                                  ok{"localhost:80", "localhost", 80}, ok{"[::1]:8086", "::1", 8086},
                                  ok{"[::]:443", "::", 443}, ok{"[2001:db8::1]:65535", "2001:db8::1", 65535},
                                  ok{"gw-1.example.org:8080", "gw-1.example.org", 8080}}) {
    listen_address a = parse_listen_address(text);
    EXPECT_EQ(a.host, host) << text;
    EXPECT_EQ(a.port, port) << text;
  }
}

TEST(ListenAddress, RejectsGarbage) {
  for (const char* text :
       {"", "8086", ":8086", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:99999999999", "127.0.0.1:-1",
        "127.0.0.1:+80", "127.0.0.1:80x", "127.0.0.1: 80", "127.0.0.1:8086 ", " 127.0.0.1:8086", "::1:8086",
        "[::1]8086", "[::1:8086", "[zz::1]:80", "[]:80", "[127.0.0.1]:80", "256.0.0.1:80", "1.2.3:80",
        "010.0.0.1:80", "1.2.3.4.5:80", "host name:80", "-bad-.example:80", "a..b:80", "http://x:80"})
    EXPECT_THROW(parse_listen_address(text), config_error) << '"' << text << '"';
}

TEST(ListenAddress, NamesWhatItWasParsingInTheError) {
  try {
    parse_listen_address("nonsense", "--listen");
    FAIL() << "accepted";
  } catch (const config_error& e) {
    EXPECT_THAT(e.what(), StartsWith("--listen: \"nonsense\": "));
  }
}

TEST(ListenAddress, PrintsIpv6InBrackets) {
  EXPECT_EQ((listen_address{"::1", 8086}).to_string(), "[::1]:8086");
  EXPECT_EQ((listen_address{"127.0.0.1", 0}).to_string(), "127.0.0.1:0");
  EXPECT_EQ(parse_listen_address("[2001:db8::1]:443").to_string(), "[2001:db8::1]:443");
}

class ConfigFile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "switchyard-config-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::filesystem::path write(const std::string& name, std::string_view text) {
    auto path = dir_ / name;
    std::ofstream(path) << text;
    return path;
  }
  std::filesystem::path dir_;
};

TEST_F(ConfigFile, LoadsAValidFileAndRemembersItsPath) {
  auto path = write("switchyard.toml", "[[network]]\nname = \"lab\"\n");
  config c = load_config_file(path);
  EXPECT_EQ(c.source, path.string());
  ASSERT_EQ(c.networks.size(), 1u);
  EXPECT_EQ(c.networks[0].name, "lab");
}

TEST_F(ConfigFile, NamesTheFileAndLineInErrors) {
  auto path = write("bad.toml", "[[network]]\nname = \"lab\"\nmtu = 1\n");
  try {
    load_config_file(path);
    FAIL() << "accepted";
  } catch (const config_error& e) {
    EXPECT_THAT(e.what(), StartsWith(path.string() + ":3: network[0].mtu: "));
  }
}

TEST_F(ConfigFile, NamesAFileItCannotRead) {
  auto missing = dir_ / "missing.toml";
  try {
    load_config_file(missing);
    FAIL() << "accepted";
  } catch (const config_error& e) {
    EXPECT_THAT(e.what(), StartsWith(missing.string() + ": cannot read"));
  }
  try {
    load_config_file(dir_);
    FAIL() << "accepted a directory";
  } catch (const config_error& e) {
    EXPECT_THAT(e.what(), StartsWith(dir_.string() + ": cannot read"));
  }
}

}  // namespace
}  // namespace switchyard::gateway
