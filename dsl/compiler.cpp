#include "dsl/compiler.h"

#include <filesystem>

#include <algorithm>
#include <map>
#include <string_view>
#include <utility>

#include "engine/model/expr.h"
#include "engine/model/value.h"
#include "engine/model/workflow.h"

namespace docket::dsl {
namespace {

using engine::Attribute;
using engine::CompiledExpr;
using engine::ExprBuilder;
using engine::Fixed;
using engine::kNoIndex;
using engine::OpCode;
using engine::Value;
using engine::ValueType;

// The parser caps expressions at 1000 parts; this guards the recursion when a
// tree comes from elsewhere.
constexpr int kMaxExprDepth = 2048;

// ---------------------------------------------------------------- rendering

// Binding strength of each level of the grammar: or < and < not < comparison
// < sum < product < unary minus < primary.
enum Precedence { kOr = 1, kAnd, kNot, kCompare, kSum, kProduct, kNegate, kPrimary };

int precedence_of(BinaryOp op) {
  switch (op) {
    case BinaryOp::kOr:
      return kOr;
    case BinaryOp::kAnd:
      return kAnd;
    case BinaryOp::kAdd:
    case BinaryOp::kSub:
      return kSum;
    case BinaryOp::kMul:
    case BinaryOp::kDiv:
      return kProduct;
    default:
      return kCompare;
  }
}

int precedence_of(const Expr& e) {
  switch (e.kind) {
    case Expr::Kind::kUnary:
      return e.unary == UnaryOp::kNot ? kNot : kNegate;
    case Expr::Kind::kBinary:
      return precedence_of(e.binary);
    case Expr::Kind::kIn:
    case Expr::Kind::kIsSet:
      return kCompare;
    default:
      return kPrimary;
  }
}

std::string quote_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += c;
    }
  }
  return out + "\"";
}

// The expression as the rules would write it, with parentheses only where the
// grammar needs them.
std::string render(const ExprPtr& expr, int depth = 0);

std::string render_operand(const ExprPtr& operand, int needed, int depth) {
  std::string text = render(operand, depth + 1);
  if (operand && precedence_of(*operand) < needed) return "(" + text + ")";
  return text;
}

std::string render(const ExprPtr& expr, int depth) {
  if (!expr || depth > kMaxExprDepth) return "?";
  const Expr& e = *expr;
  auto operand = [&e](std::size_t i) { return i < e.operands.size() ? e.operands[i] : nullptr; };
  switch (e.kind) {
    case Expr::Kind::kNumber:
    case Expr::Kind::kPercent:
      if (!e.text.empty()) return e.text;
      return Fixed::from_double(e.number).value_or(Fixed()).to_string() + (e.kind == Expr::Kind::kPercent ? "%" : "");
    case Expr::Kind::kDuration:
      return e.text.empty() ? engine::format_duration(e.seconds) : e.text;
    case Expr::Kind::kString:
      return quote_string(e.text);
    case Expr::Kind::kBool:
      return e.boolean ? "true" : "false";
    case Expr::Kind::kName:
      return e.text;
    case Expr::Kind::kNow:
      return "now";
    case Expr::Kind::kUnary:
      if (e.unary == UnaryOp::kNot) {
        // `not (a in (x))` is written `a not in (x)`.
        ExprPtr inner = operand(0);
        if (inner && inner->kind == Expr::Kind::kIsSet) {  // `not (a is set)` is written `a is not set`
          return render_operand(inner->operands.empty() ? nullptr : inner->operands[0], kCompare + 1, depth + 1) +
                 " is not set";
        }
        if (inner && inner->kind == Expr::Kind::kIn) {
          std::string text = render(inner, depth + 1);
          std::string subject =
              render_operand(inner->operands.empty() ? nullptr : inner->operands[0], kCompare + 1, depth + 1);
          return subject + " not" + text.substr(subject.size());
        }
        return "not " + render_operand(inner, kNot, depth);
      }
      return "-" + render_operand(operand(0), kNegate, depth);
    case Expr::Kind::kBinary: {
      int level = precedence_of(e.binary);
      // Left-associative: the right operand needs a strictly stronger level;
      // comparisons do not chain, so both sides do.
      int left_needed = level == kCompare ? level + 1 : level;
      return render_operand(operand(0), left_needed, depth) + " " + to_string(e.binary) + " " +
             render_operand(operand(1), level + 1, depth);
    }
    case Expr::Kind::kIsSet:
      return render_operand(operand(0), kCompare + 1, depth) + " is set";
    case Expr::Kind::kIn: {
      std::string text = render_operand(operand(0), kCompare + 1, depth) + " in (";
      for (std::size_t i = 1; i < e.operands.size(); ++i) {
        if (i > 1) text += ", ";
        text += render(e.operands[i], depth + 1);
      }
      return text + ")";
    }
  }
  return "?";
}

// ---------------------------------------------------------------- types

// The static type of an expression: a value type and, for enum fields, the
// field whose values it takes.
struct Typed {
  ValueType type = ValueType::kUnset;
  std::uint32_t domain = 0;

  bool known() const { return type != ValueType::kUnset; }
  bool same_as(const Typed& other) const { return type == other.type && domain == other.domain; }
};

std::optional<ValueType> arithmetic_result(BinaryOp op, ValueType a, ValueType b) {
  using V = ValueType;
  auto is = [&](V x, V y) { return a == x && b == y; };
  switch (op) {
    case BinaryOp::kAdd:
      if (is(V::kNumber, V::kNumber) || is(V::kDuration, V::kDuration) || is(V::kText, V::kText)) {
        return a;
      }
      if (is(V::kTimestamp, V::kDuration) || is(V::kDuration, V::kTimestamp)) return V::kTimestamp;
      break;
    case BinaryOp::kSub:
      if (is(V::kNumber, V::kNumber) || is(V::kDuration, V::kDuration)) return a;
      if (is(V::kTimestamp, V::kDuration)) return V::kTimestamp;
      if (is(V::kTimestamp, V::kTimestamp)) return V::kDuration;
      break;
    case BinaryOp::kMul:
      if (is(V::kNumber, V::kNumber)) return a;
      if (is(V::kDuration, V::kNumber) || is(V::kNumber, V::kDuration)) return V::kDuration;
      break;
    case BinaryOp::kDiv:
      if (is(V::kNumber, V::kNumber)) return a;
      if (is(V::kDuration, V::kNumber)) return V::kDuration;
      if (is(V::kDuration, V::kDuration)) return V::kNumber;
      break;
    default:
      break;
  }
  return std::nullopt;
}

bool orderable(ValueType type) {
  return type == ValueType::kNumber || type == ValueType::kDuration || type == ValueType::kTimestamp ||
         type == ValueType::kText || engine::is_enumeration(type);
}

OpCode opcode_of(BinaryOp op) {
  switch (op) {
    case BinaryOp::kEq:
      return OpCode::kEqual;
    case BinaryOp::kNe:
      return OpCode::kNotEqual;
    case BinaryOp::kLt:
      return OpCode::kLess;
    case BinaryOp::kLe:
      return OpCode::kLessEqual;
    case BinaryOp::kGt:
      return OpCode::kGreater;
    case BinaryOp::kGe:
      return OpCode::kGreaterEqual;
    case BinaryOp::kAdd:
      return OpCode::kAdd;
    case BinaryOp::kSub:
      return OpCode::kSubtract;
    case BinaryOp::kMul:
      return OpCode::kMultiply;
    case BinaryOp::kDiv:
      return OpCode::kDivide;
    default:
      return OpCode::kEqual;  // and/or are jumps, never looked up here
  }
}

