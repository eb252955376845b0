// tests/integration/resolver_test.cpp - the DoH resolver against a real DoH server
// (tests/tools/doh_server.py, HTTPS on 127.0.0.1 with a throwaway CA): answers, caching,
// failover, certificate checks, stale answers, deadlines, connection reuse.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gateway/resolver/resolver.hpp"
#include "tests/support/dns_values.hpp"

extern char** environ;

namespace switchyard::gateway {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace dns::test_values;
using clock = std::chrono::steady_clock;

const auto a_type = t(dns::rr_type::a);
const auto aaaa_type = t(dns::rr_type::aaaa);
const fs::path tools_dir = fs::path(SWITCHYARD_ROOT) / "tests" / "tools";

// Starts `argv` with stdout and stderr going to `output`; returns its pid.
pid_t spawn(const std::vector<std::string>& argv, const fs::path& output) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, 1, output.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&files, 1, 2);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, args[0], &files, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&files);
  return rc == 0 ? pid : -1;
}

int wait_for(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A port nobody listens on: bound, then released (connecting to it is refused).
std::uint16_t closed_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  socklen_t len = sizeof sa;
  getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  close(fd);
  return ntohs(sa.sin_port);
}

struct temp_dir {
  fs::path path;
  temp_dir() {
    std::string pattern = (fs::temp_directory_path() / "sy-resolver-XXXXXX").string();
    path = mkdtemp(pattern.data());
  }
  ~temp_dir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

// One doh_server.py process on 127.0.0.1.
class doh_server {
 public:
  doh_server(const fs::path& dir, const fs::path& ca_dir, const fs::path& zone, std::vector<std::string> extra = {},
             std::uint16_t port = 0)
      : dir_(dir) {
    fs::create_directories(dir_);
    std::vector<std::string> argv{SWITCHYARD_PYTHON3, (tools_dir / "doh_server.py").string(),
                                  "--listen", "127.0.0.1",
                                  "--port", std::to_string(port),
                                  "--cert", (ca_dir / "server.pem").string(),
                                  "--key", (ca_dir / "server.key").string(),
                                  "--zone", zone.string(),
                                  "--log", log_path().string(),
                                  "--port-file", (dir_ / "port").string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    fs::remove(dir_ / "port");
    pid_ = spawn(argv, dir_ / "output.txt");
    auto give_up = clock::now() + 15s;
    while (clock::now() < give_up && !fs::exists(dir_ / "port") && waitpid(pid_, nullptr, WNOHANG) == 0)
      std::this_thread::sleep_for(20ms);
    port_ = static_cast<std::uint16_t>(std::atoi(read_file(dir_ / "port").c_str()));
  }
  ~doh_server() { kill(); }

  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    wait_for(pid_);
    pid_ = -1;
  }

  std::uint16_t port() const { return port_; }
  fs::path log_path() const { return dir_ / "log.txt"; }
  std::string output() const { return read_file(dir_ / "output.txt"); }
  /// Log lines starting with `prefix` ("connection", "query www.doh.test. A").
  int count(std::string_view prefix) const {
    std::ifstream in(log_path());
    int n = 0;
    for (std::string line; std::getline(in, line);)
      if (line.starts_with(prefix)) ++n;
    return n;
  }

 private:
  fs::path dir_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

struct outcome {
  resolution result;
  clock::duration took{};
  bool answered = false;
};

class ResolverTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ca_ = new temp_dir;
    auto pid = spawn({"/bin/bash", (tools_dir / "make_test_ca.sh").string(), ca_->path.string(), "doh.test",
                      "127.0.0.1"},
                     ca_->path / "output.txt");
    ASSERT_EQ(wait_for(pid), 0) << read_file(ca_->path / "output.txt");
  }
  static void TearDownTestSuite() {
    delete ca_;
    ca_ = nullptr;
  }

