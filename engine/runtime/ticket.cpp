#include "engine/runtime/ticket.h"

#include "engine/model/text.h"

namespace docket::engine {
namespace {

const std::string kEmpty;

std::string quoted_name(const Field& field) { return "`" + field.name + "`"; }

std::string wrong_type(const Field& field, const FieldInput& input) {
  std::string expected = field.type == FieldType::kEnum ? std::string("one of its values") : to_string(field.type);
  return quoted_name(field) + " expects " + expected + ", got " + input.describe();
}

// -1, 0, 1; nullopt when the two cannot be ordered.
std::optional<int> compare(const Value& a, const Value& b) {
  if (a.type() != b.type()) return std::nullopt;
  switch (a.type()) {
    case ValueType::kNumber:
      return a.as_number() < b.as_number() ? -1 : (b.as_number() < a.as_number() ? 1 : 0);
    case ValueType::kDuration:
    case ValueType::kTimestamp:
      return a.seconds() < b.seconds() ? -1 : (b.seconds() < a.seconds() ? 1 : 0);
    default:
      return std::nullopt;
  }
}

}  // namespace

const char* to_string(SlaClock::Status status) {
  switch (status) {
    case SlaClock::Status::kIdle:
      return "idle";
    case SlaClock::Status::kRunning:
      return "running";
    case SlaClock::Status::kPaused:
      return "paused";
    case SlaClock::Status::kStopped:
      return "stopped";
  }
  return "?";
}

std::optional<PriorityIndex> Ticket::priority() const {
  const Value& value = attributes[static_cast<std::size_t>(Attribute::kPriority)];
  if (value.type() != ValueType::kPriority) return std::nullopt;
  return value.ordinal();
}

std::optional<CategoryIndex> Ticket::category() const {
  const Value& value = attributes[static_cast<std::size_t>(Attribute::kCategory)];
  if (value.type() != ValueType::kCategory) return std::nullopt;
  return value.ordinal();
}

const std::string& Ticket::state_name() const {
  if (!workflow || state >= workflow->states().size()) return kEmpty;
  return workflow->states()[state].name;
}

const std::string& Ticket::requester() const {
  return attributes[static_cast<std::size_t>(Attribute::kRequester)].as_text();
}

const Value* Ticket::field(std::string_view name) const {
  if (!workflow) return nullptr;
  std::optional<FieldIndex> index = workflow->find_field(name);
  if (!index || *index >= fields.size()) return nullptr;
  return &fields[*index];
}

std::string Ticket::format(std::string_view field_name) const {
  const Value* value = field(field_name);
  if (value == nullptr || !value->is_set()) return {};
  return workflow->format_value(*value);
}

std::string assignment_text(const Workflow& workflow, const Assignment& assignment) {
  std::string text;
  if (assignment.department < workflow.departments().size()) {
    text = workflow.departments()[assignment.department].name;
  }
  if (assignment.role < workflow.roles().size()) {
    if (!text.empty()) text += '.';
    text += workflow.roles()[assignment.role].name;
  }
  return text;
}

std::string message_prefix(std::string_view ticket_id) {
  if (ticket_id.empty()) return "ticket snapshot: ";
  std::string quoted = json_string(ticket_id);
  return "ticket `" + quoted.substr(1, quoted.size() - 2) + "`: ";
}

namespace {

std::string field_shape_error(const Workflow& workflow, const Ticket& ticket) {
  if (ticket.fields.size() != workflow.fields().size()) return "it holds the wrong number of fields";
  for (FieldIndex f = 0; f < ticket.fields.size(); ++f) {
    const Value& value = ticket.fields[f];
    const Field& field = workflow.fields()[f];
    if (!value.is_set()) continue;
    bool fits =
        value.type() == value_type_of(field.type) &&
        (value.type() != ValueType::kEnum || (value.domain() == f && value.ordinal() < field.enum_values.size()));
    if (!fits) return "field `" + field.name + "` holds a value of another type";
  }
  return {};
}

std::string attribute_shape_error(const Workflow& workflow, const Ticket& ticket) {
  for (const Value& value : ticket.attributes) {
    bool fits = (value.type() != ValueType::kCategory || value.ordinal() < workflow.categories().size()) &&
                (value.type() != ValueType::kPriority || value.ordinal() < workflow.priorities().size()) &&
                (value.type() != ValueType::kState || value.ordinal() < workflow.states().size());
    if (!fits) return "an attribute names a category, priority or state the workflow lacks";
  }
  return {};
}

std::string approval_shape_error(const Workflow& workflow, const ApprovalProgress& approval) {
  if (approval.chain == kNoIndex) return {};
  if (approval.chain >= workflow.chains().size()) return "its approval names a chain the workflow lacks";
  std::size_t levels = workflow.chains()[approval.chain].levels.size();
  if (approval.level >= levels && levels > 0) return "its approval is at a level its chain lacks";
  for (const ApprovalVote& vote : approval.votes) {
    if (vote.level >= levels || vote.role >= workflow.roles().size()) {
      return "a vote names a level or role the workflow lacks";
    }
  }
  return {};
}

}  // namespace

std::string shape_error(const Ticket& ticket) {
  if (!ticket.workflow) return "it has no workflow";
  const Workflow& workflow = *ticket.workflow;
  if (ticket.state >= workflow.states().size()) return "its state is not one of the workflow's";
  if (std::string error = field_shape_error(workflow, ticket); !error.empty()) return error;
  if (std::string error = attribute_shape_error(workflow, ticket); !error.empty()) return error;
  for (DepartmentIndex d : ticket.departments) {
    if (d >= workflow.departments().size()) return "it is routed to a department the workflow lacks";
  }
  const Assignment& assignee = ticket.assignee;
  if ((assignee.department != kNoIndex && assignee.department >= workflow.departments().size()) ||
      (assignee.role != kNoIndex && assignee.role >= workflow.roles().size())) {
    return "its assignee names a department or role the workflow lacks";
  }
  if (ticket.clocks.size() != workflow.metrics().size()) return "it holds the wrong number of SLA clocks";
  for (const ArmedTimer& armed : ticket.timers) {
    if (armed.timer >= workflow.timers().size()) return "it holds a timer the workflow lacks";
  }
  if (ticket.approval) return approval_shape_error(workflow, *ticket.approval);
  return {};
}

Result<Value> field_value(const Workflow& workflow, FieldIndex index, const FieldInput& input) {
  const Field& field = workflow.fields()[index];
  using Kind = FieldInput::Kind;
  if (input.kind() == Kind::kNull) {
    if (field.required) return Result<Value>::failure(quoted_name(field) + " is required and cannot be cleared");
    return Result<Value>::success(Value());
  }

  std::optional<Value> value;
  switch (field.type) {
    case FieldType::kText:
      if (input.kind() == Kind::kText) value = Value::text(input.as_text());
      break;
    case FieldType::kInt:
      if (input.kind() == Kind::kNumber) {
        if (input.as_number().raw() % Fixed::kScale != 0) {
          return Result<Value>::failure(quoted_name(field) + " expects a whole number, got " + input.describe());
        }
        value = Value::number(input.as_number());
      }
      break;
    case FieldType::kDecimal:
      if (input.kind() == Kind::kNumber) value = Value::number(input.as_number());
      break;
    case FieldType::kMoney:
      if (input.kind() == Kind::kNumber) {
        if (input.as_number().raw() % (Fixed::kScale / 100) != 0) {
          return Result<Value>::failure(quoted_name(field) + " expects money with at most two decimal places, got " +
                                        input.describe());
        }
        value = Value::number(input.as_number());
      }
      break;
    case FieldType::kBool:
      if (input.kind() == Kind::kBool) value = Value::boolean(input.as_bool());
      break;
    case FieldType::kEnum:
      // A value written as a number (`enum(1, 2, 3)`) comes as text or as a number: "1" or 1.
      if (input.kind() == Kind::kText || input.kind() == Kind::kNumber) {
        std::string written = input.kind() == Kind::kText ? input.as_text() : input.as_number().to_string();
        for (std::size_t i = 0; i < field.enum_values.size(); ++i) {
          if (field.enum_values[i] == written) {
            value = Value::enumerator(index, static_cast<std::uint32_t>(i));
            break;
          }
        }
      }
      if (!value) {
        std::string allowed;
        for (const std::string& name : field.enum_values) allowed += (allowed.empty() ? "" : ", ") + name;
        return Result<Value>::failure(quoted_name(field) + " expects one of " + allowed + ", got " + input.describe());
      }
      break;
    case FieldType::kDuration:
    case FieldType::kTimestamp: {
      bool duration = field.type == FieldType::kDuration;
      std::optional<std::int64_t> seconds;
      if (input.kind() == Kind::kText) {
        seconds = duration ? parse_duration(input.as_text()) : parse_timestamp(input.as_text());
      } else if (input.kind() == Kind::kNumber && input.as_number().raw() % Fixed::kScale == 0) {
        seconds = input.as_number().raw() / Fixed::kScale;
      }
      if (!seconds) {
        return Result<Value>::failure(
            quoted_name(field) + " expects " +
            (duration ? "a duration such as 1h30m" : "a timestamp such as 2026-11-23T09:00:00Z") + ", got " +
            input.describe());
      }
      value = duration ? Value::duration(*seconds) : Value::timestamp(*seconds);
      break;
    }
  }
  if (!value) return Result<Value>::failure(wrong_type(field, input));
  if (std::optional<std::string> violation = range_violation(workflow, index, *value)) {
    return Result<Value>::failure(std::move(*violation));
  }
  return Result<Value>::success(std::move(*value));
}

std::optional<std::string> range_violation(const Workflow& workflow, FieldIndex index, const Value& value) {
  const Field& field = workflow.fields()[index];
  if (!value.is_set() || !field.range_min || !field.range_max) return std::nullopt;
  std::optional<int> low = compare(value, *field.range_min);
  std::optional<int> high = compare(value, *field.range_max);
  if (low && high && *low >= 0 && *high <= 0) return std::nullopt;
  return quoted_name(field) + " = " + workflow.format_value(value) + " is out of range " +
         workflow.format_value(*field.range_min) + ".." + workflow.format_value(*field.range_max);
}

}  // namespace docket::engine