// The comparison with its operands swapped: a < b is b > a.
OpCode mirrored(OpCode op) {
  switch (op) {
    case OpCode::kLess:
      return OpCode::kGreater;
    case OpCode::kLessEqual:
      return OpCode::kGreaterEqual;
    case OpCode::kGreater:
      return OpCode::kLess;
    case OpCode::kGreaterEqual:
      return OpCode::kLessEqual;
    default:
      return op;
  }
}

std::string type_name(const Typed& typed) { return engine::to_string(typed.type); }

// ---------------------------------------------------------------- compiler

using NameTable = std::map<std::string, std::uint32_t, std::less<>>;

class Compiler {
 public:
  Compiler(const RuleFile& file, const SourceSet& sources, Diagnostics& diagnostics)
      : file_(file), sources_(sources), diagnostics_(diagnostics) {}

  std::shared_ptr<const engine::Workflow> run() {
    compile_header();
    declare_names();
    compile_fields();
    compile_notices();
    compile_calendars();
    compile_categories();
    compile_priorities();
    compile_classifications();
    compile_chains();
    compile_approvals();
    compile_constraints();
    compile_states();
    compile_report();
    if (failed_) return nullptr;

    // Paths relative to the main file's folder, so that the version does not
    // depend on the directory docket was started from.
    // Both sides normal first: `./rules/x.docket` must give the id of
    // `rules/x.docket`, which an auditor computes from the docs' recipe.
    std::vector<std::string> paths;
    std::filesystem::path main_dir = std::filesystem::path(sources_.path(0)).parent_path();
    std::filesystem::path relative_to = std::filesystem::path(sources_.path(0)).lexically_normal().parent_path();
    if (relative_to.empty()) relative_to = ".";
    for (std::uint32_t i = 0; i < sources_.size(); ++i) {
      std::filesystem::path path = std::filesystem::path(sources_.path(i)).lexically_normal();
      paths.push_back(path.lexically_relative(relative_to).generic_string());
    }
    std::vector<engine::SourceText> texts;
    for (std::uint32_t i = 0; i < sources_.size(); ++i) texts.push_back({paths[i], sources_.text(i)});
    def_.version_id = engine::compute_version_id(texts);
    for (std::uint32_t i = 0; i < sources_.size(); ++i) def_.sources.push_back({paths[i], sources_.text(i)});
    def_.source_root = main_dir.generic_string();

    engine::Workflow::BuildResult built = engine::Workflow::build(std::move(def_));
    if (!built.workflow) {
      error("E000", workflow_loc(), "internal error: compiled workflow is inconsistent: " + built.error);
      return nullptr;
    }
    return built.workflow;
  }

 private:
  // ------------------------------------------------------------ reporting

  void error(const char* code, const SourceLoc& loc, std::string message) {
    failed_ = true;
    diagnostics_.error(code, loc, std::move(message));
  }

  // Where reports about the whole workflow point: its declaration, else the
  // start of the first file.
  SourceLoc workflow_loc() const {
    if (file_.workflow && file_.workflow->loc.known()) return file_.workflow->loc;
    if (sources_.size() > 0) return SourceLoc{0, 1, 1};
    return SourceLoc{};
  }

  engine::RulePosition position(const SourceLoc& loc) const {
    engine::RulePosition position;
    position.line = loc.line;
    position.column = loc.column;
    std::string path = loc.known() && loc.file < sources_.size() ? sources_.path(loc.file) : std::string("<rules>");
    position.where = path + ":" + std::to_string(loc.line);
    return position;
  }

  // ------------------------------------------------------------ names

  // Registers `name` with the next index; a repeat is an error (the checker
  // reports it better, as E011).
  void declare(NameTable& table, const Name& name, std::uint32_t index, const char* kind) {
    auto [it, inserted] = table.emplace(name.text, index);
    if (!inserted) error("E011", name.loc, std::string("duplicate ") + kind + " `" + name.text + "`");
  }

  std::optional<std::uint32_t> lookup(const NameTable& table, std::string_view name) const {
    auto it = table.find(name);
    if (it == table.end()) return std::nullopt;
    return it->second;
  }

  // The index of `name` in `table`, or kNoIndex after reporting E010.
  std::uint32_t resolve(const NameTable& table, const Name& name, const char* kind) {
    if (auto index = lookup(table, name.text)) return *index;
    error("E010", name.loc, std::string("undefined ") + kind + " `" + name.text + "`");
    return kNoIndex;
  }

  engine::Duration duration(const Length& length) {
    engine::Duration out;
    out.seconds = length.seconds;
    out.workdays = length.workdays;
    out.calendar = optional_calendar(length.calendar);
    out.written = length.written;
    return out;
  }

  engine::FieldIndex optional_field(const Name& name) {
    if (name.empty()) return engine::kNoIndex;
    return resolve(fields_, name, "field");
  }

  // A calendar name, or kNoIndex for none (wall-clock time).
  std::uint32_t optional_calendar(const Name& name) {
    if (name.empty()) return kNoIndex;
    return resolve(calendars_, name, "calendar");
  }

  engine::RoleIndex role(const Name& name) {
    if (auto index = lookup(roles_, name.text)) return *index;
    error("E022", name.loc, "role `" + name.text + "` belongs to no department");
    return kNoIndex;
  }

  engine::EventId intern_event(const std::string& name) {
    auto [it, inserted] = events_.emplace(name, static_cast<engine::EventId>(def_.events.size()));
    if (inserted) def_.events.push_back(name);
    return it->second;
  }

  // Names only: the report reads journals, which write names.
  void compile_report() {
    if (!file_.report) return;
    const ReportDecl& decl = *file_.report;
    engine::ReportSettings& report = def_.report.emplace();
    report.acceptance_metric = decl.acceptance_metric.text;
    report.resolution_metric = decl.resolution_metric.text;
    for (const Name& state : decl.resolution_states) report.resolution_states.push_back(state.text);
    report.survey_field = decl.survey_field.text;
    report.declined_event = decl.declined_event.text;
    report.type_field = decl.type_field.text;
    report.position = position(decl.loc);
  }

  void compile_header() {
    if (!file_.workflow) {
      error("E015", workflow_loc(), "missing `workflow` declaration");
      return;
    }
    def_.name = file_.workflow->name.text;
    def_.label = file_.workflow->label;
    def_.version = file_.workflow->version;
    def_.position = position(file_.workflow->loc);
  }

