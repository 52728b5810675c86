#include "designer/diff.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <string_view>

#include "engine/codec/json_text.h"

namespace docket::designer {
namespace {

using engine::Action;
using engine::CompiledExpr;
using engine::kNoIndex;
using engine::Workflow;

// ---------------------------------------------------------------- readable forms

template <typename T>
std::string name_at(const std::vector<T>& items, std::uint32_t index) {
  if (index >= items.size()) return "?";
  if constexpr (std::is_same_v<T, std::string>) {
    return items[index];
  } else {
    return items[index].name;
  }
}

std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string yes_no(bool value) { return value ? "yes" : "no"; }

std::string join(const std::vector<std::string>& items, std::string_view empty = "none") {
  if (items.empty()) return std::string(empty);
  std::string text;
  for (const std::string& item : items) {
    if (!text.empty()) text += ", ";
    text += item;
  }
  return text;
}

std::string expr_text(const std::optional<CompiledExpr>& expr) { return expr ? expr->text() : std::string("none"); }

std::string actions_text(const Workflow& workflow, const std::vector<Action>& actions) {
  std::vector<std::string> texts;
  for (const Action& action : actions) texts.push_back(workflow.describe(action));
  return join(texts);
}

std::string roles_text(const Workflow& workflow, const std::vector<engine::RoleIndex>& roles) {
  std::vector<std::string> names;
  for (engine::RoleIndex role : roles) names.push_back(name_at(workflow.roles(), role));
  return join(names, "anyone");
}

std::string percent_text(double percent) {
  char text[32];
  std::snprintf(text, sizeof text, "%g%%", percent);
  return text;
}

std::string state_ref(const Workflow& workflow, engine::StateIndex state) {
  return state == kNoIndex ? std::string("(stays)") : name_at(workflow.states(), state);
}

std::string range_text(const Workflow& workflow, const engine::Field& field) {
  if (!field.range_min || !field.range_max) return "none";
  return workflow.format_value(*field.range_min) + ".." + workflow.format_value(*field.range_max);
}

std::string date_text(const engine::CivilDate& date) {
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02d-%02d", date.year, date.month, date.day);
  return text;
}

std::string date_range_text(const engine::DateRange& range) {
  if (range.first == range.last) return date_text(range.first);
  return date_text(range.first) + ".." + date_text(range.last);
}

std::string hours_text(const std::vector<engine::MinuteSpan>& spans) {
  std::vector<std::string> texts;
  for (const engine::MinuteSpan& span : spans) {
    char text[32];
    std::snprintf(text, sizeof text, "%02d:%02d-%02d:%02d", span.start_minute / 60, span.start_minute % 60,
                  span.end_minute / 60, span.end_minute % 60);
    texts.emplace_back(text);
  }
  return join(texts, "closed");
}

std::string quorum_text(const Workflow& workflow, const engine::ApprovalLevel& level) {
  std::string text;
  switch (level.quorum) {
    case engine::Quorum::kAny:
      text = "any of ";
      break;
    case engine::Quorum::kAll:
      text = "all of ";
      break;
    case engine::Quorum::kCount:
      text = std::to_string(level.count) + " of ";
      break;
  }
  text += roles_text(workflow, level.roles);
  if (level.excludes_participants) text += " not participants";
  if (level.excludes_assignee) text += level.excludes_participants ? ", assignee" : " not assignee";
  return text;
}

std::string within_text(const Workflow& workflow, const engine::ApprovalLevel& level) {
  if (level.within.empty()) return "none";
  return workflow.describe(level.within);
}

// ---------------------------------------------------------------- matching

// Calls both(old, new) for each key in both lists (in the new list's order),
// added(new) for keys only in the new list, then removed(old) for keys only in
// the old one (in its order). Keys are unique within each list.
template <typename Both, typename Added, typename Removed>
void match_keys(const std::vector<std::string>& old_keys, const std::vector<std::string>& new_keys, Both both,
                Added added, Removed removed) {
  std::map<std::string_view, std::size_t> old_index;
  for (std::size_t i = 0; i < old_keys.size(); ++i) old_index.emplace(old_keys[i], i);
  std::set<std::string_view> new_set(new_keys.begin(), new_keys.end());
  for (std::size_t i = 0; i < new_keys.size(); ++i) {
    auto it = old_index.find(new_keys[i]);
    if (it != old_index.end()) {
      both(it->second, i);
    } else {
      added(i);
    }
  }
  for (std::size_t i = 0; i < old_keys.size(); ++i) {
    if (new_set.count(old_keys[i]) == 0) removed(i);
  }
}

// Keys that may repeat ("proposing on proposed") made unique by their
// position among equals: "proposing on proposed#2".
std::vector<std::string> numbered(const std::vector<std::string>& bases) {
  std::map<std::string, int> seen;
  std::vector<std::string> keys;
  for (const std::string& base : bases) keys.push_back(base + "#" + std::to_string(++seen[base]));
  return keys;
}

// The readable name of a numbered key: "#n" only where the base repeats in
// either version.
class Numbering {
 public:
  Numbering(const std::vector<std::string>& old_bases, const std::vector<std::string>& new_bases) {
    count(old_bases);
    count(new_bases);
  }
  std::string display(const std::string& key) const {
    std::size_t hash = key.rfind('#');
    std::string base = key.substr(0, hash);
    auto it = most_.find(base);
    if (it != most_.end() && it->second > 1) return base + " #" + key.substr(hash + 1);
    return base;
  }

