#include "conform/log_reader.h"

#include <csv.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <system_error>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "engine/model/text.h"

namespace docket::conform {
namespace {

// Files are read in blocks of this size, and text in memory is cut into
// them too: the parsers never see more than a block at once, so a line of
// gigabytes costs a block of memory before its limit stops the read.
constexpr std::size_t kBlockBytes = std::size_t{1} << 20;
constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

// Well-formed UTF-8. Logs are mostly ASCII, which is checked eight bytes at
// a time; the general check starts at the first byte above 0x7F.
bool is_utf8_text(std::string_view text) {
  std::size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, text.data() + i, sizeof word);
    if ((word & 0x8080808080808080ULL) != 0) break;
  }
  while (i < text.size() && static_cast<unsigned char>(text[i]) < 0x80) ++i;
  return i == text.size() || engine::is_utf8(text.substr(i));
}

// A line break and nothing else: an empty line of a CRLF or LF file.
bool is_line_break(std::string_view text) { return text.find_first_not_of("\r\n") == std::string_view::npos; }

std::string cells_count(std::size_t count) { return std::to_string(count) + (count == 1 ? " cell" : " cells"); }

// One read: what it is for and how it ended. A read ends early for an error,
// for the caller's callback returning false, or, when only the columns are
// asked for, once they are known.
class ReadJob {
 public:
  ReadJob(std::string_view name, std::span<const std::string> wanted, const RowHandler* on_row, const LogLimits& limits)
      : name_(name), wanted_(wanted), on_row_(on_row), limits_(limits) {}

  std::span<const std::string> wanted() const { return wanted_; }
  const LogLimits& limits() const { return limits_; }
  // log_columns(): stop once the columns are known.
  bool wants_columns_only() const { return on_row_ == nullptr; }

  bool over() const { return over_; }
  const std::string& error() const { return error_; }

  // Always false, so that `return fail(...)` also stops the caller.
  // "log.csv:17: row has 12 cells, the header has 36"
  bool fail(std::uint64_t line, std::string_view message) {
    return fail_with(std::string(name_) + ":" + std::to_string(line) + ": ", message);
  }
  // "log.csv: more than 1000 columns"
  bool fail_without_line(std::string_view message) { return fail_with(std::string(name_) + ": ", message); }

  // Hands a row to the caller; false when the read ends here.
  bool deliver(const LogRow& row) {
    LogRow counted = row;
    counted.bytes_read = bytes_read_;
    if (!(*on_row_)(counted)) over_ = true;
    return !over_;
  }

  void count_bytes(std::size_t bytes) { bytes_read_ += bytes; }

  void set_columns(std::vector<std::string> columns) {
    columns_ = std::move(columns);
    if (wants_columns_only()) over_ = true;
  }
  std::vector<std::string>& columns() { return columns_; }

 private:
  bool fail_with(std::string where, std::string_view message) {
    if (!over_) error_ = std::move(where) + std::string(message);
    over_ = true;
    return false;
  }

  std::string_view name_;
  std::span<const std::string> wanted_;
  const RowHandler* on_row_;
  LogLimits limits_;
  std::vector<std::string> columns_;
  std::string error_;
  bool over_ = false;
  std::uint64_t bytes_read_ = 0;
};

// The two formats behind one interface: blocks of the file in order, then
// the end.
class FormatReader {
 public:
  virtual ~FormatReader() = default;
  // False when the read ends here (see ReadJob).
  virtual bool feed(std::string_view block) = 0;
  virtual void finish() = 0;
};

// Where a cell's text lies in a row's buffer. Offsets rather than views,
// because the buffer may move while the row is read.
struct CellSpan {
  std::size_t offset = 0;
  std::size_t size = 0;
};

// ------------------------------------------------------------------- CSV

