// gateway/lease_store.hpp - DHCP leases persisted in SQLite (WAL), so a restart —
// even kill -9 — loses no granted lease.
//
// Every grant or renewal is committed (synchronous=FULL: the WAL is fsynced)
// before the ACK leaves, so an ACKed lease is on disk. A file that is not a
// usable database is set aside as `<file>.corrupt-<unix time>` and a fresh one
// is created: the server starts, and the operator has the old file to inspect.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/net/ethernet.hpp"
#include "protocols/net/ipv4.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace switchyard::gateway {

struct stored_lease {
  net::ipv4_address address;
  net::mac_address mac;
  std::string client_id;  ///< raw option 61 bytes (may be empty)
  std::string hostname;   ///< sanitised, may be empty
  std::chrono::system_clock::time_point expires;
};

class lease_store {
 public:
  /// Opens or creates the store at `path` (its folder is created). Throws
  /// std::runtime_error only when even a fresh database cannot be created.
  explicit lease_store(const std::filesystem::path& path);
  ~lease_store();
  lease_store(const lease_store&) = delete;
  lease_store& operator=(const lease_store&) = delete;

  /// Where a corrupt file was moved at open, if it was.
  const std::optional<std::filesystem::path>& set_aside() const { return set_aside_; }
  const std::filesystem::path& path() const { return path_; }

  std::vector<stored_lease> load(std::string_view network);
  /// Inserts or replaces the lease of `network` at `lease.address`; false (and
  /// nothing changed) when SQLite failed — the caller must not ACK then.
  bool save(std::string_view network, const stored_lease& lease);
  bool remove(std::string_view network, net::ipv4_address address);
  /// Every lease of a deleted network.
  bool remove_network(std::string_view network);
  /// The last SQLite error, for logs.
  std::string last_error() const;

 private:
  bool open_database();
  void close_database();
  sqlite3_stmt* prepare(const char* sql);

  std::filesystem::path path_;
  std::optional<std::filesystem::path> set_aside_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* upsert_ = nullptr;
  sqlite3_stmt* delete_ = nullptr;
  sqlite3_stmt* select_ = nullptr;
  sqlite3_stmt* delete_network_ = nullptr;
};

}  // namespace switchyard::gateway
