// Classification: results are values of the target, decision tables have the
// right shape (E028) and every ticket gets a result (E021, W010).

#include <map>
#include <optional>
#include <set>
#include <string>

#include "dsl/check_context.h"

namespace docket::dsl::checking {
namespace {

// The enum-like attribute a classification assigns; null (after reporting)
// when it cannot be classified.
const Domain* target_domain(Context& ctx, const Name& target) {
  auto attribute = ctx.attribute(target.text);
  if (!attribute) {
    std::vector<std::string> candidates = Context::keys(ctx.enum_domains);
    candidates.insert(candidates.end(), {"priority", "category"});
    ctx.undefined("field", target, candidates);
    return nullptr;
  }
  if (target.text == "state") {
    ctx.error("E012", target.loc, "cannot classify `state`", "states change by transitions: `-> STATE`");
    return nullptr;
  }
  if (!attribute->type.is(TypeKind::kEnum) || attribute->type.domain == nullptr) {
    ctx.error("E012", target.loc,
              "cannot classify `" + target.text + "`: it is " + describe(attribute->type) + ", not an enum",
              "classify `priority`, `category` or an enum field");
    return nullptr;
  }
  if (attribute->field != nullptr) ctx.used_fields.insert(target.text);
  return attribute->type.domain;
}

// One axis of a decision table: an enum-like attribute, a bool field, or an
// int field whose rows (or columns) list the values that have a result.
struct Axis {
  enum class Kind { kEnum, kBool, kInt };
  Kind kind = Kind::kEnum;
  std::string subject;              // the field as written
  const Domain* domain = nullptr;   // kEnum
  std::optional<double> low, high;  // kInt: a constant range
};

// The row or column field of a decision table, or nullopt after E010 / E028.
std::optional<Axis> table_axis(Context& ctx, const Name& field, const char* which) {
  auto attribute = ctx.attribute(field.text);
  if (!attribute) {
    ctx.undefined("field", field, Context::keys(ctx.fields));
    return std::nullopt;
  }
  if (attribute->field != nullptr) ctx.used_fields.insert(field.text);
  Axis axis{Axis::Kind::kEnum, field.text, attribute->type.domain, {}, {}};
  if (attribute->type.is(TypeKind::kEnum) && attribute->type.domain != nullptr) return axis;
  const FieldDecl* decl = attribute->field;
  if (decl != nullptr && decl->type == FieldType::kBool) {
    axis.kind = Axis::Kind::kBool;
    return axis;
  }
  if (decl != nullptr && decl->type == FieldType::kInt) {
    axis.kind = Axis::Kind::kInt;
    if (decl->range_min && decl->range_max) {
      axis.low = constant_value(*decl->range_min);
      axis.high = constant_value(*decl->range_max);
    }
    return axis;
  }
  std::string type = decl != nullptr ? to_string(decl->type) : describe(attribute->type);
  ctx.error("E028", field.loc,
            std::string(which) + " field `" + field.text + "` is " + type + ", not an enum, bool or int",
            "a decision table needs enum, bool or int fields on both axes");
  return std::nullopt;
}

bool is_whole_number(const std::string& text) { return whole_number_problem(text).first.empty(); }

// Whether `key` labels a row (or column) of `axis`; E028 when it does not.
bool check_key(Context& ctx, const Axis& axis, const Name& key, const char* which) {
  std::string unknown = "unknown " + std::string(which) + " `" + key.text + "`: ";
  switch (axis.kind) {
    case Axis::Kind::kEnum:
      if (axis.domain->contains(key.text)) return true;
      ctx.error("E028", key.loc, unknown + "not a value of `" + axis.domain->subject + "`",
                ctx.suggestion(key.text, axis.domain->values, ctx.value_list(*axis.domain)));
      return false;
    case Axis::Kind::kBool:
      if (key.text == "true" || key.text == "false") return true;
      ctx.error("E028", key.loc, unknown + "`" + axis.subject + "` is bool", "label it `true` or `false`");
      return false;
    case Axis::Kind::kInt:
      if (!is_whole_number(key.text)) {
        ctx.error("E028", key.loc, unknown + "`" + axis.subject + "` is int",
                  "label it with a whole number such as `1`");
        return false;
      }
      if (axis.low && axis.high && (std::stod(key.text) < *axis.low || std::stod(key.text) > *axis.high)) {
        ctx.error("E028", key.loc,
                  std::string(which) + " `" + key.text + "` is outside the range of `" + axis.subject + "` (" +
                      format_number(*axis.low) + ".." + format_number(*axis.high) + ")",
                  "label it with a value from " + format_number(*axis.low) + " to " + format_number(*axis.high));
        return false;
      }
      return true;
  }
  return false;
}

// Every value an enum or bool axis can take, in order; empty for int.
std::vector<std::string> axis_values(const Axis& axis) {
  if (axis.kind == Axis::Kind::kEnum) return axis.domain->values;
  if (axis.kind == Axis::Kind::kBool) return {"true", "false"};
  return {};
}

std::string quoted_list(const std::vector<std::string>& values) {
  std::string out;
  for (const std::string& value : values) {
    out += out.empty() ? "" : ", ";
    out += "`" + value + "`";
  }
  return out;
}

// The values of one enum-like attribute a condition is true for, when it is
// written as `F == v`, `F in (v, w)` or a disjunction of those.
struct Covered {
  std::string attribute;
  std::set<std::string> values;
};

std::optional<Covered> covered_values(const Context& ctx, const Expr& e, int depth) {
  if (depth > 64) return std::nullopt;
  auto value_of = [&](const Expr& subject, const Expr& value) -> std::optional<std::string> {
    bool bare = value.kind == Expr::Kind::kName || value.kind == Expr::Kind::kNumber;
    if (subject.kind != Expr::Kind::kName || !bare) return std::nullopt;
    const Domain* domain = ctx.domain_of(subject.text);
    if (domain == nullptr || !domain->contains(value.text)) return std::nullopt;
    return value.text;
  };
  if (e.kind == Expr::Kind::kBinary && e.operands.size() == 2 && e.operands[0] && e.operands[1]) {
    const Expr& a = *e.operands[0];
    const Expr& b = *e.operands[1];
    if (e.binary == BinaryOp::kEq) {
      if (auto v = value_of(a, b)) return Covered{a.text, {*v}};
      if (auto v = value_of(b, a)) return Covered{b.text, {*v}};
      return std::nullopt;
    }
    if (e.binary == BinaryOp::kOr) {
      auto left = covered_values(ctx, a, depth + 1);
      auto right = covered_values(ctx, b, depth + 1);
      if (!left || !right || left->attribute != right->attribute) return std::nullopt;
      left->values.insert(right->values.begin(), right->values.end());
      return left;
    }
    return std::nullopt;
  }
  if (e.kind == Expr::Kind::kIn && !e.operands.empty() && e.operands[0]) {
    Covered covered{e.operands[0]->text, {}};
    for (std::size_t i = 1; i < e.operands.size(); ++i) {
      if (!e.operands[i]) return std::nullopt;
      auto v = value_of(*e.operands[0], *e.operands[i]);
      if (!v) return std::nullopt;
      covered.values.insert(*v);
    }
    return covered;
  }
  return std::nullopt;
}

void check_rules(Context& ctx, const ClassifyDecl& classify, const Domain* domain) {
  bool has_otherwise = false;
  for (const ClassifyRule& rule : classify.rules) {
    if (domain != nullptr && !domain->contains(rule.result.text)) {
      ctx.undefined_value(*domain, rule.result);
    }
    if (rule.condition) {
      check_condition(ctx, rule.condition, "classification condition");
    } else {
      has_otherwise = true;
    }
  }
  if (has_otherwise) return;
  const Name& target = classify.target;
  std::string example = domain != nullptr && !domain->values.empty() ? domain->values.back() : "X";
  std::string help = "add a last rule `" + example + " otherwise`";
  // Without `otherwise`, the rules must provably cover every value of one attribute.
  std::optional<Covered> all;
  for (const ClassifyRule& rule : classify.rules) {
    auto covered = covered_values(ctx, *rule.condition, 0);
    if (!covered || (all && all->attribute != covered->attribute)) {
      all.reset();
      break;
    }
    if (!all) {
      all = covered;
    } else {
      all->values.insert(covered->values.begin(), covered->values.end());
    }
  }
  if (!all) {
    ctx.error("E021", target.loc,
              "classification of `" + target.text + "` has no `otherwise` and may leave tickets unclassified", help);
    return;
  }
  const Domain* over = ctx.domain_of(all->attribute);
  std::vector<std::string> missing;
  for (const std::string& value : over->values) {
    if (all->values.count(value) == 0) missing.push_back(value);
  }
  if (missing.empty()) return;
  ctx.error("E021", target.loc,
            "classification of `" + target.text + "` has no rule for `" + all->attribute + "` " + quoted_list(missing),
            help);
}

// An int axis has a result only for the values its rows (or columns) list.
// A ticket with another value is refused when it is classified, so the
// checker warns (W010) unless the listed values cover the field's range.
void check_int_coverage(Context& ctx, const ClassifyDecl& classify, const Axis& axis,
                        const std::map<std::string, SourceLoc>& listed, const char* which, const SourceLoc& at) {
  const Name& target = classify.target;
  std::string refused = "a ticket with another value is refused when `" + target.text + "` is classified; ";
  if (!axis.low || !axis.high || *axis.low > *axis.high) {
    ctx.warning(
        "W010", at,
        "decision table for `" + target.text + "` lists some values of `" + axis.subject + "`, which has no range",
        refused + "give `" + axis.subject + "` a `range` that the " + which + "s cover");
    return;
  }
  // Listed values are distinct, and those outside the range are E028.
  double inside = 0;
  for (const auto& [value, loc] : listed) {
    if (is_whole_number(value) && std::stod(value) >= *axis.low && std::stod(value) <= *axis.high) ++inside;
  }
  double count = *axis.high - *axis.low + 1 - inside;
  if (count <= 0) return;
  std::vector<std::string> missing;
  for (double v = *axis.low; v <= *axis.high && missing.size() < 3; ++v) {
    if (listed.count(format_number(v)) == 0) missing.push_back(format_number(v));
  }
  std::string more = count > 3 ? " and " + format_number(count - 3) + " more" : "";
  ctx.warning("W010", at,
              "decision table for `" + target.text + "` has no " + which + " for `" + axis.subject + "` " +
                  quoted_list(missing) + more,
              refused + "add the " + which + "s, or narrow the range of `" + axis.subject + "`");
}

// The values an axis lacks among `listed`, for E021; nothing for int axes.
std::vector<std::string> unlisted(const Axis& axis, const std::map<std::string, SourceLoc>& listed) {
  std::vector<std::string> missing;
  for (const std::string& value : axis_values(axis)) {
    if (listed.count(value) == 0) missing.push_back(value);
  }
  return missing;
}

// The `columns` line: known values, no repeats, every value of an enum or
// bool field; returns how many columns the table has (nullopt: unknown).
std::optional<std::size_t> check_columns(Context& ctx, const ClassifyDecl& classify,
                                         const std::optional<Axis>& columns) {
  const Name& target = classify.target;
  if (classify.columns.empty()) {
    if (!columns) return std::nullopt;
    if (columns->kind == Axis::Kind::kEnum) return columns->domain->values.size();
    std::string example = columns->kind == Axis::Kind::kBool ? "columns true, false" : "columns 1, 2, 3";
    ctx.error("E028", classify.column_field.loc,
              "decision table for `" + target.text + "` needs a `columns` line: `" + columns->subject + "` is " +
                  (columns->kind == Axis::Kind::kBool ? "bool" : "int"),
              "list the columns in the order of the cells: `" + example + "`");
    return std::nullopt;
  }
  std::map<std::string, SourceLoc> seen;
  for (const Name& column : classify.columns) {
    auto [it, inserted] = seen.emplace(column.text, column.loc);
    if (!inserted) {
      ctx.error("E011", column.loc, "duplicate column `" + column.text + "`",
                "first defined at " + position(it->second, column.loc));
    } else if (columns) {
      check_key(ctx, *columns, column, "column");
    }
  }
  if (!columns) return classify.columns.size();
  const SourceLoc& at = classify.columns.front().loc;
  if (columns->kind == Axis::Kind::kInt) {
    check_int_coverage(ctx, classify, *columns, seen, "column", at);
  } else if (std::vector<std::string> missing = unlisted(*columns, seen); !missing.empty()) {
    ctx.error(
        "E021", at,
        "decision table for `" + target.text + "` has no column for `" + columns->subject + "` " + quoted_list(missing),
        "add the missing columns to `columns`");
  }
  return classify.columns.size();
}

void check_table(Context& ctx, const ClassifyDecl& classify, const Domain* result) {
  std::optional<Axis> rows = table_axis(ctx, classify.row_field, "row");
  std::optional<Axis> columns = table_axis(ctx, classify.column_field, "column");
  const Name& target = classify.target;
  std::optional<std::size_t> column_count = check_columns(ctx, classify, columns);

  std::map<std::string, SourceLoc> seen_rows;
  for (const DecisionRow& row : classify.rows) {
    const Name& value = row.row_value;
    auto [it, inserted] = seen_rows.emplace(value.text, value.loc);
    if (!inserted) {
      ctx.error("E011", value.loc, "duplicate row `" + value.text + "`",
                "first defined at " + position(it->second, value.loc));
    } else if (rows) {
      check_key(ctx, *rows, value, "row");
    }
    if (column_count && row.cells.size() != *column_count) {
      SourceLoc at = row.cells.size() > *column_count ? row.cells[*column_count].loc : value.loc;
      ctx.error("E028", at,
                "row `" + value.text + "` has " + std::to_string(row.cells.size()) +
                    (row.cells.size() == 1 ? " cell" : " cells") + ", but the table has " +
                    std::to_string(*column_count) + (*column_count == 1 ? " column" : " columns"),
                "give one result per column");
      continue;  // a row that lost its `:` or a line break: its cells are not results
    }
    if (result == nullptr) continue;
    for (const Name& cell : row.cells) {
      if (!result->contains(cell.text)) ctx.undefined_value(*result, cell);
    }
  }
  if (!rows) return;
  if (rows->kind == Axis::Kind::kInt) {
    check_int_coverage(ctx, classify, *rows, seen_rows, "row", target.loc);
  } else if (std::vector<std::string> missing = unlisted(*rows, seen_rows); !missing.empty()) {
    ctx.error("E021", target.loc,
              "decision table for `" + target.text + "` has no row for `" + rows->subject + "` " + quoted_list(missing),
              "add a row for each value: `" + missing.front() + ": ...`");
  }
}

}  // namespace

void check_classifications(Context& ctx) {
  for (const ClassifyDecl& classify : ctx.file.classifications) {
    const Domain* domain = target_domain(ctx, classify.target);
    if (classify.is_table()) {
      check_table(ctx, classify, domain);
    } else {
      check_rules(ctx, classify, domain);
    }
  }
}

}  // namespace docket::dsl::checking
