#include "conform/log_mapping.h"

#include <toml++/toml.h>

#include <chrono>
#include <fstream>
#include <set>
#include <sstream>

#include "engine/model/event.h"
#include "engine/model/text.h"
#include "engine/runtime/zone_rules.h"

namespace docket::conform {

using engine::Result;

std::vector<std::string> LogMapping::columns() const {
  std::vector<std::string> names;
  auto add = [&](const std::string& column) {
    if (column.empty()) return;
    for (const std::string& name : names) {
      if (name == column) return;
    }
    names.push_back(column);
  };
  for (const std::string* column :
       {&case_column, &state_column, &activity_column, &time_column, &order_column, &actor_column, &roles_column}) {
    add(*column);
  }
  for (const auto& [field, column] : fields) add(column);
  for (const auto& [target, column] : checks) add(column);
  return names;
}

std::string LogMapping::incomplete() const {
  if (case_column.empty()) return "the mapping names no case column (`case` in [log], or --case)";
  if (time_column.empty()) return "the mapping names no time column (`time` in [log], or --time)";
  if (state_column.empty() == activity_column.empty()) {
    return state_column.empty()
               ? "the mapping names neither a state nor an activity column (`state` or `activity` in [log])"
               : "the mapping names both a state and an activity column: a log records one or the other";
  }
  return "";
}

namespace {

class MappingParser {
 public:
  explicit MappingParser(std::string name) : name_(std::move(name)) {}

  Result<LogMapping> parse(std::string_view text) {
    toml::table root;
    try {
      root = toml::parse(text, name_);
    } catch (const toml::parse_error& e) {
      error(e.source(), std::string(e.description()));
      return finish();
    }
    check_keys(root, "", {"log", "states", "activities", "start", "fields", "check"});
    if (const toml::table* log = table(root, "log")) read_log(*log);
    if (const toml::table* states = table(root, "states")) mapping_.states = read_names(*states, "[states]");
    if (const toml::table* activities = table(root, "activities")) {
      mapping_.activities = read_names(*activities, "[activities]");
    }
    if (const toml::table* start = table(root, "start")) read_start(*start);
    if (const toml::table* fields = table(root, "fields")) mapping_.fields = read_pairs(*fields, "[fields]");
    if (const toml::table* check = table(root, "check")) mapping_.checks = read_pairs(*check, "[check]");
    return finish();
  }

 private:
  Result<LogMapping> finish() {
    if (errors_.empty()) return Result<LogMapping>::success(std::move(mapping_));
    return Result<LogMapping>::failure(engine::join(errors_, "\n"));
  }

  void error(const toml::source_region& where, const std::string& message) {
    std::ostringstream out;
    out << name_ << ':' << where.begin.line << ':' << where.begin.column << ": " << message;
    errors_.push_back(out.str());
  }

  void check_keys(const toml::table& table, const std::string& section, const std::vector<std::string>& known) {
    for (const auto& [key, node] : table) {
      std::string name(key.str());
      if (std::find(known.begin(), known.end(), name) != known.end()) continue;
      std::string message = "unknown key `" + name + "`" + (section.empty() ? "" : " in " + section);
      std::string near = engine::closest_match(name, known);
      if (!near.empty()) message += "; did you mean `" + near + "`?";
      error(key.source(), message);
    }
  }

  const toml::table* table(const toml::table& parent, const char* key) {
    const toml::node* node = parent.get(key);
    if (node == nullptr) return nullptr;
    if (!node->is_table()) {
      error(node->source(), std::string("`") + key + "` must be a table, such as [" + key + "]");
      return nullptr;
    }
    return node->as_table();
  }

  std::string text(const toml::node& node, const std::string& what) {
    if (const auto* value = node.as_string()) return value->get();
    error(node.source(), what + " must be a string");
    return "";
  }

  std::vector<std::string> texts(const toml::node& node, const std::string& what) {
    std::vector<std::string> items;
    const toml::array* array = node.as_array();
    if (array == nullptr) {
      error(node.source(), what + " must be a list of strings, such as [\"a\", \"b\"]");
      return items;
    }
    for (const toml::node& item : *array) items.push_back(text(item, what + " items"));
    return items;
  }