 private:
  void count(const std::vector<std::string>& bases) {
    std::map<std::string, int> here;
    for (const std::string& base : bases) {
      int n = ++here[base];
      most_[base] = std::max(most_[base], n);
    }
  }
  std::map<std::string, int> most_;
};

template <typename T, typename KeyOf>
std::vector<std::string> keys_of(const std::vector<T>& items, KeyOf key_of) {
  std::vector<std::string> keys;
  for (const T& item : items) keys.push_back(key_of(item));
  return keys;
}

// ---------------------------------------------------------------- the differ

class Differ {
 public:
  Differ(const Workflow& old_workflow, const Workflow& new_workflow) : a_(old_workflow), b_(new_workflow) {}

  std::vector<Change> run() {
    diff_header();
    diff_fields();
    diff_calendars();
    diff_departments();
    diff_categories();
    diff_priorities();
    diff_classifications();
    diff_chains();
    diff_approvals();
    diff_constraints();
    diff_states();
    diff_groups();
    diff_transitions();
    diff_timers();
    diff_report();
    std::stable_sort(changes_.begin(), changes_.end(),
                     [](const Change& x, const Change& y) { return x.section < y.section; });
    return std::move(changes_);
  }

 private:
  void add(ChangeKind kind, std::string subject, std::string aspect, std::string before, std::string after,
           std::string where) {
    changes_.push_back(Change{kind, section_, std::move(subject), std::move(aspect), std::move(before),
                              std::move(after), std::move(where)});
  }
  void added(const std::string& subject, std::string aspect, std::string after, std::string where) {
    add(ChangeKind::kAdded, subject, std::move(aspect), "", std::move(after), std::move(where));
  }
  void removed(const std::string& subject, std::string aspect, std::string before, std::string where) {
    add(ChangeKind::kRemoved, subject, std::move(aspect), std::move(before), "", std::move(where));
  }
  // Records a change of `aspect` when the two forms differ.
  void compare(const std::string& subject, std::string aspect, const std::string& before, const std::string& after,
               const std::string& where) {
    if (before != after) add(ChangeKind::kChanged, subject, std::move(aspect), before, after, where);
  }
  // Members of a set added and removed: "value fax", "role inspector".
  void compare_members(const std::string& subject, const std::string& member, const std::vector<std::string>& before,
                       const std::vector<std::string>& after, const std::string& new_where,
                       const std::string& old_where) {
    match_keys(
        before, after, [](std::size_t, std::size_t) {},
        [&](std::size_t i) { added(subject, member + " " + after[i], "", new_where); },
        [&](std::size_t i) { removed(subject, member + " " + before[i], "", old_where); });
  }
  // The labels of the enum values both fields hold: "value 1 label".
  void compare_value_labels(const std::string& subject, const engine::Field& x, const engine::Field& y,
                            const std::string& where) {
    auto label_of = [](const engine::Field& f, std::size_t i) {
      return i < f.enum_labels.size() ? quoted(f.enum_labels[i]) : quoted("");
    };
    match_keys(
        x.enum_values, y.enum_values,
        [&](std::size_t i, std::size_t j) {
          compare(subject, "value " + y.enum_values[j] + " label", label_of(x, i), label_of(y, j), where);
        },
        [](std::size_t) {}, [](std::size_t) {});
  }
  // The order of the keys both lists hold, when it matters (the first match
  // wins, or the position means something).
  void compare_order(const std::string& subject, const std::vector<std::string>& before,
                     const std::vector<std::string>& after, const std::string& where) {
    std::set<std::string_view> in_before(before.begin(), before.end());
    std::set<std::string_view> in_after(after.begin(), after.end());
    std::vector<std::string> old_common, new_common;
    for (const std::string& key : before) {
      if (in_after.count(key) != 0) old_common.push_back(key);
    }
    for (const std::string& key : after) {
      if (in_before.count(key) != 0) new_common.push_back(key);
    }
    compare(subject, "order", join(old_common), join(new_common), where);
  }

  // ------------------------------------------------------------ sections

  void diff_header() {
    section_ = DiffSection::kWorkflow;
    const std::string& where = b_.position().where;
    compare("workflow", "name", a_.name(), b_.name(), where);
    compare("workflow", "label", quoted(a_.label()), quoted(b_.label()), where);
    compare("workflow", "version", quoted(a_.version()), quoted(b_.version()), where);
  }

  void diff_fields() {
    section_ = DiffSection::kFields;
    auto name = [](const engine::Field& f) { return f.name; };
    const auto& olds = a_.fields();
    const auto& news = b_.fields();
    match_keys(
        keys_of(olds, name), keys_of(news, name),
        [&](std::size_t i, std::size_t j) {
          const engine::Field& x = olds[i];
          const engine::Field& y = news[j];
          std::string subject = "field " + y.name;
          const std::string& where = y.position.where;
          compare(subject, "label", quoted(x.label), quoted(y.label), where);
          compare(subject, "type", engine::to_string(x.type), engine::to_string(y.type), where);
          if (x.type == engine::FieldType::kEnum && y.type == engine::FieldType::kEnum) {
            compare_members(subject, "value", x.enum_values, y.enum_values, where, x.position.where);
            compare_order(subject, x.enum_values, y.enum_values, where);
            compare_value_labels(subject, x, y, where);
          }
          compare(subject, "required", yes_no(x.required), yes_no(y.required), where);
          compare(subject, "default", expr_text(x.default_value), expr_text(y.default_value), where);
          compare(subject, "range", range_text(a_, x), range_text(b_, y), where);
        },
        [&](std::size_t j) {
          added("field " + news[j].name, "", engine::to_string(news[j].type), news[j].position.where);
        },
        [&](std::size_t i) {
          removed("field " + olds[i].name, "", engine::to_string(olds[i].type), olds[i].position.where);
        });
  }

