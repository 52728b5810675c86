// The `report` block (docs/reports.md): every name it gives is one the rules
// declare, so that `docket report` never counts a misspelled clock as a
// figure of zeros.

#include <set>

#include "dsl/check_context.h"

namespace docket::dsl::checking {
namespace {

// The events some state or group handles with `on EVENT`.
std::set<std::string> handled_events(const RuleFile& file) {
  std::set<std::string> events;
  auto add = [&events](const std::vector<Transition>& transitions) {
    for (const Transition& t : transitions) {
      if (!t.automatic && !t.event.empty()) events.insert(t.event.text);
    }
  };
  for (const StateDecl& state : file.states) add(state.transitions);
  for (const GroupDecl& group : file.groups) add(group.transitions);
  return events;
}

void check_survey_field(Context& ctx, const Name& field) {
  if (ctx.fields.count(field.text) != 0) {
    ctx.used_fields.insert(field.text);
    return;
  }
  ctx.undefined("field", field, Context::keys(ctx.fields), "the survey answer is sent in a declared field");
}

void check_declined_event(Context& ctx, const Name& event) {
  std::set<std::string> events = handled_events(ctx.file);
  if (events.count(event.text) != 0) return;
  ctx.undefined("event", event, {events.begin(), events.end()},
                "the declined survey is an event some state handles with `on " + event.text + "`");
}

// Complaint types are counted by a value set: the categories, the priorities,
// or an enum or bool field's values.
void check_type_field(Context& ctx, const Name& field) {
  if (field.text == "category" || field.text == "priority") return;
  auto found = ctx.fields.find(field.text);
  if (found == ctx.fields.end()) {
    std::vector<std::string> candidates = Context::keys(ctx.fields);
    candidates.insert(candidates.end(), {"category", "priority"});
    ctx.undefined("field", field, candidates, "types are counted by `category`, `priority` or an enum or bool field");
    return;
  }
  ctx.used_fields.insert(field.text);
  FieldType type = found->second->type;
  if (type == FieldType::kEnum || type == FieldType::kBool) return;
  ctx.error("E047", field.loc,
            "complaint types by `" + field.text + "`, a " + to_string(type) + " field, which has no fixed values",
            "count them by `category`, `priority` or an enum or bool field");
}

// Resolution by states: a state every ticket starts in would resolve each
// one at its creation.
void check_resolution_states(Context& ctx, const std::vector<Name>& states) {
  for (const Name& state : states) {
    if (!ctx.resolve_state(state)) continue;
    const StateDecl* decl = ctx.states.at(state.text);
    if (!decl->initial) continue;
    ctx.warning("W012", state.loc,
                "`resolution state " + state.text + "` names the initial state: every ticket is resolved when created",
                "name the state a ticket reaches once its case is settled, such as the return visit");
  }
}

}  // namespace

void check_report(Context& ctx) {
  if (!ctx.file.report) return;
  const ReportDecl& report = *ctx.file.report;
  if (!report.acceptance_metric.empty()) ctx.resolve_metric(report.acceptance_metric);
  if (!report.resolution_metric.empty()) ctx.resolve_metric(report.resolution_metric);
  check_resolution_states(ctx, report.resolution_states);
  if (!report.survey_field.empty()) check_survey_field(ctx, report.survey_field);
  if (!report.declined_event.empty()) check_declined_event(ctx, report.declined_event);
  if (!report.type_field.empty()) check_type_field(ctx, report.type_field);
}

}  // namespace docket::dsl::checking
