// gateway/admin/admin_store.cpp - the admin API's changes, persisted in SQLite.
// Writes are rare (an operator's clicks), so statements are prepared per call.
#include "gateway/admin/admin_store.hpp"

#include <sqlite3.h>

#include <chrono>
#include <memory>
#include <stdexcept>

namespace switchyard::gateway::admin {
namespace {

constexpr const char* schema = R"sql(
CREATE TABLE IF NOT EXISTS api_networks (
  name    TEXT PRIMARY KEY,
  spec    TEXT NOT NULL,      -- the JSON body that created it
  created INTEGER NOT NULL    -- unix seconds
);
CREATE TABLE IF NOT EXISTS api_policies (
  network TEXT PRIMARY KEY,
  spec    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS api_records (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  network TEXT NOT NULL,
  name    TEXT NOT NULL,
  type    TEXT NOT NULL,
  spec    TEXT NOT NULL
);
)sql";

struct statement_deleter {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using statement = std::unique_ptr<sqlite3_stmt, statement_deleter>;

statement prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK) return nullptr;
  return statement(s);
}

void bind(sqlite3_stmt* s, int index, std::string_view text) {
  sqlite3_bind_text(s, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

std::string column(sqlite3_stmt* s, int index) {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, index));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s, index))) : std::string();
}

}  // namespace

admin_store::admin_store(const std::filesystem::path& path) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK ||
      !exec("PRAGMA journal_mode=WAL") || !exec("PRAGMA synchronous=FULL") || !exec(schema)) {
    std::string why = last_error();
    sqlite3_close(db_);
    db_ = nullptr;
    throw std::runtime_error("cannot open the admin state in " + path.string() + ": " + why);
  }
  sqlite3_busy_timeout(db_, 2000);
}

admin_store::~admin_store() { sqlite3_close(db_); }

bool admin_store::exec(const char* sql) { return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) == SQLITE_OK; }

bool admin_store::writable() { return exec("BEGIN IMMEDIATE") && exec("ROLLBACK"); }

std::string admin_store::last_error() const { return db_ ? sqlite3_errmsg(db_) : "no database"; }

std::vector<stored_network> admin_store::networks() {
  std::vector<stored_network> out;
  auto s = prepare(db_, "SELECT name, spec, created FROM api_networks ORDER BY name");
  while (s && sqlite3_step(s.get()) == SQLITE_ROW)
    out.push_back({column(s.get(), 0), column(s.get(), 1), sqlite3_column_int64(s.get(), 2)});
  return out;
}

bool admin_store::save_network(const stored_network& n) {
  auto s = prepare(db_, "INSERT OR REPLACE INTO api_networks (name, spec, created) VALUES (?1, ?2, ?3)");
  if (!s) return false;
  bind(s.get(), 1, n.name);
  bind(s.get(), 2, n.spec);
  sqlite3_bind_int64(s.get(), 3, n.created);
  return sqlite3_step(s.get()) == SQLITE_DONE;
}

bool admin_store::delete_network(std::string_view name) {
  if (!exec("BEGIN")) return false;
  bool ok = true;
  for (const char* sql : {"DELETE FROM api_networks WHERE name = ?1", "DELETE FROM api_policies WHERE network = ?1",
                          "DELETE FROM api_records WHERE network = ?1"}) {
    auto s = prepare(db_, sql);
    if (!s) {
      ok = false;
      break;
    }
    bind(s.get(), 1, name);
    ok = ok && sqlite3_step(s.get()) == SQLITE_DONE;
  }
  if (!ok) {
    exec("ROLLBACK");
    return false;
  }
  return exec("COMMIT");
}

std::string admin_store::policy(std::string_view network) {
  auto s = prepare(db_, "SELECT spec FROM api_policies WHERE network = ?1");
  if (!s) return {};
  bind(s.get(), 1, network);
  return sqlite3_step(s.get()) == SQLITE_ROW ? column(s.get(), 0) : std::string();
}

std::vector<std::pair<std::string, std::string>> admin_store::policies() {
  std::vector<std::pair<std::string, std::string>> out;
  auto s = prepare(db_, "SELECT network, spec FROM api_policies ORDER BY network");
  while (s && sqlite3_step(s.get()) == SQLITE_ROW) out.emplace_back(column(s.get(), 0), column(s.get(), 1));
  return out;
}

bool admin_store::save_policy(std::string_view network, std::string_view spec) {
  auto s = prepare(db_, "INSERT OR REPLACE INTO api_policies (network, spec) VALUES (?1, ?2)");
  if (!s) return false;
  bind(s.get(), 1, network);
  bind(s.get(), 2, spec);
  return sqlite3_step(s.get()) == SQLITE_DONE;
}

std::vector<stored_record> admin_store::records() {
  std::vector<stored_record> out;
  auto s = prepare(db_, "SELECT id, network, name, type, spec FROM api_records ORDER BY id");
  while (s && sqlite3_step(s.get()) == SQLITE_ROW)
    out.push_back({sqlite3_column_int64(s.get(), 0), column(s.get(), 1), column(s.get(), 2), column(s.get(), 3),
                   column(s.get(), 4)});
  return out;
}

std::int64_t admin_store::add_record(const stored_record& r) {
  auto s = prepare(db_, "INSERT INTO api_records (network, name, type, spec) VALUES (?1, ?2, ?3, ?4)");
  if (!s) return 0;
  bind(s.get(), 1, r.network);
  bind(s.get(), 2, r.name);
  bind(s.get(), 3, r.type);
  bind(s.get(), 4, r.spec);
  if (sqlite3_step(s.get()) != SQLITE_DONE) return 0;
  return sqlite3_last_insert_rowid(db_);
}

bool admin_store::delete_records(std::string_view network, std::string_view name, std::string_view type) {
  auto s = prepare(db_, "DELETE FROM api_records WHERE network = ?1 AND name = ?2 AND type = ?3");
  if (!s) return false;
  bind(s.get(), 1, network);
  bind(s.get(), 2, name);
  bind(s.get(), 3, type);
  return sqlite3_step(s.get()) == SQLITE_DONE;
}

}  // namespace switchyard::gateway::admin