  void diff_calendars() {
    section_ = DiffSection::kCalendars;
    static constexpr const char* kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    auto name = [](const engine::Calendar& c) { return c.name; };
    const auto& olds = a_.calendars();
    const auto& news = b_.calendars();
    auto ranges = [](const std::vector<engine::DateRange>& items) {
      std::vector<std::string> texts;
      for (const engine::DateRange& range : items) texts.push_back(date_range_text(range));
      return texts;
    };
    match_keys(
        keys_of(olds, name), keys_of(news, name),
        [&](std::size_t i, std::size_t j) {
          const engine::Calendar& x = olds[i];
          const engine::Calendar& y = news[j];
          std::string subject = "calendar " + y.name;
          const std::string& where = y.position.where;
          const std::string& old_where = x.position.where;
          compare(subject, "label", quoted(x.label), quoted(y.label), where);
          compare(subject, "zone", x.zone, y.zone, where);
          for (std::size_t day = 0; day < 7; ++day) {
            compare(subject, std::string("hours ") + kDays[day], hours_text(x.weekly[day]), hours_text(y.weekly[day]),
                    where);
          }
          compare_members(subject, "holiday", ranges(x.holidays), ranges(y.holidays), where, old_where);
          compare_members(subject, "workday", ranges(x.workdays), ranges(y.workdays), where, old_where);
        },
        [&](std::size_t j) { added("calendar " + news[j].name, "", news[j].zone, news[j].position.where); },
        [&](std::size_t i) { removed("calendar " + olds[i].name, "", olds[i].zone, olds[i].position.where); });
  }

  void diff_departments() {
    section_ = DiffSection::kDepartments;
    auto name = [](const engine::Department& d) { return d.name; };
    const auto& olds = a_.departments();
    const auto& news = b_.departments();
    auto role_names = [](const Workflow& w, const engine::Department& d) {
      std::vector<std::string> names;
      for (engine::RoleIndex role : d.roles) names.push_back(name_at(w.roles(), role));
      return names;
    };
    match_keys(
        keys_of(olds, name), keys_of(news, name),
        [&](std::size_t i, std::size_t j) {
          std::string subject = "department " + news[j].name;
          const std::string& where = news[j].position.where;
          compare(subject, "label", quoted(olds[i].label), quoted(news[j].label), where);
          compare_members(subject, "role", role_names(a_, olds[i]), role_names(b_, news[j]), where,
                          olds[i].position.where);
        },
        [&](std::size_t j) {
          added("department " + news[j].name, "", "roles " + join(role_names(b_, news[j])), news[j].position.where);
        },
        [&](std::size_t i) {
          removed("department " + olds[i].name, "", "roles " + join(role_names(a_, olds[i])), olds[i].position.where);
        });
  }

  static std::string routes_text(const Workflow& w, const engine::Category& category) {
    std::vector<std::string> texts;
    for (const engine::Route& route : category.routes) {
      std::string text = name_at(w.departments(), route.department);
      if (route.condition) text += " when " + route.condition->text();
      texts.push_back(text);
    }
    return join(texts);
  }

  static std::string owner_text(const Workflow& w, const engine::Category& category) {
    return category.owner == kNoIndex ? std::string("none") : name_at(w.roles(), category.owner);
  }

  // " owner engineer", as the category declares it; "" without an owner.
  static std::string owned_by(const Workflow& w, const engine::Category& category) {
    return category.owner == kNoIndex ? std::string() : " owner " + owner_text(w, category);
  }

  void diff_categories() {
    section_ = DiffSection::kCategories;
    auto name = [](const engine::Category& c) { return c.name; };
    const auto& olds = a_.categories();
    const auto& news = b_.categories();
    match_keys(
        keys_of(olds, name), keys_of(news, name),
        [&](std::size_t i, std::size_t j) {
          std::string subject = "category " + news[j].name;
          const std::string& where = news[j].position.where;
          compare(subject, "label", quoted(olds[i].label), quoted(news[j].label), where);
          compare(subject, "routes", routes_text(a_, olds[i]), routes_text(b_, news[j]), where);
          compare(subject, "owner", owner_text(a_, olds[i]), owner_text(b_, news[j]), where);
        },
        [&](std::size_t j) {
          added("category " + news[j].name, "", "-> " + routes_text(b_, news[j]) + owned_by(b_, news[j]),
                news[j].position.where);
        },
        [&](std::size_t i) {
          removed("category " + olds[i].name, "", "-> " + routes_text(a_, olds[i]) + owned_by(a_, olds[i]),
                  olds[i].position.where);
        });
  }

  static std::string escalation_base(const Workflow& w, const engine::Escalation& escalation) {
    std::string metric = name_at(w.metrics(), escalation.metric);
    if (escalation.percent) return "at " + percent_text(*escalation.percent) + " of " + metric;
    return "on breach of " + metric;
  }

  void diff_priorities() {
    section_ = DiffSection::kPriorities;
    auto name = [](const engine::Priority& p) { return p.name; };
    const auto& olds = a_.priorities();
    const auto& news = b_.priorities();
    match_keys(
        keys_of(olds, name), keys_of(news, name),
        [&](std::size_t i, std::size_t j) { diff_priority(olds[i], news[j]); },
        [&](std::size_t j) { added("priority " + news[j].name, "", quoted(news[j].label), news[j].position.where); },
        [&](std::size_t i) { removed("priority " + olds[i].name, "", quoted(olds[i].label), olds[i].position.where); });
    // Priorities are listed most urgent first: the order is their meaning.
    compare_order("priorities", keys_of(olds, name), keys_of(news, name),
                  news.empty() ? std::string() : news.front().position.where);
  }