// libcsv hands over cells and record ends through callbacks and cannot be
// stopped from one: after an error or the caller's stop, those still to come
// from the same csv_parse() call are ignored.
class CsvReader final : public FormatReader {
 public:
  explicit CsvReader(ReadJob& job) : job_(job) {
    // Strict: a quote inside an unquoted cell, text after a closing quote
    // and (at the end) a quote never closed are errors, not guesses.
    csv_init(&parser_, CSV_STRICT | CSV_STRICT_FINI);
    // Records end at LF alone, so that they end where lines do and the line
    // count stays right. CR is libcsv's one "space", which it drops at the
    // edges of an unquoted cell: CRLF ends a record as LF does. Spaces and
    // tabs, which libcsv would trim, stay part of the cell as RFC 4180 says.
    csv_set_term_func(&parser_, [](unsigned char c) -> int { return c == '\n' ? 1 : 0; });
    csv_set_space_func(&parser_, [](unsigned char c) -> int { return c == '\r' ? 1 : 0; });
    // libcsv grows its cell buffer by this much at a time (128 bytes by default).
    csv_set_blk_size(&parser_, std::size_t{64} * 1024);
  }
  ~CsvReader() override { csv_free(&parser_); }
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  bool feed(std::string_view block) override {
    while (!block.empty()) {
      std::size_t newline = block.find('\n');
      std::size_t length = newline == std::string_view::npos ? block.size() : newline + 1;
      if (!feed_piece(block.substr(0, length))) return false;
      if (newline != std::string_view::npos) ++line_;
      block.remove_prefix(length);
    }
    return true;
  }

  void finish() override {
    if (csv_fini(&parser_, on_cell, on_record_end, this) != 0) {
      job_.fail(record_line_, "unterminated quoted cell");
      return;
    }
    if (!job_.over() && !header_read_) job_.fail(1, "empty header");
  }

 private:
  static void on_cell(void* text, std::size_t size, void* self) {
    static_cast<CsvReader*>(self)->cell(std::string_view(static_cast<const char*>(text), size));
  }
  static void on_record_end(int /*terminator*/, void* self) { static_cast<CsvReader*>(self)->record_end(); }

  // A piece of one line (all of it, or as much as the block holds); only
  // its last byte may be a line break.
  bool feed_piece(std::string_view piece) {
    bool starts_record = record_line_ == 0;
    if (starts_record) {
      record_line_ = line_;
      record_bytes_ = 0;
    }
    // Counted before libcsv sees the bytes, so it never holds more.
    record_bytes_ += piece.size();
    if (record_bytes_ > job_.limits().max_line_bytes) {
      return job_.fail(record_line_,
                       "a record is longer than " + std::to_string(job_.limits().max_line_bytes) + " bytes");
    }
    std::size_t parsed = csv_parse(&parser_, piece.data(), piece.size(), on_cell, on_record_end, this);
    if (job_.over()) return false;
    if (parsed < piece.size()) return parse_error();
    // A cell still open grows in libcsv's buffer; stop it at the limit
    // rather than when it ends.
    if (parser_.entry_pos > job_.limits().max_cell_bytes) return cell_too_long();
    if (starts_record && is_line_break(piece)) record_line_ = 0;  // an empty line starts nothing
    return true;
  }

  bool parse_error() {
    if (csv_error(&parser_) != CSV_EPARSE) return job_.fail(record_line_, csv_strerror(csv_error(&parser_)));
    return job_.fail(record_line_, parser_.quoted != 0 ? "text after the closing quote of a quoted cell"
                                                       : "a quote inside an unquoted cell (quote the cell and "
                                                         "write the quote twice)");
  }

  bool cell_too_long() {
    return job_.fail(record_line_, "a cell is longer than " + std::to_string(job_.limits().max_cell_bytes) + " bytes");
  }

  void cell(std::string_view text) {
    if (job_.over()) return;
    std::size_t index = cells_in_record_++;
    if (text.size() > job_.limits().max_cell_bytes) {
      cell_too_long();
      return;
    }
    if (!is_utf8_text(text)) {
      job_.fail(record_line_, "not UTF-8 text");
      return;
    }
    if (!header_read_) {
      if (index >= job_.limits().max_columns) {
        job_.fail_without_line("more than " + std::to_string(job_.limits().max_columns) + " columns");
        return;
      }
      header_.emplace_back(text);
      return;
    }
    if (index < wanted_at_.size() && wanted_at_[index]) {
      spans_[index] = CellSpan{row_text_.size(), text.size()};
      row_text_.append(text);
    }
  }

