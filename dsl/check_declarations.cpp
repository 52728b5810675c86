// Declarations: symbol tables and duplicates (E011), fields (E012-E014,
// E045), calendars (E014, E025, E026), categories (E019), priorities (E023,
// E024, E032, W009), approval chains and rules (E029, E042, W004) and
// `require`.

#include <date/tz.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <tuple>
#include <utility>

#include "dsl/check_context.h"

namespace docket::dsl::checking {
namespace {

// Registers `name` in `table`; reports a duplicate (E011) when it is there.
template <typename Decl>
bool declare(Context& ctx, std::map<std::string, const Decl*>& table, const Decl& decl, std::string_view kind) {
  const Name& name = decl.name;
  if (name.empty()) return false;
  auto [it, inserted] = table.emplace(name.text, &decl);
  if (inserted) return true;
  const SourceLoc& first = it->second->name.loc;
  std::string help = "first defined at " + position(first, name.loc);
  if (first.file != name.loc.file) {
    // Without `override`, the loader keeps a base declaration ahead of the repeat.
    help = "`" + name.text + "` is already declared at " + std::to_string(first.line) + ":" +
           std::to_string(first.column) + " of a base file; write `override " + std::string(kind) + " " + name.text +
           "` to replace it";
    if (kind == "state") help += ", or `extend state " + name.text + "` to add to it";
  }
  ctx.error("E011", name.loc, "duplicate " + std::string(kind) + " `" + name.text + "`", help);
  return false;
}

// Reports a repeated name inside one declaration (enum values, roles, ...).
void check_unique(Context& ctx, const std::vector<Name>& names, std::string_view what, const std::string& owner) {
  std::map<std::string, SourceLoc> seen;
  for (const Name& name : names) {
    auto [it, inserted] = seen.emplace(name.text, name.loc);
    if (!inserted) {
      ctx.error("E011", name.loc, "duplicate " + std::string(what) + " `" + name.text + "` in `" + owner + "`",
                "first defined at " + position(it->second, name.loc));
    }
  }
}

bool is_numeric_field(FieldType type) {
  return type == FieldType::kInt || type == FieldType::kDecimal || type == FieldType::kMoney;
}

void check_range(Context& ctx, const FieldDecl& field) {
  if (!field.range_min || !field.range_max) return;
  if (!is_numeric_field(field.type) && field.type != FieldType::kDuration) {
    ctx.error("E012", field.range_min->loc,
              "`range` needs a number or duration field, but `" + field.name.text + "` is " + to_string(field.type));
    return;
  }
  Type wanted = type_of_field(field.type, nullptr);
  std::optional<double> bounds[2];
  const ExprPtr* exprs[2] = {&field.range_min, &field.range_max};
  bool ok = true;
  for (int i = 0; i < 2; ++i) {
    const Expr& bound = **exprs[i];
    Type t = check_expr(ctx, bound);
    if (t.unknown()) {
      ok = false;
      continue;
    }
    if (t.kind != wanted.kind) {
      ctx.error(
          "E012", bound.loc,
          "range bound of `" + field.name.text + "` is " + describe(t) + ", but the field is " + to_string(field.type));
      ok = false;
      continue;
    }
    bounds[i] = constant_value(bound);
    if (!bounds[i]) {
      ctx.error("E012", bound.loc, "range bounds of `" + field.name.text + "` must be constants");
      ok = false;
    } else if (field.type == FieldType::kInt && *bounds[i] != std::floor(*bounds[i])) {
      ctx.error(
          "E012", bound.loc,
          "range bound " + format_number(*bounds[i]) + " of int field `" + field.name.text + "` is not a whole number");
      ok = false;
    }
  }
  if (ok && *bounds[0] > *bounds[1]) {
    ctx.error(
        "E014", field.range_min->loc,
        "reversed range " + format_number(*bounds[0]) + ".." + format_number(*bounds[1]) + " for `" + field.name.text +
            "`",
        "write the smaller bound first: `range " + format_number(*bounds[1]) + ".." + format_number(*bounds[0]) + "`");
  }
}

std::string clock(int minute) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%02d:%02d", minute / 60, minute % 60);
  return buffer;
}

std::string date_text(const Date& d) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d", d.year, d.month, d.day);
  return buffer;
}

