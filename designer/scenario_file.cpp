#include "designer/scenario_file.h"

#include <toml++/toml.h>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "engine/model/value.h"

namespace docket::designer {
namespace {

using engine::FieldInput;

constexpr std::string_view kSuffix = ".test.toml";

// Collects problems with their positions while walking the document.
class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {}

  void error(const toml::source_region& where, const std::string& message) {
    errors_ << path_ << ":" << where.begin.line << ":" << where.begin.column << ": " << message << "\n";
    failed_ = true;
  }
  bool failed() const { return failed_; }
  std::string errors() const {
    std::string text = errors_.str();
    if (!text.empty()) text.pop_back();
    return text;
  }

  // Reports every key of `table` not in `allowed`.
  void only(const toml::table& table, std::initializer_list<std::string_view> allowed, const std::string& where) {
    for (auto&& [key, node] : table) {
      bool known = false;
      for (std::string_view name : allowed) known = known || key.str() == name;
      if (!known) {
        std::string list;
        for (std::string_view name : allowed) list += (list.empty() ? "" : ", ") + std::string(name);
        error(key.source(),
              "unknown key `" + std::string(key.str()) + "` in " + where + " (expected one of: " + list + ")");
      }
    }
  }

  std::optional<std::string> text(const toml::node& node, const std::string& what) {
    if (const toml::value<std::string>* value = node.as_string()) return value->get();
    error(node.source(), what + " must be a string");
    return std::nullopt;
  }

  std::optional<std::vector<std::string>> texts(const toml::node& node, const std::string& what) {
    const toml::array* array = node.as_array();
    if (array == nullptr) {
      error(node.source(), what + " must be an array of strings");
      return std::nullopt;
    }
    std::vector<std::string> out;
    for (const toml::node& item : *array) {
      std::optional<std::string> value = text(item, what + " items");
      if (!value) return std::nullopt;
      out.push_back(*value);
    }
    return out;
  }

  const toml::table* table(const toml::node& node, const std::string& what) {
    const toml::table* table = node.as_table();
    if (table == nullptr) error(node.source(), what + " must be a table");
    return table;
  }

  // A value for a field, as event data would carry it.
  std::optional<FieldInput> field_input(const toml::node& node, const std::string& what) {
    if (const auto* value = node.as_string()) return FieldInput::text(value->get());
    if (const auto* value = node.as_boolean()) return FieldInput::boolean(value->get());
    if (const auto* value = node.as_integer()) {
      std::optional<engine::Fixed> fits = engine::Fixed::from_integer(value->get());
      if (!fits) {
        error(node.source(), what + ": " + std::to_string(value->get()) + " is too large");
        return std::nullopt;
      }
      return FieldInput::integer(value->get());
    }
    if (const auto* value = node.as_floating_point()) {
      std::optional<engine::Fixed> number = engine::Fixed::from_double(value->get());
      if (!number) {
        error(node.source(), what + ": the number is out of range");
        return std::nullopt;
      }
      return FieldInput::number(*number);
    }
    if (node.is_date_time()) {
      const toml::date_time& moment = node.as_date_time()->get();
      if (!moment.offset) {
        error(node.source(), what + ": a date-time needs an offset (Z or +08:00)");
        return std::nullopt;
      }
      std::ostringstream iso;
      iso << moment;
      return FieldInput::text(iso.str());
    }
    error(node.source(), what + " must be a string, a number, a boolean or a date-time with an offset");
    return std::nullopt;
  }

  std::vector<engine::DataItem> data(const toml::table& table, const std::string& what) {
    std::vector<engine::DataItem> items;
    for (auto&& [key, node] : table) {
      std::optional<FieldInput> input = field_input(node, what + "." + std::string(key.str()));
      if (input) items.push_back({std::string(key.str()), std::move(*input)});
    }
    return items;
  }

