// What the log fuzz target does with one input, shared with the replay test.
//
// tests/fuzz/fuzz_log.cpp hands every input libFuzzer makes to run_log();
// tests/dsl/fuzz_replay_test.cpp hands it every stored input
// (tests/fuzz/corpus/log/, tests/fuzz/crashes/log/). These are the readers
// of `docket conform`, which take other systems' files as they come
// (conform/log_reader.h, conform/log_mapping.h).
//
// The first byte chooses what the rest of the input is, by its value modulo
// 4 (the seeds start with a digit, so that they stay readable):
//   0  a CSV log ("log.csv"), read by read_log_text;
//   1  a JSON-lines log ("log.jsonl"), read the same way;
//   2  a mapping file ("map.toml"), parsed by parse_mapping;
//   3  a time format on the first line, then times to read, one a line.
// For the logs, the byte divided by 4, modulo 4, is the row after which the
// callback stops the read (0: it never does; '4' is a CSV log stopped after
// its first row). Logs are read with small limits, so that short inputs
// reach them, for the columns case, state, time and note (which a log may
// lack) and case once more.
//
// The promises, whatever the bytes:
// - reading returns and throws nothing;
// - each row has one cell per wanted column, the same cell for a column
//   wanted twice; a cell is UTF-8 and within the cell limit;
// - rows come with line numbers from 1 that only grow and stay within the
//   text, and with indexes 0, 1, 2, ...;
// - once the callback stops the read, no row follows and the read succeeds;
// - an error names the log ("log.csv:17: ..." or "log.csv: ..."), and the
//   line it names lies within the text, after every row read;
// - a mapping error names the mapping file; a parsed mapping's columns are
//   named and each given once;
// - TimeReader::make takes exactly the formats it promises to take; a time
//   read with an offset is not naive and one read without is; whatever is
//   read falls between the years 0000 and 9999 (give or take the offset); a
//   time written with an offset reads the same in every zone, as ISO 8601
//   and as %Y-%m-%dT%H:%M:%S%z.
// A broken promise is returned as its description (empty when all held).
//
// Nothing reaches the file system but the zone Europe/Lisbon, loaded once
// per process from the system's tzdata (left out where it is not installed);
// a mapping's time_zone is never loaded.

#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "conform/log_mapping.h"
#include "conform/log_reader.h"
#include "engine/model/result.h"
#include "engine/model/text.h"