void check_date_ranges(Context& ctx, const std::vector<DateRange>& ranges, const char* what) {
  for (const DateRange& range : ranges) {
    auto key = [](const Date& d) { return std::tie(d.year, d.month, d.day); };
    if (key(range.first) > key(range.last)) {
      ctx.error("E014", range.first.loc,
                std::string("reversed ") + what + " range " + date_text(range.first) + ".." + date_text(range.last),
                "write the earlier date first: " + date_text(range.last) + ".." + date_text(range.first));
    }
  }
}

// The first range of `ranges` that shares a day with `range`; null when none.
const DateRange* overlapping(const std::vector<DateRange>& ranges, const DateRange& range) {
  auto key = [](const Date& d) { return std::tie(d.year, d.month, d.day); };
  for (const DateRange& other : ranges) {
    if (key(other.first) <= key(range.last) && key(range.first) <= key(other.last)) return &other;
  }
  return nullptr;
}

// The first date `a` and `b` share (they overlap).
const Date& first_shared(const DateRange& a, const DateRange& b) {
  auto key = [](const Date& d) { return std::tie(d.year, d.month, d.day); };
  return key(a.first) < key(b.first) ? b.first : a.first;
}

// `hours 2026-12-31 09:00-12:00`: spans that run forwards and dates that are
// not also holidays of the calendar, its own or those of a notice it takes in
// (which would leave it unclear whether the date is worked).
void check_dated_hours(Context& ctx, const CalendarDecl& calendar) {
  for (const DatedHours& hours : calendar.dated_hours) {
    check_date_ranges(ctx, hours.dates, "date");
    for (const TimeSpan& span : hours.spans) {
      if (span.end_minute <= span.start_minute) {
        ctx.error("E014", span.loc,
                  "time span " + clock(span.start_minute) + "-" + clock(span.end_minute) + " does not run forwards",
                  "a span needs an end after its start");
      }
    }
    for (const DateRange& dates : hours.dates) {
      if (const DateRange* holiday = overlapping(calendar.holidays, dates)) {
        ctx.error(
            "E037", dates.first.loc,
            "date " + date_text(first_shared(dates, *holiday)) + " has working hours and is a holiday of calendar `" +
                calendar.name.text + "`",
            "remove it from one of them (the holiday is at " + position(holiday->first.loc, dates.first.loc) + ")");
        continue;
      }
      for (const Name& name : calendar.notices) {
        auto notice = ctx.notices.find(name.text);
        if (notice == ctx.notices.end()) continue;  // E010, reported where it is named
        const DateRange* holiday = overlapping(notice->second->holidays, dates);
        if (holiday == nullptr) continue;
        ctx.error("E037", dates.first.loc,
                  "date " + date_text(first_shared(dates, *holiday)) +
                      " has working hours and is a holiday of notice `" + name.text + "`, which calendar `" +
                      calendar.name.text + "` takes in",
                  "remove it from one of them (the holiday of `" + name.text + "` is at " +
                      position(holiday->first.loc, dates.first.loc) + ")");
        break;
      }
    }
  }
}

// Whether the IANA zone database knows `zone`. Sets `database_missing` when
// the database itself cannot be read.
bool zone_known(const std::string& zone, bool& database_missing) {
  try {
    date::locate_zone(zone);
    return true;
  } catch (const std::exception&) {
  }
  try {
    date::get_tzdb();
  } catch (const std::exception&) {
    database_missing = true;
  }
  return false;
}

std::vector<std::string> zone_names() {
  std::vector<std::string> names;
  try {
    const date::tzdb& db = date::get_tzdb();
    for (const auto& zone : db.zones) names.push_back(zone.name());
#if !USE_OS_TZDB
    for (const auto& link : db.links) names.push_back(link.name());
#endif
  } catch (const std::exception&) {
  }
  return names;
}

// Whether whole number `a` is less than `b`, both plainly written.
bool less_number(const std::string& a, const std::string& b) {
  return a.size() != b.size() ? a.size() < b.size() : a < b;
}

