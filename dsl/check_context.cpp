#include "dsl/check_context.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace docket::dsl::checking {

bool Domain::contains(std::string_view value) const {
  return std::find(values.begin(), values.end(), value) != values.end();
}

std::string Domain::undefined_message(const std::string& name) const {
  if (of_enum_field()) return "undefined value `" + name + "` of `" + subject + "`";
  return "undefined " + noun + " `" + name + "`";
}

std::string describe(const Type& type) {
  switch (type.kind) {
    case TypeKind::kUnknown:
      return "unknown";
    case TypeKind::kBool:
      return "bool";
    case TypeKind::kNumber:
      return "number";
    case TypeKind::kText:
      return "text";
    case TypeKind::kDuration:
      return "duration";
    case TypeKind::kTimestamp:
      return "timestamp";
    case TypeKind::kEnum:
      if (type.domain == nullptr) return "enum";
      if (type.domain->of_enum_field()) return "enum `" + type.domain->subject + "`";
      return type.domain->noun;
  }
  return "unknown";
}

Type type_of_field(FieldType type, const Domain* domain) {
  switch (type) {
    case FieldType::kText:
      return {TypeKind::kText};
    case FieldType::kInt:
    case FieldType::kDecimal:
    case FieldType::kMoney:
      return {TypeKind::kNumber};
    case FieldType::kBool:
      return {TypeKind::kBool};
    case FieldType::kEnum:
      return {TypeKind::kEnum, domain};
    case FieldType::kDuration:
      return {TypeKind::kDuration};
    case FieldType::kTimestamp:
      return {TypeKind::kTimestamp};
  }
  return {};
}

bool written_as_number(std::string_view text) { return !text.empty() && text[0] >= '0' && text[0] <= '9'; }

std::pair<std::string, std::string> whole_number_problem(const std::string& text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) return {"is not a whole number", ""};
  if (text.size() > 1 && text[0] == '0') {
    std::size_t digit = text.find_first_not_of('0');
    return {"has a leading zero", "write it `" + (digit == std::string::npos ? "0" : text.substr(digit)) + "`"};
  }
  if (text.size() > 14) return {"is too large (limit 10^14)", ""};
  return {};
}

std::string position(const SourceLoc& loc, const SourceLoc& relative_to) {
  std::string out = std::to_string(loc.line) + ":" + std::to_string(loc.column);
  if (loc.file != relative_to.file) out += " in another file";
  return out;
}

std::string format_number(double value) {
  if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 1e15) {
    return std::to_string(static_cast<long long>(value));
  }
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", value);
  return buffer;
}

namespace {

bool differ_by_one_swap(const std::string& a, const std::string& b) {
  if (a.size() != b.size() || a == b) return false;
  std::size_t i = 0;
  while (a[i] == b[i]) ++i;
  return i + 1 < a.size() && a[i] == b[i + 1] && a[i + 1] == b[i] &&
         a.compare(i + 2, std::string::npos, b, i + 2, std::string::npos) == 0;
}

}  // namespace

Context::Context(const RuleFile& rule_file, Diagnostics& sink, std::size_t comparison_steps)
    : file(rule_file), diagnostics(sink), comparison_steps_(comparison_steps), steps_left_(comparison_steps) {
  category_domain.subject = "category";
  category_domain.noun = "category";
  priority_domain.subject = "priority";
  priority_domain.noun = "priority";
  state_domain.subject = "state";
  state_domain.noun = "state";
}

SourceLoc Context::workflow_loc() const {
  if (file.workflow) {
    const WorkflowDecl& workflow = *file.workflow;
    if (workflow.name.loc.known()) return workflow.name.loc;
    if (workflow.loc.known()) return workflow.loc;
  }
  // The first line of the main file, which is read (and numbered) first.
  SourceLoc any;
  auto consider = [&](const SourceLoc& loc) {
    if (loc.known() && (!any.known() || loc.file < any.file)) any = loc;
  };
  consider(file.extends_loc);
  for (const auto& d : file.fields) consider(d.loc);
  for (const auto& d : file.notices) consider(d.loc);
  for (const auto& d : file.calendars) consider(d.loc);
  for (const auto& d : file.departments) consider(d.loc);
  for (const auto& d : file.categories) consider(d.loc);
  for (const auto& d : file.priorities) consider(d.loc);
  for (const auto& d : file.classifications) consider(d.loc);
  for (const auto& d : file.chains) consider(d.loc);
  for (const auto& d : file.approvals) consider(d.loc);
  for (const auto& d : file.constraints) consider(d.loc);
  for (const auto& d : file.states) consider(d.loc);
  // An empty tree: the loader numbers the file it was asked to load first.
  if (!any.known()) any.file = 0;
  any.line = 1;
  any.column = 1;
  return any;
}

