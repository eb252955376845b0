// gateway/admin/admin_store.hpp - what the admin API changed, persisted in the
// state store (the same SQLite file as the leases, its own tables), so it
// survives a restart: networks created over the API, policies replaced over
// the API, DNS records added over the API. Each is kept as the JSON body that
// made it and validated again at startup, exactly like the first time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;

namespace switchyard::gateway::admin {

struct stored_network {
  std::string name;
  std::string spec;  ///< the JSON body of the POST
  std::int64_t created = 0;  ///< unix seconds
};

struct stored_record {
  std::int64_t id = 0;
  std::string network, name, type;  ///< name as given, type upper-case
  std::string spec;                 ///< the JSON body of the POST
};

class admin_store {
 public:
  /// Opens (creating the tables) the database at `path`. Throws
  /// std::runtime_error when it cannot.
  explicit admin_store(const std::filesystem::path& path);
  ~admin_store();
  admin_store(const admin_store&) = delete;
  admin_store& operator=(const admin_store&) = delete;

  // Every write returns false (nothing changed) when SQLite failed; the API
  // then undoes its in-memory change and answers 500.
  std::vector<stored_network> networks();
  bool save_network(const stored_network& n);
  /// Also forgets its policy and records.
  bool delete_network(std::string_view name);

  /// The replaced policy of `network` (a JSON body), or empty.
  std::string policy(std::string_view network);
  std::vector<std::pair<std::string, std::string>> policies();  ///< (network, spec)
  bool save_policy(std::string_view network, std::string_view spec);

  std::vector<stored_record> records();
  /// Returns the new record's id, or 0 on failure.
  std::int64_t add_record(const stored_record& r);
  bool delete_records(std::string_view network, std::string_view name, std::string_view type);

  /// Takes and releases the write lock: /readyz's check that the disk is there.
  bool writable();
  std::string last_error() const;

 private:
  bool exec(const char* sql);
  sqlite3* db_ = nullptr;
};

}  // namespace switchyard::gateway::admin