// The values of an enum are all names or all whole numbers, and numbers are
// listed in increasing order, so that their order is the numbers' (E045).
// An enum with numbers is numeric even then, so that comparing it with one
// of its numbers is not reported again.
void check_enum_values(Context& ctx, const FieldDecl& field, Domain& domain) {
  if (field.enum_values.empty()) return;
  const Name& first = field.enum_values.front();
  bool numbers = written_as_number(first.text);
  domain.numeric = std::any_of(field.enum_values.begin(), field.enum_values.end(),
                               [](const Name& value) { return written_as_number(value.text); });
  const Name* previous = nullptr;
  for (const Name& value : field.enum_values) {
    if (written_as_number(value.text) != numbers) {
      ctx.error("E045", value.loc,
                "enum `" + field.name.text + "` mixes names and numbers: `" + first.text + "` and `" + value.text + "`",
                "write every value as a name, or every value as a whole number");
      return;
    }
    if (!numbers) continue;
    if (auto [problem, help] = whole_number_problem(value.text); !problem.empty()) {
      ctx.error("E045", value.loc, "enum value `" + value.text + "` of `" + field.name.text + "` " + problem,
                help.empty() ? "enum values are names or whole numbers such as `1`" : help);
      continue;
    }
    if (previous != nullptr && previous->text == value.text) continue;  // a repeat is E011
    if (previous != nullptr && !less_number(previous->text, value.text)) {
      ctx.error("E045", value.loc,
                "enum values of `" + field.name.text + "` must increase: `" + value.text + "` follows `" +
                    previous->text + "`",
                "list the numbers from the smallest; `<` and `>` compare them as numbers");
    }
    previous = &value;
  }
}

const TimeLimit* find_limit(const PriorityDecl& priority, const std::string& metric) {
  for (const TimeLimit& limit : priority.limits) {
    if (limit.metric.text == metric) return &limit;
  }
  return nullptr;
}

}  // namespace

void collect_symbols(Context& ctx) {
  const RuleFile& file = ctx.file;
  for (const FieldDecl& field : file.fields) {
    if (ctx.is_builtin_attribute(field.name.text)) {
      ctx.error("E011", field.name.loc,
                "field `" + field.name.text + "` clashes with the built-in attribute `" + field.name.text + "`",
                "choose another name");
      continue;
    }
    if (!declare(ctx, ctx.fields, field, "field")) continue;
    if (field.type != FieldType::kEnum) continue;
    check_unique(ctx, field.enum_values, "value", field.name.text);
    Domain& domain = ctx.enum_domains[field.name.text];
    domain.subject = field.name.text;
    domain.noun = "value";
    for (const Name& value : field.enum_values) {
      if (!value.empty() && !domain.contains(value.text)) domain.values.push_back(value.text);
    }
    check_enum_values(ctx, field, domain);
  }
  for (const NoticeDecl& notice : file.notices) declare(ctx, ctx.notices, notice, "holidays");
  for (const CalendarDecl& calendar : file.calendars) declare(ctx, ctx.calendars, calendar, "calendar");
  for (const DepartmentDecl& department : file.departments) {
    if (!declare(ctx, ctx.departments, department, "department")) continue;
    check_unique(ctx, department.roles, "role", department.name.text);
    for (const Name& role : department.roles) {
      if (role.empty()) continue;
      if (role.text == "owner") {
        ctx.error("E011", role.loc, "role `owner` of `" + department.name.text + "` clashes with `by owner`",
                  "`by owner` names the owner of the ticket's category; choose another name for the role");
        continue;
      }
      auto& holders = ctx.role_holders[role.text];
      if (std::find(holders.begin(), holders.end(), &department) == holders.end()) {
        holders.push_back(&department);
      }
    }
  }
  for (const CategoryDecl& category : file.categories) {
    if (declare(ctx, ctx.categories, category, "category")) {
      ctx.category_domain.values.push_back(category.name.text);
    }
  }
  for (const PriorityDecl& priority : file.priorities) {
    if (!declare(ctx, ctx.priorities, priority, "priority")) continue;
    ctx.priority_domain.values.push_back(priority.name.text);
    std::vector<Name> metrics;
    for (const TimeLimit& limit : priority.limits) {
      metrics.push_back(limit.metric);
      if (limit.metric.empty()) continue;
      auto& owners = ctx.metric_owners[limit.metric.text];
      if (std::find(owners.begin(), owners.end(), &priority) == owners.end()) {
        owners.push_back(&priority);
      }
    }
    check_unique(ctx, metrics, "time limit", priority.name.text);
  }
  for (const ChainDecl& chain : file.chains) declare(ctx, ctx.chains, chain, "chain");
  for (const StateDecl& state : file.states) {
    if (declare(ctx, ctx.states, state, "state")) ctx.state_domain.values.push_back(state.name.text);
  }
  for (const GroupDecl& group : file.groups) {
    if (!declare(ctx, ctx.groups, group, "group")) continue;
    check_unique(ctx, group.states, "state", group.name.text);
    auto take_in = [&](const std::string& state) {
      std::vector<const GroupDecl*>& groups = ctx.groups_by_state[state];
      if (groups.empty() || groups.back() != &group) groups.push_back(&group);
    };
    if (group.every_state) {
      for (const auto& [state, decl] : ctx.states) take_in(state);
    }
    for (const Name& state : group.states) {
      if (ctx.states.count(state.text) != 0) take_in(state.text);
    }
  }
  for (const ClassifyDecl& classify : file.classifications) {
    const Name& target = classify.target;
    if (target.empty()) continue;
    auto [it, inserted] = ctx.classifications.emplace(target.text, &classify);
    if (!inserted) {
      ctx.error("E011", target.loc, "duplicate classification of `" + target.text + "`",
                "first defined at " + position(it->second->target.loc, target.loc));
    }
  }
}