  void declare_names() {
    for (const FieldDecl& field : file_.fields) {
      declare(fields_, field.name, static_cast<std::uint32_t>(def_.fields.size()), "field");
      engine::Field compiled;
      compiled.name = field.name.text;
      compiled.label = field.label;
      compiled.type = field_type(field.type);
      compiled.required = field.required;
      for (const Name& value : field.enum_values) compiled.enum_values.push_back(value.text);
      compiled.enum_labels = field.enum_labels;
      compiled.enum_labels.resize(compiled.enum_values.size());
      compiled.position = position(field.loc);
      def_.fields.push_back(std::move(compiled));
    }
    for (std::size_t i = 0; i < file_.notices.size(); ++i) {
      declare(notices_, file_.notices[i].name, static_cast<std::uint32_t>(i), "holidays");
    }
    for (std::size_t i = 0; i < file_.calendars.size(); ++i) {
      declare(calendars_, file_.calendars[i].name, static_cast<std::uint32_t>(i), "calendar");
    }
    for (const DepartmentDecl& department : file_.departments) {
      auto index = static_cast<engine::DepartmentIndex>(def_.departments.size());
      declare(departments_, department.name, index, "department");
      engine::Department compiled;
      compiled.name = department.name.text;
      compiled.label = department.label;
      compiled.position = position(department.loc);
      for (const Name& role_name : department.roles) {
        auto [it, inserted] = roles_.emplace(role_name.text, static_cast<engine::RoleIndex>(def_.roles.size()));
        if (inserted) def_.roles.push_back(engine::Role{role_name.text, {}, position(role_name.loc)});
        engine::Role& role = def_.roles[it->second];
        if (std::find(role.departments.begin(), role.departments.end(), index) == role.departments.end()) {
          role.departments.push_back(index);
          compiled.roles.push_back(it->second);
        }
      }
      def_.departments.push_back(std::move(compiled));
    }
    for (std::size_t i = 0; i < file_.categories.size(); ++i) {
      declare(categories_, file_.categories[i].name, static_cast<std::uint32_t>(i), "category");
    }
    for (std::size_t i = 0; i < file_.priorities.size(); ++i) {
      const PriorityDecl& priority = file_.priorities[i];
      declare(priorities_, priority.name, static_cast<std::uint32_t>(i), "priority");
      for (const TimeLimit& limit : priority.limits) {
        auto [it, inserted] =
            metrics_.emplace(limit.metric.text, static_cast<engine::MetricIndex>(def_.metrics.size()));
        if (inserted) def_.metrics.push_back(limit.metric.text);
      }
    }
    for (std::size_t i = 0; i < file_.chains.size(); ++i) {
      declare(chains_, file_.chains[i].name, static_cast<std::uint32_t>(i), "chain");
    }
    for (std::size_t i = 0; i < file_.states.size(); ++i) {
      declare(states_, file_.states[i].name, static_cast<std::uint32_t>(i), "state");
    }
    for (std::size_t i = 0; i < file_.classifications.size(); ++i) {
      declare(classifications_, file_.classifications[i].target, static_cast<std::uint32_t>(i), "classification of");
    }
  }

  static engine::FieldType field_type(FieldType type) {
    switch (type) {
      case FieldType::kText:
        return engine::FieldType::kText;
      case FieldType::kInt:
        return engine::FieldType::kInt;
      case FieldType::kDecimal:
        return engine::FieldType::kDecimal;
      case FieldType::kMoney:
        return engine::FieldType::kMoney;
      case FieldType::kBool:
        return engine::FieldType::kBool;
      case FieldType::kEnum:
        return engine::FieldType::kEnum;
      case FieldType::kDuration:
        return engine::FieldType::kDuration;
      case FieldType::kTimestamp:
        return engine::FieldType::kTimestamp;
    }
    return engine::FieldType::kText;
  }

  // ------------------------------------------------------------ expressions

  // The type of a field or built-in attribute named `name` (built-ins first,
  // as the checker resolves them), emitting its load into `out`.
  std::optional<Typed> load_named(const std::string& name, ExprBuilder& out) {
    if (auto attribute = engine::attribute_named(name)) {
      out.attribute(*attribute);
      return Typed{engine::value_type_of(*attribute), 0};
    }
    if (auto field = lookup(fields_, name)) {
      out.field(*field);
      return field_typed(*field);
    }
    return std::nullopt;
  }

  bool is_attribute_or_field(const std::string& name) const {
    return engine::attribute_named(name).has_value() || lookup(fields_, name).has_value();
  }

  // `angry == mood`, `1 == impact` (an enum field written as numbers).
  bool bare_value_on_left(const Expr& left, const Expr& right) const {
    if (left.kind == Expr::Kind::kName) return !is_attribute_or_field(left.text);
    if (left.kind != Expr::Kind::kNumber || right.kind != Expr::Kind::kName) return false;
    auto field = lookup(fields_, right.text);
    return field && !engine::attribute_named(right.text) && def_.fields[*field].type == engine::FieldType::kEnum;
  }

  // The value `name` stands for in the domain of `context` (an enum field's
  // value, a category, a priority, a state), if any.
  std::optional<Value> value_in_domain(const std::string& name, const Typed& context) const {
    switch (context.type) {
      case ValueType::kEnum: {
        if (context.domain >= def_.fields.size()) return std::nullopt;
        const std::vector<std::string>& values = def_.fields[context.domain].enum_values;
        auto it = std::find(values.begin(), values.end(), name);
        if (it == values.end()) return std::nullopt;
        return Value::enumerator(context.domain, static_cast<std::uint32_t>(it - values.begin()));
      }
      case ValueType::kCategory:
        if (auto index = lookup(categories_, name)) return Value::category(*index);
        return std::nullopt;
      case ValueType::kPriority:
        if (auto index = lookup(priorities_, name)) return Value::priority(*index);
        return std::nullopt;
      case ValueType::kState:
        if (auto index = lookup(states_, name)) return Value::state(*index);
        return std::nullopt;
      default:
        return std::nullopt;
    }
  }

  // Emits `e` into `out` and returns its type, or nullopt after reporting.
  // `context` is the type a bare name is resolved against (the other side of
  // a comparison, the field a value is stored into).
  // The recursion of expression trees goes emit -> emit_unary / emit_binary
  // / emit_in -> emit, so every level costs those frames: the work that
  // needs strings and temporaries (literals, names, messages) stays out of
  // line, and the frames on the path stay small even under sanitizers that
  // pad every local.
  std::optional<Typed> emit(const ExprPtr& expr, const Typed& context, ExprBuilder& out, int depth) {
    if (!expr || depth > kMaxExprDepth) return emit_trouble(expr);
    const Expr& e = *expr;
    switch (e.kind) {
      case Expr::Kind::kName:
        return emit_name(e, context, out);
      case Expr::Kind::kUnary:
        return emit_unary(e, out, depth);
      case Expr::Kind::kBinary:
        return emit_binary(e, out, depth);
      case Expr::Kind::kIn:
        return emit_in(e, out, depth);
      case Expr::Kind::kIsSet:
        return emit_is_set(e, out);
      case Expr::Kind::kNumber:
        if (context.type == ValueType::kEnum) return emit_enum_number(e, context, out);
        return emit_literal(expr, out);
      default:
        return emit_literal(expr, out);
    }
  }

  // `impact == 1`: a number written where a value of a numeric enum goes is
  // that value, as written.
  [[gnu::noinline]] std::optional<Typed> emit_enum_number(const Expr& e, const Typed& context, ExprBuilder& out) {
    if (std::optional<Value> value = value_in_domain(e.text, context)) {
      out.constant(*value);
      return context;
    }
    error("E010", e.loc, "undefined value `" + e.text + "`");
    return std::nullopt;
  }

  // `x is set`: whether the field or attribute has a value, never a failure.
  [[gnu::noinline]] std::optional<Typed> emit_is_set(const Expr& e, ExprBuilder& out) {
    const Expr* subject = e.operands.empty() ? nullptr : e.operands[0].get();
    if (subject == nullptr || subject->kind != Expr::Kind::kName) {
      error("E046", e.loc, "`is set` tests a field");
      return std::nullopt;
    }
    if (auto attribute = engine::attribute_named(subject->text)) {
      out.attribute_is_set(*attribute);
    } else if (auto field = lookup(fields_, subject->text)) {
      out.field_is_set(*field);
    } else {
      error("E010", subject->loc, "undefined field `" + subject->text + "`");
      return std::nullopt;
    }
    return Typed{ValueType::kBool, 0};
  }

  [[gnu::noinline]] std::optional<Typed> emit_trouble(const ExprPtr& expr) {
    if (!expr) {
      error("E001", workflow_loc(), "missing expression");
    } else {
      error("E004", expr->loc, "expression nested too deeply");
    }
    return std::nullopt;
  }

