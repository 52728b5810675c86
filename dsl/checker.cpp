// The checker's driver: builds the symbol tables, runs every pass, and
// finally reports what was declared but never used (W003).
//
// The passes live in dsl/check_*.cpp and share dsl/check_context.h. Each one
// reports every problem it finds and carries on, so that one run shows them
// all; references to undeclared names are reported once, where they occur.

#include "dsl/checker.h"

#include "dsl/check_context.h"
#include "dsl/limits.h"

namespace docket::dsl {
namespace checking {

void check_unused(Context& ctx) {
  for (const FieldDecl& field : ctx.file.fields) {
    // Required fields are inputs of the intake form, and a labelled field is
    // part of the record people read (survey scores, suggestions): both are
    // uses. An unlabelled field that no rule reads or sets is a leftover.
    if (field.required || !field.label.empty() || ctx.used_fields.count(field.name.text) != 0) continue;
    auto first = ctx.fields.find(field.name.text);
    if (first == ctx.fields.end() || first->second != &field) continue;
    ctx.warning("W003", field.name.loc, "field `" + field.name.text + "` is never used",
                "read it in a condition, `set` it, give it a label if people record it, or remove it");
  }
  for (const DepartmentDecl& department : ctx.file.departments) {
    if (ctx.used_departments.count(department.name.text) != 0) continue;
    auto first = ctx.departments.find(department.name.text);
    if (first == ctx.departments.end() || first->second != &department) continue;
    ctx.warning("W003", department.name.loc, "department `" + department.name.text + "` is never used",
                "no category routes to it, no action assigns it and none of its roles is used");
  }
  for (const CalendarDecl& calendar : ctx.file.calendars) {
    if (ctx.used_calendars.count(calendar.name.text) != 0) continue;
    auto first = ctx.calendars.find(calendar.name.text);
    if (first == ctx.calendars.end() || first->second != &calendar) continue;
    ctx.warning("W003", calendar.name.loc, "calendar `" + calendar.name.text + "` is never used",
                "measure a time limit or timer in it: `resolve 24h in " + calendar.name.text + "`");
  }
  for (const ChainDecl& chain : ctx.file.chains) {
    if (ctx.used_chains.count(chain.name.text) != 0) continue;
    auto first = ctx.chains.find(chain.name.text);
    if (first == ctx.chains.end() || first->second != &chain) continue;
    ctx.warning("W003", chain.name.loc, "chain `" + chain.name.text + "` is never used",
                "choose it in an `approval` rule: `approval otherwise: " + chain.name.text + "`");
  }
}

}  // namespace checking

void check(const RuleFile& file, Diagnostics& diagnostics, const WorkflowLimits& limits) {
  if (!check_limits(file, diagnostics, limits)) return;
  checking::Context ctx(file, diagnostics, limits.max_comparison_steps);
  if (!file.workflow) {
    ctx.error("E015", ctx.workflow_loc(), "missing `workflow` declaration",
              "name the workflow: `workflow after_sales \"售后服务\"`");
  }
  checking::collect_symbols(ctx);
  checking::check_fields(ctx);
  checking::check_notices(ctx);
  checking::check_calendars(ctx);
  checking::check_categories(ctx);
  checking::check_priorities(ctx);
  checking::check_classifications(ctx);
  checking::check_chains(ctx);
  checking::check_approvals(ctx);
  checking::check_constraints(ctx);
  checking::check_states(ctx);
  checking::check_groups(ctx);
  checking::check_unmeasured_metrics(ctx);
  checking::check_owners(ctx);
  checking::check_report(ctx);
  checking::check_state_graph(ctx);
  // Both spend the comparison budget, in this order (docs/diagnostics.md, W007).
  checking::check_shadowing(ctx);
  checking::check_overlaps(ctx);
  checking::check_unused(ctx);
}

}  // namespace docket::dsl