void check_fields(Context& ctx) {
  for (const FieldDecl& field : ctx.file.fields) {
    auto found = ctx.fields.find(field.name.text);
    if (found == ctx.fields.end() || found->second != &field) continue;  // duplicate
    if (field.default_value) {
      Attribute self{field.name.text, type_of_field(field.type, ctx.domain_of(field.name.text)), &field};
      check_stored_value(ctx, self, *field.default_value, "default");
    }
    check_range(ctx, field);
  }
}

void check_calendars(Context& ctx) {
  bool database_missing = false;
  std::vector<std::string> known_zones;
  for (const CalendarDecl& calendar : ctx.file.calendars) {
    if (!calendar.zone.empty() && !zone_known(calendar.zone, database_missing)) {
      SourceLoc at = calendar.zone_loc.known() ? calendar.zone_loc : calendar.name.loc;
      if (database_missing) {
        ctx.error("E026", at, "cannot check time zone `" + calendar.zone + "`",
                  "the IANA time zone database is missing; install the `tzdata` package");
      } else {
        if (known_zones.empty()) known_zones = zone_names();
        ctx.error("E026", at, "unknown time zone `" + calendar.zone + "`",
                  ctx.suggestion(calendar.zone, known_zones, "use an IANA zone name such as `Asia/Shanghai`"));
      }
    }
    bool any_working_time = false;
    for (const WorkingHours& hours : calendar.hours) {
      bool any_day = std::find(hours.weekdays.begin(), hours.weekdays.end(), true) != hours.weekdays.end();
      for (const TimeSpan& span : hours.spans) {
        if (span.end_minute <= span.start_minute) {
          bool empty = span.end_minute == span.start_minute;
          ctx.error("E014", span.loc,
                    std::string(empty ? "empty" : "reversed") + " time span " + clock(span.start_minute) + "-" +
                        clock(span.end_minute),
                    empty ? "a span needs an end after its start"
                          : "write the earlier time first: " + clock(span.end_minute) + "-" + clock(span.start_minute));
        } else if (any_day) {
          any_working_time = true;
        }
      }
    }
    if (!any_working_time) {
      ctx.error("E025", calendar.name.loc, "calendar `" + calendar.name.text + "` has no working time",
                calendar.hours.empty() ? "add working hours: `hours mon-fri 09:00-18:00`"
                                       : "give at least one span with an end after its start");
    }
    check_date_ranges(ctx, calendar.holidays, "holiday");
    check_date_ranges(ctx, calendar.workdays, "workday");
    for (const Name& notice : calendar.notices) ctx.resolve_notice(notice);
    check_dated_hours(ctx, calendar);
  }
}

void check_notices(Context& ctx) {
  for (const NoticeDecl& notice : ctx.file.notices) {
    check_date_ranges(ctx, notice.holidays, "holiday");
    check_date_ranges(ctx, notice.workdays, "workday");
    for (const Name& nested : notice.nested) {
      ctx.error("E037", nested.loc, "`holidays " + nested.text + "` inside the notice `" + notice.name.text + "`",
                "a notice lists dates; name both notices in the calendar instead: `holidays " + notice.name.text +
                    ", " + nested.text + "`");
    }
    if (notice.holidays.empty() && notice.workdays.empty()) {
      ctx.error("E037", notice.name.loc, "holiday notice `" + notice.name.text + "` lists no dates",
                "add `holidays DATES` or `workdays DATES`");
    }
    for (const DateRange& day : notice.workdays) {
      if (const DateRange* clash = overlapping(notice.holidays, day)) {
        ctx.error(
            "E037", day.first.loc,
            "make-up working day " + date_text(day.first) + " is also a holiday of notice `" + notice.name.text + "`",
            "the holiday range at " + position(clash->first.loc, day.first.loc) + " includes it");
      }
    }
  }
}

