#include "engine/store/postgres_connection.h"
#include "engine/store/postgres_store.h"

#include <libpq-fe.h>

#include <cstdlib>
#include <utility>

namespace docket::engine {

// ---------------------------------------------------------------- rows

PgRows::~PgRows() { PQclear(result_); }

PgRows& PgRows::operator=(PgRows&& other) noexcept {
  if (this != &other) {
    PQclear(result_);
    result_ = other.result_;
    other.result_ = nullptr;
  }
  return *this;
}

int PgRows::size() const { return result_ != nullptr ? PQntuples(result_) : 0; }

std::string PgRows::text(int row, int column) const {
  return std::string(PQgetvalue(result_, row, column), static_cast<std::size_t>(PQgetlength(result_, row, column)));
}

std::int64_t PgRows::integer(int row, int column) const {
  if (is_null(row, column)) return 0;
  return std::strtoll(PQgetvalue(result_, row, column), nullptr, 10);
}

bool PgRows::is_null(int row, int column) const { return PQgetisnull(result_, row, column) != 0; }

std::uint64_t PgRows::affected() const {
  const char* count = result_ != nullptr ? PQcmdTuples(result_) : "";
  return *count != '\0' ? std::strtoull(count, nullptr, 10) : 0;
}

// ---------------------------------------------------------------- the connection

std::string redact_postgres_url(std::string_view url) {
  // postgresql://user:secret@host/db?password=secret&sslmode=require ->
  // postgresql://user@host/db?sslmode=require
  std::size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  std::size_t authority = scheme + 3;
  std::size_t query = url.find('?', authority);
  std::string_view base = url.substr(0, query);
  std::string redacted(base);
  std::size_t at = base.find('@', authority);
  std::size_t slash = base.find('/', authority);
  if (at != std::string_view::npos && (slash == std::string_view::npos || at < slash)) {
    std::size_t colon = base.find(':', authority);
    if (colon != std::string_view::npos && colon < at) {
      redacted = base.substr(0, colon);
      redacted += base.substr(at);
    }
  }
  if (query == std::string_view::npos) return redacted;
  std::string kept;
  std::string_view rest = url.substr(query + 1);
  while (!rest.empty()) {
    std::size_t amp = rest.find('&');
    std::string_view param = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (param.empty() || param == "password" || param.starts_with("password=")) continue;
    kept += kept.empty() ? "" : "&";
    kept += param;
  }
  if (!kept.empty()) redacted += "?" + kept;
  return redacted;
}

PgConnection::PgConnection(std::string url, std::string location)
    : url_(std::move(url)), location_(std::move(location)) {}

PgConnection::~PgConnection() { PQfinish(conn_); }

bool PgConnection::connected() const { return conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK; }

std::string PgConnection::reason() const {
  std::string message = conn_ != nullptr ? PQerrorMessage(conn_) : "cannot connect";
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  // libpq's multi-line messages: one line for ours.
  for (char& c : message) {
    if (c == '\n' || c == '\t') c = ' ';
  }
  return message;
}

Status PgConnection::connect() {
  // A connection the server ended since its last use (a restart, an idle
  // timeout) reads CONNECTION_OK until libpq next reads from it. Between
  // transactions, where connecting again loses nothing, read what is waiting
  // without blocking: the server's last message, then the end of the stream.
  if (connected() && PQtransactionStatus(conn_) == PQTRANS_IDLE) {
    for (int read = 0; read < 2 && PQconsumeInput(conn_) == 1 && connected(); ++read) {
    }
  }
  if (connected()) return Status::success();
  PQfinish(conn_);
  prepared_.clear();
  conn_ = PQconnectdb(url_.c_str());
  if (PQstatus(conn_) != CONNECTION_OK) {
    failure_ = PgFailure::kConnection;
    return Status::failure(location_ + ": cannot connect: " + reason());
  }
  failure_ = PgFailure::kNone;
  // Warnings ("there is no transaction in progress") are not ours to print.
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
  return Status::success();
}

Result<PgRows> PgConnection::finish(pg_result* result, std::string_view what) {
  ExecStatusType status = PQresultStatus(result);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    failure_ = PgFailure::kNone;
    return Result<PgRows>::success(PgRows(result));
  }
  std::string state;
  if (const char* code = PQresultErrorField(result, PG_DIAG_SQLSTATE); code != nullptr) state = code;
  std::string message = PQresultErrorMessage(result);
  PQclear(result);
  if (message.empty()) message = reason();
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  for (char& c : message) {
    if (c == '\n' || c == '\t') c = ' ';
  }
  if (!connected() || state.starts_with("08") || state == "57P01" || state == "57P02" || state == "57P03") {
    failure_ = PgFailure::kConnection;
  } else if (state == "23505") {
    failure_ = PgFailure::kUniqueViolation;
  } else if (state == "40001" || state == "40P01") {
    failure_ = PgFailure::kSerialization;
  } else {
    failure_ = PgFailure::kOther;
  }
  std::string text = location_ + ": ";
  if (!what.empty()) text += std::string(what) + ": ";
  text += message.starts_with("ERROR:  ") ? message.substr(8) : message;
  return Result<PgRows>::failure(std::move(text));
}

Result<PgRows> PgConnection::run(const char* sql, std::initializer_list<PgParam> params, std::string_view what) {
  return run(sql, std::vector<PgParam>(params), what);
}

Result<PgRows> PgConnection::run(const char* sql, const std::vector<PgParam>& params, std::string_view what) {
  if (!connected()) {
    failure_ = PgFailure::kConnection;
    std::string text = location_ + ": ";
    if (!what.empty()) text += std::string(what) + ": ";
    return Result<PgRows>::failure(text + "not connected: " + reason());
  }
  auto found = prepared_.find(std::string_view(sql));
  if (found == prepared_.end()) {
    std::string name = "s" + std::to_string(prepared_.size() + 1);
    Result<PgRows> prepared =
        finish(PQprepare(conn_, name.c_str(), sql, static_cast<int>(params.size()), nullptr), what);
    if (!prepared) return prepared;
    found = prepared_.emplace(sql, std::move(name)).first;
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const PgParam& param : params) values.push_back(param.data());
  return finish(
      PQexecPrepared(conn_, found->second.c_str(), static_cast<int>(values.size()), values.data(), nullptr, nullptr, 0),
      what);
}

Status PgConnection::exec(const std::string& sql, std::string_view what) {
  if (!connected()) {
    failure_ = PgFailure::kConnection;
    return Status::failure(location_ + ": not connected: " + reason());
  }
  Result<PgRows> result = finish(PQexec(conn_, sql.c_str()), what);
  if (!result) return Status::failure(result.error());
  return Status::success();
}

void PgConnection::drop() {
  PQfinish(conn_);
  conn_ = nullptr;
  prepared_.clear();
}

Status PgConnection::begin(const char* sql) {
  if (Status s = connect(); !s) return s;
  Status begun = exec(sql, "beginning a transaction");
  if (begun || failure_ != PgFailure::kConnection) return begun;
  drop();
  if (Status s = connect(); !s) return s;
  return exec(sql, "beginning a transaction");
}

}  // namespace docket::engine
