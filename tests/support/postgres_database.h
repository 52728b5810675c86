// A fresh PostgreSQL database for each test that needs one, on the server
// DOCKET_TEST_POSTGRES names (scripts/test starts a throwaway cluster and
// sets it; by hand: `export DOCKET_TEST_POSTGRES=$(scripts/pg-cluster start /tmp/pg)`).

#pragma once

#include <string>

namespace docket::testing {

// The URL of a new, empty database (dropped when the cluster is). Adds a
// test failure and returns "" when DOCKET_TEST_POSTGRES is not set or the
// server cannot be reached: a test that needs PostgreSQL never passes
// without one.
std::string fresh_postgres_database();

// The server's URL (DOCKET_TEST_POSTGRES); "" when unset.
std::string postgres_server_url();

}  // namespace docket::testing