  void SetUp() override {
    std::ofstream zone(zone_path());
    zone << "www.doh.test    A     198.51.100.10  300\n"
            "www.doh.test    AAAA  2001:db8::10   300\n"
            "alias.doh.test  CNAME www.doh.test   60\n"
            "short.doh.test  A     198.51.100.11  1\n";
    for (int i = 0; i < 20; ++i) zone << "host" << i << ".doh.test A 198.51.100." << 100 + i << "\n";
  }

  fs::path zone_path() const { return work_.path / "zone.txt"; }
  const fs::path& work() const { return work_.path; }

  /// A server of our zone, with its files (log, port, output) in work()/`name`.
  std::unique_ptr<doh_server> start_server(std::vector<std::string> extra = {}, std::uint16_t port = 0,
                                           const std::string& name = "server") {
    auto s = std::make_unique<doh_server>(work_.path / name, ca_->path, zone_path(), std::move(extra), port);
    EXPECT_NE(s->port(), 0) << s->output();
    return s;
  }

  static doh_upstream upstream(std::uint16_t port, std::string host = "doh.test",
                               std::optional<std::string> address = "127.0.0.1") {
    return {"https://" + host + ":" + std::to_string(port) + "/dns-query", std::move(address)};
  }

  resolver_config config(std::vector<doh_upstream> upstreams, bool trust_test_ca = true) const {
    resolver_config c;
    c.upstreams = std::move(upstreams);
    if (trust_test_ca) c.ca_file = (ca_->path / "ca.pem").string();
    return c;
  }

  outcome resolve(resolver& r, std::string_view qname, std::uint16_t qtype) {
    outcome out;
    auto start = clock::now();
    r.resolve(text(qname), qtype, [&](const resolution& result) {
      out.result = result;
      out.took = clock::now() - start;
      out.answered = true;
    });
    while (!out.answered && clock::now() - start < 20s) {
      if (io_.stopped()) io_.restart();
      io_.run_one_for(50ms);
    }
    return out;
  }

  // Runs the loop until `done` or 20 s.
  template <typename Pred>
  void run_until(Pred done) {
    auto start = clock::now();
    while (!done() && clock::now() - start < 20s) {
      if (io_.stopped()) io_.restart();
      io_.run_one_for(50ms);
    }
  }

  static std::string address_of(const dns::resource_record& rr) { return dns::read_a(rr.rdata)->to_string(); }

  static temp_dir* ca_;
  temp_dir work_;
  boost::asio::io_context io_;
};

temp_dir* ResolverTest::ca_ = nullptr;

TEST_F(ResolverTest, AnswersAnARecordFromTheUpstream) {
  auto server = start_server();
  resolver r(io_, config({upstream(server->port())}));

  auto out = resolve(r, "www.doh.test", a_type);
  ASSERT_TRUE(out.answered);
  EXPECT_EQ(out.result.code, dns::rcode::noerror);
  EXPECT_FALSE(out.result.from_cache);
  ASSERT_EQ(out.result.answers.size(), 1u);
  EXPECT_EQ(out.result.answers[0].owner.to_text(), "www.doh.test.");
  EXPECT_EQ(out.result.answers[0].type, a_type);
  EXPECT_EQ(out.result.answers[0].ttl, 300u);
  EXPECT_EQ(address_of(out.result.answers[0]), "198.51.100.10");
  EXPECT_EQ(server->count("query www.doh.test. A"), 1);
}

TEST_F(ResolverTest, VerifiesAnIpLiteralUpstreamAgainstTheCertificatesIpAddress) {
  auto server = start_server();
  resolver r(io_, config({upstream(server->port(), "127.0.0.1", std::nullopt)}));
  auto out = resolve(r, "www.doh.test", a_type);
  EXPECT_EQ(out.result.code, dns::rcode::noerror);
  EXPECT_EQ(out.result.answers.size(), 1u);
}

