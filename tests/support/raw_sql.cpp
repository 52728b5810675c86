#include "tests/support/raw_sql.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "engine/store/open_store.h"

namespace docket::testing {

void run_sql(const std::string& location, const std::string& sql) {
  if (!engine::is_postgres_url(location)) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(location.c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << (error ? error : "");
    sqlite3_free(error);
    sqlite3_close(db);
    return;
  }
  PGconn* db = PQconnectdb(location.c_str());
  ASSERT_EQ(PQstatus(db), CONNECTION_OK) << PQerrorMessage(db);
  PGresult* result = PQexec(db, sql.c_str());
  EXPECT_EQ(PQresultStatus(result), PGRES_COMMAND_OK) << PQresultErrorMessage(result);
  PQclear(result);
  PQfinish(db);
}

std::vector<std::string> query_rows(const std::string& location, const std::string& sql) {
  std::vector<std::string> rows;
  if (!engine::is_postgres_url(location)) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(location.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* statement = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    while (statement != nullptr && sqlite3_step(statement) == SQLITE_ROW) {
      std::string row;
      for (int column = 0; column < sqlite3_column_count(statement); ++column) {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, column));
        row += (column > 0 ? "|" : "") + std::string(text != nullptr ? text : "NULL");
      }
      rows.push_back(std::move(row));
    }
    sqlite3_finalize(statement);
    sqlite3_close(db);
    return rows;
  }
  PGconn* db = PQconnectdb(location.c_str());
  EXPECT_EQ(PQstatus(db), CONNECTION_OK) << PQerrorMessage(db);
  PGresult* result = PQexec(db, sql.c_str());
  EXPECT_EQ(PQresultStatus(result), PGRES_TUPLES_OK) << PQresultErrorMessage(result);
  for (int r = 0; r < PQntuples(result); ++r) {
    std::string row;
    for (int column = 0; column < PQnfields(result); ++column) {
      row += (column > 0 ? "|" : "") +
             std::string(PQgetisnull(result, r, column) != 0 ? "NULL" : PQgetvalue(result, r, column));
    }
    rows.push_back(std::move(row));
  }
  PQclear(result);
  PQfinish(db);
  return rows;
}

}  // namespace docket::testing