  void record_end() {
    if (job_.over()) return;
    if (header_read_) {
      row_end();
    } else {
      header_end();
    }
    cells_in_record_ = 0;
    row_text_.clear();
    record_line_ = 0;
  }

  void header_end() {
    header_read_ = true;
    if (std::all_of(header_.begin(), header_.end(), [](const std::string& name) { return name.empty(); })) {
      job_.fail(record_line_, "empty header");
      return;
    }
    std::unordered_set<std::string_view> seen;
    for (const std::string& name : header_) {
      if (!seen.insert(name).second) {
        job_.fail(record_line_, "a column named twice (`" + engine::printable(name) + "`)");
        return;
      }
    }
    if (!find_wanted()) return;
    job_.set_columns(header_);
  }

  // The column of each wanted name; an error naming the first one missing.
  bool find_wanted() {
    wanted_at_.assign(header_.size(), false);
    spans_.assign(header_.size(), CellSpan{});
    column_of_wanted_.clear();
    for (const std::string& name : job_.wanted()) {
      auto found = std::find(header_.begin(), header_.end(), name);
      if (found == header_.end()) {
        std::vector<std::string> shown;
        shown.reserve(header_.size());
        for (const std::string& column : header_) shown.push_back(engine::printable(column));
        std::string near = engine::closest_match(name, header_);
        return job_.fail(record_line_, "no column `" + engine::printable(name) + "`" +
                                           (near.empty() ? "" : " (did you mean `" + engine::printable(near) + "`?)") +
                                           "; the columns are: " + engine::join(shown, ", "));
      }
      auto index = static_cast<std::size_t>(found - header_.begin());
      wanted_at_[index] = true;
      column_of_wanted_.push_back(index);
    }
    cells_.assign(column_of_wanted_.size(), std::nullopt);
    return true;
  }

  void row_end() {
    if (cells_in_record_ != header_.size()) {
      job_.fail(record_line_,
                "row has " + cells_count(cells_in_record_) + ", the header has " + std::to_string(header_.size()));
      return;
    }
    for (std::size_t i = 0; i < cells_.size(); ++i) {
      const CellSpan& span = spans_[column_of_wanted_[i]];
      cells_[i] = std::string_view(row_text_).substr(span.offset, span.size);
    }
    job_.deliver(LogRow{record_line_, rows_++, cells_, 0});
  }

  ReadJob& job_;
  csv_parser parser_{};
  std::uint64_t line_ = 1;         // the line being fed
  std::uint64_t record_line_ = 0;  // where the record being read began; 0 between records
  std::size_t record_bytes_ = 0;   // of the record being read, line breaks included
  std::size_t cells_in_record_ = 0;
  bool header_read_ = false;
  std::vector<std::string> header_;
  std::vector<bool> wanted_at_;                // by column
  std::vector<std::size_t> column_of_wanted_;  // by wanted name
  std::vector<CellSpan> spans_;                // by column, wanted ones only
  std::string row_text_;                       // the wanted cells of the row, one after another
  std::vector<std::optional<std::string_view>> cells_;
  std::uint64_t rows_ = 0;
};

// ------------------------------------------------------------ JSON lines

using Json = nlohmann::json;

// The members of one JSON line, from nlohmann's SAX events: the wanted
// members' cells, or, for log_columns(), the names of all of them. Members
// not wanted may hold anything; they are skipped.
class ObjectLine final : public nlohmann::json_sax<Json> {
 public:
  struct Cell {
    enum class State : std::uint8_t { kAbsent, kNull, kText };
    State state = State::kAbsent;
    CellSpan span;
  };

  ObjectLine(const std::vector<std::string>& names, const LogLimits& limits, bool list_members)
      : limits_(limits), list_members_(list_members), cells_(names.size()) {
    for (std::size_t i = 0; i < names.size(); ++i) slot_of_.emplace(names[i], i);
  }

  void clear() {
    std::fill(cells_.begin(), cells_.end(), Cell{});
    text_.clear();
    members_.clear();
    error_.clear();
    depth_ = 0;
    member_count_ = 0;
    slot_ = kNoSlot;
  }