// True when "localhost" resolves from /etc/hosts before any DNS source: the
// test below must not make the system resolver send a query anywhere.
bool localhost_is_in_hosts_file() {
  std::ifstream nss("/etc/nsswitch.conf");
  bool files_first = false;
  for (std::string line; std::getline(nss, line);) {
    std::istringstream words(line);
    std::string key, first;
    if (words >> key >> first && key == "hosts:") files_first = first == "files";
  }
  std::ifstream hosts("/etc/hosts");
  for (std::string line; files_first && std::getline(hosts, line);) {
    std::istringstream words(line);
    std::string address, name;
    words >> address;
    while (address == "127.0.0.1" && words >> name)
      if (name == "localhost") return true;
  }
  return false;
}

TEST_F(ResolverTest, ResolvesTheUpstreamsHostNameWhenNoAddressIsGiven) {
  if (!localhost_is_in_hosts_file()) GTEST_SKIP() << "localhost would not come from /etc/hosts";
  temp_dir ca;
  auto pid = spawn({"/bin/bash", (tools_dir / "make_test_ca.sh").string(), ca.path.string(), "localhost",
                    "127.0.0.1"},
                   ca.path / "output.txt");
  ASSERT_EQ(wait_for(pid), 0);
  doh_server server(work_.path / "localhost", ca.path, zone_path());
  ASSERT_NE(server.port(), 0) << server.output();

  resolver_config c;
  c.upstreams = {upstream(server.port(), "localhost", std::nullopt)};
  c.ca_file = (ca.path / "ca.pem").string();
  resolver r(io_, c);
  auto out = resolve(r, "www.doh.test", a_type);
  EXPECT_EQ(out.result.code, dns::rcode::noerror);
  EXPECT_EQ(server.count("query"), 1);
}

TEST_F(ResolverTest, FollowsTheUpstreamsCnameChain) {
  auto server = start_server();
  resolver r(io_, config({upstream(server->port())}));
  auto out = resolve(r, "alias.doh.test", aaaa_type);
  EXPECT_EQ(out.result.code, dns::rcode::noerror);
  ASSERT_EQ(out.result.answers.size(), 2u);
  EXPECT_EQ(out.result.answers[0].type, t(dns::rr_type::cname));
  EXPECT_EQ(out.result.answers[1].owner.to_text(), "www.doh.test.");
  EXPECT_EQ(out.result.answers[1].type, aaaa_type);
}

TEST_F(ResolverTest, AnswersARepeatedQueryFromTheCache) {
  auto server = start_server();
  resolver r(io_, config({upstream(server->port())}));

  ASSERT_EQ(resolve(r, "www.doh.test", a_type).result.code, dns::rcode::noerror);
  auto again = resolve(r, "WWW.Doh.Test", a_type);
  EXPECT_EQ(again.result.code, dns::rcode::noerror);
  EXPECT_TRUE(again.result.from_cache);
  EXPECT_FALSE(again.result.stale);
  ASSERT_EQ(again.result.answers.size(), 1u);
  EXPECT_LE(again.result.answers[0].ttl, 300u);
  EXPECT_EQ(server->count("query"), 1);
  EXPECT_EQ(r.counters().cache_hits, 1u);
  EXPECT_EQ(r.counters().upstream_requests, 1u);
}

TEST_F(ResolverTest, CachesNxdomainWithItsSoa) {
  auto server = start_server();
  resolver r(io_, config({upstream(server->port())}));

  auto first = resolve(r, "missing.doh.test", a_type);
  EXPECT_EQ(first.result.code, dns::rcode::nxdomain);
  EXPECT_TRUE(first.result.answers.empty());
  ASSERT_TRUE(first.result.soa);
  EXPECT_EQ(first.result.soa->owner.to_text(), "test.");

  auto second = resolve(r, "missing.doh.test", a_type);
  EXPECT_EQ(second.result.code, dns::rcode::nxdomain);
  EXPECT_TRUE(second.result.from_cache);
  EXPECT_TRUE(second.result.soa);
  EXPECT_EQ(server->count("query missing.doh.test. A"), 1);
}

