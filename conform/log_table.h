// Internal to conform: a log's rows held compactly and cut into traces.
// Include conform/conformance.h instead.
//
// A million rows must fit easily: the cells of a log repeat (states,
// actors, impacts), so each column's texts are stored once (TextPool) and a
// row is a few numbers. Times and order keys as written are kept in one
// arena for the rows a report shows.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "conform/conformance.h"

namespace docket::conform {

inline constexpr std::uint32_t kNoText = std::numeric_limits<std::uint32_t>::max();

// Texts stored once each, by id.
class TextPool {
 public:
  std::uint32_t intern(std::string_view text);
  const std::string& text(std::uint32_t id) const { return texts_[id]; }
  std::size_t size() const { return texts_.size(); }

 private:
  // Looked up by string_view: most cells are seen before, and a lookup
  // must not build a string for each.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };
  std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>> ids_;
  std::vector<std::string> texts_;
  // The last text interned: a log repeats a value row after row.
  std::uint32_t last_ = kNoText;
};

struct LoggedRow {
  std::uint64_t line = 0;
  std::int64_t at = 0;
  std::int64_t order = 0;
  bool has_order = false;
  bool naive = false;
  std::uint32_t trace = 0;         // index into LogTable::case_ids
  std::uint32_t logged = kNoText;  // state or activity, in LogTable::names
  std::uint32_t actor = kNoText;   // in LogTable::values
  std::uint32_t roles = kNoText;   // in LogTable::values
  std::uint32_t time_text = 0;     // offset into LogTable::arena ("time\torder")
  std::uint32_t cells = 0;         // offset into LogTable::cells: fields, then checks
};

// A cell of a field or check column: kNoText when the row had no such
// member, kMissingCell for a cell the mapping calls missing ("?").
inline constexpr std::uint32_t kMissingCell = kNoText - 1;

struct LogTable {
  std::vector<LoggedRow> rows;
  std::vector<std::uint32_t> cells;   // per row: mapping.fields.size() + mapping.checks.size() ids into values
  std::vector<std::string> case_ids;  // by trace index
  TextPool names;                     // states or activities as logged
  TextPool values;                    // every other cell
  std::string arena;                  // "time\torder\n" of each row
  DataQuality quality;

  std::string_view time_text(const LoggedRow& row) const;
  std::string_view order_text(const LoggedRow& row) const;
};

// Reads the log into a table. Rows without a case id or a readable time are
// skipped and counted (quality.skipped), so one bad row does not hide the
// rest of the log; a log that cannot be read at all is an error.
engine::Result<LogTable> read_log_table(const LogMapping& mapping, const std::string& log_path,
                                        const ConformOptions& options);

// Each trace's rows (indices into table.rows), traces by case id, rows by
// time, then order key, then place in the file; or, `by_order_first`, by
// order key, then time, then place.
std::vector<std::vector<std::uint32_t>> cut_traces(const LogTable& table, bool by_order_first);

}  // namespace docket::conform