  void diff_priority(const engine::Priority& x, const engine::Priority& y) {
    std::string subject = "priority " + y.name;
    const std::string& where = y.position.where;
    compare(subject, "label", quoted(x.label), quoted(y.label), where);

    auto metric = [](const Workflow& w) {
      return [&w](const engine::TimeLimit& limit) { return name_at(w.metrics(), limit.metric); };
    };
    match_keys(
        keys_of(x.limits, metric(a_)), keys_of(y.limits, metric(b_)),
        [&](std::size_t i, std::size_t j) {
          const engine::TimeLimit& p = x.limits[i];
          const engine::TimeLimit& q = y.limits[j];
          compare(subject, name_at(b_.metrics(), q.metric), a_.describe(p), b_.describe(q), q.position.where);
        },
        [&](std::size_t j) {
          const engine::TimeLimit& q = y.limits[j];
          added(subject, name_at(b_.metrics(), q.metric), b_.describe(q), q.position.where);
        },
        [&](std::size_t i) {
          const engine::TimeLimit& p = x.limits[i];
          removed(subject, name_at(a_.metrics(), p.metric), a_.describe(p), p.position.where);
        });

    auto warnings = [](const engine::Priority& p) {
      std::vector<std::string> texts;
      for (const engine::Warning& warning : p.warnings) {
        texts.push_back(percent_text(warning.percent) +
                        (warning.condition ? " when " + warning.condition->text() : std::string()));
      }
      return join(texts);
    };
    compare(subject, "warn at", warnings(x), warnings(y), where);

    auto bases = [](const Workflow& w, const engine::Priority& p) {
      std::vector<std::string> texts;
      for (const engine::Escalation& e : p.escalations) texts.push_back(escalation_base(w, e));
      return texts;
    };
    std::vector<std::string> old_bases = bases(a_, x);
    std::vector<std::string> new_bases = bases(b_, y);
    Numbering numbering(old_bases, new_bases);
    std::vector<std::string> old_keys = numbered(old_bases);
    std::vector<std::string> new_keys = numbered(new_bases);
    match_keys(
        old_keys, new_keys,
        [&](std::size_t i, std::size_t j) {
          compare(subject, numbering.display(new_keys[j]), actions_text(a_, x.escalations[i].actions),
                  actions_text(b_, y.escalations[j].actions), y.escalations[j].position.where);
        },
        [&](std::size_t j) {
          added(subject, numbering.display(new_keys[j]), "do " + actions_text(b_, y.escalations[j].actions),
                y.escalations[j].position.where);
        },
        [&](std::size_t i) {
          removed(subject, numbering.display(old_keys[i]), "do " + actions_text(a_, x.escalations[i].actions),
                  x.escalations[i].position.where);
        });
  }

  // ------------------------------------------------------------ classifications

  static std::string axis_name(const Workflow& w, const engine::TableAxis& axis) {
    if (axis.is_attribute) return engine::to_string(static_cast<engine::Attribute>(axis.index));
    return name_at(w.fields(), axis.index);
  }

  static std::string axis_value(const Workflow& w, const engine::TableAxis& axis, std::uint32_t ordinal) {
    if (!axis.is_attribute) {
      if (axis.index >= w.fields().size()) return "?";
      const engine::Field& field = w.fields()[axis.index];
      if (field.type == engine::FieldType::kBool) return ordinal == 1 ? "true" : "false";
      if (field.type == engine::FieldType::kInt) {
        return ordinal < axis.numbers.size() ? axis.numbers[ordinal].to_string() : "?";
      }
      return name_at(field.enum_values, ordinal);
    }
    switch (static_cast<engine::Attribute>(axis.index)) {
      case engine::Attribute::kCategory:
        return name_at(w.categories(), ordinal);
      case engine::Attribute::kPriority:
        return name_at(w.priorities(), ordinal);
      case engine::Attribute::kState:
        return name_at(w.states(), ordinal);
      default:
        return "?";
    }
  }

  static std::string result_name(const Workflow& w, const engine::Classification& c, std::uint32_t result) {
    switch (c.target) {
      case engine::ClassifyTarget::kPriority:
        return name_at(w.priorities(), result);
      case engine::ClassifyTarget::kCategory:
        return name_at(w.categories(), result);
      case engine::ClassifyTarget::kField:
        if (c.field >= w.fields().size()) return "?";
        return name_at(w.fields()[c.field].enum_values, result);
    }
    return "?";
  }

  static std::string form_text(const Workflow& w, const engine::Classification& c) {
    if (c.is_table()) return "table by " + axis_name(w, c.row) + " x " + axis_name(w, c.column);
    return "rules";
  }

  // Cells of a table by "row x column" name, in row-major order.
  static std::vector<std::pair<std::string, std::string>> cells(const Workflow& w, const engine::Classification& c) {
    std::vector<std::pair<std::string, std::string>> out;
    for (std::uint32_t r = 0; r < c.row_count; ++r) {
      for (std::uint32_t k = 0; k < c.column_count; ++k) {
        std::size_t at = static_cast<std::size_t>(r) * c.column_count + k;
        std::uint32_t result = at < c.table.size() ? c.table[at] : kNoIndex;
        out.emplace_back(axis_value(w, c.row, r) + " x " + axis_value(w, c.column, k),
                         result == kNoIndex ? std::string("none") : result_name(w, c, result));
      }
    }
    return out;
  }

  void diff_classifications() {
    section_ = DiffSection::kClassifications;
    auto name = [](const engine::Classification& c) { return c.target_name; };
    const auto& olds = a_.classifications();
    const auto& news = b_.classifications();
    match_keys(
        keys_of(olds, name), keys_of(news, name),
        [&](std::size_t i, std::size_t j) { diff_classification(olds[i], news[j]); },
        [&](std::size_t j) {
          added("classify " + news[j].target_name, "", form_text(b_, news[j]), news[j].position.where);
        },
        [&](std::size_t i) {
          removed("classify " + olds[i].target_name, "", form_text(a_, olds[i]), olds[i].position.where);
        });
  }

