#include "tests/support/postgres_database.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>

namespace docket::testing {

std::string postgres_server_url() {
  const char* url = std::getenv("DOCKET_TEST_POSTGRES");
  return url != nullptr ? url : "";
}

std::string fresh_postgres_database() {
  static std::atomic<int> counter{0};
  std::string server = postgres_server_url();
  if (server.empty()) {
    ADD_FAILURE() << "DOCKET_TEST_POSTGRES is not set: start a server with `scripts/pg-cluster start DIR` and export "
                     "the URL it prints (scripts/test does)";
    return "";
  }
  PGconn* admin = PQconnectdb(server.c_str());
  if (PQstatus(admin) != CONNECTION_OK) {
    ADD_FAILURE() << "cannot reach DOCKET_TEST_POSTGRES (" << server << "): " << PQerrorMessage(admin);
    PQfinish(admin);
    return "";
  }
  PQsetNoticeProcessor(
      admin, [](void*, const char*) {}, nullptr);
  std::string name = "t" + std::to_string(getpid()) + "_" + std::to_string(counter++);
  PGresult* created = PQexec(admin, ("DROP DATABASE IF EXISTS " + name + "; ").c_str());
  PQclear(created);
  created = PQexec(admin, ("CREATE DATABASE " + name + " TEMPLATE template0").c_str());
  bool ok = PQresultStatus(created) == PGRES_COMMAND_OK;
  if (!ok) ADD_FAILURE() << "CREATE DATABASE " << name << ": " << PQresultErrorMessage(created);
  PQclear(created);
  PQfinish(admin);
  if (!ok) return "";
  // postgresql:///docket?host=... -> postgresql:///<name>?host=...
  std::size_t path = server.find('/', server.find("://") + 3);
  std::size_t query = server.find('?', path);
  return server.substr(0, path + 1) + name + (query == std::string::npos ? "" : server.substr(query));
}

}  // namespace docket::testing