TEST_F(ResolverTest, CachesNodata) {
  auto server = start_server();
  resolver r(io_, config({upstream(server->port())}));
  auto first = resolve(r, "short.doh.test", aaaa_type);
  EXPECT_EQ(first.result.code, dns::rcode::noerror);
  EXPECT_TRUE(first.result.answers.empty());
  EXPECT_TRUE(first.result.soa);
  EXPECT_TRUE(resolve(r, "short.doh.test", aaaa_type).result.from_cache);
  EXPECT_EQ(server->count("query"), 1);
}

TEST_F(ResolverTest, FailsOverFromADeadUpstreamToALiveOne) {
  auto server = start_server();
  resolver r(io_, config({upstream(closed_port()), upstream(server->port())}));

  auto out = resolve(r, "www.doh.test", a_type);
  EXPECT_EQ(out.result.code, dns::rcode::noerror);
  EXPECT_EQ(out.result.answers.size(), 1u);
  EXPECT_EQ(r.counters().upstream_errors, 1u);
  EXPECT_EQ(r.counters().upstream_requests, 2u);

  // The dead one is in back-off now: the next query goes to the live one first.
  EXPECT_EQ(resolve(r, "host1.doh.test", a_type).result.code, dns::rcode::noerror);
  EXPECT_EQ(r.counters().upstream_requests, 3u);
  EXPECT_EQ(r.counters().upstream_errors, 1u);
}

TEST_F(ResolverTest, RefusesAnUpstreamWhoseCertificateIsNotTrusted) {
  auto server = start_server();
  resolver r(io_, config({upstream(server->port())}, /*trust_test_ca=*/false));
  auto out = resolve(r, "www.doh.test", a_type);
  EXPECT_EQ(out.result.code, dns::rcode::servfail);
  EXPECT_EQ(server->count("query"), 0);
  EXPECT_EQ(r.counters().servfails, 1u);
}

TEST_F(ResolverTest, RefusesAnUpstreamWhoseCertificateNamesAnotherHost) {
  auto server = start_server();
  // Same server, same trusted CA, but the URL names a host the certificate does not.
  resolver r(io_, config({upstream(server->port(), "wrong.test")}));
  auto out = resolve(r, "www.doh.test", a_type);
  EXPECT_EQ(out.result.code, dns::rcode::servfail);
  EXPECT_EQ(server->count("query"), 0);

  resolver by_ip(io_, config({upstream(server->port(), "127.0.0.2", std::string("127.0.0.1"))}));
  EXPECT_EQ(resolve(by_ip, "www.doh.test", a_type).result.code, dns::rcode::servfail);
  EXPECT_EQ(server->count("query"), 0);
}

TEST_F(ResolverTest, KeepsAnsweringFromTheCacheWhenTheUpstreamDies) {
  auto server = start_server();
  resolver r(io_, config({upstream(server->port())}));  // default timeouts
  ASSERT_EQ(resolve(r, "www.doh.test", a_type).result.code, dns::rcode::noerror);
  ASSERT_EQ(resolve(r, "short.doh.test", a_type).result.code, dns::rcode::noerror);

  server->kill();
  std::this_thread::sleep_for(1100ms);  // short.doh.test (TTL 1) expires

  auto fresh = resolve(r, "www.doh.test", a_type);
  EXPECT_EQ(fresh.result.code, dns::rcode::noerror);
  EXPECT_TRUE(fresh.result.from_cache);
  EXPECT_FALSE(fresh.result.stale);

  auto stale = resolve(r, "short.doh.test", a_type);
  EXPECT_EQ(stale.result.code, dns::rcode::noerror);
  EXPECT_TRUE(stale.result.stale);
  ASSERT_EQ(stale.result.answers.size(), 1u);
  EXPECT_EQ(stale.result.answers[0].ttl, 30u);
  EXPECT_EQ(address_of(stale.result.answers[0]), "198.51.100.11");
  EXPECT_LT(stale.took, 5s);

  auto uncached = resolve(r, "host2.doh.test", a_type);
  ASSERT_TRUE(uncached.answered);
  EXPECT_EQ(uncached.result.code, dns::rcode::servfail);
  EXPECT_LT(uncached.took, 5s);
  EXPECT_EQ(r.counters().stale_answers, 1u);
}