// `from received_at`: a timestamp field (the clock starts at its value).
void check_from_field(Context& ctx, const Name& field) {
  if (field.empty()) return;
  auto found = ctx.fields.find(field.text);
  if (found == ctx.fields.end()) {
    ctx.undefined("field", field, Context::keys(ctx.fields), "a clock starts from a `timestamp` field");
    return;
  }
  ctx.used_fields.insert(field.text);
  if (found->second->type != FieldType::kTimestamp) {
    ctx.error("E038", field.loc, "a clock starts from a timestamp; `" + field.text + "` is not one",
              "declare it `field " + field.text + ": timestamp`, or start the clock from another field");
  }
}

namespace {

// `extend M at most N times, up to L`: M has a limit in this priority, N is
// at least 1, and L is in the limit's unit and longer than it.
void check_extension_rules(Context& ctx, const PriorityDecl& priority) {
  for (const ExtensionRule& rule : priority.extension_rules) {
    const TimeLimit* limit = find_limit(priority, rule.metric.text);
    if (limit == nullptr) {
      ctx.error("E010", rule.metric.loc,
                "priority `" + priority.name.text + "` has no `" + rule.metric.text + "` limit",
                "an extension rule applies to a time limit of its priority");
      continue;
    }
    if (rule.max_times && *rule.max_times < 1) {
      ctx.error("E038", rule.loc, "`extend " + rule.metric.text + " at most 0 times` forbids every extension",
                "remove the rule, or allow at least one");
    }
    if (rule.up_to.empty()) continue;
    check_length(ctx, rule.up_to);
    bool same_unit = (rule.up_to.workdays > 0) == (limit->length.workdays > 0) &&
                     rule.up_to.calendar.text == limit->length.calendar.text;
    if (!same_unit) {
      ctx.error(
          "E038", rule.up_to.loc,
          "`up to " + describe(rule.up_to) + "` is not in the unit of the limit `" + describe(limit->length) + "`",
          "give the longest limit the way the limit itself is written");
    } else if (rule.up_to.seconds + rule.up_to.workdays <= limit->length.seconds + limit->length.workdays) {
      ctx.error("E038", rule.up_to.loc,
                "`up to " + describe(rule.up_to) + "` is not longer than the limit `" + describe(limit->length) + "`",
                "the longest extended limit must exceed the limit");
    }
  }
}

// `owner ROLE`: a role of a department the category routes to, so that
// whoever the route hands the case to can take it (E051).
void check_owner(Context& ctx, const CategoryDecl& category) {
  const Name& owner = category.owner;
  if (owner.empty() || !ctx.resolve_role(owner, "a category owner")) return;
  std::vector<std::string> routed;
  std::vector<std::string> their_roles;
  for (const Route& route : category.routes) {
    auto department = ctx.departments.find(route.department.text);
    if (department == ctx.departments.end()) return;  // E010, reported at the route
    for (const Name& role : department->second->roles) {
      if (role.text == owner.text) return;
      their_roles.push_back(role.text);
    }
    routed.push_back("`" + route.department.text + "`");
  }
  if (routed.empty()) return;  // E019
  std::string where = routed.front();
  for (std::size_t i = 1; i < routed.size(); ++i) where += (i + 1 == routed.size() ? " or " : ", ") + routed[i];
  ctx.error("E051", owner.loc,
            "owner `" + owner.text + "` of category `" + category.name.text + "` is not a role of " + where +
                ", where its cases are routed",
            ctx.suggestion(owner.text, their_roles,
                           their_roles.empty() ? "give the department the role: `roles " + owner.text + "`"
                                               : "the owner takes the cases the route hands out: name a role of " +
                                                     routed.front() + ", such as `" + their_roles.front() + "`"));
}

}  // namespace

void check_categories(Context& ctx) {
  for (const CategoryDecl& category : ctx.file.categories) {
    if (category.routes.empty()) {
      ctx.error("E019", category.name.loc, "category `" + category.name.text + "` has no routing",
                "route it to a department: `category " + category.name.text + " -> dept`");
    }
    for (const Route& route : category.routes) {
      ctx.resolve_department(route.department);
      check_condition(ctx, route.condition, "route condition");
    }
    check_owner(ctx, category);
  }
}