  void diff_classification(const engine::Classification& x, const engine::Classification& y) {
    std::string subject = "classify " + y.target_name;
    const std::string& where = y.position.where;
    const std::string& old_where = x.position.where;
    std::string old_form = form_text(a_, x);
    std::string new_form = form_text(b_, y);
    if (old_form != new_form) {
      compare(subject, "form", old_form, new_form, where);
      return;  // cells or rules of different forms do not compare one by one
    }
    if (y.is_table()) {
      auto old_cells = cells(a_, x);
      auto new_cells = cells(b_, y);
      auto firsts = [](const std::vector<std::pair<std::string, std::string>>& items) {
        std::vector<std::string> keys;
        for (const auto& item : items) keys.push_back(item.first);
        return keys;
      };
      match_keys(
          firsts(old_cells), firsts(new_cells),
          [&](std::size_t i, std::size_t j) {
            compare(subject, new_cells[j].first, old_cells[i].second, new_cells[j].second, where);
          },
          [&](std::size_t j) { added(subject, new_cells[j].first, new_cells[j].second, where); },
          [&](std::size_t i) { removed(subject, old_cells[i].first, old_cells[i].second, old_where); });
      return;
    }
    auto bases = [](const Workflow& w, const engine::Classification& c) {
      std::vector<std::string> texts;
      for (const engine::ClassifyRule& rule : c.rules) {
        texts.push_back(rule.condition ? result_name(w, c, rule.result) : std::string("otherwise"));
      }
      return texts;
    };
    std::vector<std::string> old_bases = bases(a_, x);
    std::vector<std::string> new_bases = bases(b_, y);
    Numbering numbering(old_bases, new_bases);
    std::vector<std::string> old_keys = numbered(old_bases);
    std::vector<std::string> new_keys = numbered(new_bases);
    auto rule_text = [](const Workflow& w, const engine::Classification& c, const engine::ClassifyRule& rule) {
      if (!rule.condition) return result_name(w, c, rule.result);
      return "when " + rule.condition->text();
    };
    match_keys(
        old_keys, new_keys,
        [&](std::size_t i, std::size_t j) {
          compare(subject, numbering.display(new_keys[j]), rule_text(a_, x, x.rules[i]), rule_text(b_, y, y.rules[j]),
                  y.rules[j].position.where);
        },
        [&](std::size_t j) {
          added(subject, numbering.display(new_keys[j]), rule_text(b_, y, y.rules[j]), y.rules[j].position.where);
        },
        [&](std::size_t i) {
          removed(subject, numbering.display(old_keys[i]), rule_text(a_, x, x.rules[i]), x.rules[i].position.where);
        });
    // The first matching rule decides.
    compare_order(subject, old_keys, new_keys, where);
  }

  // ------------------------------------------------------------ approval

  // Chains the rules declared; the compiler's one-role chains show through
  // the approval choices that name the role.
  static std::vector<const engine::Chain*> declared_chains(const Workflow& w) {
    std::vector<const engine::Chain*> chains;
    for (const engine::Chain& chain : w.chains()) {
      if (!chain.implicit) chains.push_back(&chain);
    }
    return chains;
  }

  void diff_chains() {
    section_ = DiffSection::kChains;
    std::vector<const engine::Chain*> olds = declared_chains(a_);
    std::vector<const engine::Chain*> news = declared_chains(b_);
    auto name = [](const engine::Chain* c) { return c->name; };
    match_keys(
        keys_of(olds, name), keys_of(news, name), [&](std::size_t i, std::size_t j) { diff_chain(*olds[i], *news[j]); },
        [&](std::size_t j) {
          std::vector<std::string> levels;
          for (const auto& level : news[j]->levels) levels.push_back(level.name);
          added("chain " + news[j]->name, "", "levels " + join(levels), news[j]->position.where);
        },
        [&](std::size_t i) {
          std::vector<std::string> levels;
          for (const auto& level : olds[i]->levels) levels.push_back(level.name);
          removed("chain " + olds[i]->name, "", "levels " + join(levels), olds[i]->position.where);
        });
  }

  void diff_chain(const engine::Chain& x, const engine::Chain& y) {
    std::string subject = "chain " + y.name;
    const std::string& where = y.position.where;
    compare(subject, "label", quoted(x.label), quoted(y.label), where);
    auto name = [](const engine::ApprovalLevel& level) { return level.name; };
    std::vector<std::string> old_keys = keys_of(x.levels, name);
    std::vector<std::string> new_keys = keys_of(y.levels, name);
    match_keys(
        old_keys, new_keys,
        [&](std::size_t i, std::size_t j) {
          const engine::ApprovalLevel& p = x.levels[i];
          const engine::ApprovalLevel& q = y.levels[j];
          std::string level = "level " + q.name;
          compare(subject, level, quorum_text(a_, p), quorum_text(b_, q), q.position.where);
          compare(subject, level + " within", within_text(a_, p), within_text(b_, q), q.position.where);
          compare(subject, level + " on timeout", actions_text(a_, p.on_timeout), actions_text(b_, q.on_timeout),
                  q.position.where);
        },
        [&](std::size_t j) {
          const engine::ApprovalLevel& q = y.levels[j];
          added(subject, "level " + q.name, quorum_text(b_, q), q.position.where);
        },
        [&](std::size_t i) {
          const engine::ApprovalLevel& p = x.levels[i];
          removed(subject, "level " + p.name, quorum_text(a_, p), p.position.where);
        });
    // Levels approve one after the other.
    compare_order(subject, old_keys, new_keys, where);
  }

  static std::string choice_key(const Workflow& w, const engine::ApprovalChoice& choice) {
    if (choice.priority != kNoIndex) return name_at(w.priorities(), choice.priority);
    if (choice.condition) return "when " + choice.condition->text();
    return "otherwise";
  }

