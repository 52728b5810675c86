#include "conform/log_table.h"

#include <algorithm>
#include <charconv>

#include "engine/model/text.h"

namespace docket::conform {

using engine::Result;

std::uint32_t TextPool::intern(std::string_view text) {
  if (last_ != kNoText && texts_[last_] == text) return last_;
  auto found = ids_.find(text);
  if (found != ids_.end()) return last_ = found->second;
  auto id = static_cast<std::uint32_t>(texts_.size());
  texts_.emplace_back(text);
  ids_.emplace(texts_.back(), id);
  return last_ = id;
}

std::string_view LogTable::time_text(const LoggedRow& row) const {
  std::string_view rest = std::string_view(arena).substr(row.time_text);
  return rest.substr(0, rest.find('\t'));
}

std::string_view LogTable::order_text(const LoggedRow& row) const {
  std::string_view rest = std::string_view(arena).substr(row.time_text);
  rest = rest.substr(rest.find('\t') + 1);
  return rest.substr(0, rest.find('\n'));
}

namespace {

class TableBuilder {
 public:
  TableBuilder(const LogMapping& mapping, const TimeReader& times, std::string log_name, const ConformOptions& options)
      : mapping_(mapping), times_(times), log_name_(std::move(log_name)), options_(options) {
    columns_ = mapping.columns();
    auto position = [&](const std::string& column) -> int {
      if (column.empty()) return -1;
      return static_cast<int>(std::find(columns_.begin(), columns_.end(), column) - columns_.begin());
    };
    case_ = position(mapping.case_column);
    logged_ = position(mapping.logs_states() ? mapping.state_column : mapping.activity_column);
    time_ = position(mapping.time_column);
    order_ = position(mapping.order_column);
    actor_ = position(mapping.actor_column);
    roles_ = position(mapping.roles_column);
    for (const auto& [field, column] : mapping.fields) cell_columns_.push_back(position(column));
    for (const auto& [target, column] : mapping.checks) cell_columns_.push_back(position(column));
  }

  const std::vector<std::string>& columns() const { return columns_; }

  bool add(const LogRow& row) {
    ++table_.quality.rows;
    if (options_.progress && (table_.quality.rows & 0xffff) == 0)
      options_.progress(table_.quality.rows, row.bytes_read);
    auto cell = [&](int index) -> std::optional<std::string_view> {
      if (index < 0) return std::nullopt;
      std::optional<std::string_view> value = row.cells[static_cast<std::size_t>(index)];
      if (value && missing(*value)) return std::nullopt;
      return value;
    };
    std::optional<std::string_view> case_id = cell(case_);
    if (!case_id) return skip(row, "no case id in `" + mapping_.case_column + "`");
    std::optional<std::string_view> time = cell(time_);
    std::optional<TimeReader::Read> read = time ? times_.read(*time) : std::nullopt;
    if (!read) {
      return skip(row,
                  time ? "cannot read the time \"" + engine::printable(*time) + "\" in `" + mapping_.time_column + "`"
                       : "no time in `" + mapping_.time_column + "`");
    }
    LoggedRow logged;
    logged.line = row.line;
    logged.at = read->at;
    logged.naive = read->naive;
    if (read->naive) ++table_.quality.naive_times;
    logged.trace = trace_of(*case_id);
    std::optional<std::string_view> name = cell(logged_);
    logged.logged = table_.names.intern(name ? *name : std::string_view());
    std::optional<std::string_view> order = cell(order_);
    if (order) read_order(*order, logged);
    if (auto actor = cell(actor_)) logged.actor = table_.values.intern(*actor);
    if (auto roles = cell(roles_)) logged.roles = table_.values.intern(*roles);
    logged.time_text = static_cast<std::uint32_t>(table_.arena.size());
    table_.arena.append(*time).append(1, '\t').append(order ? *order : std::string_view()).append(1, '\n');
    logged.cells = static_cast<std::uint32_t>(table_.cells.size());
    for (int index : cell_columns_) table_.cells.push_back(cell_id(row, index));
    table_.rows.push_back(logged);
    return true;
  }

  LogTable finish() { return std::move(table_); }