  // By wanted name (each name once).
  const std::vector<Cell>& cells() const { return cells_; }
  const std::string& text() const { return text_; }
  std::vector<std::string>& members() { return members_; }
  const std::string& error() const { return error_; }

  bool null() override { return scalar("null", Cell::State::kNull, {}); }
  bool boolean(bool value) override {
    return scalar(value ? "true" : "false", Cell::State::kText, value ? "true" : "false");
  }
  bool number_integer(number_integer_t value) override { return number(value); }
  bool number_unsigned(number_unsigned_t value) override { return number(value); }
  bool number_float(number_float_t /*value*/, const string_t& text) override {
    return scalar("a number", Cell::State::kText, text);
  }
  bool string(string_t& value) override { return scalar("a string", Cell::State::kText, value); }
  bool binary(binary_t& /*value*/) override { return false; }  // never produced by the JSON text parser

  bool start_object(std::size_t /*size*/) override { return open("an object"); }
  bool end_object() override { return close(); }
  bool start_array(std::size_t /*size*/) override { return depth_ == 0 ? not_object("an array") : open("an array"); }
  bool end_array() override { return close(); }

  bool key(string_t& name) override {
    if (depth_ != 1) return true;
    if (++member_count_ > limits_.max_columns) {
      return fail("more than " + std::to_string(limits_.max_columns) + " columns");
    }
    if (list_members_) {
      if (std::find(members_.begin(), members_.end(), name) != members_.end()) return named_twice(name);
      members_.push_back(name);
    }
    auto found = slot_of_.find(name);
    slot_ = found == slot_of_.end() ? kNoSlot : found->second;
    if (slot_ != kNoSlot && cells_[slot_].state != Cell::State::kAbsent) return named_twice(name);
    if (slot_ != kNoSlot) key_ = name;
    return true;
  }

  bool parse_error(std::size_t /*position*/, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& error) override {
    // "[json.exception.parse_error.101] parse error at line 1, column 9: syntax error ..."
    std::string message = error.what();
    std::size_t column = message.find("column ");
    std::size_t colon = column == std::string::npos ? std::string::npos : message.find(": ", column);
    if (colon != std::string::npos) {
      message.erase(0, colon + 2);
    } else if (std::size_t bracket = message.find("] "); bracket != std::string::npos) {
      message.erase(0, bracket + 2);
    }
    return fail("not a JSON object: " + engine::printable(message));
  }

 private:
  static constexpr std::size_t kNoSlot = static_cast<std::size_t>(-1);

  // nlohmann reads integers into values; their decimal text is the text as
  // written, but for -0, which comes back as 0.
  template <typename Integer>
  bool number(Integer value) {
    char digits[24];
    char* end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    return scalar("a number", Cell::State::kText, std::string_view(digits, static_cast<std::size_t>(end - digits)));
  }

  // A value that is not an array or an object; `what` names it for a line
  // that is nothing but this value.
  bool scalar(const char* what, Cell::State state, std::string_view text) {
    if (depth_ == 0) return not_object(what);
    if (depth_ > 1 || slot_ == kNoSlot) return true;
    if (text.size() > limits_.max_cell_bytes) {
      return fail("a cell is longer than " + std::to_string(limits_.max_cell_bytes) + " bytes");
    }
    cells_[slot_] = Cell{state, CellSpan{text_.size(), text.size()}};
    text_.append(text);
    return true;
  }

  bool open(const char* what) {
    if (depth_ == 1 && slot_ != kNoSlot) {
      return fail("`" + engine::printable(key_) + "` holds " + what +
                  "; a cell must be a string, number, boolean or null");
    }
    ++depth_;
    return true;
  }
  bool close() {
    --depth_;
    return true;
  }

  bool not_object(const char* what) { return fail(std::string("not a JSON object: ") + what); }
  bool named_twice(const std::string& name) { return fail("a member named twice (`" + engine::printable(name) + "`)"); }
  bool fail(std::string message) {
    error_ = std::move(message);
    return false;
  }