  static std::string chain_name(const Workflow& w, engine::ChainIndex chain) {
    return chain == kNoIndex ? std::string("none") : name_at(w.chains(), chain);
  }

  void diff_approvals() {
    section_ = DiffSection::kApprovals;
    const auto& olds = a_.approvals();
    const auto& news = b_.approvals();
    std::vector<std::string> old_bases, new_bases;
    for (const auto& choice : olds) old_bases.push_back(choice_key(a_, choice));
    for (const auto& choice : news) new_bases.push_back(choice_key(b_, choice));
    Numbering numbering(old_bases, new_bases);
    std::vector<std::string> old_keys = numbered(old_bases);
    std::vector<std::string> new_keys = numbered(new_bases);
    match_keys(
        old_keys, new_keys,
        [&](std::size_t i, std::size_t j) {
          compare("approval " + numbering.display(new_keys[j]), "", chain_name(a_, olds[i].chain),
                  chain_name(b_, news[j].chain), news[j].position.where);
        },
        [&](std::size_t j) {
          added("approval " + numbering.display(new_keys[j]), "", chain_name(b_, news[j].chain),
                news[j].position.where);
        },
        [&](std::size_t i) {
          removed("approval " + numbering.display(old_keys[i]), "", chain_name(a_, olds[i].chain),
                  olds[i].position.where);
        });
    // The first matching choice decides.
    compare_order("approvals", old_keys, new_keys, news.empty() ? std::string() : news.front().position.where);
  }

  static std::string constraint_text(const engine::Constraint& c) {
    std::string text = c.condition.text();
    if (c.when) text += " when " + c.when->text();
    return text;
  }

  void diff_constraints() {
    section_ = DiffSection::kConstraints;
    const auto& olds = a_.constraints();
    const auto& news = b_.constraints();
    auto message = [](const engine::Constraint& c) { return quoted(c.message); };
    std::vector<std::string> old_bases = keys_of(olds, message);
    std::vector<std::string> new_bases = keys_of(news, message);
    Numbering numbering(old_bases, new_bases);
    std::vector<std::string> old_keys = numbered(old_bases);
    std::vector<std::string> new_keys = numbered(new_bases);
    match_keys(
        old_keys, new_keys,
        [&](std::size_t i, std::size_t j) {
          std::string subject = "require " + numbering.display(new_keys[j]);
          compare(subject, "condition", olds[i].condition.text(), news[j].condition.text(), news[j].position.where);
          compare(subject, "when", expr_text(olds[i].when), expr_text(news[j].when), news[j].position.where);
        },
        [&](std::size_t j) {
          added("require " + numbering.display(new_keys[j]), "", constraint_text(news[j]), news[j].position.where);
        },
        [&](std::size_t i) {
          removed("require " + numbering.display(old_keys[i]), "", constraint_text(olds[i]), olds[i].position.where);
        });
  }

  // ------------------------------------------------------------ report

  // The block's items as the rules write them ("clock first_response"), "none"
  // for an item left out.
  static std::vector<std::pair<std::string, std::string>> report_items(const engine::ReportSettings& report) {
    std::string resolution = "none";
    if (!report.resolution_metric.empty()) resolution = "clock " + report.resolution_metric;
    if (!report.resolution_states.empty()) resolution = "state " + join(report.resolution_states);
    auto written = [](const char* how, const std::string& name) { return name.empty() ? "none" : how + name; };
    return {{"acceptance", written("clock ", report.acceptance_metric)},
            {"resolution", resolution},
            {"survey", written("field ", report.survey_field)},
            {"declined", written("event ", report.declined_event)},
            {"types", written("by ", report.type_field)}};
  }

  static std::string report_text(const engine::ReportSettings& report) {
    std::vector<std::string> items;
    for (const auto& [item, value] : report_items(report)) {
      if (value != "none") items.push_back(item + " " + value);
    }
    return "{ " + join(items, "nothing") + " }";
  }

  void diff_report() {
    section_ = DiffSection::kReport;
    const auto& old_report = a_.report();
    const auto& new_report = b_.report();
    if (!old_report && !new_report) return;
    if (!old_report) return added("report", "", report_text(*new_report), new_report->position.where);
    if (!new_report) return removed("report", "", report_text(*old_report), old_report->position.where);
    auto olds = report_items(*old_report);
    auto news = report_items(*new_report);
    for (std::size_t i = 0; i < olds.size(); ++i) {
      compare("report", olds[i].first, olds[i].second, news[i].second, new_report->position.where);
    }
  }

  // ------------------------------------------------------------ states

  static std::string paused_text(const Workflow& w, const std::vector<engine::MetricIndex>& paused) {
    std::vector<std::string> names;
    for (engine::MetricIndex metric : paused) names.push_back(name_at(w.metrics(), metric));
    return join(names);
  }

  static std::string state_summary(const engine::State& state) {
    std::string text = quoted(state.label);
    if (state.kind != engine::StateKind::kNormal) text += std::string(" ") + engine::to_string(state.kind);
    if (state.awaits_approval) text += " await approval";
    return text;
  }

  void diff_states() {
    section_ = DiffSection::kStates;
    auto name = [](const engine::State& s) { return s.name; };
    const auto& olds = a_.states();
    const auto& news = b_.states();
    match_keys(
        keys_of(olds, name), keys_of(news, name),
        [&](std::size_t i, std::size_t j) {
          const engine::State& x = olds[i];
          const engine::State& y = news[j];
          std::string subject = "state " + y.name;
          const std::string& where = y.position.where;
          compare(subject, "label", quoted(x.label), quoted(y.label), where);
          compare(subject, "kind", engine::to_string(x.kind), engine::to_string(y.kind), where);
          compare(subject, "await approval", yes_no(x.awaits_approval), yes_no(y.awaits_approval), where);
          compare(subject, "paused clocks", paused_text(a_, x.paused_clocks), paused_text(b_, y.paused_clocks), where);
          compare(subject, "on enter", actions_text(a_, x.on_enter), actions_text(b_, y.on_enter), where);
          compare(subject, "on exit", actions_text(a_, x.on_exit), actions_text(b_, y.on_exit), where);
        },
        [&](std::size_t j) { added("state " + news[j].name, "", state_summary(news[j]), news[j].position.where); },
        [&](std::size_t i) { removed("state " + olds[i].name, "", state_summary(olds[i]), olds[i].position.where); });
  }