// A clock is one per metric, whatever the priority: all the limits of a
// metric start it from the same field, or none does.
void check_start_fields(Context& ctx) {
  std::map<std::string, const TimeLimit*> first;
  for (const PriorityDecl& priority : ctx.file.priorities) {
    for (const TimeLimit& limit : priority.limits) {
      auto [it, inserted] = first.emplace(limit.metric.text, &limit);
      if (inserted || it->second->from_field.text == limit.from_field.text) continue;
      auto from = [](const TimeLimit& l) {
        return l.from_field.empty() ? std::string("when it starts") : "from `" + l.from_field.text + "`";
      };
      ctx.error("E038", limit.loc,
                "`" + limit.metric.text + "` counts " + from(limit) + " here but " + from(*it->second) + " at " +
                    position(it->second->loc, limit.loc),
                "a metric has one clock whatever the priority: give all its limits the same `from`");
    }
  }
}

// A priority without time limits is one without an SLA: its tickets are not
// measured, and nothing about it needs saying unless it warns on nothing.
void check_warnings_without_limits(Context& ctx, const PriorityDecl& priority) {
  if (!priority.limits.empty() || priority.warnings.empty()) return;
  const std::string& name = priority.name.text;
  ctx.warning("W009", priority.warnings.front().loc,
              "`warn at` of priority `" + name + "` has no time limit to warn on",
              "give `" + name + "` a limit such as `resolve 24h`, or remove `warn at`");
}

void check_priorities(Context& ctx) {
  check_start_fields(ctx);
  for (const PriorityDecl& priority : ctx.file.priorities) {
    const std::string& name = priority.name.text;
    auto first = ctx.priorities.find(name);
    if (first != ctx.priorities.end() && first->second == &priority) check_warnings_without_limits(ctx, priority);
    for (const TimeLimit& limit : priority.limits) {
      if (limit.length.seconds <= 0 && limit.length.workdays <= 0) {
        ctx.error("E032", limit.loc,
                  "time limit `" + limit.metric.text + "` of `" + name + "` is " + describe(limit.length),
                  "a time limit must be longer than zero");
      }
      check_length(ctx, limit.length);
      check_from_field(ctx, limit.from_field);
    }
    check_extension_rules(ctx, priority);
    const TimeLimit* first_response = find_limit(priority, "first_response");
    const TimeLimit* resolve = find_limit(priority, "resolve");
    // Working days and seconds do not compare; neither do working days of two calendars.
    bool comparable =
        first_response != nullptr && resolve != nullptr &&
        (first_response->length.workdays > 0) == (resolve->length.workdays > 0) &&
        (first_response->length.workdays == 0 || first_response->length.calendar.text == resolve->length.calendar.text);
    if (comparable && (first_response->length.seconds > resolve->length.seconds ||
                       first_response->length.workdays > resolve->length.workdays)) {
      std::string help = "the first response cannot come after the resolution";
      if (first_response->length.calendar.text != resolve->length.calendar.text) {
        auto clock_of = [](const TimeLimit& l) {
          return l.length.calendar.empty() ? std::string("wall-clock time")
                                           : "calendar `" + l.length.calendar.text + "`";
        };
        help += "; compared in seconds although `first_response` runs in " + clock_of(*first_response) +
                " and `resolve` in " + clock_of(*resolve);
      }
      auto shown = [](const TimeLimit& l) {
        return l.length.workdays > 0 ? l.length.written : format_duration(l.length.seconds);
      };
      ctx.error("E023", first_response->loc,
                "first_response limit " + shown(*first_response) + " of `" + name +
                    "` is longer than its resolve limit " + shown(*resolve),
                help);
    }
    auto check_threshold = [&](double percent, const SourceLoc& loc, const char* what) {
      if (percent > 0 && percent < 100) return;
      ctx.error("E024", loc,
                std::string(what) + " threshold " + format_number(percent) + "% of `" + name + "` must be " +
                    (percent >= 100 ? "below 100%" : "above 0%"),
                percent >= 100 ? "use `on breach of METRIC do ...` for the limit itself"
                               : "use a threshold above 0% and below 100%");
    };
    const Threshold* previous = nullptr;
    for (const Threshold& warning : priority.warnings) {
      check_threshold(warning.percent, warning.loc, "warning");
      // The percentages of one line share its condition: check it once.
      if (previous == nullptr || previous->condition != warning.condition) {
        check_condition(ctx, warning.condition, "warning condition");
      }
      previous = &warning;
    }
    for (const Escalation& escalation : priority.escalations) {
      if (escalation.percent) check_threshold(*escalation.percent, escalation.loc, "escalation");
      check_condition(ctx, escalation.condition, "escalation condition");
      if (ctx.resolve_metric(escalation.metric) && find_limit(priority, escalation.metric.text) == nullptr) {
        ctx.error("E010", escalation.metric.loc,
                  "priority `" + name + "` has no `" + escalation.metric.text + "` limit",
                  "add one (`" + escalation.metric.text + " 24h`) or remove this step");
      }
      check_actions(ctx, escalation.actions);
    }
  }
}