 private:
  std::string path_;
  std::ostringstream errors_;
  bool failed_ = false;
};

struct FileDefaults {
  std::map<std::string, std::vector<std::string>, std::less<>> actors;
  std::vector<engine::DataItem> create_data;
};

// Seconds east of UTC of an ISO 8601 time's suffix ("Z", "+08:00"); 0 when
// it has none that parses (parse_timestamp has already accepted the time).
std::int32_t offset_of(std::string_view text) {
  if (text.size() < 6) return 0;
  std::string_view tail = text.substr(text.size() - 6);
  if ((tail[0] != '+' && tail[0] != '-') || tail[3] != ':') return 0;
  auto digit = [&](std::size_t i) { return tail[i] >= '0' && tail[i] <= '9' ? tail[i] - '0' : 0; };
  std::int32_t seconds = ((digit(1) * 10 + digit(2)) * 60 + digit(4) * 10 + digit(5)) * 60;
  return tail[0] == '-' ? -seconds : seconds;
}

// The step's time, and the offset it was written in (`offset` keeps the
// previous step's for relative times).
std::optional<std::int64_t> step_time(Reader& reader, const toml::node& node, std::optional<std::int64_t> previous,
                                      std::int32_t& offset) {
  if (node.is_date_time()) {
    const toml::date_time& moment = node.as_date_time()->get();
    std::ostringstream iso;
    iso << moment;
    std::optional<std::int64_t> at = moment.offset ? engine::parse_timestamp(iso.str()) : std::nullopt;
    if (!at) reader.error(node.source(), "at: a date-time needs an offset (Z or +08:00)");
    if (at) offset = moment.offset->minutes * 60;
    return at;
  }
  std::optional<std::string> text = reader.text(node, "at");
  if (!text) return std::nullopt;
  if (!text->empty() && text->front() == '+') {
    if (!previous) {
      reader.error(node.source(), "at: the first step needs an absolute time, such as \"2026-11-23T09:00:00+08:00\"");
      return std::nullopt;
    }
    std::optional<std::int64_t> seconds = engine::parse_duration(std::string_view(*text).substr(1));
    if (!seconds) {
      reader.error(node.source(),
                   "at: \"" + *text + "\" is not a duration after the previous step (\"+30m\", \"+1d2h\")");
      return std::nullopt;
    }
    return *previous + *seconds;
  }
  std::optional<std::int64_t> at = engine::parse_timestamp(*text);
  if (!at) {
    reader.error(node.source(),
                 "at: \"" + *text + "\" is not a time with an offset (\"2026-11-23T09:00:00+08:00\") or \"+DURATION\"");
    return std::nullopt;
  }
  if (previous && *at < *previous) {
    reader.error(node.source(),
                 "at: " + *text + " is earlier than the previous step (" + engine::format_timestamp(*previous) + ")");
    return std::nullopt;
  }
  offset = offset_of(*text);
  return at;
}

Expectation read_expectation(Reader& reader, const toml::table& table) {
  reader.only(table,
              {"state", "rejected", "fields", "priority", "category", "department", "departments", "assignee", "sla",
               "actions", "no_actions"},
              "expect");
  Expectation expect;
  if (const toml::node* node = table.get("state")) expect.state = reader.text(*node, "expect.state");
  if (const toml::node* node = table.get("rejected")) {
    if (const auto* flag = node->as_boolean()) {
      if (flag->get()) expect.rejected = "";
    } else if (std::optional<std::string> text = reader.text(*node, "expect.rejected (true or a text)")) {
      expect.rejected = *text;
    }
  }
  if (const toml::node* node = table.get("fields")) {
    if (const toml::table* fields = reader.table(*node, "expect.fields")) {
      for (auto&& [key, value] : *fields) {
        std::optional<FieldInput> input = value.is_string() && value.as_string()->get().empty()
                                              ? std::optional<FieldInput>(FieldInput::null())
                                              : reader.field_input(value, "expect.fields." + std::string(key.str()));
        if (input) expect.fields.emplace_back(std::string(key.str()), std::move(*input));
      }
    }
  }
  if (const toml::node* node = table.get("priority")) expect.priority = reader.text(*node, "expect.priority");
  if (const toml::node* node = table.get("category")) expect.category = reader.text(*node, "expect.category");
  if (const toml::node* node = table.get("department")) expect.department = reader.text(*node, "expect.department");
  if (const toml::node* node = table.get("departments")) {
    expect.departments = reader.texts(*node, "expect.departments");
  }
  if (const toml::node* node = table.get("assignee")) expect.assignee = reader.text(*node, "expect.assignee");
  if (const toml::node* node = table.get("sla")) {
    if (const toml::table* sla = reader.table(*node, "expect.sla")) {
      static const std::set<std::string, std::less<>> kStatuses{"idle", "running", "paused", "met", "breached"};
      for (auto&& [key, value] : *sla) {
        std::optional<std::string> status = reader.text(value, "expect.sla." + std::string(key.str()));
        if (!status) continue;
        if (!kStatuses.contains(*status)) {
          reader.error(value.source(), "expect.sla." + std::string(key.str()) + ": \"" + *status +
                                           "\" is not one of idle, running, paused, met, breached");
          continue;
        }
        expect.sla.emplace_back(std::string(key.str()), *status);
      }
    }
  }
  if (const toml::node* node = table.get("actions")) {
    expect.actions = reader.texts(*node, "expect.actions").value_or(std::vector<std::string>{});
  }
  if (const toml::node* node = table.get("no_actions")) {
    expect.no_actions = reader.texts(*node, "expect.no_actions").value_or(std::vector<std::string>{});
  }
  return expect;
}

std::optional<Step> read_step(Reader& reader, const toml::table& table, const FileDefaults& defaults,
                              const std::string& default_ticket, std::optional<std::int64_t> previous,
                              std::int32_t& offset) {
  reader.only(table, {"at", "event", "ticket", "actor", "roles", "data", "key", "expect"}, "a step");
  Step step;
  step.line = static_cast<int>(table.source().begin.line);
  step.ticket = default_ticket;
  const toml::node* at = table.get("at");
  if (at == nullptr) {
    reader.error(table.source(), "the step has no `at`");
    return std::nullopt;
  }
  std::optional<std::int64_t> time = step_time(reader, *at, previous, offset);
  if (!time) return std::nullopt;
  step.at = *time;
  step.utc_offset = offset;
  if (const toml::node* node = table.get("event")) step.event = reader.text(*node, "event").value_or("");
  if (const toml::node* node = table.get("ticket")) step.ticket = reader.text(*node, "ticket").value_or("");

  const toml::node* actor = table.get("actor");
  const toml::node* roles = table.get("roles");
  if (actor != nullptr) step.actor.id = reader.text(*actor, "actor").value_or("");
  if (roles != nullptr) {
    step.actor.roles = reader.texts(*roles, "roles").value_or(std::vector<std::string>{});
  } else if (actor != nullptr) {
    auto known = defaults.actors.find(step.actor.id);
    if (known == defaults.actors.end()) {
      reader.error(actor->source(), "actor `" + step.actor.id + "` is not in [actors]; declare it or give `roles`");
    } else {
      step.actor.roles = known->second;
    }
  }

  if (step.event == engine::kCreateEvent) step.data = defaults.create_data;
  if (const toml::node* node = table.get("data")) {
    if (const toml::table* data = reader.table(*node, "data")) {
      for (engine::DataItem& item : reader.data(*data, "data")) {
        auto same = std::find_if(step.data.begin(), step.data.end(),
                                 [&](const engine::DataItem& other) { return other.field == item.field; });
        if (same != step.data.end()) {
          same->value = std::move(item.value);
        } else {
          step.data.push_back(std::move(item));
        }
      }
    }
  }
  if (const toml::node* node = table.get("key")) step.idempotency_key = reader.text(*node, "key");
  if (const toml::node* node = table.get("expect")) {
    if (const toml::table* expect = reader.table(*node, "expect")) step.expect = read_expectation(reader, *expect);
  }
  if (step.event.empty() && step.expect.rejected) {
    reader.error(table.source(), "a step without `event` cannot expect a rejection");
  }
  return step;
}

std::optional<Scenario> read_scenario(Reader& reader, const toml::table& table, const FileDefaults& defaults) {
  reader.only(table, {"name", "ticket", "step"}, "[[scenario]]");
  Scenario scenario;
  scenario.line = static_cast<int>(table.source().begin.line);
  if (const toml::node* node = table.get("name")) {
    scenario.name = reader.text(*node, "name").value_or("");
  } else {
    reader.error(table.source(), "the scenario has no `name`");
  }
  std::string ticket = "T-1";
  if (const toml::node* node = table.get("ticket")) ticket = reader.text(*node, "ticket").value_or(ticket);
  const toml::node* steps = table.get("step");
  const toml::array* array = steps != nullptr ? steps->as_array() : nullptr;
  if (array == nullptr || array->empty()) {
    reader.error(steps != nullptr ? steps->source() : table.source(),
                 "the scenario needs steps: [[scenario.step]] tables");
    return std::nullopt;
  }
  std::optional<std::int64_t> previous;
  std::int32_t offset = 0;
  for (const toml::node& node : *array) {
    const toml::table* step_table = reader.table(node, "a step");
    if (step_table == nullptr) return std::nullopt;
    std::optional<Step> step = read_step(reader, *step_table, defaults, ticket, previous, offset);
    if (!step) return std::nullopt;  // later relative times would be wrong too
    previous = step->at;
    scenario.steps.push_back(std::move(*step));
  }
  return scenario;
}

}  // namespace