  const LogLimits& limits_;
  bool list_members_;
  std::unordered_map<std::string, std::size_t> slot_of_;
  std::vector<Cell> cells_;
  std::string text_;  // the wanted cells of the line, one after another
  std::vector<std::string> members_;
  std::string error_;
  std::size_t depth_ = 0;  // 1 inside the line's object
  std::size_t member_count_ = 0;
  std::size_t slot_ = kNoSlot;  // of the member whose value comes next
  std::string key_;             // its name, when wanted
};

class JsonLinesReader final : public FormatReader {
 public:
  explicit JsonLinesReader(ReadJob& job)
      : job_(job),
        names_(unique(job.wanted())),
        object_(names_, job.limits(), job.wants_columns_only()),
        cells_(job.wanted().size()) {
    for (const std::string& name : job.wanted()) {
      slot_of_wanted_.push_back(
          static_cast<std::size_t>(std::find(names_.begin(), names_.end(), name) - names_.begin()));
    }
  }

  bool feed(std::string_view block) override {
    while (!block.empty()) {
      std::size_t newline = block.find('\n');
      if (newline == std::string_view::npos) return keep(block);
      std::string_view part = block.substr(0, newline);
      block.remove_prefix(newline + 1);
      bool going = carry_.empty() ? line(part) : keep(part) && line(carry_);
      carry_.clear();
      ++line_;
      if (!going) return false;
    }
    return true;
  }

  void finish() override {
    if (!carry_.empty()) line(carry_);
  }

 private:
  static std::vector<std::string> unique(std::span<const std::string> names) {
    std::vector<std::string> result;
    for (const std::string& name : names) {
      if (std::find(result.begin(), result.end(), name) == result.end()) result.push_back(name);
    }
    return result;
  }

  // The start of a line the block ends in the middle of. Bounded: a line
  // longer than the limit ends the read before it is all kept.
  bool keep(std::string_view part) {
    if (carry_.size() + part.size() > job_.limits().max_line_bytes + 1) return too_long();  // +1: the CR of CRLF
    carry_.append(part);
    return true;
  }

  bool too_long() {
    return job_.fail(line_, "a line is longer than " + std::to_string(job_.limits().max_line_bytes) + " bytes");
  }

  bool line(std::string_view text) {
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (text.size() > job_.limits().max_line_bytes) return too_long();
    if (text.find_first_not_of(" \t\r") == std::string_view::npos) return true;
    if (!is_utf8_text(text)) return job_.fail(line_, "not UTF-8 text");
    object_.clear();
    if (!Json::sax_parse(text.begin(), text.end(), &object_)) return job_.fail(line_, object_.error());
    if (job_.wants_columns_only()) {
      job_.set_columns(std::move(object_.members()));
      return false;
    }
    for (std::size_t i = 0; i < cells_.size(); ++i) {
      const ObjectLine::Cell& cell = object_.cells()[slot_of_wanted_[i]];
      cells_[i].reset();
      if (cell.state == ObjectLine::Cell::State::kText) {
        cells_[i] = std::string_view(object_.text()).substr(cell.span.offset, cell.span.size);
      }
    }
    return job_.deliver(LogRow{line_, rows_++, cells_, 0});
  }

  ReadJob& job_;
  std::vector<std::string> names_;  // the wanted names, each once
  std::vector<std::size_t> slot_of_wanted_;
  ObjectLine object_;
  std::vector<std::optional<std::string_view>> cells_;
  std::string carry_;
  std::uint64_t line_ = 1;
  std::uint64_t rows_ = 0;
};

// ---------------------------------------------------------------- blocks

std::unique_ptr<FormatReader> reader_for(LogFormat format, ReadJob& job) {
  if (format == LogFormat::kCsv) return std::make_unique<CsvReader>(job);
  return std::make_unique<JsonLinesReader>(job);
}

