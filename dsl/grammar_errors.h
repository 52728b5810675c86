// What the designer reads when the grammar cannot go on: one message per rule
// that may fail in a committed place (see grammar.h). A message may start
// with a diagnostic code and a colon; without one, the code is E001.
// Private to dsl/parser.cpp.

#pragma once

#include "dsl/grammar.h"

namespace docket::dsl::grammar {

template <typename Rule>
inline constexpr const char* error_message = nullptr;

#define DOCKET_ERROR(rule, text) \
  template <>                    \
  inline constexpr const char* error_message<rule> = text

// Lexical.
DOCKET_ERROR(escape_char, "unknown escape sequence; use \\\" \\\\ \\n or \\t");
DOCKET_ERROR(string_close, "E006:unterminated string; close it with `\"` on the same line");

// Expressions.
DOCKET_ERROR(expr_required, "expected an expression");
DOCKET_ERROR(close_paren, "expected `)`");
DOCKET_ERROR(nested_expr, "expected an expression");
DOCKET_ERROR(negated_operand, "expected a value after `-`");
DOCKET_ERROR(operand_required, "expected a value after the operator");
DOCKET_ERROR(product_required, "expected a value after the operator");
DOCKET_ERROR(sum_required, "expected a value after the comparison");
DOCKET_ERROR(in_list, "expected `(` and a list of values after `in`");
DOCKET_ERROR(not_operand, "expected a condition after `not`");
DOCKET_ERROR(conjunction_operand, "expected a condition after `and`");
DOCKET_ERROR(disjunction_operand, "expected a condition after `or`");
DOCKET_ERROR(set_word, "expected `set` or `not set` after `is`");
DOCKET_ERROR(expression_end, "unexpected text after the expression");

// Actions.
DOCKET_ERROR(set_field, "expected a field name after `set`");
DOCKET_ERROR(set_equals, "expected `=` after the field name");
DOCKET_ERROR(assign_target, "expected a department after `assign`");
DOCKET_ERROR(assign_role, "expected a role name after `.`");
DOCKET_ERROR(notify_recipient, "expected who to notify: customer, requester, assignee or a role");
DOCKET_ERROR(notify_template, "expected the message template name in quotes");
DOCKET_ERROR(escalate_to, "expected `to` after `escalate`");
DOCKET_ERROR(escalate_role, "expected a role name after `escalate to`");
DOCKET_ERROR(raise_what, "expected `priority` after `raise`");
DOCKET_ERROR(emit_event, "expected an event name after `emit`");
DOCKET_ERROR(classify_what, "expected what to classify after `classify`");
DOCKET_ERROR(clock_metric, "expected a time limit name such as `resolve`");
DOCKET_ERROR(start_field, "expected a timestamp field after `from`, such as `received_at`");
DOCKET_ERROR(extend_metric, "expected a time limit name after `extend`, such as `resolve`");
DOCKET_ERROR(extend_by, "expected `by` and the extra time, such as `by 15 workdays in office`");
DOCKET_ERROR(extend_reason, "expected the reason for the extension, in quotes");
DOCKET_ERROR(action_required,
             "expected an action: set, assign, notify, escalate, raise priority, emit, route, classify, "
             "start, stop, pause, resume or extend");
DOCKET_ERROR(action_list,
             "expected an action: set, assign, notify, escalate, raise priority, emit, route, classify, "
             "start, stop, pause, resume or extend");
DOCKET_ERROR(do_required, "expected `do` followed by actions");

// Shared clauses.
DOCKET_ERROR(calendar_ref, "expected a calendar name after `in`");
DOCKET_ERROR(duration_required, "expected a duration such as 30m, 4h, 2d or 15 workdays");
DOCKET_ERROR(percent_required, "expected a percentage such as 80%");
DOCKET_ERROR(target_state, "expected a state name after `->`");
DOCKET_ERROR(transition_arrow, "expected `->` and the state to go to");
DOCKET_ERROR(colon, "expected `:`");
DOCKET_ERROR(brace_required, "expected `{`");

// Declarations.
DOCKET_ERROR(extends_path, "expected the base file name in quotes after `extends`");
DOCKET_ERROR(workflow_name, "expected the workflow name after `workflow`");
DOCKET_ERROR(version_value, "expected a version such as \"1.2\" after `version`");
DOCKET_ERROR(field_name, "expected a field name after `field`");
DOCKET_ERROR(field_type, "expected a type: text, int, decimal, money, bool, duration, timestamp or enum(...)");
DOCKET_ERROR(enum_open, "expected `(` after `enum`");
DOCKET_ERROR(enum_value, "expected an enum value: a name or a whole number");
DOCKET_ERROR(enum_close, "expected `,` or `)` in the list of enum values");
DOCKET_ERROR(range_low, "expected the lowest allowed value after `range`");
DOCKET_ERROR(range_dots, "expected `..` between the lowest and highest value");
DOCKET_ERROR(range_high, "expected the highest allowed value after `..`");
DOCKET_ERROR(calendar_name, "expected a calendar name after `calendar`");
DOCKET_ERROR(zone_name, "expected a time zone name in quotes, such as \"Asia/Shanghai\"");
DOCKET_ERROR(day_required, "expected a weekday: mon, tue, wed, thu, fri, sat or sun");
DOCKET_ERROR(day_range_end, "expected the last weekday of the range after `-`");
DOCKET_ERROR(span_dash, "expected `-` between the start and the end time");
DOCKET_ERROR(time_required, "expected a time of day such as 18:00");
DOCKET_ERROR(span_required, "expected working hours such as 09:00-18:00");
DOCKET_ERROR(date_required, "expected a date such as 2026-10-01");
DOCKET_ERROR(date_range, "expected a date such as 2026-10-01");
DOCKET_ERROR(date_list, "expected a date such as 2026-10-01");
DOCKET_ERROR(calendar_close, "expected a calendar item (zone, hours, holidays, workdays) or `}`");
DOCKET_ERROR(hours_when, "expected weekdays such as mon-fri, or dates such as 2026-12-31, after `hours`");
DOCKET_ERROR(holidays_what, "expected dates such as 2026-10-01..2026-10-07, or the name of a `holidays` declaration");
DOCKET_ERROR(notice_ref, "expected the name of a `holidays` declaration");
DOCKET_ERROR(notice_name, "expected a name after `holidays`, such as `cn_2027`");
DOCKET_ERROR(notice_source, "expected where the dates were published, in quotes");
DOCKET_ERROR(notice_close, "expected `source`, `holidays`, `workdays` or `}`");
DOCKET_ERROR(department_name, "expected a department name after `department`");
DOCKET_ERROR(role_name, "expected a role name");
DOCKET_ERROR(department_close, "expected `roles` or `}`");
DOCKET_ERROR(category_name, "expected a category name after `category`");
DOCKET_ERROR(route_department, "expected a department name");
DOCKET_ERROR(short_route, "expected a department name");
DOCKET_ERROR(route_close, "expected `route`, `owner` or `}`");
DOCKET_ERROR(owner_role, "expected the role that takes the category's cases after `owner`, such as `engineer`");
DOCKET_ERROR(priority_name, "expected a priority name after `priority`");
DOCKET_ERROR(metric_name, "expected a time limit name such as `resolve`");
DOCKET_ERROR(warn_at, "expected `at` after `warn`");
DOCKET_ERROR(of_keyword, "expected `of`");
DOCKET_ERROR(from_field, "expected a timestamp field after `from`, such as `received_at`");
DOCKET_ERROR(most_word, "expected `most` after `extend METRIC at`");
DOCKET_ERROR(extension_count, "expected how many extensions, such as `at most 2 times`");
DOCKET_ERROR(times_word, "expected `time` or `times` after the number of extensions");
DOCKET_ERROR(to_word, "expected `to` after `up`");
DOCKET_ERROR(extension_total, "expected `up to` and the longest extended limit, such as `up to 60 workdays in office`");
DOCKET_ERROR(extension_caps_required, "expected `at most N times` or `up to DURATION` after `extend METRIC`");
DOCKET_ERROR(priority_close,
             "expected a time limit such as `resolve 24h`, `warn at`, `at N% of`, `on breach of`, `extend` or `}`");
DOCKET_ERROR(classify_target, "expected what to classify after `classify`, such as `priority`");
DOCKET_ERROR(classify_body, "expected `by FIELD x FIELD {` or `{` after the classification target");
DOCKET_ERROR(row_field, "expected the field whose values label the rows");
DOCKET_ERROR(times_sign, "expected `x` between the row field and the column field");
DOCKET_ERROR(column_field, "expected the field whose values label the columns");
DOCKET_ERROR(column_value, "expected a column value");
DOCKET_ERROR(cell_required, "expected one result for each column");
DOCKET_ERROR(table_close, "expected a row such as `high: P0 P0 P1` or `}`");
DOCKET_ERROR(rule_condition, "expected `when` and a condition, or `otherwise`");
DOCKET_ERROR(rules_close, "expected a rule such as `P0 when impact == high` or `}`");
DOCKET_ERROR(chain_name, "expected a chain name after `chain`");
DOCKET_ERROR(level_name, "expected a level name after `level`");
DOCKET_ERROR(quorum, "expected who must approve: `any of`, `all of` or `N of`");
DOCKET_ERROR(approver_role, "expected a role name");
DOCKET_ERROR(excluded_voter, "expected who may not approve: proposer, participants or assignee");
DOCKET_ERROR(chain_close, "expected `level` or `}`");
DOCKET_ERROR(chain_ref, "expected a chain name, a role or `none`");
DOCKET_ERROR(approval_priority_word, "expected `priority` after `approval by`");
DOCKET_ERROR(approval_close, "expected a row such as `P0: dept_head` or `}`");
DOCKET_ERROR(approval_body, "expected `by priority`, `when` or `otherwise` after `approval`");
DOCKET_ERROR(require_message, "expected the message shown when the rule is broken, in quotes");
DOCKET_ERROR(state_name, "expected a state name");
DOCKET_ERROR(state_keyword_required, "expected `state` after `initial` or `final`");
DOCKET_ERROR(event_name, "expected an event name after `on`");
DOCKET_ERROR(proposer_word, "expected `proposer` after `as`");
DOCKET_ERROR(await_what, "expected `approval` after `await`");
DOCKET_ERROR(paused_metric, "expected a time limit name such as `resolve`");
DOCKET_ERROR(extend_what, "expected `state` after `extend`: a variant extends a state of its base");
DOCKET_ERROR(state_close, "expected a state item (on, auto, after, every, pause, await) or `}`");
DOCKET_ERROR(transition_rest, "expected `->` and the state to go to, or `do` and the actions of a stay");
DOCKET_ERROR(group_name, "expected a group name after `group`");
DOCKET_ERROR(group_open, "expected `(` and the states of the group, such as `(verifying, extended)`, or `(*)`");
DOCKET_ERROR(group_states, "expected the states of the group, or `*` for every state");
DOCKET_ERROR(group_state, "expected a state name");
DOCKET_ERROR(group_states_close, "expected `,` or `)` in the list of states");
DOCKET_ERROR(group_close, "expected a group item (on, auto, after, every, pause) or `}`");
DOCKET_ERROR(report_metric, "expected a time limit name such as `first_response`");
DOCKET_ERROR(acceptance_how, "expected `clock` and the time limit whose stop accepts a case: `clock first_response`");
DOCKET_ERROR(resolution_how,
             "expected `clock` and the time limit whose stop resolves a case (`clock resolve`), or `state` and the "
             "states that resolve it (`state return_visit`)");
DOCKET_ERROR(report_state, "expected a state name");
DOCKET_ERROR(survey_word, "expected `field` and the field the survey answer is sent in: `field overall`");
DOCKET_ERROR(survey_field, "expected the field the survey answer is sent in, such as `overall`");
DOCKET_ERROR(declined_word, "expected `event` and the event that records a declined survey: `event survey_declined`");
DOCKET_ERROR(declined_event, "expected the event that records a declined survey, such as `survey_declined`");
DOCKET_ERROR(types_word, "expected `by` and what gives the complaint types: `by category`");
DOCKET_ERROR(types_field, "expected `category` or an enum field, such as `issue`");
DOCKET_ERROR(report_close, "expected a report item (acceptance, resolution, survey, declined, types) or `}`");
DOCKET_ERROR(overridable,
             "expected the declaration to override: field, holidays, calendar, department, category, priority, "
             "classify, chain, approval, state, group or report");
DOCKET_ERROR(end_of_file,
             "expected a declaration: workflow, extends, field, holidays, calendar, department, category, priority, "
             "classify, chain, approval, require, state, group, extend or report");

#undef DOCKET_ERROR

struct errors {
  template <typename Rule>
  static constexpr const char* message = error_message<Rule>;
};

}  // namespace docket::dsl::grammar