  static std::string group_states_text(const Workflow& w, const engine::StateGroup& group) {
    if (group.every_state) return "(*)";
    std::vector<std::string> names;
    for (engine::StateIndex state : group.states) names.push_back(name_at(w.states(), state));
    return "(" + join(names) + ")";
  }

  static std::string group_summary(const Workflow& w, const engine::StateGroup& group) {
    std::string text = quoted(group.label) + " " + group_states_text(w, group);
    if (!group.paused_clocks.empty()) text += " pause " + paused_text(w, group.paused_clocks);
    return text;
  }

  // Which states a group takes in, by name; what it brings each of them is
  // in the transitions and timers below, state by state.
  void diff_groups() {
    section_ = DiffSection::kGroups;
    auto name = [](const engine::StateGroup& g) { return g.name; };
    auto state_names = [](const Workflow& w, const engine::StateGroup& g) {
      std::vector<std::string> names;
      for (engine::StateIndex state : g.states) names.push_back(name_at(w.states(), state));
      return names;
    };
    const auto& olds = a_.groups();
    const auto& news = b_.groups();
    match_keys(
        keys_of(olds, name), keys_of(news, name),
        [&](std::size_t i, std::size_t j) {
          const engine::StateGroup& x = olds[i];
          const engine::StateGroup& y = news[j];
          std::string subject = "group " + y.name;
          const std::string& where = y.position.where;
          compare(subject, "label", quoted(x.label), quoted(y.label), where);
          compare_members(subject, "state", state_names(a_, x), state_names(b_, y), where, x.position.where);
          compare(subject, "paused clocks", paused_text(a_, x.paused_clocks), paused_text(b_, y.paused_clocks), where);
          compare(subject, "on enter", actions_text(a_, x.on_enter), actions_text(b_, y.on_enter), where);
          compare(subject, "on exit", actions_text(a_, x.on_exit), actions_text(b_, y.on_exit), where);
        },
        [&](std::size_t j) { added("group " + news[j].name, "", group_summary(b_, news[j]), news[j].position.where); },
        [&](std::size_t i) {
          removed("group " + olds[i].name, "", group_summary(a_, olds[i]), olds[i].position.where);
        });
  }

  // " (group open)" after an item a group copies into the state.
  static std::string group_note(const Workflow& w, engine::GroupIndex group) {
    return group == kNoIndex ? std::string() : " (group " + name_at(w.groups(), group) + ")";
  }

  static std::string transition_base(const Workflow& w, const engine::Transition& t) {
    std::string base = name_at(w.states(), t.from);
    return base + (t.automatic() ? " auto" : " on " + name_at(w.events(), t.event));
  }

  static std::string transition_summary(const Workflow& w, const engine::Transition& t) {
    std::string text = "-> " + state_ref(w, t.to);
    if (t.guard) text += " when " + t.guard->text();
    if (t.restricted()) text += " by " + join(w.senders(t));
    if (t.proposes) text += " as proposer";
    if (!t.actions.empty()) text += " do " + actions_text(w, t.actions);
    return text + group_note(w, t.group);
  }

  // Items that have no name of their own (transitions, timers): keyed by
  // `base` (state + event or kind) and their position among items with the
  // same base, so reordering other states' items is not a change.
  template <typename Item, typename Base, typename Summary, typename CompareItems>
  void diff_ordered(const char* kind, const std::vector<Item>& olds, const std::vector<Item>& news, Base base,
                    Summary summary, CompareItems compare_items) {
    std::vector<std::string> old_bases, new_bases;
    for (const Item& item : olds) old_bases.push_back(base(a_, item));
    for (const Item& item : news) new_bases.push_back(base(b_, item));
    Numbering numbering(old_bases, new_bases);
    std::vector<std::string> old_keys = numbered(old_bases);
    std::vector<std::string> new_keys = numbered(new_bases);
    std::string prefix = std::string(kind) + " ";
    match_keys(
        old_keys, new_keys,
        [&](std::size_t i, std::size_t j) {
          compare_items(prefix + numbering.display(new_keys[j]), olds[i], news[j], news[j].position.where);
        },
        [&](std::size_t j) {
          added(prefix + numbering.display(new_keys[j]), "", summary(b_, news[j]), news[j].position.where);
        },
        [&](std::size_t i) {
          removed(prefix + numbering.display(old_keys[i]), "", summary(a_, olds[i]), olds[i].position.where);
        });
  }

  void diff_transitions() {
    section_ = DiffSection::kTransitions;
    diff_ordered("transition", a_.transitions(), b_.transitions(), transition_base, transition_summary,
                 [&](const std::string& subject, const engine::Transition& x, const engine::Transition& y,
                     const std::string& where) {
                   compare(subject, "target", state_ref(a_, x.to), state_ref(b_, y.to), where);
                   compare(subject, "guard", expr_text(x.guard), expr_text(y.guard), where);
                   compare(subject, "roles", join(a_.senders(x), "anyone"), join(b_.senders(y), "anyone"), where);
                   compare(subject, "as proposer", yes_no(x.proposes), yes_no(y.proposes), where);
                   compare(subject, "actions", actions_text(a_, x.actions), actions_text(b_, y.actions), where);
                 });
  }

