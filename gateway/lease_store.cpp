// gateway/lease_store.cpp - DHCP leases persisted in SQLite (WAL).
#include "gateway/lease_store.hpp"

#include <sqlite3.h>

#include <stdexcept>

namespace switchyard::gateway {
namespace {

constexpr int schema_version = 1;

constexpr const char* schema = R"sql(
CREATE TABLE IF NOT EXISTS leases (
  network    TEXT    NOT NULL,
  address    INTEGER NOT NULL,
  mac        TEXT    NOT NULL,
  client_id  BLOB    NOT NULL,
  hostname   TEXT    NOT NULL,
  expires_at INTEGER NOT NULL,   -- unix seconds
  PRIMARY KEY (network, address)
);
)sql";

std::int64_t to_unix(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

lease_store::lease_store(const std::filesystem::path& path) : path_(path) {
  std::error_code ec;
  if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path(), ec);
  if (open_database()) return;
  // Not a usable database: keep it for the operator and start afresh.
  close_database();
  auto stamp = std::to_string(to_unix(std::chrono::system_clock::now()));
  std::filesystem::path aside = path_;
  aside += ".corrupt-" + stamp;
  std::filesystem::rename(path_, aside, ec);
  for (const char* suffix : {"-wal", "-shm"}) {
    std::filesystem::path side = path_;
    side += suffix;
    std::filesystem::path side_aside = aside;
    side_aside += suffix;
    std::filesystem::rename(side, side_aside, ec);
  }
  set_aside_ = aside;
  if (!open_database()) {
    std::string why = last_error();
    close_database();
    throw std::runtime_error("cannot create lease store " + path_.string() + ": " + why);
  }
}

lease_store::~lease_store() { close_database(); }

bool lease_store::open_database() {
  if (sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK)
    return false;
  sqlite3_busy_timeout(db_, 2000);
  // quick_check reads every page: a damaged file fails here, not at the first lease.
  auto ok = [this](const char* sql) { return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) == SQLITE_OK; };
  sqlite3_stmt* check = prepare("PRAGMA quick_check");
  if (!check) return false;
  bool healthy = sqlite3_step(check) == SQLITE_ROW &&
                 std::string_view(reinterpret_cast<const char*>(sqlite3_column_text(check, 0))) == "ok";
  sqlite3_finalize(check);
  if (!healthy) return false;
  if (!ok("PRAGMA journal_mode=WAL") || !ok("PRAGMA synchronous=FULL") || !ok(schema)) return false;
  if (!ok(("PRAGMA user_version=" + std::to_string(schema_version)).c_str())) return false;
  upsert_ = prepare(
      "INSERT OR REPLACE INTO leases (network, address, mac, client_id, hostname, expires_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  delete_ = prepare("DELETE FROM leases WHERE network = ?1 AND address = ?2");
  select_ = prepare("SELECT address, mac, client_id, hostname, expires_at FROM leases WHERE network = ?1");
  delete_network_ = prepare("DELETE FROM leases WHERE network = ?1");
  return upsert_ && delete_ && select_ && delete_network_;
}

void lease_store::close_database() {
  for (auto** s : {&upsert_, &delete_, &select_, &delete_network_}) {
    sqlite3_finalize(*s);
    *s = nullptr;
  }
  sqlite3_close(db_);
  db_ = nullptr;
}

sqlite3_stmt* lease_store::prepare(const char* sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db_, sql, -1, &s, nullptr) != SQLITE_OK) return nullptr;
  return s;
}

std::string lease_store::last_error() const { return db_ ? sqlite3_errmsg(db_) : "no database"; }

std::vector<stored_lease> lease_store::load(std::string_view network) {
  std::vector<stored_lease> out;
  sqlite3_reset(select_);
  sqlite3_bind_text(select_, 1, network.data(), static_cast<int>(network.size()), SQLITE_TRANSIENT);
  while (sqlite3_step(select_) == SQLITE_ROW) {
    auto text = [&](int col) {
      auto* p = reinterpret_cast<const char*>(sqlite3_column_text(select_, col));
      return std::string(p ? p : "");
    };
    auto mac = net::mac_address::parse(text(1));
    auto address = sqlite3_column_int64(select_, 0);
    if (!mac || address < 0 || address > 0xffffffffLL) continue;  // a row we never wrote: skip it
    auto* blob = static_cast<const char*>(sqlite3_column_blob(select_, 2));
    out.push_back(stored_lease{
        .address = net::ipv4_address(static_cast<std::uint32_t>(address)),
        .mac = *mac,
        .client_id = std::string(blob ? blob : "", static_cast<std::size_t>(sqlite3_column_bytes(select_, 2))),
        .hostname = text(3),
        .expires = std::chrono::system_clock::time_point(std::chrono::seconds(sqlite3_column_int64(select_, 4))),
    });
  }
  sqlite3_reset(select_);
  return out;
}

bool lease_store::save(std::string_view network, const stored_lease& lease) {
  sqlite3_reset(upsert_);
  auto mac = lease.mac.to_string();
  sqlite3_bind_text(upsert_, 1, network.data(), static_cast<int>(network.size()), SQLITE_TRANSIENT);
  sqlite3_bind_int64(upsert_, 2, lease.address.value());
  sqlite3_bind_text(upsert_, 3, mac.data(), static_cast<int>(mac.size()), SQLITE_TRANSIENT);
  sqlite3_bind_blob(upsert_, 4, lease.client_id.data(), static_cast<int>(lease.client_id.size()), SQLITE_TRANSIENT);
  sqlite3_bind_text(upsert_, 5, lease.hostname.data(), static_cast<int>(lease.hostname.size()), SQLITE_TRANSIENT);
  sqlite3_bind_int64(upsert_, 6, to_unix(lease.expires));
  bool done = sqlite3_step(upsert_) == SQLITE_DONE;
  sqlite3_reset(upsert_);
  return done;
}

bool lease_store::remove(std::string_view network, net::ipv4_address address) {
  sqlite3_reset(delete_);
  sqlite3_bind_text(delete_, 1, network.data(), static_cast<int>(network.size()), SQLITE_TRANSIENT);
  sqlite3_bind_int64(delete_, 2, address.value());
  bool done = sqlite3_step(delete_) == SQLITE_DONE;
  sqlite3_reset(delete_);
  return done;
}

bool lease_store::remove_network(std::string_view network) {
  sqlite3_reset(delete_network_);
  sqlite3_bind_text(delete_network_, 1, network.data(), static_cast<int>(network.size()), SQLITE_TRANSIENT);
  bool done = sqlite3_step(delete_network_) == SQLITE_DONE;
  sqlite3_reset(delete_network_);
  return done;
}

}  // namespace switchyard::gateway