bool Context::is_builtin_attribute(const std::string& name) const {
  return name == "category" || name == "priority" || name == "state" || name == "requester" || name == "assignee" ||
         name == "created_at";
}

std::optional<Attribute> Context::attribute(const std::string& name) const {
  if (name == "category") return Attribute{name, {TypeKind::kEnum, &category_domain}};
  if (name == "priority") return Attribute{name, {TypeKind::kEnum, &priority_domain}};
  if (name == "state") return Attribute{name, {TypeKind::kEnum, &state_domain}};
  if (name == "requester" || name == "assignee") return Attribute{name, {TypeKind::kText}};
  if (name == "created_at") return Attribute{name, {TypeKind::kTimestamp}};
  auto it = fields.find(name);
  if (it == fields.end()) return std::nullopt;
  const FieldDecl* field = it->second;
  return Attribute{name, type_of_field(field->type, domain_of(name)), field};
}

const Domain* Context::domain_with_value(const std::string& name) const {
  for (const auto& [field, domain] : enum_domains) {
    if (domain.contains(name)) return &domain;
  }
  for (const Domain* domain : {&category_domain, &priority_domain, &state_domain}) {
    if (domain->contains(name)) return domain;
  }
  return nullptr;
}

const Domain* Context::domain_of(const std::string& name) const {
  if (name == "category") return &category_domain;
  if (name == "priority") return &priority_domain;
  if (name == "state") return &state_domain;
  auto it = enum_domains.find(name);
  return it == enum_domains.end() ? nullptr : &it->second;
}

bool Context::spend(std::size_t steps, const SourceLoc& where) {
  if (!budget_spent_ && steps <= steps_left_) {
    steps_left_ -= steps;
    return true;
  }
  if (!budget_spent_) {
    budget_spent_ = true;
    warning("W007", where,
            "overlap and shadowing not checked past this rule: the checker's limit of " +
                std::to_string(comparison_steps_) + " comparison steps is spent",
            "this rule, the ones after it and the lists checked later may hide one another unreported; shorten "
            "long first-match lists");
  }
  return false;
}

void Context::error(const char* code, const SourceLoc& loc, std::string message, std::string help) {
  diagnostics.error(code, loc, std::move(message), std::move(help));
}

void Context::warning(const char* code, const SourceLoc& loc, std::string message, std::string help) {
  diagnostics.warning(code, loc, std::move(message), std::move(help));
}

std::string Context::suggestion(const std::string& name, const std::vector<std::string>& candidates,
                                std::string fallback) const {
  std::string match = closest_match(name, candidates);
  if (match.empty()) {
    // Two swapped letters (`tehc` for `tech`) are one typo, however short the name.
    for (const std::string& candidate : candidates) {
      if (differ_by_one_swap(name, candidate)) {
        match = candidate;
        break;
      }
    }
  }
  if (!match.empty() && match != name) return "did you mean `" + match + "`?";
  return fallback;
}

void Context::undefined(std::string_view kind, const Name& name, const std::vector<std::string>& candidates,
                        std::string fallback_help) {
  error("E010", name.loc, "undefined " + std::string(kind) + " `" + name.text + "`",
        suggestion(name.text, candidates, std::move(fallback_help)));
}

std::string Context::value_list(const Domain& domain) const {
  if (domain.values.empty()) return "no " + domain.noun + " is declared";
  if (domain.values.size() > 8) return {};
  std::string out = "expected one of:";
  for (const auto& value : domain.values) out += " `" + value + "`";
  return out;
}

void Context::undefined_value(const Domain& domain, const Name& name) {
  std::string fallback = value_list(domain);
  // Two-letter names such as `P3` are one edit away from every sibling: list them instead.
  std::string help = name.text.size() <= 2 ? fallback : suggestion(name.text, domain.values, fallback);
  error("E010", name.loc, domain.undefined_message(name.text), help);
}

