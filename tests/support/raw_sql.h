// SQL run on a store's tables behind its back, as an operator (or an
// intruder) with a database client would: on a SQLite file or a PostgreSQL
// URL alike. A failure is a test failure.

#pragma once

#include <string>
#include <vector>

namespace docket::testing {

// Runs `sql` (statements that return no rows) on the store at `location`.
void run_sql(const std::string& location, const std::string& sql);

// The rows `sql` returns, each its columns' text joined by '|' ("NULL" for
// NULL), in the order the server gives them.
std::vector<std::string> query_rows(const std::string& location, const std::string& sql);

}  // namespace docket::testing