namespace docket::fuzz {

// ---------------------------------------------------------------- logs

inline conform::LogLimits fuzz_log_limits() {
  conform::LogLimits limits;
  limits.max_cell_bytes = 48;
  limits.max_line_bytes = 160;
  limits.max_columns = 8;
  return limits;
}

// What every log is read for: `note` may be missing (from a JSON line; a
// CSV header without it is an error), `case` is wanted twice.
inline const std::vector<std::string>& fuzz_log_columns() {
  static const std::vector<std::string> columns = {"case", "state", "time", "note", "case"};
  return columns;
}

// The number of lines of `text`: a line number past it names nothing.
inline std::uint64_t lines_in(std::string_view text) {
  std::uint64_t lines = 1;
  for (char c : text) lines += c == '\n' ? 1 : 0;
  return lines;
}

// "log.csv:17: ..." or "log.csv: ...": the log's name, then the line when
// there is one, which must lie in the text and after the last row read.
inline std::string check_log_error(const std::string& error, std::string_view name, std::uint64_t lines,
                                   std::uint64_t last_row_line) {
  std::string prefix = std::string(name) + ":";
  if (error.rfind(prefix, 0) != 0)
    return "an error that does not start with `" + prefix + "`: " + engine::printable(error);
  std::size_t pos = prefix.size();
  if (pos < error.size() && error[pos] == ' ') return {};
  std::uint64_t line = 0;
  std::size_t digits = 0;
  while (pos < error.size() && error[pos] >= '0' && error[pos] <= '9' && digits < 19) {
    line = line * 10 + static_cast<std::uint64_t>(error[pos] - '0');
    ++pos;
    ++digits;
  }
  if (digits == 0 || pos >= error.size() || error[pos] != ':') {
    return "an error whose place is neither `" + prefix + " ` nor `" + prefix + "LINE:`: " + engine::printable(error);
  }
  if (line < 1 || line > lines) {
    return "an error at line " + std::to_string(line) + " of a text of " + std::to_string(lines) +
           " lines: " + engine::printable(error);
  }
  if (line <= last_row_line) {
    return "an error at line " + std::to_string(line) + ", but a row was read at line " +
           std::to_string(last_row_line) + ": " + engine::printable(error);
  }
  return {};
}

// Reads `text` for `wanted` and checks every row and the outcome; the
// callback stops the read after `stop_after` rows (0: never).
inline std::string read_and_check(std::string_view text, std::string_view name, conform::LogFormat format,
                                  std::span<const std::string> wanted, std::uint64_t stop_after) {
  const conform::LogLimits limits = fuzz_log_limits();
  const std::uint64_t lines = lines_in(text);
  std::uint64_t rows = 0;
  std::uint64_t last_line = 0;
  bool stopped = false;
  std::string broken;
  auto check_row = [&](const conform::LogRow& row) -> std::string {
    if (stopped) return "a row after the callback stopped the read";
    if (row.cells.size() != wanted.size()) {
      return "a row with " + std::to_string(row.cells.size()) + " cells for " + std::to_string(wanted.size()) +
             " wanted columns";
    }
    if (row.index != rows) {
      return "row " + std::to_string(rows) + " comes with index " + std::to_string(row.index);
    }
    if (row.line < 1 || row.line > lines) {
      return "a row at line " + std::to_string(row.line) + " of a text of " + std::to_string(lines) + " lines";
    }
    if (row.line <= last_line) {
      return "a row at line " + std::to_string(row.line) + " after one at line " + std::to_string(last_line);
    }
    for (std::size_t i = 0; i < row.cells.size(); ++i) {
      const std::optional<std::string_view>& cell = row.cells[i];
      if (cell && cell->size() > limits.max_cell_bytes) {
        return "a cell of " + std::to_string(cell->size()) + " bytes (the limit is " +
               std::to_string(limits.max_cell_bytes) + ")";
      }
      if (cell && !engine::is_utf8(*cell)) return "a cell that is not UTF-8: " + engine::printable(*cell);
      for (std::size_t j = i + 1; j < row.cells.size(); ++j) {
        if (wanted[i] == wanted[j] && row.cells[j] != cell) {
          return "column `" + wanted[i] + "`, wanted twice, has two different cells";
        }
      }
    }
    return {};
  };
  engine::Status status = conform::read_log_text(
      text, name, format, wanted,
      [&](const conform::LogRow& row) {
        broken = check_row(row);
        if (!broken.empty()) return false;
        last_line = row.line;
        ++rows;
        if (stop_after != 0 && rows == stop_after) stopped = true;
        return !stopped;
      },
      limits);
  if (!broken.empty()) return broken;
  if (status.ok()) return {};
  if (stopped) return "the read failed after the callback stopped it: " + engine::printable(status.error());
  return check_log_error(status.error(), name, lines, last_line);
}

// ---------------------------------------------------------------- times

// The formats TimeReader::make promises to take: plain characters and the
// conversions %Y %m %d %H %M %S %z %%.
inline bool documented_time_format(std::string_view format) {
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') continue;
    if (++i == format.size()) return false;
    if (std::string_view("YmdHMSz%").find(format[i]) == std::string_view::npos) return false;
  }
  return true;
}

// Whether a format reads an offset (%z, not %%z).
inline bool reads_offset(std::string_view format) {
  for (std::size_t i = 0; i + 1 < format.size(); ++i) {
    if (format[i] != '%') continue;
    if (format[++i] == 'z') return true;
  }
  return false;
}

