#include "engine/model/classify.h"

namespace docket::engine {

namespace {

const Value& axis_value(const Workflow& workflow, const TableAxis& axis, const TicketView& ticket, std::string& name) {
  if (axis.is_attribute) {
    name = to_string(static_cast<Attribute>(axis.index));
    return ticket.attributes[axis.index];
  }
  name = workflow.fields()[axis.index].name;
  return ticket.fields[axis.index];
}

Classified classify_by_table(const Workflow& workflow, const Classification& classification, const TicketView& ticket) {
  Classified out;
  std::string row_name, column_name;
  const Value& row_value = axis_value(workflow, classification.row, ticket, row_name);
  const Value& column_value = axis_value(workflow, classification.column, ticket, column_name);
  if (!row_value.is_set() || !column_value.is_set()) {
    out.error = "`" + (!row_value.is_set() ? row_name : column_name) + "` has no value";
    return out;
  }
  std::string cell = row_name + " x " + column_name + ": " + workflow.format_value(row_value) + ", " +
                     workflow.format_value(column_value);
  // An int the table does not list has no position: no cell either.
  std::optional<std::uint32_t> row = table_position(classification.row, row_value);
  std::optional<std::uint32_t> column = table_position(classification.column, column_value);
  if (!row || !column || *row >= classification.row_count || *column >= classification.column_count) {
    out.error = "no table cell for " + cell;
    return out;
  }
  out.result = classification.table[std::size_t{*row} * classification.column_count + *column];
  if (out.result == kNoIndex) out.error = "the table has no cell for " + cell;
  out.detail = std::move(cell);
  return out;
}

Classified classify_by_rules(const Workflow& workflow, const Classification& classification, const TicketView& ticket,
                             std::int64_t now) {
  Classified out;
  std::string notes;
  for (const ClassifyRule& candidate : classification.rules) {
    if (candidate.condition) {
      EvalFailure failure;
      std::optional<bool> holds = evaluate_condition(*candidate.condition, ticket, now, &failure);
      if (!holds && notes.empty()) notes = workflow.describe(failure, *candidate.condition);
      if (!holds || !*holds) continue;
    }
    out.result = candidate.result;
    out.rule = candidate.position;
    out.detail = candidate.condition ? "when " + candidate.condition->text() : std::string("otherwise");
    return out;
  }
  out.error = "no rule matched" + (notes.empty() ? std::string() : " (" + notes + ")");
  return out;
}

}  // namespace

Classified classify(const Workflow& workflow, const Classification& classification, const TicketView& ticket,
                    std::int64_t now) {
  if (classification.is_table()) return classify_by_table(workflow, classification, ticket);
  return classify_by_rules(workflow, classification, ticket, now);
}

const std::string& classified_name(const Workflow& workflow, const Classification& classification,
                                   std::uint32_t result) {
  switch (classification.target) {
    case ClassifyTarget::kPriority:
      return workflow.priorities()[result].name;
    case ClassifyTarget::kCategory:
      return workflow.categories()[result].name;
    case ClassifyTarget::kField:
      break;
  }
  return workflow.fields()[classification.field].enum_values[result];
}

}  // namespace docket::engine