  [[gnu::noinline]] std::optional<Typed> emit_literal(const ExprPtr& expr, ExprBuilder& out) {
    const Expr& e = *expr;
    switch (e.kind) {
      case Expr::Kind::kNumber: {
        std::optional<Fixed> number = e.text.empty() ? Fixed::from_double(e.number) : Fixed::parse(e.text);
        if (!number) {
          error("E009", e.loc,
                "number `" + render(expr) + "` cannot be represented exactly (at most 4 decimal places)");
          return std::nullopt;
        }
        out.constant(Value::number(*number));
        return Typed{ValueType::kNumber, 0};
      }
      case Expr::Kind::kPercent: {
        std::string_view digits = e.text;
        if (!digits.empty() && digits.back() == '%') digits.remove_suffix(1);
        std::optional<Fixed> percent = digits.empty() ? Fixed::from_double(e.number) : Fixed::parse(digits);
        if (!percent || percent->raw() % 100 != 0) {
          error("E009", e.loc,
                "percentage `" + render(expr) + "` cannot be represented exactly (at most 2 decimal places)");
          return std::nullopt;
        }
        out.constant(Value::number(Fixed::from_raw(percent->raw() / 100)));
        return Typed{ValueType::kNumber, 0};
      }
      case Expr::Kind::kDuration:
        out.constant(Value::duration(e.seconds));
        return Typed{ValueType::kDuration, 0};
      case Expr::Kind::kString:
        out.constant(Value::text(e.text));
        return Typed{ValueType::kText, 0};
      case Expr::Kind::kBool:
        out.constant(Value::boolean(e.boolean));
        return Typed{ValueType::kBool, 0};
      case Expr::Kind::kNow:
        out.now();
        return Typed{ValueType::kTimestamp, 0};
      default:
        return std::nullopt;
    }
  }

  // A bare name: a value of the context's domain first (as in `mood ==
  // angry`), then a built-in attribute or field.
  [[gnu::noinline]] std::optional<Typed> emit_name(const Expr& e, const Typed& context, ExprBuilder& out) {
    if (engine::is_enumeration(context.type)) {
      if (std::optional<Value> value = value_in_domain(e.text, context)) {
        out.constant(*value);
        return context;
      }
    }
    if (std::optional<Typed> typed = load_named(e.text, out)) return typed;
    error("E010", e.loc, "undefined name `" + e.text + "`");
    return std::nullopt;
  }

  [[gnu::noinline]] std::optional<Typed> emit_unary(const Expr& e, ExprBuilder& out, int depth) {
    ExprPtr operand = e.operands.empty() ? nullptr : e.operands[0];
    std::optional<Typed> typed = emit(operand, {}, out, depth + 1);
    if (!typed) return std::nullopt;
    if (e.unary == UnaryOp::kNot) {
      if (typed->type != ValueType::kBool) {
        return type_error(e, "`not` needs a condition (bool), got " + type_name(*typed));
      }
      out.op(OpCode::kNot);
      return typed;
    }
    if (typed->type != ValueType::kNumber && typed->type != ValueType::kDuration) {
      return type_error(e, "cannot negate " + type_name(*typed));
    }
    out.op(OpCode::kNegate);
    return typed;
  }

  std::optional<Typed> type_error(const Expr& e, std::string message) {
    error("E012", e.loc, std::move(message));
    return std::nullopt;
  }

  enum class Mismatch { kLogic, kArithmetic, kCompare, kOrder };

  // The messages of emit_binary, out of line (see emit).
  [[gnu::noinline]] std::optional<Typed> binary_mismatch(const Expr& e, Mismatch kind, const Typed& a, const Typed& b) {
    std::string op = to_string(e.binary);
    switch (kind) {
      case Mismatch::kLogic:
        return type_error(e, "`" + op + "` needs conditions (bool), got " + type_name(a) + " and " + type_name(b));
      case Mismatch::kArithmetic:
        return type_error(e, "cannot apply `" + op + "` to " + type_name(a) + " and " + type_name(b));
      case Mismatch::kCompare:
        return type_error(e, "cannot compare " + type_name(a) + " with " + type_name(b));
      case Mismatch::kOrder:
        return type_error(e, "`" + op + "` cannot order " + type_name(a) + " values");
    }
    return std::nullopt;
  }

  [[gnu::noinline]] std::optional<Typed> emit_binary(const Expr& e, ExprBuilder& out, int depth) {
    if (e.operands.size() != 2) {
      error("E001", e.loc, "malformed expression");
      return std::nullopt;
    }
    const ExprPtr& left = e.operands[0];
    const ExprPtr& right = e.operands[1];
    if (e.binary == BinaryOp::kAnd || e.binary == BinaryOp::kOr) {
      std::optional<Typed> a = emit(left, {}, out, depth + 1);
      if (!a) return std::nullopt;
      std::size_t jump = e.binary == BinaryOp::kAnd ? out.begin_and() : out.begin_or();
      std::optional<Typed> b = emit(right, {}, out, depth + 1);
      if (!b) return std::nullopt;
      out.end_jump(jump);
      if (a->type != ValueType::kBool || b->type != ValueType::kBool) {
        return binary_mismatch(e, Mismatch::kLogic, *a, *b);
      }
      return Typed{ValueType::kBool, 0};
    }
    OpCode op = opcode_of(e.binary);
    if (precedence_of(e.binary) != kCompare) {
      std::optional<Typed> a = emit(left, {}, out, depth + 1);
      if (!a) return std::nullopt;
      std::optional<Typed> b = emit(right, {}, out, depth + 1);
      if (!b) return std::nullopt;
      std::optional<ValueType> result = arithmetic_result(e.binary, a->type, b->type);
      if (!result) {
        return binary_mismatch(e, Mismatch::kArithmetic, *a, *b);
      }
      out.op(op);
      return Typed{*result, 0};
    }

    // A comparison. A bare value on the left (`angry == mood`, `1 == impact`)
    // takes its meaning from the right: emit the right first and mirror the
    // operator.
    std::optional<Typed> a, b;
    if (left && right && bare_value_on_left(*left, *right)) {
      b = emit(right, {}, out, depth + 1);
      if (!b) return std::nullopt;
      a = emit(left, *b, out, depth + 1);
      op = mirrored(op);
    } else {
      a = emit(left, {}, out, depth + 1);
      if (!a) return std::nullopt;
      b = emit(right, *a, out, depth + 1);
    }
    if (!a || !b) return std::nullopt;
    if (!a->same_as(*b)) {
      return binary_mismatch(e, Mismatch::kCompare, *a, *b);
    }
    bool ordering = op != OpCode::kEqual && op != OpCode::kNotEqual;
    if (ordering && !orderable(a->type)) {
      return binary_mismatch(e, Mismatch::kOrder, *a, *b);
    }
    out.op(op);
    return Typed{ValueType::kBool, 0};
  }

  [[gnu::noinline]] std::optional<Typed> emit_in(const Expr& e, ExprBuilder& out, int depth) {
    if (e.operands.size() < 2) {
      error("E001", e.loc, "malformed `in`");
      return std::nullopt;
    }
    std::optional<Typed> subject = emit(e.operands[0], {}, out, depth + 1);
    if (!subject) return std::nullopt;
    for (std::size_t i = 1; i < e.operands.size(); ++i) {
      std::optional<Typed> member = emit(e.operands[i], *subject, out, depth + 1);
      if (!member) return std::nullopt;
      if (!member->same_as(*subject)) {
        return type_error(*e.operands[i],
                          "cannot compare " + type_name(*subject) + " with " + type_name(*member) + " in `in`");
      }
    }
    out.in(static_cast<std::uint32_t>(e.operands.size() - 1));
    return Typed{ValueType::kBool, 0};
  }