TEST_F(ResolverTest, GivesServfailWithinFiveSecondsWhenTheUpstreamNeverAnswers) {
  auto server = start_server({"--delay-ms", "10000"});
  resolver r(io_, config({upstream(server->port())}));  // default timeouts
  auto out = resolve(r, "www.doh.test", a_type);
  ASSERT_TRUE(out.answered);
  EXPECT_EQ(out.result.code, dns::rcode::servfail);
  EXPECT_LT(out.took, 5s);
  EXPECT_GE(out.took, 3s);  // it did wait for the upstream (timeout 4 s)
}

TEST_F(ResolverTest, AnswersStaleAfterStaleAfterWhenTheUpstreamIsSlow) {
  auto fast = start_server();
  auto port = fast->port();
  resolver r(io_, config({upstream(port)}));  // stale_after 1.5 s
  ASSERT_EQ(resolve(r, "short.doh.test", a_type).result.code, dns::rcode::noerror);
  fast->kill();
  auto slow = start_server({"--delay-ms", "3000"}, port, "slow");
  ASSERT_EQ(slow->port(), port) << slow->output();
  std::this_thread::sleep_for(1100ms);

  auto out = resolve(r, "short.doh.test", a_type);
  EXPECT_EQ(out.result.code, dns::rcode::noerror);
  EXPECT_TRUE(out.result.stale);
  EXPECT_GE(out.took, 1400ms);
  EXPECT_LT(out.took, 2500ms);

  // The lookup went on in the background and refreshed the cache when the slow answer came.
  outcome later;
  auto until = clock::now() + 4s;
  do {
    io_.restart();
    io_.run_for(100ms);
    later = resolve(r, "short.doh.test", a_type);
  } while (later.result.stale && clock::now() < until);
  EXPECT_FALSE(later.result.stale);
  EXPECT_EQ(slow->count("query"), 1);
}

TEST_F(ResolverTest, RetriesOnceWhenTheServerClosedTheKeptAliveConnection) {
  auto first = start_server();
  auto port = first->port();
  resolver r(io_, config({upstream(port)}));
  ASSERT_EQ(resolve(r, "www.doh.test", a_type).result.code, dns::rcode::noerror);

  first->kill();  // the resolver still holds its connection to this one
  auto second = start_server({}, port, "second");
  ASSERT_EQ(second->port(), port) << second->output();

  auto out = resolve(r, "host3.doh.test", a_type);
  EXPECT_EQ(out.result.code, dns::rcode::noerror);
  EXPECT_EQ(r.counters().upstream_errors, 0u);
  EXPECT_EQ(second->count("connection"), 1);
  EXPECT_EQ(second->count("query"), 1);
}

TEST_F(ResolverTest, CoalescesConcurrentIdenticalQueries) {
  auto server = start_server({"--delay-ms", "300"});
  resolver r(io_, config({upstream(server->port())}));

  int answered = 0;
  for (int i = 0; i < 5; ++i) {
    r.resolve(text("www.doh.test"), a_type, [&](const resolution& res) {
      EXPECT_EQ(res.code, dns::rcode::noerror);
      ++answered;
    });
  }
  run_until([&] { return answered == 5; });
  EXPECT_EQ(answered, 5);
  EXPECT_EQ(server->count("query"), 1);
  EXPECT_EQ(r.counters().coalesced, 4u);
}