std::string default_rules_path(const std::string& scenario_path) {
  std::filesystem::path path(scenario_path);
  std::string name = path.filename().string();
  if (name.size() > kSuffix.size() && name.ends_with(kSuffix)) {
    name = name.substr(0, name.size() - kSuffix.size());
  } else {
    name = path.stem().string();
  }
  return (path.parent_path() / (name + ".docket")).string();
}

engine::Result<ScenarioFile> parse_scenario_file(const std::string& path, std::string_view text) {
  Reader reader(path);
  toml::table document;
  try {
    document = toml::parse(text, path);
  } catch (const toml::parse_error& error) {
    reader.error(error.source(), std::string(error.description()));
    return engine::Result<ScenarioFile>::failure(reader.errors());
  }

  reader.only(document, {"rules", "actors", "defaults", "scenario"}, "the file");
  ScenarioFile file;
  file.path = path;
  file.rules_path = default_rules_path(path);
  if (const toml::node* node = document.get("rules")) {
    if (std::optional<std::string> rules = reader.text(*node, "rules")) {
      std::filesystem::path relative(*rules);
      file.rules_path =
          relative.is_absolute() ? *rules : (std::filesystem::path(path).parent_path() / relative).string();
    }
  }

  FileDefaults defaults;
  if (const toml::node* node = document.get("actors")) {
    if (const toml::table* actors = reader.table(*node, "[actors]")) {
      for (auto&& [key, roles] : *actors) {
        if (std::optional<std::vector<std::string>> list = reader.texts(roles, "actors." + std::string(key.str()))) {
          defaults.actors.emplace(std::string(key.str()), *list);
        }
      }
    }
  }
  if (const toml::node* node = document.get("defaults")) {
    if (const toml::table* table = reader.table(*node, "[defaults]")) {
      reader.only(*table, {"create"}, "[defaults]");
      if (const toml::node* create = table->get("create")) {
        if (const toml::table* data = reader.table(*create, "[defaults.create]")) {
          defaults.create_data = reader.data(*data, "defaults.create");
        }
      }
    }
  }

  const toml::node* scenarios = document.get("scenario");
  const toml::array* array = scenarios != nullptr ? scenarios->as_array() : nullptr;
  if (array == nullptr) {
    reader.error(scenarios != nullptr ? scenarios->source() : document.source(),
                 "the file has no scenarios: add [[scenario]] tables");
  } else {
    for (const toml::node& node : *array) {
      const toml::table* table = reader.table(node, "[[scenario]]");
      if (table == nullptr) continue;
      if (std::optional<Scenario> scenario = read_scenario(reader, *table, defaults)) {
        file.scenarios.push_back(std::move(*scenario));
      }
    }
  }
  if (reader.failed()) return engine::Result<ScenarioFile>::failure(reader.errors());
  return engine::Result<ScenarioFile>::success(std::move(file));
}

engine::Result<ScenarioFile> read_scenario_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return engine::Result<ScenarioFile>::failure(path + ": cannot read the file");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return engine::Result<ScenarioFile>::failure(path + ": cannot read the file");
  return parse_scenario_file(path, text.str());
}

}  // namespace docket::designer