  void read_log(const toml::table& log) {
    check_keys(log, "[log]",
               {"case", "state", "activity", "time", "time_format", "time_zone", "order", "actor", "roles", "missing",
                "format"});
    std::pair<const char*, std::string*> columns[] = {
        {"case", &mapping_.case_column},         {"state", &mapping_.state_column},
        {"activity", &mapping_.activity_column}, {"time", &mapping_.time_column},
        {"time_format", &mapping_.time_format},  {"time_zone", &mapping_.time_zone},
        {"order", &mapping_.order_column},       {"actor", &mapping_.actor_column},
        {"roles", &mapping_.roles_column}};
    for (auto [key, target] : columns) {
      if (const toml::node* node = log.get(key)) *target = text(*node, std::string("[log] `") + key + "`");
    }
    if (const toml::node* missing = log.get("missing")) mapping_.missing = texts(*missing, "[log] `missing`");
    if (const toml::node* format = log.get("format")) {
      std::string name = text(*format, "[log] `format`");
      mapping_.format = parse_log_format(name);
      if (!mapping_.format) error(format->source(), "[log] `format` = \"" + name + "\" must be \"csv\" or \"jsonl\"");
    }
  }

  std::map<std::string, std::string> read_names(const toml::table& names, const std::string& section) {
    std::map<std::string, std::string> result;
    for (const auto& [key, node] : names) {
      result[std::string(key.str())] = text(node, section + " `" + std::string(key.str()) + "`");
    }
    return result;
  }

  std::vector<std::pair<std::string, std::string>> read_pairs(const toml::table& pairs, const std::string& section) {
    std::vector<std::pair<std::string, std::string>> result;
    for (const auto& [key, node] : pairs) {
      result.emplace_back(std::string(key.str()), text(node, section + " `" + std::string(key.str()) + "`"));
    }
    return result;
  }

  void read_start(const toml::table& start) {
    check_keys(start, "[start]", {"states"});
    if (const toml::node* states = start.get("states")) mapping_.start_states = texts(*states, "[start] `states`");
  }

  std::string name_;
  LogMapping mapping_;
  std::vector<std::string> errors_;
};

}  // namespace

Result<LogMapping> parse_mapping(std::string_view text, std::string_view name) {
  return MappingParser(std::string(name)).parse(text);
}

Result<LogMapping> load_mapping(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Result<LogMapping>::failure(path + ": cannot read the mapping file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_mapping(text.str(), path);
}

// ---------------------------------------------------------------- times

struct TimeReader::Impl {
  std::string format;  // empty: ISO 8601
  std::string zone_name;
  std::optional<engine::ZoneRules> zone;  // nullopt: UTC
};

namespace {

// Reads `digits` digits (exactly; `up_to` allows fewer) at `pos`.
std::optional<int> read_number(std::string_view text, std::size_t& pos, int digits, bool up_to = false) {
  int value = 0;
  int read = 0;
  while (read < digits && pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
    value = value * 10 + (text[pos] - '0');
    ++pos;
    ++read;
  }
  if (read == 0 || (!up_to && read != digits)) return std::nullopt;
  return value;
}

// "+08:00", "+0800", "Z"; seconds east of UTC.
std::optional<int> read_offset(std::string_view text, std::size_t& pos) {
  if (pos < text.size() && text[pos] == 'Z') {
    ++pos;
    return 0;
  }
  if (pos >= text.size() || (text[pos] != '+' && text[pos] != '-')) return std::nullopt;
  int sign = text[pos] == '-' ? -1 : 1;
  ++pos;
  auto hours = read_number(text, pos, 2);
  if (pos < text.size() && text[pos] == ':') ++pos;
  auto minutes = read_number(text, pos, 2);
  if (!hours || !minutes || *hours > 23 || *minutes > 59) return std::nullopt;
  return sign * (*hours * 3600 + *minutes * 60);
}

struct Civil {
  int year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0;
  std::optional<int> offset;
};

std::optional<std::int64_t> local_seconds(const Civil& civil) {
  using namespace std::chrono;
  year_month_day date{year{civil.year}, month{static_cast<unsigned>(civil.month)},
                      day{static_cast<unsigned>(civil.day)}};
  if (!date.ok() || civil.hour > 23 || civil.minute > 59 || civil.second > 59) return std::nullopt;
  std::int64_t days = sys_days(date).time_since_epoch().count();
  return days * 86400 + std::int64_t{civil.hour} * 3600 + std::int64_t{civil.minute} * 60 + civil.second;
}

std::optional<Civil> read_with_format(std::string_view format, std::string_view text) {
  Civil civil;
  std::size_t pos = 0;
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%' || i + 1 == format.size()) {
      if (pos >= text.size() || text[pos] != format[i]) return std::nullopt;
      ++pos;
      continue;
    }
    char conversion = format[++i];
    std::optional<int> value;
    if (conversion == 'z') {
      value = read_offset(text, pos);
    } else if (conversion == '%') {
      value = (pos < text.size() && text[pos] == '%') ? std::optional<int>(0) : std::nullopt;
      ++pos;
    } else {
      // Years have four digits, minutes and seconds two; months, days and
      // hours one or two (9-3-2016 9:05).
      bool fixed = conversion == 'Y' || conversion == 'M' || conversion == 'S';
      value = read_number(text, pos, conversion == 'Y' ? 4 : 2, !fixed);
    }
    if (!value) return std::nullopt;
    switch (conversion) {
      case 'Y':
        civil.year = *value;
        break;
      case 'm':
        civil.month = *value;
        break;
      case 'd':
        civil.day = *value;
        break;
      case 'H':
        civil.hour = *value;
        break;
      case 'M':
        civil.minute = *value;
        break;
      case 'S':
        civil.second = *value;
        break;
      case 'z':
        civil.offset = *value;
        break;
      default:
        break;
    }
  }
  if (pos != text.size()) return std::nullopt;
  return civil;
}

// ISO 8601 without an offset: "2016-02-29T01:16:00", "2016-02-29 01:16", "2016-02-29".
std::optional<Civil> read_naive_iso(std::string_view text) {
  for (const char* format :
       {"%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"}) {
    if (auto civil = read_with_format(format, text)) return civil;
  }
  return std::nullopt;
}

bool valid_format(std::string_view format) {
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') continue;
    if (i + 1 == format.size()) return false;
    if (std::string_view("YmdHMSz%").find(format[++i]) == std::string_view::npos) return false;
  }
  return true;
}

}  // namespace