  static std::string timer_base(const Workflow& w, const engine::Timer& t) {
    return name_at(w.states(), t.state) + (t.recurring ? " every" : " after");
  }

  static std::string timer_summary(const Workflow& w, const engine::Timer& t) {
    std::string text = w.describe(t.length);
    if (t.guard) text += " when " + t.guard->text();
    if (t.target != kNoIndex) text += " -> " + state_ref(w, t.target);
    if (!t.actions.empty()) text += " do " + actions_text(w, t.actions);
    return text + group_note(w, t.group);
  }

  void diff_timers() {
    section_ = DiffSection::kTimers;
    diff_ordered(
        "timer", a_.timers(), b_.timers(), timer_base, timer_summary,
        [&](const std::string& subject, const engine::Timer& x, const engine::Timer& y, const std::string& where) {
          compare(subject, "duration", a_.describe(x.length), b_.describe(y.length), where);
          compare(subject, "guard", expr_text(x.guard), expr_text(y.guard), where);
          compare(subject, "target", state_ref(a_, x.target), state_ref(b_, y.target), where);
          compare(subject, "actions", actions_text(a_, x.actions), actions_text(b_, y.actions), where);
        });
  }

  const Workflow& a_;
  const Workflow& b_;
  DiffSection section_ = DiffSection::kWorkflow;
  std::vector<Change> changes_;
};

char sign_of(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::kAdded:
      return '+';
    case ChangeKind::kChanged:
      return '~';
    case ChangeKind::kRemoved:
      return '-';
  }
  return '?';
}

std::string change_line(const Change& change) {
  std::string line(1, sign_of(change.kind));
  line += ' ' + change.subject;
  if (change.kind == ChangeKind::kChanged) {
    line += ": ";
    if (!change.aspect.empty()) line += change.aspect + " ";
    line += change.before + " -> " + change.after;
  } else {
    const std::string& value = change.kind == ChangeKind::kAdded ? change.after : change.before;
    if (!change.aspect.empty()) {
      line += ": " + change.aspect;
      if (!value.empty()) line += " " + value;
    } else if (!value.empty()) {
      line += ": " + value;
    }
  }
  if (!change.where.empty()) line += "  (" + change.where + ")";
  return line;
}

void add_json_member(std::string& out, std::string_view key, std::string_view value, bool first = false) {
  if (!first) out += ',';
  engine::append_json_string(out, key);
  out += ':';
  engine::append_json_string(out, value);
}

}  // namespace

const char* to_string(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::kAdded:
      return "added";
    case ChangeKind::kChanged:
      return "changed";
    case ChangeKind::kRemoved:
      return "removed";
  }
  return "?";
}

const char* to_string(DiffSection section) {
  switch (section) {
    case DiffSection::kWorkflow:
      return "workflow";
    case DiffSection::kFields:
      return "fields";
    case DiffSection::kCalendars:
      return "calendars";
    case DiffSection::kDepartments:
      return "departments";
    case DiffSection::kCategories:
      return "categories";
    case DiffSection::kPriorities:
      return "priorities";
    case DiffSection::kClassifications:
      return "classifications";
    case DiffSection::kChains:
      return "chains";
    case DiffSection::kApprovals:
      return "approvals";
    case DiffSection::kConstraints:
      return "constraints";
    case DiffSection::kStates:
      return "states";
    case DiffSection::kGroups:
      return "groups";
    case DiffSection::kTransitions:
      return "transitions";
    case DiffSection::kTimers:
      return "timers";
    case DiffSection::kReport:
      return "report";
  }
  return "?";
}

std::vector<Change> diff_workflows(const engine::Workflow& old_workflow, const engine::Workflow& new_workflow) {
  return Differ(old_workflow, new_workflow).run();
}

ChangeCounts count_changes(const std::vector<Change>& changes) {
  ChangeCounts counts;
  for (const Change& change : changes) {
    switch (change.kind) {
      case ChangeKind::kAdded:
        ++counts.added;
        break;
      case ChangeKind::kChanged:
        ++counts.changed;
        break;
      case ChangeKind::kRemoved:
        ++counts.removed;
        break;
    }
  }
  return counts;
}

std::string render_diff_text(const std::vector<Change>& changes) {
  std::string out;
  for (std::size_t i = 0; i < changes.size(); ++i) {
    if (i == 0 || changes[i].section != changes[i - 1].section) {
      out += std::string(to_string(changes[i].section)) + "\n";
    }
    out += "  " + change_line(changes[i]) + "\n";
  }
  ChangeCounts counts = count_changes(changes);
  out += std::to_string(counts.total()) + (counts.total() == 1 ? " change" : " changes") + ": +" +
         std::to_string(counts.added) + " ~" + std::to_string(counts.changed) + " -" + std::to_string(counts.removed) +
         "\n";
  return out;
}

std::string render_diff_json(const std::vector<Change>& changes) {
  std::string out = "{\"changes\":[";
  for (std::size_t i = 0; i < changes.size(); ++i) {
    const Change& change = changes[i];
    if (i > 0) out += ',';
    out += '{';
    add_json_member(out, "kind", to_string(change.kind), true);
    add_json_member(out, "section", to_string(change.section));
    add_json_member(out, "subject", change.subject);
    add_json_member(out, "aspect", change.aspect);
    add_json_member(out, "before", change.before);
    add_json_member(out, "after", change.after);
    add_json_member(out, "where", change.where);
    out += '}';
  }
  ChangeCounts counts = count_changes(changes);
  out += "],\"summary\":{\"total\":" + std::to_string(counts.total()) + ",\"added\":" + std::to_string(counts.added) +
         ",\"changed\":" + std::to_string(counts.changed) + ",\"removed\":" + std::to_string(counts.removed) + "}}\n";
  return out;
}

}  // namespace docket::designer