// A priority that measures some metrics but not one whose clock the rules
// start, stop, pause, resume or extend for every ticket: that action does
// nothing for its tickets, most likely a limit forgotten (W009). A priority
// without any limit is one without an SLA, on purpose.
void check_unmeasured_metrics(Context& ctx) {
  for (const PriorityDecl& priority : ctx.file.priorities) {
    auto first = ctx.priorities.find(priority.name.text);
    if (priority.limits.empty() || first == ctx.priorities.end() || first->second != &priority) continue;
    const std::string& name = priority.name.text;
    for (const auto& [metric, use] : ctx.clock_uses) {
      if (find_limit(priority, metric) != nullptr) continue;
      ctx.warning("W009", priority.name.loc,
                  "priority `" + name + "` has no `" + metric + "` limit, unlike `" +
                      ctx.metric_owners.at(metric).front()->name.text + "`",
                  "`" + use.first + "` at " + position(use.second, priority.name.loc) +
                      " does nothing for its tickets: add `" + metric + " DURATION`, or remove every limit of `" +
                      name + "` if it has no time limits at all");
    }
  }
}

// `N of` counts different people, so any number of holders of one role can
// meet it; what can never be met is no approval at all, or `all of` naming a
// role twice (one approval per role, and the role's one is taken).
void check_quorum(Context& ctx, const ApprovalLevel& level) {
  if (level.quorum == Quorum::kCount && level.count < 1) {
    SourceLoc at = level.count_loc.known() ? level.count_loc : level.loc;
    ctx.error("E029", at,
              "quorum " + std::to_string(level.count) + " asks for no approval in level `" + level.name.text + "`",
              "ask for at least 1 approval, or choose `none` in the `approval` rules for no approval");
  }
  if (level.quorum != Quorum::kAll) return;
  for (std::size_t i = 0; i < level.roles.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (level.roles[j].text != level.roles[i].text) continue;
      ctx.error(
          "E029", level.roles[i].loc,
          "`all of` lists `" + level.roles[i].text + "` twice and can never be met in level `" + level.name.text + "`",
          "`all of` takes one approval per role; for different holders of one role write `N of " + level.roles[i].text +
              "`, such as `2 of " + level.roles[i].text + "`");
      return;
    }
  }
}

// The words after `not` (E042).
void check_exclusions(Context& ctx, const ApprovalLevel& level) {
  static const std::vector<std::string> kExcludable = {"proposer", "participants", "assignee"};
  for (const Name& excluded : level.excluded) {
    if (std::find(kExcludable.begin(), kExcludable.end(), excluded.text) != kExcludable.end()) continue;
    ctx.error("E042", excluded.loc, "unknown exclusion `" + excluded.text + "` in level `" + level.name.text + "`",
              ctx.suggestion(excluded.text, kExcludable, "write `proposer`, `participants` or `assignee`"));
  }
}

void check_chains(Context& ctx) {
  for (const ChainDecl& chain : ctx.file.chains) {
    if (chain.levels.empty()) {
      ctx.error("E029", chain.name.loc, "chain `" + chain.name.text + "` has no levels",
                "add one: `level lead: any of supervisor`");
    }
    std::vector<Name> level_names;
    for (const ApprovalLevel& level : chain.levels) {
      level_names.push_back(level.name);
      for (const Name& role : level.roles) ctx.resolve_role(role, "an approver");
      check_quorum(ctx, level);
      check_exclusions(ctx, level);
      if (level.within.seconds < 0) {
        ctx.error(
            "E032", level.loc,
            "time limit " + format_duration(level.within.seconds) + " of level `" + level.name.text + "` is negative",
            "a time limit must be longer than zero");
      }
      check_length(ctx, level.within);
      check_actions(ctx, level.on_timeout);
    }
    check_unique(ctx, level_names, "level", chain.name.text);
  }
}