Result<TimeReader> TimeReader::make(const std::string& format, const std::string& zone) {
  if (!valid_format(format)) {
    return Result<TimeReader>::failure("time format \"" + format +
                                       "\" may use only %Y %m %d %H %M %S %z and %% besides plain characters");
  }
  auto impl = std::make_shared<Impl>();
  impl->format = format;
  impl->zone_name = zone.empty() ? "UTC" : zone;
  if (impl->zone_name != "UTC") {
    engine::ZoneRules::LoadResult loaded = engine::ZoneRules::load(impl->zone_name);
    if (!loaded.rules) return Result<TimeReader>::failure("time zone `" + zone + "`: " + loaded.error);
    impl->zone = std::move(loaded.rules);
  }
  TimeReader reader;
  reader.impl_ = std::move(impl);
  return Result<TimeReader>::success(std::move(reader));
}

const std::string& TimeReader::zone() const { return impl_->zone_name; }

namespace {

// "2016-02-29T01:16:00.123Z" without its fraction of a second (many exports
// write milliseconds; the replay counts whole seconds).
std::string without_fraction(std::string_view text) {
  std::size_t dot = text.find('.');
  if (dot == std::string_view::npos || dot < 19) return std::string(text);
  std::size_t end = dot + 1;
  while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
  if (end == dot + 1) return std::string(text);
  return std::string(text.substr(0, dot)) + std::string(text.substr(end));
}

}  // namespace

std::optional<TimeReader::Read> TimeReader::read(std::string_view text) const {
  std::optional<Civil> civil;
  if (impl_->format.empty()) {
    std::string whole = without_fraction(text);
    // A plain date has no offset: it is a naive midnight, not UTC's.
    bool plain_date = whole.size() == 10;
    if (auto at = engine::parse_timestamp(whole); at && !plain_date) return Read{*at, false};
    civil = read_naive_iso(whole);
  } else {
    civil = read_with_format(impl_->format, text);
  }
  if (!civil) return std::nullopt;
  std::optional<std::int64_t> local = local_seconds(*civil);
  if (!local) return std::nullopt;
  if (civil->offset) return Read{*local - *civil->offset, false};
  std::int64_t at = impl_->zone ? impl_->zone->first_showing(*local) : *local;
  return Read{at, true};
}

}  // namespace docket::conform
