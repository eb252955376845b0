// tests/unit/gateway/lease_store_test.cpp - the SQLite lease store on a real file.
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>

#include "gateway/lease_store.hpp"

namespace switchyard::gateway {
namespace {

class LeaseStore : public ::testing::Test {
 protected:
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("sy-lease-test-" + std::to_string(::getpid()) + "-" +
                               ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::path file = dir / "state" / "leases.db";
  void TearDown() override { std::filesystem::remove_all(dir); }

  static stored_lease lease(std::uint32_t last_octet, std::string host) {
    return {.address = net::ipv4_address(0x0a000200u | last_octet),
            .mac = net::mac_address::from_u64(0x020000000000ULL | last_octet),
            .client_id = std::string("\x01\x02\x00", 3),
            .hostname = std::move(host),
            .expires = std::chrono::system_clock::time_point(std::chrono::seconds(2'000'000'000))};
  }
};

TEST_F(LeaseStore, LeasesSurviveReopeningPerNetwork) {
  {
    lease_store store(file);
    ASSERT_TRUE(store.save("default", lease(15, "alice")));
    ASSERT_TRUE(store.save("default", lease(16, "bob")));
    ASSERT_TRUE(store.save("other", lease(15, "carol")));
    ASSERT_TRUE(store.remove("default", net::ipv4_address(0x0a000210u)));
  }
  lease_store store(file);
  EXPECT_FALSE(store.set_aside());
  auto leases = store.load("default");
  ASSERT_EQ(leases.size(), 1u);
  EXPECT_EQ(leases[0].hostname, "alice");
  EXPECT_EQ(leases[0].client_id, std::string("\x01\x02\x00", 3));
  EXPECT_EQ(leases[0].mac, net::mac_address::from_u64(0x02000000000fULL));
  EXPECT_EQ(leases[0].expires, lease(15, "").expires);
  EXPECT_EQ(store.load("other").size(), 1u);
}

TEST_F(LeaseStore, SavingTheSameAddressReplacesTheLease) {
  lease_store store(file);
  store.save("default", lease(15, "alice"));
  store.save("default", lease(15, "alice-renamed"));
  auto leases = store.load("default");
  ASSERT_EQ(leases.size(), 1u);
  EXPECT_EQ(leases[0].hostname, "alice-renamed");
}

TEST_F(LeaseStore, ACorruptFileIsSetAsideAndTheStoreStartsEmpty) {
  std::filesystem::create_directories(file.parent_path());
  std::ofstream(file) << std::string(8192, 'x');
  lease_store store(file);
  ASSERT_TRUE(store.set_aside());
  EXPECT_TRUE(std::filesystem::exists(*store.set_aside()));
  EXPECT_TRUE(store.load("default").empty());
  EXPECT_TRUE(store.save("default", lease(15, "alice")));
}

}  // namespace
}  // namespace switchyard::gateway
