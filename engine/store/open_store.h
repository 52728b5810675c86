// Opening a store by where it is: a PostgreSQL URL or a SQLite file.
//
//   AnyStoreOptions options;                 // what every backend takes, and each one's own
//   Result<std::unique_ptr<Store>> store = open_store("postgresql://docket@db/docket", options);
//   Result<std::unique_ptr<Store>> local = open_store("tickets.db", options);
//
// Every command that names a store (`--store`, docket.toml's `store`) goes
// through here, so that each takes both.

#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "engine/store/postgres_store.h"
#include "engine/store/sqlite_store.h"
#include "engine/store/store.h"

namespace docket::engine {

struct AnyStoreOptions : StoreOptions {
  // SQLite only: whether each commit is synced (PostgreSQL follows its server's setting).
  SqliteStoreOptions::Durability durability = SqliteStoreOptions::Durability::kFull;
  // PostgreSQL only: this node's name on the deliveries it claims (PostgresStoreOptions::node).
  std::string node;
};

// True for "postgresql://..." and "postgres://...": a PostgreSQL server.
// Anything else is a SQLite file's path.
bool is_postgres_url(std::string_view location);

// Opens (creating it unless read_only) the store at `location`.
Result<std::unique_ptr<Store>> open_store(const std::string& location, AnyStoreOptions options = {});

// open_store() with read_only set: for commands that only look.
Result<std::unique_ptr<Store>> open_store_for_reading(const std::string& location);

}  // namespace docket::engine