 private:
  bool missing(std::string_view value) const {
    return std::find(mapping_.missing.begin(), mapping_.missing.end(), value) != mapping_.missing.end();
  }

  bool skip(const LogRow& row, const std::string& why) {
    ++table_.quality.skipped_rows;
    if (table_.quality.skipped.size() < options_.max_skipped_reasons) {
      table_.quality.skipped.push_back(log_name_ + ":" + std::to_string(row.line) + ": " + why);
    }
    return true;
  }

  std::uint32_t trace_of(std::string_view case_id) {
    std::uint32_t id = case_pool_.intern(case_id);
    if (id == table_.case_ids.size()) table_.case_ids.emplace_back(case_id);
    return id;
  }

  void read_order(std::string_view text, LoggedRow& logged) {
    std::int64_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error == std::errc() && end == text.data() + text.size()) {
      logged.order = value;
      logged.has_order = true;
      return;
    }
    ++table_.quality.unreadable_values[mapping_.order_column + ": \"" + engine::printable(text) + "\""];
  }

  std::uint32_t cell_id(const LogRow& row, int index) {
    std::optional<std::string_view> value = row.cells[static_cast<std::size_t>(index)];
    if (!value) return kNoText;
    if (missing(*value)) return kMissingCell;
    return table_.values.intern(*value);
  }

  const LogMapping& mapping_;
  const TimeReader& times_;
  std::string log_name_;
  const ConformOptions& options_;
  std::vector<std::string> columns_;
  int case_ = -1, logged_ = -1, time_ = -1, order_ = -1, actor_ = -1, roles_ = -1;
  std::vector<int> cell_columns_;
  TextPool case_pool_;
  LogTable table_;
};

}  // namespace

Result<LogTable> read_log_table(const LogMapping& mapping, const std::string& log_path, const ConformOptions& options) {
  std::optional<LogFormat> format = mapping.format ? mapping.format : log_format_of(log_path);
  if (!format) {
    return Result<LogTable>::failure(log_path +
                                     ": cannot tell the log's format from its name: give `format` in [log] "
                                     "or --log-format csv|jsonl");
  }
  Result<TimeReader> times = TimeReader::make(mapping.time_format, mapping.time_zone);
  if (!times) return Result<LogTable>::failure(times.error());
  TableBuilder builder(mapping, times.value(), log_path, options);
  engine::Status read = read_log(
      log_path, *format, builder.columns(), [&](const LogRow& row) { return builder.add(row); }, options.limits);
  if (!read) return Result<LogTable>::failure(read.error());
  return Result<LogTable>::success(builder.finish());
}

std::vector<std::vector<std::uint32_t>> cut_traces(const LogTable& table, bool by_order_first) {
  std::vector<std::vector<std::uint32_t>> traces(table.case_ids.size());
  for (std::uint32_t index = 0; index < table.rows.size(); ++index) traces[table.rows[index].trace].push_back(index);
  auto by_time = [&](std::uint32_t a, std::uint32_t b) {
    const LoggedRow& x = table.rows[a];
    const LoggedRow& y = table.rows[b];
    if (x.at != y.at) return x.at < y.at;
    if (x.has_order && y.has_order && x.order != y.order) return x.order < y.order;
    return a < b;
  };
  auto by_order = [&](std::uint32_t a, std::uint32_t b) {
    const LoggedRow& x = table.rows[a];
    const LoggedRow& y = table.rows[b];
    if (x.has_order && y.has_order && x.order != y.order) return x.order < y.order;
    if (x.at != y.at) return x.at < y.at;
    return a < b;
  };
  for (std::vector<std::uint32_t>& rows : traces) {
    if (by_order_first) {
      std::stable_sort(rows.begin(), rows.end(), by_order);
    } else {
      std::stable_sort(rows.begin(), rows.end(), by_time);
    }
  }
  // Traces by case id, so that every output lists them in one order.
  std::vector<std::uint32_t> order(traces.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](std::uint32_t a, std::uint32_t b) { return table.case_ids[a] < table.case_ids[b]; });
  std::vector<std::vector<std::uint32_t>> sorted;
  sorted.reserve(traces.size());
  for (std::uint32_t index : order) sorted.push_back(std::move(traces[index]));
  return sorted;
}

}  // namespace docket::conform
