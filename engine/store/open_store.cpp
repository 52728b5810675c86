#include "engine/store/open_store.h"

#include <utility>

namespace docket::engine {

bool is_postgres_url(std::string_view location) {
  return location.starts_with("postgresql://") || location.starts_with("postgres://");
}

Result<std::unique_ptr<Store>> open_store(const std::string& location, AnyStoreOptions options) {
  using R = Result<std::unique_ptr<Store>>;
  if (is_postgres_url(location)) {
    PostgresStoreOptions postgres;
    postgres.node = std::move(options.node);
    static_cast<StoreOptions&>(postgres) = std::move(options);
    auto opened = PostgresStore::open(location, std::move(postgres));
    if (!opened) return R::failure(opened.error());
    return R::success(std::move(opened).value());
  }
  SqliteStoreOptions sqlite;
  sqlite.durability = options.durability;
  static_cast<StoreOptions&>(sqlite) = std::move(options);
  auto opened = SqliteStore::open(location, std::move(sqlite));
  if (!opened) return R::failure(opened.error());
  return R::success(std::move(opened).value());
}

Result<std::unique_ptr<Store>> open_store_for_reading(const std::string& location) {
  AnyStoreOptions options;
  options.read_only = true;
  return open_store(location, std::move(options));
}

}  // namespace docket::engine