// Hands `reader` the blocks `next` gives (next(block) is false at the end),
// the byte-order mark dropped.
template <typename NextBlock>
void pump(FormatReader& reader, ReadJob& job, NextBlock next) {
  std::string_view block;
  bool first = true;
  while (next(block)) {
    if (first && block.substr(0, kByteOrderMark.size()) == kByteOrderMark) block.remove_prefix(kByteOrderMark.size());
    first = false;
    job.count_bytes(block.size());
    if (!reader.feed(block)) return;
  }
  if (!job.over()) reader.finish();
}

void read_text(std::string_view text, LogFormat format, ReadJob& job) {
  std::unique_ptr<FormatReader> reader = reader_for(format, job);
  pump(*reader, job, [&text](std::string_view& block) {
    block = text.substr(0, kBlockBytes);
    text.remove_prefix(block.size());
    return !block.empty();
  });
}

struct CloseFile {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

void read_file(const std::string& path, LogFormat format, ReadJob& job) {
  namespace fs = std::filesystem;
  std::error_code error;
  fs::file_status status = fs::status(path, error);
  if (error || !fs::exists(status)) {
    job.fail_without_line("no such file");
    return;
  }
  if (fs::is_directory(status)) {
    job.fail_without_line("not a file");
    return;
  }
  std::unique_ptr<std::FILE, CloseFile> file(std::fopen(path.c_str(), "rb"));
  if (file == nullptr) {
    job.fail_without_line("cannot read the file");
    return;
  }
  std::unique_ptr<char[]> buffer(new char[kBlockBytes]);
  std::unique_ptr<FormatReader> reader = reader_for(format, job);
  bool read_failed = false;
  pump(*reader, job, [&](std::string_view& block) {
    std::size_t size = std::fread(buffer.get(), 1, kBlockBytes, file.get());
    read_failed = size == 0 && std::ferror(file.get()) != 0;
    block = std::string_view(buffer.get(), size);
    return size > 0;
  });
  if (read_failed) job.fail_without_line("cannot read the file");
}

engine::Status status_of(const ReadJob& job) {
  return job.error().empty() ? engine::Status::success() : engine::Status::failure(job.error());
}

bool ends_with_ignoring_case(std::string_view text, std::string_view suffix) {
  if (text.size() < suffix.size()) return false;
  return std::equal(suffix.begin(), suffix.end(), text.end() - static_cast<std::ptrdiff_t>(suffix.size()),
                    [](char a, char b) {
                      return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
                    });
}

}  // namespace

std::optional<LogFormat> parse_log_format(std::string_view name) {
  if (name == "csv") return LogFormat::kCsv;
  if (name == "jsonl" || name == "ndjson") return LogFormat::kJsonLines;
  return std::nullopt;
}

const char* to_string(LogFormat format) {
  switch (format) {
    case LogFormat::kCsv:
      return "csv";
    case LogFormat::kJsonLines:
      return "jsonl";
  }
  return "?";
}

std::optional<LogFormat> log_format_of(std::string_view path) {
  if (ends_with_ignoring_case(path, ".csv")) return LogFormat::kCsv;
  for (std::string_view extension : {".jsonl", ".ndjson", ".json"}) {
    if (ends_with_ignoring_case(path, extension)) return LogFormat::kJsonLines;
  }
  return std::nullopt;
}

engine::Status read_log(const std::string& path, LogFormat format, std::span<const std::string> wanted,
                        const RowHandler& on_row, const LogLimits& limits, const std::string& display_name) {
  ReadJob job(display_name.empty() ? path : display_name, wanted, &on_row, limits);
  read_file(path, format, job);
  return status_of(job);
}

engine::Status read_log_text(std::string_view text, std::string_view name, LogFormat format,
                             std::span<const std::string> wanted, const RowHandler& on_row, const LogLimits& limits) {
  ReadJob job(name, wanted, &on_row, limits);
  read_text(text, format, job);
  return status_of(job);
}

engine::Result<std::vector<std::string>> log_columns(const std::string& path, LogFormat format,
                                                     const LogLimits& limits) {
  ReadJob job(path, {}, nullptr, limits);
  read_file(path, format, job);
  if (!job.error().empty()) return engine::Result<std::vector<std::string>>::failure(job.error());
  return engine::Result<std::vector<std::string>>::success(std::move(job.columns()));
}

}  // namespace docket::conform
