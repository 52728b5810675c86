// Actions (`do ...`): every name they mention resolves, `set` values fit.

#include "dsl/check_context.h"

namespace docket::dsl::checking {
namespace {

void check_set(Context& ctx, const Action& action) {
  const Name& target = action.target;
  auto attribute = ctx.attribute(target.text);
  if (!attribute) {
    std::vector<std::string> candidates = Context::keys(ctx.fields);
    candidates.push_back("priority");
    candidates.push_back("category");
    ctx.undefined("field", target, candidates);
    if (action.value) check_expr(ctx, *action.value);
    return;
  }
  if (attribute->field == nullptr && target.text != "priority" && target.text != "category") {
    std::string help = target.text == "state"      ? "states change by transitions: `-> STATE`"
                       : target.text == "assignee" ? "use `assign DEPARTMENT[.ROLE]`"
                                                   : "it is recorded when the ticket is created";
    ctx.error("E012", target.loc, "cannot set built-in attribute `" + target.text + "`", help);
    return;
  }
  if (attribute->field != nullptr) ctx.used_fields.insert(target.text);
  if (action.value) check_stored_value(ctx, *attribute, *action.value, "value");
}

void check_assign(Context& ctx, const Action& action) {
  if (!ctx.resolve_department(action.target) || action.role.empty()) return;
  const DepartmentDecl& department = *ctx.departments.at(action.target.text);
  std::vector<std::string> roles;
  for (const Name& role : department.roles) {
    if (role.text == action.role.text) {
      ctx.used_roles.insert(role.text);
      return;
    }
    roles.push_back(role.text);
  }
  std::string fallback;
  auto holders = ctx.role_holders.find(action.role.text);
  if (holders != ctx.role_holders.end()) {
    fallback = "`" + action.role.text + "` is a role of `" + holders->second.front()->name.text + "`";
  } else if (roles.empty()) {
    fallback = "`" + department.name.text + "` declares no roles";
  } else {
    fallback = "its roles:";
    for (const std::string& role : roles) fallback += " `" + role + "`";
  }
  ctx.error("E022", action.role.loc, "department `" + department.name.text + "` has no role `" + action.role.text + "`",
            ctx.suggestion(action.role.text, roles, fallback));
}

void check_start_from(Context& ctx, const Action& action) { check_from_field(ctx, action.from_field); }

// The verb of a `stop`, `pause` or `resume` action, as written.
const char* clock_verb(ActionKind kind) {
  return kind == ActionKind::kStopClock ? "stop" : kind == ActionKind::kPauseClock ? "pause" : "resume";
}

// `extend M by L "reason"`: L is in the unit of M's limit in every priority
// that has one (working days of the same calendar, or seconds), and the
// reason is given.
void check_extend(Context& ctx, const Action& action) {
  check_length(ctx, action.length);
  if (action.length.seconds <= 0 && action.length.workdays <= 0) {
    ctx.error("E032", action.length.loc,
              "`extend " + action.target.text + " by " + describe(action.length) + "` adds nothing",
              "extend by a duration longer than zero");
  }
  if (action.text.empty()) {
    ctx.error("E038", action.loc, "`extend " + action.target.text + "` gives no reason",
              "say why, for the record: `extend " + action.target.text + " by " + describe(action.length) +
                  " \"complex case\"`");
  }
  if (!ctx.resolve_metric(action.target)) return;
  ctx.use_clock("extend", action.target);
  for (const PriorityDecl* priority : ctx.metric_owners.at(action.target.text)) {
    for (const TimeLimit& limit : priority->limits) {
      if (limit.metric.text != action.target.text) continue;
      bool same_unit = (limit.length.workdays > 0) == (action.length.workdays > 0) &&
                       limit.length.calendar.text == action.length.calendar.text;
      if (same_unit) continue;
      ctx.error("E038", action.length.loc,
                "`extend " + action.target.text + " by " + describe(action.length) + "` does not fit the limit `" +
                    describe(limit.length) + "` of priority `" + priority->name.text + "`",
                limit.length.workdays > 0 ? "extend a limit in working days by working days of the same calendar"
                                          : "extend a limit in hours by hours of the same calendar (or of the wall "
                                            "clock when the limit has none)");
    }
  }
}

void check_notify(Context& ctx, const Action& action) {
  const Name& recipient = action.target;
  if (recipient.text == "customer" || recipient.text == "requester" || recipient.text == "assignee") {
    return;
  }
  if (ctx.role_holders.count(recipient.text) != 0) {
    ctx.resolve_role(recipient, "a notify recipient");
    return;
  }
  std::vector<std::string> candidates = Context::keys(ctx.role_holders);
  candidates.insert(candidates.end(), {"customer", "requester", "assignee"});
  std::string fallback = ctx.departments.count(recipient.text) != 0
                             ? "`" + recipient.text + "` is a department; name one of its roles"
                             : "notify `customer`, `requester`, `assignee` or a role";
  ctx.error("E022", recipient.loc, "unknown notify recipient `" + recipient.text + "`",
            ctx.suggestion(recipient.text, candidates, fallback));
}

void check_classify_action(Context& ctx, const Action& action) {
  const Name& target = action.target;
  if (ctx.classifications.count(target.text) != 0) return;
  ctx.undefined("classification", target, Context::keys(ctx.classifications),
                "declare one: `classify " + target.text + " { ... }`");
}

}  // namespace

void check_actions(Context& ctx, const std::vector<Action>& actions) {
  for (const Action& action : actions) {
    switch (action.kind) {
      case ActionKind::kSet:
        check_set(ctx, action);
        break;
      case ActionKind::kAssign:
        check_assign(ctx, action);
        break;
      case ActionKind::kNotify:
        check_notify(ctx, action);
        break;
      case ActionKind::kEscalate:
        ctx.resolve_role(action.target, "an escalation target");
        break;
      case ActionKind::kClassify:
        check_classify_action(ctx, action);
        break;
      case ActionKind::kStartClock:
        if (ctx.resolve_metric(action.target)) ctx.use_clock("start", action.target);
        check_start_from(ctx, action);
        break;
      case ActionKind::kStopClock:
      case ActionKind::kPauseClock:
      case ActionKind::kResumeClock:
        if (ctx.resolve_metric(action.target)) ctx.use_clock(clock_verb(action.kind), action.target);
        break;
      case ActionKind::kExtendClock:
        check_extend(ctx, action);
        break;
      case ActionKind::kRaisePriority:
      case ActionKind::kEmit:
      case ActionKind::kRoute:
        break;
    }
  }
}

}  // namespace docket::dsl::checking
