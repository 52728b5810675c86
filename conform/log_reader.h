// Rows of another system's event log: CSV or JSON lines, read as a stream.
//
// CSV follows RFC 4180 (libcsv does the quoting): the first record names the
// columns, quoted cells may hold commas, quotes ("") and line breaks, and a
// UTF-8 byte-order mark before the header is skipped. JSON lines hold one
// object per line; its members are the columns, and a string, a number, a
// boolean or null is a cell (numbers and booleans as written, null as no
// value). A wanted member must hold one of those; members not wanted may
// hold anything. Empty lines are skipped in both.
//
// The caller names the columns it wants; each row comes with the cells of
// those columns, in that order. A wanted column the CSV header lacks is an
// error before any row is read ("log.csv:1: no column `sys_updated_at`;
// the columns are: number, incident_state, ..."); a JSON line without a
// member has no value there (the row is still given).
//
// Everything in a log is hostile until checked. Errors name the file and the
// line where the bad record begins, and stop the read:
//   log.csv:17: row has 12 cells, the header has 36
//   log.csv:90: unterminated quoted cell
//   log.csv:8: a quote inside an unquoted cell (quote the cell and write the quote twice)
//   log.csv:3: a cell is longer than 65536 bytes
//   log.csv:6: a record is longer than 1048576 bytes
//   log.csv: more than 1000 columns
//   log.jsonl:4: not a JSON object: ...
//   log.jsonl:9: `impact` holds an object; a cell must be a string, number, boolean or null
//   log.jsonl:2: a line is longer than 1048576 bytes
//   log.jsonl:5: a member named twice (`state`)
//   log.csv:1: empty header / a column named twice (`state`)
// and so do bytes that are not UTF-8 ("log.csv:5: not UTF-8 text"). Memory
// stays bounded by LogLimits, whatever the file holds.

#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model/result.h"

namespace docket::conform {

enum class LogFormat { kCsv, kJsonLines };

// "csv", "jsonl"; nullopt otherwise ("ndjson" is read as jsonl).
std::optional<LogFormat> parse_log_format(std::string_view name);
const char* to_string(LogFormat format);
// By the file name: .csv is CSV; .jsonl, .ndjson and .json are JSON lines;
// nullopt for anything else.
std::optional<LogFormat> log_format_of(std::string_view path);

struct LogLimits {
  std::size_t max_cell_bytes = 64 * 1024;
  std::size_t max_line_bytes = 1024 * 1024;  // JSON lines: one line; CSV: one record
  std::size_t max_columns = 1000;
};

// One row. `cells[i]` is the cell of the i-th wanted column; nullopt when a
// JSON line has no such member or holds null. Views are valid only during
// the callback.
struct LogRow {
  std::uint64_t line = 0;   // 1-based line of the file where the row begins
  std::uint64_t index = 0;  // 0-based, counting data rows only
  std::span<const std::optional<std::string_view>> cells;
  // Bytes of the input handed to the parser so far (a block at a time): for
  // a progress bar, against the file's size.
  std::uint64_t bytes_read = 0;
};

// Returns false from the callback to stop reading early (not an error).
using RowHandler = std::function<bool(const LogRow&)>;

// Reads `path` (`display_name` in messages, the path when empty) and calls
// `on_row` for each data row, in file order.
engine::Status read_log(const std::string& path, LogFormat format, std::span<const std::string> wanted,
                        const RowHandler& on_row, const LogLimits& limits = {}, const std::string& display_name = {});

// The same from text in memory (tests, fuzzing); `name` is used in messages.
engine::Status read_log_text(std::string_view text, std::string_view name, LogFormat format,
                             std::span<const std::string> wanted, const RowHandler& on_row,
                             const LogLimits& limits = {});

// The columns of a CSV log's header, or the members of the first object of
// a JSON-lines log, in order.
engine::Result<std::vector<std::string>> log_columns(const std::string& path, LogFormat format,
                                                     const LogLimits& limits = {});

}  // namespace docket::conform