  // Compiles an expression whose type must match `expected` (kUnset: any).
  std::optional<CompiledExpr> compile_expr(const ExprPtr& expr, const Typed& context, ValueType expected,
                                           const char* what) {
    ExprBuilder builder;
    std::optional<Typed> typed = emit(expr, context, builder, 0);
    if (!typed) return std::nullopt;
    if (expected != ValueType::kUnset && typed->type != expected) {
      error("E012", expr->loc,
            std::string(what) + " must be " + engine::to_string(expected) + ", not " + type_name(*typed));
      return std::nullopt;
    }
    CompiledExpr compiled = std::move(builder).finish(typed->type, render(expr));
    if (compiled.empty()) {
      error("E000", expr->loc, "internal error: could not compile `" + render(expr) + "`");
      return std::nullopt;
    }
    return compiled;
  }

  std::optional<CompiledExpr> condition(const ExprPtr& expr, const char* what) {
    return compile_expr(expr, {}, ValueType::kBool, what);
  }

  // An optional `when` clause: absent stays absent.
  std::optional<CompiledExpr> optional_condition(const ExprPtr& expr, const char* what) {
    if (!expr) return std::nullopt;
    return condition(expr, what);
  }

  // A value stored into something of type `target` (a field, the priority).
  std::optional<CompiledExpr> stored_value(const ExprPtr& expr, const Typed& target, const std::string& target_name) {
    ExprBuilder builder;
    std::optional<Typed> typed = emit(expr, target, builder, 0);
    if (!typed) return std::nullopt;
    if (!typed->same_as(target)) {
      error("E012", expr->loc,
            "`" + target_name + "` holds " + type_name(target) + ", but the value is " + type_name(*typed));
      return std::nullopt;
    }
    CompiledExpr compiled = std::move(builder).finish(typed->type, render(expr));
    if (compiled.empty()) {
      error("E000", expr->loc, "internal error: could not compile `" + render(expr) + "`");
      return std::nullopt;
    }
    return compiled;
  }

  // ------------------------------------------------------------ declarations

  // Only enum fields have a domain: their values are theirs alone.
  Typed field_typed(engine::FieldIndex index) const {
    ValueType type = engine::value_type_of(def_.fields[index].type);
    return Typed{type, type == ValueType::kEnum ? index : 0};
  }

  // A range bound: a constant of the field's type.
  std::optional<Value> constant_bound(const ExprPtr& expr, engine::FieldIndex field) {
    std::optional<CompiledExpr> compiled = stored_value(expr, field_typed(field), def_.fields[field].name);
    if (!compiled) return std::nullopt;
    if (!compiled->is_constant()) {
      error("E012", expr->loc, "a range bound must be a constant");
      return std::nullopt;
    }
    engine::EvalResult result = engine::evaluate(*compiled, {}, 0);
    if (!result.ok()) {
      error("E013", expr->loc,
            std::string("range bound cannot be computed: ") + engine::to_string(result.failure().error));
      return std::nullopt;
    }
    return result.value();
  }

  void compile_fields() {
    for (std::size_t i = 0; i < file_.fields.size(); ++i) {
      const FieldDecl& decl = file_.fields[i];
      auto index = static_cast<engine::FieldIndex>(i);
      engine::Field& field = def_.fields[index];
      if (decl.type == FieldType::kEnum && decl.enum_values.empty()) {
        error("E001", decl.type_loc, "enum field `" + decl.name.text + "` has no values");
      }
      if (decl.default_value) {
        field.default_value = stored_value(decl.default_value, field_typed(index), field.name);
      }
      if (decl.range_min && decl.range_max) {
        field.range_min = constant_bound(decl.range_min, index);
        field.range_max = constant_bound(decl.range_max, index);
        if (!field.range_min || !field.range_max) {
          field.range_min.reset();
          field.range_max.reset();
        }
      }
    }
  }

  static engine::CivilDate civil(const Date& date) { return engine::CivilDate{date.year, date.month, date.day}; }

  void compile_calendars() {
    for (const CalendarDecl& decl : file_.calendars) {
      engine::Calendar calendar;
      calendar.name = decl.name.text;
      calendar.label = decl.label;
      calendar.zone = decl.zone;
      calendar.position = position(decl.loc);
      for (const WorkingHours& hours : decl.hours) {
        for (std::size_t day = 0; day < 7; ++day) {
          if (!hours.weekdays[day]) continue;
          for (const TimeSpan& span : hours.spans) {
            if (span.start_minute < 0 || span.start_minute >= span.end_minute || span.end_minute > 1440) {
              error("E014", span.loc, "working hours must run forwards within 00:00-24:00");
              continue;
            }
            calendar.weekly[day].push_back({span.start_minute, span.end_minute});
          }
        }
      }
      for (auto& day : calendar.weekly) {
        std::sort(day.begin(), day.end(), [](const engine::MinuteSpan& a, const engine::MinuteSpan& b) {
          return a.start_minute < b.start_minute;
        });
      }
      for (const DateRange& range : decl.holidays) {
        calendar.holidays.push_back({civil(range.first), civil(range.last), ""});
      }
      for (const DateRange& range : decl.workdays) {
        calendar.workdays.push_back({civil(range.first), civil(range.last), ""});
      }
      for (const Name& name : decl.notices) {
        std::uint32_t index = resolve(notices_, name, "holidays");
        if (index >= def_.notices.size()) continue;
        const engine::HolidayNotice& notice = def_.notices[index];
        calendar.holidays.insert(calendar.holidays.end(), notice.holidays.begin(), notice.holidays.end());
        calendar.workdays.insert(calendar.workdays.end(), notice.workdays.begin(), notice.workdays.end());
      }
      for (const DatedHours& hours : decl.dated_hours) {
        for (const DateRange& range : hours.dates) {
          engine::DatedHours compiled;
          compiled.dates = {civil(range.first), civil(range.last), ""};
          for (const TimeSpan& span : hours.spans) compiled.spans.push_back({span.start_minute, span.end_minute});
          std::sort(
              compiled.spans.begin(), compiled.spans.end(),
              [](const engine::MinuteSpan& a, const engine::MinuteSpan& b) { return a.start_minute < b.start_minute; });
          calendar.dated_hours.push_back(std::move(compiled));
        }
      }
      def_.calendars.push_back(std::move(calendar));
    }
  }

  void compile_notices() {
    for (const NoticeDecl& decl : file_.notices) {
      engine::HolidayNotice notice;
      notice.name = decl.name.text;
      notice.label = decl.label;
      notice.source = decl.source;
      notice.position = position(decl.loc);
      for (const DateRange& range : decl.holidays) {
        notice.holidays.push_back({civil(range.first), civil(range.last), decl.name.text});
      }
      for (const DateRange& range : decl.workdays) {
        notice.workdays.push_back({civil(range.first), civil(range.last), decl.name.text});
      }
      def_.notices.push_back(std::move(notice));
    }
  }

  void compile_categories() {
    for (const CategoryDecl& decl : file_.categories) {
      engine::Category category;
      category.name = decl.name.text;
      category.label = decl.label;
      category.position = position(decl.loc);
      for (const Route& route : decl.routes) {
        engine::Route compiled;
        compiled.department = resolve(departments_, route.department, "department");
        compiled.condition = optional_condition(route.condition, "route condition");
        compiled.position = position(route.loc);
        category.routes.push_back(std::move(compiled));
      }
      if (!decl.owner.empty()) category.owner = role(decl.owner);
      def_.categories.push_back(std::move(category));
    }
  }