bool Context::resolve_calendar(const Name& name) {
  if (calendars.count(name.text) != 0) {
    used_calendars.insert(name.text);
    return true;
  }
  undefined("calendar", name, keys(calendars),
            calendars.empty() ? "declare it: `calendar " + name.text + " { zone \"...\" hours ... }`" : "");
  return false;
}

bool Context::resolve_notice(const Name& name) {
  if (notices.count(name.text) != 0) {
    used_notices.insert(name.text);
    return true;
  }
  undefined("holidays", name, keys(notices),
            notices.empty() ? "declare it: `holidays " + name.text + " { holidays 2027-01-01 }`" : "");
  return false;
}

std::string describe(const Length& length) {
  std::string out = length.written;
  if (!length.calendar.empty()) out += " in " + length.calendar.text;
  return out;
}

void check_length(Context& ctx, const Length& length) {
  if (!length.calendar.empty()) ctx.resolve_calendar(length.calendar);
  if (length.workdays > 0 && length.calendar.empty()) {
    ctx.error("E036", length.loc, "`" + length.written + "` needs a calendar",
              "working days are the days a calendar works: write `" + length.written + " in CALENDAR`");
  }
  bool days_written = length.written.find_first_of("dw") != std::string::npos;
  if (length.seconds > 0 && !length.calendar.empty() && days_written) {
    std::string hours = format_duration(length.seconds, LargestUnit::kHour);
    const std::string& calendar = length.calendar.text;
    bool whole_days = length.seconds % 86400 == 0;
    std::int64_t days = length.seconds / 86400;
    std::string workdays = std::to_string(days) + (days == 1 ? " workday" : " workdays");
    ctx.warning(
        "W005", length.loc,
        "`" + describe(length) + "` counts " + hours + " of working time in `" + calendar + "`, not " +
            (whole_days ? std::to_string(days) + (days == 1 ? " working day" : " working days") : "whole working days"),
        whole_days ? "write `" + workdays + " in " + calendar +
                         "` to count working days (due at the close of business), or `" + hours + " in " + calendar +
                         "` to keep " + hours + " of working time"
                   : "write `" + hours + " in " + calendar +
                         "` to say it in hours, or count working days with `N workdays in " + calendar + "`");
  }
}

bool Context::resolve_department(const Name& name) {
  if (departments.count(name.text) != 0) {
    used_departments.insert(name.text);
    return true;
  }
  undefined("department", name, keys(departments));
  return false;
}

const std::vector<const GroupDecl*>& Context::groups_of(const StateDecl& state) const {
  static const std::vector<const GroupDecl*> kNone;
  auto first = states.find(state.name.text);
  if (first == states.end() || first->second != &state) return kNone;
  auto found = groups_by_state.find(state.name.text);
  return found == groups_by_state.end() ? kNone : found->second;
}

bool Context::resolve_state(const Name& name) {
  if (states.count(name.text) != 0) return true;
  undefined("state", name, keys(states));
  return false;
}

bool Context::resolve_metric(const Name& name) {
  if (metric_owners.count(name.text) != 0) return true;
  std::string known;
  for (const auto& [metric, owners] : metric_owners) {
    known += known.empty() ? "" : ", ";
    known += "`" + metric + "`";
  }
  undefined("metric", name, keys(metric_owners),
            known.empty() ? "metrics are the time limits declared in priorities"
                          : "metrics are the time limits declared in priorities: " + known);
  return false;
}

void Context::use_clock(std::string_view verb, const Name& metric) {
  clock_uses.try_emplace(metric.text, std::string(verb) + " " + metric.text, metric.loc);
}

bool Context::resolve_role(const Name& name, std::string_view used_as) {
  auto it = role_holders.find(name.text);
  if (it != role_holders.end()) {
    used_roles.insert(name.text);
    for (const DepartmentDecl* department : it->second) {
      used_departments.insert(department->name.text);
    }
    return true;
  }
  std::string help;
  if (departments.count(name.text) != 0) {
    help = "`" + name.text + "` is a department; name one of its roles";
  } else if (name.text == "owner") {
    help = "`owner` stands for the owner of the ticket's category only in `by`; name the role here";
  } else {
    help = suggestion(name.text, keys(role_holders),
                      "declare it in a department: `department d { roles " + name.text + " }`");
  }
  error("E022", name.loc, "no department has role `" + name.text + "` (used as " + std::string(used_as) + ")", help);
  return false;
}

}  // namespace docket::dsl::checking
