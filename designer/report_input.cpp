#include "designer/report_input.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <utility>

#include "engine/audit/audit_bundle.h"
#include "engine/codec/journal_json.h"
#include "engine/store/audit_chain.h"
#include "engine/store/open_store.h"

namespace docket::designer {
namespace {

namespace fs = std::filesystem;
using engine::Record;
using engine::Result;
using engine::Status;
using Records = std::vector<Record>;
using Input = Result<JournalInput>;

// The first 16 bytes of every SQLite 3 database file.
constexpr char kSqliteHeader[] = "SQLite format 3";  // and its terminating NUL

bool is_sqlite_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char header[sizeof kSqliteHeader] = {};
  in.read(header, sizeof header);
  return in.gcount() == sizeof header && std::memcmp(header, kSqliteHeader, sizeof header) == 0;
}

// A journal record from a row's body, or an error naming where it was.
Status decode_into(std::string_view body, const std::string& where, Records& records) {
  Result<Record> record = engine::decode_record(body);
  if (!record) return Status::failure(where + ": not a journal record: " + record.error());
  records.push_back(std::move(record).value());
  return Status::success();
}

Input read_store(const std::string& path) {
  auto store = engine::open_store_for_reading(path);
  if (!store) return Input::failure(store.error());
  JournalInput input;
  Status read = store.value()->read_journal(1, [&](const engine::JournalRow& row) {
    return decode_into(row.body, store.value()->location() + ": seq " + std::to_string(row.seq), input.records);
  });
  if (!read) return Input::failure(read.error());
  auto versions = store.value()->versions();
  if (!versions) return Input::failure(versions.error());
  input.versions = std::move(versions).value();
  return Input::success(std::move(input));
}

Input read_bundle(const std::string& path) {
  auto bundle = engine::open_bundle(path);
  if (!bundle) return Input::failure(bundle.error());
  JournalInput input;
  Status read = bundle->read_rows([&](const engine::JournalRow& row) {
    std::string where = path + ": seq " + std::to_string(row.seq);
    if (!row.problem.empty()) return Status::failure(where + ": " + row.problem);
    return decode_into(row.body, where, input.records);
  });
  if (!read) return Input::failure(read.error());
  input.versions = std::move(bundle->versions);
  return Input::success(std::move(input));
}

Input read_lines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Input::failure(path + ": cannot read the file");
  JournalInput input;
  Records& records = input.records;
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::string where = path + ":" + std::to_string(number);
    // A bundle's line carries the chain links after the body; a --log line is the body.
    Result<engine::ChainedLine> chained = engine::split_chained_line(line);
    Status decoded = decode_into(chained ? std::string_view(chained->body) : std::string_view(line), where, records);
    if (!decoded) return Input::failure(decoded.error());
  }
  if (in.bad()) return Input::failure(path + ": cannot read the file");
  return Input::success(std::move(input));
}

// The versions of the bundle a journal.jsonl lies in, so that a report of
// the bundle's journal file has its rules as one of the bundle has; none
// for any other file.
std::vector<engine::StoredVersion> bundle_versions_beside(const std::string& path) {
  fs::path file(path);
  if (file.filename() != "journal.jsonl") return {};
  std::error_code error;
  if (!fs::is_regular_file(file.parent_path() / "versions.jsonl", error)) return {};
  auto bundle = engine::open_bundle(file.parent_path().empty() ? fs::path(".") : file.parent_path());
  if (!bundle) return {};
  return std::move(bundle->versions);
}

}  // namespace

Input read_journal(const std::string& path) {
  if (engine::is_postgres_url(path)) return read_store(path);
  std::error_code error;
  fs::file_status status = fs::status(path, error);
  if (error || !fs::exists(status)) return Input::failure(path + ": no such file");
  if (fs::is_directory(status)) return read_bundle(path);
  if (!fs::is_regular_file(status)) return Input::failure(path + ": not a file");
  if (is_sqlite_file(path)) return read_store(path);
  Input input = read_lines(path);
  if (input) input.value().versions = bundle_versions_beside(path);
  return input;
}

}  // namespace docket::designer