  void compile_priorities() {
    for (const PriorityDecl& decl : file_.priorities) {
      engine::Priority priority;
      priority.name = decl.name.text;
      priority.label = decl.label;
      priority.position = position(decl.loc);
      for (const TimeLimit& limit : decl.limits) {
        engine::TimeLimit compiled;
        compiled.metric = resolve(metrics_, limit.metric, "metric");
        compiled.length = duration(limit.length);
        compiled.from_field = optional_field(limit.from_field);
        compiled.position = position(limit.loc);
        for (const ExtensionRule& rule : decl.extension_rules) {
          if (rule.metric.text != limit.metric.text) continue;
          if (rule.max_times) compiled.max_extensions = *rule.max_times;
          if (!rule.up_to.empty()) compiled.extended_up_to = duration(rule.up_to);
        }
        priority.limits.push_back(std::move(compiled));
      }
      for (const Threshold& warning : decl.warnings) {
        priority.warnings.push_back(engine::Warning{
            warning.percent, optional_condition(warning.condition, "warning condition"), position(warning.loc)});
      }
      for (const Escalation& escalation : decl.escalations) {
        engine::Escalation compiled;
        compiled.percent = escalation.percent;
        compiled.metric = resolve(metrics_, escalation.metric, "metric");
        compiled.condition = optional_condition(escalation.condition, "escalation condition");
        compiled.actions = actions(escalation.actions);
        compiled.position = position(escalation.loc);
        priority.escalations.push_back(std::move(compiled));
      }
      def_.priorities.push_back(std::move(priority));
    }
  }

  // The kind and domain of what a classification (or a table axis) names.
  struct EnumLike {
    Typed type;
    bool is_attribute = false;
    std::uint32_t index = kNoIndex;  // FieldIndex or Attribute
    std::uint32_t size = 0;          // number of values
  };

  std::optional<EnumLike> enum_like(const Name& name) {
    if (auto attribute = engine::attribute_named(name.text)) {
      ValueType type = engine::value_type_of(*attribute);
      std::uint32_t size = 0;
      if (type == ValueType::kCategory) size = static_cast<std::uint32_t>(def_.categories.size());
      if (type == ValueType::kPriority) size = static_cast<std::uint32_t>(def_.priorities.size());
      if (type == ValueType::kState) size = static_cast<std::uint32_t>(file_.states.size());
      if (!engine::is_enumeration(type)) {
        error("E012", name.loc, "`" + name.text + "` is not an enum");
        return std::nullopt;
      }
      return EnumLike{{type, 0}, true, static_cast<std::uint32_t>(*attribute), size};
    }
    if (auto field = lookup(fields_, name.text)) {
      if (def_.fields[*field].type != engine::FieldType::kEnum) {
        error("E028", name.loc, "`" + name.text + "` is not an enum, bool or int field");
        return std::nullopt;
      }
      return EnumLike{{ValueType::kEnum, *field},
                      false,
                      *field,
                      static_cast<std::uint32_t>(def_.fields[*field].enum_values.size())};
    }
    error("E010", name.loc, "undefined field `" + name.text + "`");
    return std::nullopt;
  }

  // The ordinal of `name` among the values of `domain`, or kNoIndex after
  // reporting.
  std::uint32_t ordinal_in(const Name& name, const Typed& domain) {
    if (std::optional<Value> value = value_in_domain(name.text, domain)) return value->ordinal();
    error("E010", name.loc, "undefined value `" + name.text + "`");
    return kNoIndex;
  }

  void compile_classifications() {
    for (const ClassifyDecl& decl : file_.classifications) {
      engine::Classification classification;
      classification.target_name = decl.target.text;
      classification.position = position(decl.loc);
      std::optional<EnumLike> target = enum_like(decl.target);
      if (!target) continue;
      if (target->type.type == ValueType::kState) {
        error("E012", decl.target.loc, "cannot classify `state`");
        continue;
      }
      classification.target = target->type.type == ValueType::kPriority   ? engine::ClassifyTarget::kPriority
                              : target->type.type == ValueType::kCategory ? engine::ClassifyTarget::kCategory
                                                                          : engine::ClassifyTarget::kField;
      if (classification.target == engine::ClassifyTarget::kField) classification.field = target->index;

      if (decl.is_table()) {
        compile_table(decl, target->type, classification);
      } else {
        for (const ClassifyRule& rule : decl.rules) {
          engine::ClassifyRule compiled;
          compiled.result = ordinal_in(rule.result, target->type);
          compiled.condition = optional_condition(rule.condition, "classification condition");
          compiled.position = position(rule.loc);
          classification.rules.push_back(std::move(compiled));
        }
      }
      def_.classifications.push_back(std::move(classification));
    }
  }

  // One axis of a decision table and the position of each value written
  // along it (the rows in the order written, or the `columns` line).
  struct AxisPlan {
    engine::TableAxis axis;
    std::uint32_t size = 0;
    std::vector<std::uint32_t> positions;  // kNoIndex: reported
  };

  // `listed` is false for columns without a `columns` line: an enum's values
  // in their order.
  std::optional<AxisPlan> table_axis(const Name& name, const std::vector<Name>& keys, bool listed) {
    std::optional<std::uint32_t> field = engine::attribute_named(name.text) ? std::nullopt : lookup(fields_, name.text);
    engine::FieldType type = field ? def_.fields[*field].type : engine::FieldType::kEnum;
    if (type == engine::FieldType::kBool || type == engine::FieldType::kInt) {
      if (!listed) {
        error("E028", name.loc, "the columns of `" + name.text + "` must be listed with `columns`");
        return std::nullopt;
      }
      AxisPlan plan{{false, *field, {}}, 0, {}};
      for (const Name& key : keys) {
        plan.positions.push_back(type == engine::FieldType::kBool ? bool_position(key)
                                                                  : int_position(key, plan.axis.numbers));
      }
      plan.size = type == engine::FieldType::kBool ? 2 : static_cast<std::uint32_t>(plan.axis.numbers.size());
      return plan;
    }
    std::optional<EnumLike> values = enum_like(name);
    if (!values) return std::nullopt;
    AxisPlan plan{{values->is_attribute, values->index, {}}, values->size, {}};
    if (!listed) {
      for (std::uint32_t c = 0; c < values->size; ++c) plan.positions.push_back(c);
    } else {
      for (const Name& key : keys) plan.positions.push_back(ordinal_in(key, values->type));
    }
    return plan;
  }

  std::uint32_t bool_position(const Name& key) {
    if (key.text == "false" || key.text == "true") return key.text == "true" ? 1 : 0;
    error("E028", key.loc, "`" + key.text + "` is not `true` or `false`");
    return kNoIndex;
  }

  // The position of whole number `key` among `numbers`, which it joins when
  // it is new.
  std::uint32_t int_position(const Name& key, std::vector<Fixed>& numbers) {
    std::optional<Fixed> number = Fixed::parse(key.text);
    if (!number || number->raw() % Fixed::kScale != 0) {
      error("E028", key.loc, "`" + key.text + "` is not a whole number");
      return kNoIndex;
    }
    auto found = std::find(numbers.begin(), numbers.end(), *number);
    if (found != numbers.end()) return static_cast<std::uint32_t>(found - numbers.begin());
    numbers.push_back(*number);
    return static_cast<std::uint32_t>(numbers.size() - 1);
  }