namespace {

// W011: an approval rule after rows for every priority, which leave it only
// the tickets without a priority. In a variant this is a plain `approval`
// line after the base's table. (A rule after an `otherwise` is never tried
// at all: E039.)
class ApprovalReach {
 public:
  explicit ApprovalReach(Context& ctx) : ctx_(ctx) {}

  // Before `choice` is looked at.
  void check(const ApprovalChoice& choice) {
    if (otherwise_ || !all_priorities_ || !choice.priority.empty()) return;
    ctx_.warning("W011", choice.loc, "approval rule is tried only for a ticket without a priority",
                 "`approval by priority` at " + position(first_row_->loc, choice.loc) +
                     " chooses for every priority; " + fix(choice, *first_row_));
  }

  // After `choice` is looked at; `covered` counts the priorities the rows
  // so far name.
  void passed(const ApprovalChoice& choice, std::size_t covered) {
    if (choice.priority.empty() && !choice.condition) otherwise_ = true;
    if (choice.priority.empty()) return;
    if (first_row_ == nullptr) first_row_ = &choice;
    all_priorities_ = all_priorities_ || covered == ctx_.priorities.size();
  }

 private:
  // A rule of an extending file comes after the base's unless it says
  // `first`; one of the same file can move.
  static std::string fix(const ApprovalChoice& choice, const ApprovalChoice& decider) {
    if (choice.loc.file == decider.loc.file) return "move this rule before it";
    if (decider.first) return "to drop the base's rules, write `override approval` instead of `approval first`";
    return "write `approval first` to try this rule before the base's rules";
  }

  Context& ctx_;
  bool otherwise_ = false;  // after it, E039 reports every rule
  const ApprovalChoice* first_row_ = nullptr;
  bool all_priorities_ = false;
};

}  // namespace

void check_approvals(Context& ctx) {
  std::map<std::string, SourceLoc> by_priority;
  const ApprovalChoice* first_row = nullptr;
  bool has_otherwise = false;
  ApprovalReach reach(ctx);
  for (const ApprovalChoice& choice : ctx.file.approvals) {
    reach.check(choice);
    if (!choice.priority.empty()) {
      if (first_row == nullptr) first_row = &choice;
      if (ctx.priorities.count(choice.priority.text) == 0) {
        ctx.undefined_value(ctx.priority_domain, choice.priority);
      } else {
        auto [it, inserted] = by_priority.emplace(choice.priority.text, choice.priority.loc);
        if (!inserted) {
          ctx.error("E011", choice.priority.loc, "duplicate approval for priority `" + choice.priority.text + "`",
                    "first defined at " + position(it->second, choice.priority.loc));
        }
      }
    } else if (choice.condition) {
      check_condition(ctx, choice.condition, "approval condition");
    } else {
      has_otherwise = true;
    }
    reach.passed(choice, by_priority.size());
    const Name& chain = choice.chain;
    if (chain.text == "none" || chain.empty()) continue;
    if (ctx.chains.count(chain.text) != 0) {
      ctx.used_chains.insert(chain.text);
    } else if (ctx.role_holders.count(chain.text) != 0) {
      ctx.resolve_role(chain, "an approver");
    } else {
      std::vector<std::string> candidates = Context::keys(ctx.chains);
      for (const auto& [role, holders] : ctx.role_holders) candidates.push_back(role);
      candidates.push_back("none");
      ctx.error("E010", chain.loc, "undefined chain or role `" + chain.text + "`",
                ctx.suggestion(chain.text, candidates, "name a chain, a role, or `none` for no approval"));
    }
  }
  if (first_row == nullptr || has_otherwise) return;
  for (const PriorityDecl& priority : ctx.file.priorities) {
    if (priority.name.empty() || by_priority.count(priority.name.text) != 0) continue;
    if (ctx.priorities[priority.name.text] != &priority) continue;
    ctx.warning("W004", priority.name.loc,
                "priority `" + priority.name.text + "` is not covered by `approval by priority`",
                "it gets no approval; add `" + priority.name.text + ": none` to the table at " +
                    position(first_row->loc, priority.name.loc) + " to make that explicit");
  }
}

void check_constraints(Context& ctx) {
  for (const Constraint& constraint : ctx.file.constraints) {
    check_condition(ctx, constraint.condition, "`require` condition");
    check_condition(ctx, constraint.when, "`when` condition");
  }
}

}  // namespace docket::dsl::checking