// 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z, two days wider: an
// offset or a zone moves a time by less than a day.
inline constexpr std::int64_t kEarliestTime = -62'167'219'200 - 2 * 86'400;
inline constexpr std::int64_t kLatestTime = 253'402'300'800 + 2 * 86'400;

struct FuzzTimeReader {
  std::string label;  // for messages
  std::string format;
  conform::TimeReader reader;
};

inline std::optional<conform::TimeReader> make_time_reader(const std::string& format, const std::string& zone) {
  engine::Result<conform::TimeReader> made = conform::TimeReader::make(format, zone);
  if (!made) return std::nullopt;
  return std::move(made).value();
}

// ISO 8601 in UTC, ISO 8601 in Europe/Lisbon (when the zone loads), and
// two formats of the kind mappings give, in UTC. Made once per process.
inline const std::vector<FuzzTimeReader>& fixed_time_readers() {
  static const std::vector<FuzzTimeReader> readers = [] {
    std::vector<FuzzTimeReader> made;
    for (auto [format, zone] : std::array<std::pair<const char*, const char*>, 4>{
             {{"", "UTC"}, {"", "Europe/Lisbon"}, {"%d-%m-%Y %H:%M", "UTC"}, {"%Y-%m-%dT%H:%M:%S%z", "UTC"}}}) {
      if (std::optional<conform::TimeReader> reader = make_time_reader(format, zone)) {
        std::string label = std::string(*format == '\0' ? "ISO 8601" : format) + " in " + zone;
        made.push_back({label, format, *reader});
      }
    }
    return made;
  }();
  return readers;
}

// One reading of `text`, checked on its own.
inline std::string check_time(const FuzzTimeReader& reader, std::string_view text,
                              std::optional<conform::TimeReader::Read>& read) {
  read = reader.reader.read(text);
  if (!read) return {};
  std::string where = "\"" + engine::printable(text) + "\" read with " + reader.label;
  if (!reader.format.empty() && read->naive == reads_offset(reader.format)) {
    return where + (read->naive ? " is naive, though the format reads an offset"
                                : " is not naive, though the format reads no offset");
  }
  if (read->at < kEarliestTime || read->at > kLatestTime) {
    return where + " gives " + std::to_string(read->at) + ", outside the years 0000 to 9999";
  }
  return {};
}

// Reads `text` with the fixed readers and `custom` (when there is one). The
// fixed readers that read a year, month, day, hour, minute and second in
// that order must agree on a time with an offset; `custom` may read the
// same digits otherwise (%d-%m against %m-%d), so it is only checked alone.
inline std::string read_time_everywhere(std::string_view text, const FuzzTimeReader* custom) {
  std::optional<std::int64_t> instant;
  std::string instant_from;
  auto one = [&](const FuzzTimeReader& reader) -> std::string {
    std::optional<conform::TimeReader::Read> read;
    if (std::string broken = check_time(reader, text, read); !broken.empty()) return broken;
    if (!read || read->naive || &reader == custom) return {};
    if (instant && *instant != read->at) {
      return "\"" + engine::printable(text) + "\" reads as " + std::to_string(*instant) + " with " + instant_from +
             " but as " + std::to_string(read->at) + " with " + reader.label;
    }
    instant = read->at;
    instant_from = reader.label;
    return {};
  };
  for (const FuzzTimeReader& reader : fixed_time_readers()) {
    if (std::string broken = one(reader); !broken.empty()) return broken;
  }
  return custom != nullptr ? one(*custom) : std::string();
}

// Makes a reader of `format` in UTC, which must succeed exactly for the
// formats documented, and reads each of `texts` with it and the fixed ones.
inline std::string check_time_format(const std::string& format, std::span<const std::string_view> texts) {
  engine::Result<conform::TimeReader> made = conform::TimeReader::make(format, "UTC");
  if (made.ok() != documented_time_format(format)) {
    return "TimeReader::make " + std::string(made.ok() ? "takes" : "refuses") + " the format \"" +
           engine::printable(format) + "\"" + (made.ok() ? "" : ": " + made.error());
  }
  std::optional<FuzzTimeReader> custom;
  if (made) custom = FuzzTimeReader{"\"" + engine::printable(format) + "\" in UTC", format, made.value()};
  for (std::string_view text : texts) {
    if (std::string broken = read_time_everywhere(text, custom ? &*custom : nullptr); !broken.empty()) return broken;
  }
  return {};
}