  void compile_table(const ClassifyDecl& decl, const Typed& result, engine::Classification& classification) {
    std::vector<Name> row_keys;
    for (const DecisionRow& row : decl.rows) row_keys.push_back(row.row_value);
    std::optional<AxisPlan> rows = table_axis(decl.row_field, row_keys, true);
    std::optional<AxisPlan> columns = table_axis(decl.column_field, decl.columns, !decl.columns.empty());
    if (!rows || !columns) return;
    classification.row = rows->axis;
    classification.column = columns->axis;
    classification.row_count = rows->size;
    classification.column_count = columns->size;
    classification.table.assign(std::size_t{rows->size} * columns->size, kNoIndex);

    const std::vector<std::uint32_t>& column_order = columns->positions;
    for (std::size_t i = 0; i < decl.rows.size(); ++i) {
      const DecisionRow& row = decl.rows[i];
      std::uint32_t r = rows->positions[i];
      if (row.cells.size() != column_order.size()) {
        error("E028", row.loc,
              "row `" + row.row_value.text + "` has " + std::to_string(row.cells.size()) + " cells for " +
                  std::to_string(column_order.size()) + " columns");
        continue;
      }
      for (std::size_t k = 0; k < row.cells.size(); ++k) {
        std::uint32_t cell = ordinal_in(row.cells[k], result);
        std::uint32_t c = column_order[k];
        if (r == kNoIndex || c == kNoIndex) continue;
        std::uint32_t& slot = classification.table[std::size_t{r} * columns->size + c];
        if (slot == kNoIndex) slot = cell;  // the first row written for a value wins
      }
    }
  }

  std::vector<engine::RoleIndex> role_list(const std::vector<Name>& names) {
    std::vector<engine::RoleIndex> roles;
    roles.reserve(names.size());
    for (const Name& name : names) roles.push_back(role(name));
    return roles;
  }

  void compile_chains() {
    for (const ChainDecl& decl : file_.chains) {
      engine::Chain chain;
      chain.name = decl.name.text;
      chain.label = decl.label;
      chain.position = position(decl.loc);
      for (const ApprovalLevel& level : decl.levels) {
        engine::ApprovalLevel compiled;
        compiled.name = level.name.text;
        compiled.quorum = level.quorum == Quorum::kAny   ? engine::Quorum::kAny
                          : level.quorum == Quorum::kAll ? engine::Quorum::kAll
                                                         : engine::Quorum::kCount;
        compiled.count = level.count;
        compiled.roles = role_list(level.roles);
        for (const Name& excluded : level.excluded) {
          compiled.excludes_participants = compiled.excludes_participants || excluded.text == "participants";
          compiled.excludes_assignee = compiled.excludes_assignee || excluded.text == "assignee";
        }
        compiled.within = duration(level.within);
        compiled.on_timeout = actions(level.on_timeout);
        compiled.position = position(level.loc);
        chain.levels.push_back(std::move(compiled));
      }
      def_.chains.push_back(std::move(chain));
    }
  }

  // What an `approval` rule names: a chain, a role (made into a one-level
  // chain), or `none` (kNoIndex).
  engine::ChainIndex approval_chain(const Name& name) {
    if (name.empty() || (name.text == "none" && !lookup(chains_, "none"))) return kNoIndex;
    if (auto chain = lookup(chains_, name.text)) return *chain;
    auto role_index = lookup(roles_, name.text);
    if (!role_index) {
      error("E010", name.loc, "undefined chain or role `" + name.text + "`");
      return kNoIndex;
    }
    auto [it, inserted] = implicit_chains_.emplace(*role_index, static_cast<engine::ChainIndex>(def_.chains.size()));
    if (inserted) {
      engine::ApprovalLevel level;
      level.name = name.text;
      level.quorum = engine::Quorum::kAny;
      level.roles = {*role_index};
      level.position = position(name.loc);
      engine::Chain chain;
      chain.name = name.text;
      chain.levels.push_back(std::move(level));
      chain.implicit = true;
      chain.position = position(name.loc);
      def_.chains.push_back(std::move(chain));
    }
    return it->second;
  }

  void compile_approvals() {
    for (const ApprovalChoice& decl : file_.approvals) {
      engine::ApprovalChoice choice;
      if (!decl.priority.empty()) choice.priority = resolve(priorities_, decl.priority, "priority");
      choice.condition = optional_condition(decl.condition, "approval condition");
      choice.chain = approval_chain(decl.chain);
      choice.position = position(decl.loc);
      def_.approvals.push_back(std::move(choice));
    }
  }

  void compile_constraints() {
    for (const Constraint& decl : file_.constraints) {
      std::optional<CompiledExpr> condition_expr = condition(decl.condition, "requirement");
      if (!condition_expr) continue;
      engine::Constraint constraint;
      constraint.condition = std::move(*condition_expr);
      constraint.when = optional_condition(decl.when, "`when` condition");
      constraint.message = decl.message;
      constraint.position = position(decl.loc);
      def_.constraints.push_back(std::move(constraint));
    }
  }

  // ------------------------------------------------------------ actions

  std::vector<engine::Action> actions(const std::vector<Action>& decls) {
    std::vector<engine::Action> compiled;
    for (const Action& decl : decls) {
      engine::Action action;
      action.position = position(decl.loc);
      switch (decl.kind) {
        case ActionKind::kSet:
          compile_set(decl, action);
          break;
        case ActionKind::kAssign:
          action.kind = engine::ActionKind::kAssign;
          action.target = resolve(departments_, decl.target, "department");
          if (!decl.role.empty()) action.role = department_role(action.target, decl.role);
          break;
        case ActionKind::kNotify:
          compile_notify(decl, action);
          break;
        case ActionKind::kEscalate:
          action.kind = engine::ActionKind::kEscalate;
          action.role = role(decl.target);
          break;
        case ActionKind::kRaisePriority:
          action.kind = engine::ActionKind::kRaisePriority;
          break;
        case ActionKind::kEmit:
          action.kind = engine::ActionKind::kEmit;
          action.target = intern_event(decl.target.text);
          break;
        case ActionKind::kRoute:
          action.kind = engine::ActionKind::kRoute;
          break;
        case ActionKind::kClassify:
          action.kind = engine::ActionKind::kClassify;
          action.target = resolve(classifications_, decl.target, "classification of");
          break;
        case ActionKind::kStartClock:
        case ActionKind::kStopClock:
        case ActionKind::kPauseClock:
        case ActionKind::kResumeClock:
          action.kind = decl.kind == ActionKind::kStartClock   ? engine::ActionKind::kStartClock
                        : decl.kind == ActionKind::kStopClock  ? engine::ActionKind::kStopClock
                        : decl.kind == ActionKind::kPauseClock ? engine::ActionKind::kPauseClock
                                                               : engine::ActionKind::kResumeClock;
          action.target = resolve(metrics_, decl.target, "metric");
          action.from_field = optional_field(decl.from_field);
          break;
        case ActionKind::kExtendClock:
          action.kind = engine::ActionKind::kExtendClock;
          action.target = resolve(metrics_, decl.target, "metric");
          action.length = duration(decl.length);
          action.text = decl.text;
          break;
      }
      compiled.push_back(std::move(action));
    }
    return compiled;
  }

  void compile_set(const Action& decl, engine::Action& action) {
    const std::string& target = decl.target.text;
    if (target == "priority" || target == "category") {
      bool priority = target == "priority";
      action.kind = priority ? engine::ActionKind::kSetPriority : engine::ActionKind::kSetCategory;
      Typed type{priority ? ValueType::kPriority : ValueType::kCategory, 0};
      action.value = stored_value(decl.value, type, target);
      return;
    }
    action.kind = engine::ActionKind::kSet;
    if (engine::attribute_named(target)) {
      error("E012", decl.target.loc, "cannot set built-in attribute `" + target + "`");
      return;
    }
    action.target = resolve(fields_, decl.target, "field");
    if (action.target == kNoIndex) return;
    action.value = stored_value(decl.value, field_typed(action.target), target);
  }

