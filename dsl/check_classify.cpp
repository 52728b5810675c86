// Classification: results are values of the target, decision tables have the
// right shape (E028) and every ticket gets a result (E021).

#include <set>

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

// A row or column field of a decision table: enum-like, or E010 / E028.
const Domain* table_axis(Context& ctx, const Name& field, const char* which) {
  auto attribute = ctx.attribute(field.text);
  if (!attribute) {
    ctx.undefined("field", field, Context::keys(ctx.fields));
    return nullptr;
  }
  if (attribute->field != nullptr) ctx.used_fields.insert(field.text);
  if (!attribute->type.is(TypeKind::kEnum) || attribute->type.domain == nullptr) {
    ctx.error("E028", field.loc,
              std::string(which) + " field `" + field.text + "` is " + describe(attribute->type) + ", not an enum",
              "a decision table needs enum fields on both axes");
    return nullptr;
  }
  return attribute->type.domain;
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
    if (subject.kind != Expr::Kind::kName || value.kind != Expr::Kind::kName) return std::nullopt;
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

void check_table(Context& ctx, const ClassifyDecl& classify, const Domain* result) {
  const Domain* rows = table_axis(ctx, classify.row_field, "row");
  const Domain* columns = table_axis(ctx, classify.column_field, "column");
  const Name& target = classify.target;

  std::size_t column_count = columns != nullptr ? columns->values.size() : 0;
  if (!classify.columns.empty()) {
    column_count = classify.columns.size();
    std::map<std::string, SourceLoc> seen;
    for (const Name& column : classify.columns) {
      auto [it, inserted] = seen.emplace(column.text, column.loc);
      if (!inserted) {
        ctx.error("E011", column.loc, "duplicate column `" + column.text + "`",
                  "first defined at " + position(it->second, column.loc));
      } else if (columns != nullptr && !columns->contains(column.text)) {
        ctx.error("E028", column.loc, "unknown column `" + column.text + "`: not a value of `" + columns->subject + "`",
                  ctx.suggestion(column.text, columns->values, ctx.value_list(*columns)));
      }
    }
    if (columns != nullptr) {
      std::vector<std::string> missing;
      for (const std::string& value : columns->values) {
        if (seen.count(value) == 0) missing.push_back(value);
      }
      if (!missing.empty()) {
        ctx.error("E021", classify.columns.front().loc,
                  "decision table for `" + target.text + "` has no column for `" + columns->subject + "` " +
                      quoted_list(missing),
                  "add the missing columns to `columns`");
      }
    }
  }

  std::map<std::string, SourceLoc> seen_rows;
  for (const DecisionRow& row : classify.rows) {
    const Name& value = row.row_value;
    auto [it, inserted] = seen_rows.emplace(value.text, value.loc);
    if (!inserted) {
      ctx.error("E011", value.loc, "duplicate row `" + value.text + "`",
                "first defined at " + position(it->second, value.loc));
    } else if (rows != nullptr && !rows->contains(value.text)) {
      ctx.error("E028", value.loc, "unknown row `" + value.text + "`: not a value of `" + rows->subject + "`",
                ctx.suggestion(value.text, rows->values, ctx.value_list(*rows)));
    }
    if ((columns != nullptr || !classify.columns.empty()) && row.cells.size() != column_count) {
      SourceLoc at = row.cells.size() > column_count ? row.cells[column_count].loc : value.loc;
      ctx.error("E028", at,
                "row `" + value.text + "` has " + std::to_string(row.cells.size()) +
                    (row.cells.size() == 1 ? " cell" : " cells") + ", but the table has " +
                    std::to_string(column_count) + (column_count == 1 ? " column" : " columns"),
                "give one result per column");
      continue;  // a row that lost its `:` or a line break: its cells are not results
    }
    if (result == nullptr) continue;
    for (const Name& cell : row.cells) {
      if (!result->contains(cell.text)) ctx.undefined_value(*result, cell);
    }
  }
  if (rows != nullptr) {
    std::vector<std::string> missing;
    for (const std::string& value : rows->values) {
      if (seen_rows.count(value) == 0) missing.push_back(value);
    }
    if (!missing.empty()) {
      ctx.error(
          "E021", target.loc,
          "decision table for `" + target.text + "` has no row for `" + rows->subject + "` " + quoted_list(missing),
          "add a row for each value: `" + missing.front() + ": ...`");
    }
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