// A format on the first line, then times, one a line (at most 16).
inline std::string run_times(std::string_view input) {
  std::size_t newline = input.find('\n');
  std::string format(input.substr(0, newline));
  std::vector<std::string_view> texts;
  while (newline != std::string_view::npos && texts.size() < 16) {
    input.remove_prefix(newline + 1);
    newline = input.find('\n');
    texts.push_back(input.substr(0, newline));
  }
  return check_time_format(format, texts);
}

// ---------------------------------------------------------------- mappings

// A log each parsed mapping's columns are read from.
inline constexpr std::string_view kMappedCsv =
    "number,incident_state,sys_updated_at,sys_updated_by,role\n"
    "INC1,New,2016-02-29T01:16:00Z,alice,agent\n";
inline constexpr std::string_view kMappedJsonLines =
    "{\"number\":\"INC1\",\"incident_state\":\"New\",\"sys_updated_at\":\"2016-02-29T01:16:00Z\"}\n"
    "{\"number\":\"INC1\",\"activity\":\"Close ticket\",\"sys_mod_count\":3,\"role\":null}\n";

// Times each parsed mapping's format reads.
inline constexpr std::string_view kMappedTimes[] = {"2016-02-29T01:16:00Z", "2016-02-29 01:16:00", "29-02-2016 01:16",
                                                    "2016-02-29T01:16:00.123+08:00"};

inline std::string run_mapping(std::string_view input) {
  engine::Result<conform::LogMapping> parsed = conform::parse_mapping(input, "map.toml");
  if (!parsed) {
    if (parsed.error().rfind("map.toml:", 0) == 0) return {};
    return "a mapping error that does not start with `map.toml:`: " + engine::printable(parsed.error());
  }
  const conform::LogMapping& mapping = parsed.value();
  std::vector<std::string> columns = mapping.columns();
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].empty()) return "a mapping's columns include an empty name";
    for (std::size_t j = i + 1; j < columns.size(); ++j) {
      if (columns[i] == columns[j]) return "a mapping's columns name `" + engine::printable(columns[i]) + "` twice";
    }
  }
  (void)mapping.incomplete();
  if (std::string broken = read_and_check(kMappedCsv, "mapped.csv", conform::LogFormat::kCsv, columns, 0);
      !broken.empty()) {
    return "with the mapping's columns: " + broken;
  }
  if (std::string broken = read_and_check(kMappedJsonLines, "mapped.jsonl", conform::LogFormat::kJsonLines, columns, 0);
      !broken.empty()) {
    return "with the mapping's columns: " + broken;
  }
  return check_time_format(mapping.time_format, kMappedTimes);
}

// ---------------------------------------------------------------- entry

inline std::string run_log(std::string_view bytes) {
  if (bytes.empty()) return {};
  auto selector = static_cast<unsigned char>(bytes.front());
  std::string_view rest = bytes.substr(1);
  std::uint64_t stop_after = (selector / 4) % 4;
  try {
    switch (selector % 4) {
      case 0:
        return read_and_check(rest, "log.csv", conform::LogFormat::kCsv, fuzz_log_columns(), stop_after);
      case 1:
        return read_and_check(rest, "log.jsonl", conform::LogFormat::kJsonLines, fuzz_log_columns(), stop_after);
      case 2:
        return run_mapping(rest);
      default:
        return run_times(rest);
    }
  } catch (const std::exception& e) {
    return std::string("an exception escaped: ") + e.what();
  } catch (...) {
    return "an exception that is not a std::exception escaped";
  }
}

}  // namespace docket::fuzz