  // `assign dept.role`: the role must be one of the department's.
  engine::RoleIndex department_role(engine::DepartmentIndex department, const Name& name) {
    engine::RoleIndex index = role(name);
    if (index == kNoIndex || department == kNoIndex) return index;
    const std::vector<engine::RoleIndex>& roles = def_.departments[department].roles;
    if (std::find(roles.begin(), roles.end(), index) == roles.end()) {
      error("E022", name.loc, "department `" + def_.departments[department].name + "` has no role `" + name.text + "`");
    }
    return index;
  }

  void compile_notify(const Action& decl, engine::Action& action) {
    action.kind = engine::ActionKind::kNotify;
    action.text = decl.text;
    const std::string& recipient = decl.target.text;
    if (recipient == "customer") {
      action.recipient = engine::Recipient::kCustomer;
    } else if (recipient == "requester") {
      action.recipient = engine::Recipient::kRequester;
    } else if (recipient == "assignee") {
      action.recipient = engine::Recipient::kAssignee;
    } else {
      action.recipient = engine::Recipient::kRole;
      action.role = role(decl.target);
    }
  }

  // ------------------------------------------------------------ states

  void compile_states() {
    std::vector<const GroupDecl*> groups = compile_groups();
    // By state, the groups that take it in, in the order written.
    std::vector<std::vector<engine::GroupIndex>> groups_of(file_.states.size());
    for (engine::GroupIndex g = 0; g < def_.groups.size(); ++g) {
      for (engine::StateIndex s : def_.groups[g].states) groups_of[s].push_back(g);
    }
    std::size_t initial_count = 0;
    for (std::size_t s = 0; s < file_.states.size(); ++s) {
      const StateDecl& decl = file_.states[s];
      auto from = static_cast<engine::StateIndex>(s);
      const std::vector<engine::GroupIndex>& mine = groups_of[s];
      engine::State state;
      state.name = decl.name.text;
      state.label = decl.label;
      state.kind = decl.initial ? engine::StateKind::kInitial
                   : decl.final ? engine::StateKind::kFinal
                                : engine::StateKind::kNormal;
      if (decl.initial) ++initial_count;
      state.awaits_approval = decl.awaits_approval;
      for (const Name& metric : decl.paused_clocks) {
        state.paused_clocks.push_back(resolve(metrics_, metric, "metric"));
      }
      state.on_enter = actions(decl.on_enter);
      state.on_exit = actions(decl.on_exit);
      for (engine::GroupIndex g : mine) take_in(state, def_.groups[g]);
      state.position = position(decl.loc);
      def_.states.push_back(std::move(state));

      for (const Transition& transition : decl.transitions) compile_transition(from, transition, kNoIndex);
      for (engine::GroupIndex g : mine) {
        for (const Transition& transition : groups[g]->transitions) compile_transition(from, transition, g);
      }
      for (const Timer& timer : decl.timers) compile_timer(from, timer, kNoIndex);
      for (engine::GroupIndex g : mine) {
        for (const Timer& timer : groups[g]->timers) compile_timer(from, timer, g);
      }
    }
    if (initial_count != 1) {
      error("E016", workflow_loc(), initial_count == 0 ? "no initial state" : "more than one initial state");
    }
  }

  // The groups as written, their states resolved; returns their declarations
  // by GroupIndex.
  std::vector<const GroupDecl*> compile_groups() {
    std::vector<const GroupDecl*> decls;
    NameTable names;
    for (const GroupDecl& decl : file_.groups) {
      declare(names, decl.name, static_cast<std::uint32_t>(def_.groups.size()), "group");
      engine::StateGroup group;
      group.name = decl.name.text;
      group.label = decl.label;
      group.every_state = decl.every_state;
      if (decl.every_state) {
        for (std::size_t s = 0; s < file_.states.size(); ++s) {
          group.states.push_back(static_cast<engine::StateIndex>(s));
        }
      }
      for (const Name& state : decl.states) {
        engine::StateIndex s = resolve(states_, state, "state");
        if (s != kNoIndex) group.states.push_back(s);
      }
      std::sort(group.states.begin(), group.states.end());
      group.states.erase(std::unique(group.states.begin(), group.states.end()), group.states.end());
      for (const Name& metric : decl.paused_clocks) group.paused_clocks.push_back(resolve(metrics_, metric, "metric"));
      group.on_enter = actions(decl.on_enter);
      group.on_exit = actions(decl.on_exit);
      group.position = position(decl.loc);
      def_.groups.push_back(std::move(group));
      decls.push_back(&decl);
    }
    return decls;
  }

  // What a group adds to a state it takes in: clocks paused (once), entry and
  // exit actions after the state's own.
  static void take_in(engine::State& state, const engine::StateGroup& group) {
    for (engine::MetricIndex metric : group.paused_clocks) {
      if (std::find(state.paused_clocks.begin(), state.paused_clocks.end(), metric) == state.paused_clocks.end()) {
        state.paused_clocks.push_back(metric);
      }
    }
    state.on_enter.insert(state.on_enter.end(), group.on_enter.begin(), group.on_enter.end());
    state.on_exit.insert(state.on_exit.end(), group.on_exit.begin(), group.on_exit.end());
  }

  void compile_transition(engine::StateIndex from, const Transition& decl, engine::GroupIndex group) {
    engine::Transition transition;
    transition.from = from;
    transition.group = group;
    if (decl.automatic || !decl.stays()) transition.to = resolve(states_, decl.target, "state");
    if (!decl.automatic) {
      if (decl.event.empty()) {
        error("E001", decl.loc, "transition without an event");
      } else {
        transition.event = intern_event(decl.event.text);
      }
    }
    transition.guard = optional_condition(decl.guard, "guard");
    transition.roles = role_list(decl.roles);
    transition.proposes = decl.proposer_loc.known();
    transition.by_owner = decl.by_owner;
    transition.actions = actions(decl.actions);
    transition.position = position(decl.loc);
    def_.transitions.push_back(std::move(transition));
  }

  void compile_timer(engine::StateIndex state, const Timer& decl, engine::GroupIndex group) {
    engine::Timer timer;
    timer.state = state;
    timer.group = group;
    timer.recurring = decl.recurring;
    timer.length = duration(decl.length);
    if (timer.length.seconds <= 0 && timer.length.workdays <= 0) {
      error("E032", decl.loc, "timer duration must be positive");
    }
    timer.guard = optional_condition(decl.guard, "timer condition");
    if (!decl.target.empty()) timer.target = resolve(states_, decl.target, "state");
    timer.actions = actions(decl.actions);
    timer.position = position(decl.loc);
    def_.timers.push_back(std::move(timer));
  }

  const RuleFile& file_;
  const SourceSet& sources_;
  Diagnostics& diagnostics_;
  bool failed_ = false;
  engine::WorkflowDefinition def_;

  NameTable fields_, notices_, calendars_, departments_, roles_, categories_, priorities_, metrics_, chains_, states_,
      events_, classifications_;
  std::map<engine::RoleIndex, engine::ChainIndex> implicit_chains_;
};

}  // namespace

std::shared_ptr<const engine::Workflow> compile(const RuleFile& file, const SourceSet& sources,
                                                Diagnostics& diagnostics) {
  return Compiler(file, sources, diagnostics).run();
}

std::shared_ptr<const engine::Workflow> compile(const RuleFile& file, const SourceSet& sources) {
  Diagnostics ignored;
  return compile(file, sources, ignored);
}

}  // namespace docket::dsl