TEST_F(ResolverTest, SpreadsConcurrentQueriesOverAtMostTwoConnections) {
  auto server = start_server({"--delay-ms", "200"});
  resolver r(io_, config({upstream(server->port())}));

  int answered = 0;
  for (int i = 0; i < 6; ++i) {
    r.resolve(text("host" + std::to_string(i) + ".doh.test"), a_type, [&](const resolution& res) {
      EXPECT_EQ(res.code, dns::rcode::noerror);
      ++answered;
    });
  }
  run_until([&] { return answered == 6; });
  EXPECT_EQ(answered, 6);
  EXPECT_EQ(server->count("query"), 6);
  EXPECT_EQ(server->count("connection"), 2);
}

TEST_F(ResolverTest, ReusesOneTlsConnectionForSequentialQueries) {
  auto server = start_server();
  resolver r(io_, config({upstream(server->port())}));
  for (int i = 0; i < 20; ++i) {
    auto out = resolve(r, "host" + std::to_string(i) + ".doh.test", a_type);
    ASSERT_EQ(out.result.code, dns::rcode::noerror) << i;
  }
  EXPECT_EQ(server->count("query"), 20);
  EXPECT_EQ(server->count("connection"), 1);
}

TEST_F(ResolverTest, PassesOverAnUpstreamThatAnswersServfail) {
  auto failing = start_server({"--fail", "servfail"});
  auto good = start_server({}, 0, "good");
  resolver r(io_, config({upstream(failing->port()), upstream(good->port())}));
  auto out = resolve(r, "www.doh.test", a_type);
  EXPECT_EQ(out.result.code, dns::rcode::noerror);
  EXPECT_EQ(failing->count("query"), 1);
  EXPECT_EQ(good->count("query"), 1);
}

TEST_F(ResolverTest, TreatsHttpErrorsGarbageAndOversizedAnswersAsUpstreamFailures) {
  for (auto mode : {"http-500", "garbage", "close", "huge"}) {
    SCOPED_TRACE(mode);
    auto server = start_server({"--fail", mode}, 0, mode);
    resolver r(io_, config({upstream(server->port())}));
    auto out = resolve(r, "www.doh.test", a_type);
    EXPECT_EQ(out.result.code, dns::rcode::servfail);
    EXPECT_LT(out.took, 2s);
    EXPECT_GE(r.counters().upstream_errors, 1u);
  }
}

TEST_F(ResolverTest, CallsNothingAfterItIsDestroyed) {
  auto server = start_server({"--delay-ms", "300"});
  auto r = std::make_unique<resolver>(io_, config({upstream(server->port())}));
  int called = 0;
  for (auto name : {"www.doh.test", "www.doh.test", "host1.doh.test"})
    r->resolve(text(name), a_type, [&](const resolution&) { ++called; });
  io_.run_for(100ms);  // the queries are on the wire
  r.reset();
  io_.restart();
  io_.run_for(600ms);
  EXPECT_EQ(called, 0);
}

TEST_F(ResolverTest, ACallbackMayDestroyTheResolver) {
  auto server = start_server({"--delay-ms", "100"});
  auto r = std::make_unique<resolver>(io_, config({upstream(server->port())}));
  int called = 0;
  for (int i = 0; i < 3; ++i) {
    r->resolve(text("www.doh.test"), a_type, [&](const resolution&) {
      ++called;
      r.reset();
    });
  }
  run_until([&] { return called > 0; });
  io_.restart();
  io_.run_for(200ms);
  EXPECT_EQ(called, 1);
}

TEST_F(ResolverTest, AnswersServfailWithoutUpstreams) {
  resolver r(io_, resolver_config{});
  auto out = resolve(r, "www.doh.test", a_type);
  EXPECT_EQ(out.result.code, dns::rcode::servfail);
}

}  // namespace
}  // namespace switchyard::gateway
