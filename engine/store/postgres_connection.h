// One libpq connection, as the PostgreSQL store uses it (postgres_store.cpp,
// postgres_outbox.cpp). Not a public header.
//
// Statements are prepared once per connection, the first time each SQL text
// is run, and run with text parameters. Every failure names the server and
// says what PostgreSQL said; a connection that broke is opened again by the
// next begin() (whatever transaction it had is gone: the caller decides
// what that means for its units).

#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model/result.h"

struct pg_conn;
struct pg_result;

namespace docket::engine {

// A statement parameter: text, a number, or SQL NULL.
class PgParam {
 public:
  PgParam(std::string_view text) : value_(std::string(text)) {}      // NOLINT(google-explicit-constructor)
  PgParam(const std::string& text) : value_(text) {}                 // NOLINT(google-explicit-constructor)
  PgParam(const char* text) : value_(std::string(text)) {}           // NOLINT(google-explicit-constructor)
  PgParam(std::int64_t number) : value_(std::to_string(number)) {}   // NOLINT(google-explicit-constructor)
  PgParam(std::uint64_t number) : value_(std::to_string(number)) {}  // NOLINT(google-explicit-constructor)
  PgParam(int number) : value_(std::to_string(number)) {}            // NOLINT(google-explicit-constructor)
  PgParam(std::uint32_t number) : value_(std::to_string(number)) {}  // NOLINT(google-explicit-constructor)
  PgParam(std::optional<std::int64_t> number)                        // NOLINT(google-explicit-constructor)
      : value_(number ? std::optional<std::string>(std::to_string(*number)) : std::nullopt) {}
  PgParam(bool flag) : value_(flag ? "t" : "f") {}  // NOLINT(google-explicit-constructor)

  const char* data() const { return value_ ? value_->c_str() : nullptr; }

 private:
  std::optional<std::string> value_;
};

// The rows a statement returned (text format).
class PgRows {
 public:
  PgRows() = default;
  explicit PgRows(pg_result* result) : result_(result) {}
  ~PgRows();
  PgRows(PgRows&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
  PgRows& operator=(PgRows&& other) noexcept;
  PgRows(const PgRows&) = delete;
  PgRows& operator=(const PgRows&) = delete;

  int size() const;
  bool empty() const { return size() == 0; }
  std::string text(int row, int column) const;
  std::int64_t integer(int row, int column) const;  // 0 for NULL
  bool is_null(int row, int column) const;
  // Rows an UPDATE, INSERT or DELETE touched.
  std::uint64_t affected() const;

 private:
  pg_result* result_ = nullptr;
};

// What a failed statement was: the caller tells a lost connection (the
// server is unreachable: try later) from a unique-key violation (another
// writer was first) from anything else.
enum class PgFailure : std::uint8_t { kNone, kConnection, kUniqueViolation, kSerialization, kOther };

class PgConnection {
 public:
  // `url` as libpq takes it ("postgresql://user@host/db?...", or key=value
  // pairs); `location` is how messages name it (the URL without a password).
  PgConnection(std::string url, std::string location);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Connects, or connects again after the connection broke.
  Status connect();
  bool connected() const;

  // Runs `sql` (prepared on first use) with `params`. A failure's message is
  // "<location>: <what>: <PostgreSQL's reason>"; failure() says its kind.
  Result<PgRows> run(const char* sql, std::initializer_list<PgParam> params = {}, std::string_view what = {});
  Result<PgRows> run(const char* sql, const std::vector<PgParam>& params, std::string_view what = {});
  // Runs SQL text without parameters (several statements allowed).
  Status exec(const std::string& sql, std::string_view what = {});
  // Connects if needed and begins a transaction with `sql` ("BEGIN ..."). A
  // connection that turns out to be dead (the server restarted since its
  // last use) is opened again once: nothing had been done on it.
  Status begin(const char* sql = "BEGIN");
  // Closes the connection; the next connect() opens a new one.
  void drop();

  // The kind of the last failure (kNone after a success).
  PgFailure failure() const { return failure_; }
  const std::string& location() const { return location_; }

 private:
  Result<PgRows> finish(pg_result* result, std::string_view what);
  std::string reason() const;

  std::string url_;
  std::string location_;
  pg_conn* conn_ = nullptr;
  std::map<std::string, std::string, std::less<>> prepared_;  // SQL text -> statement name
  PgFailure failure_ = PgFailure::kNone;
};

}  // namespace docket::engine
