// What the fuzz targets do with one input, shared with the replay test.
//
// tests/fuzz/fuzz_rules.cpp and tests/fuzz/fuzz_expression.cpp hand every
// input libFuzzer makes to these functions; tests/dsl/fuzz_replay_test.cpp
// hands them every stored input (the corpora and every crash ever found), in
// the ordinary build. Header-only, because the test binary is built from the
// *_test.cpp files alone.
//
// Any input is fair: the functions must return, and return quickly, whatever
// the bytes. Diagnostics and evaluation failures are ordinary results. What
// is not ordinary is returned as a description of the broken promise (empty
// when every promise held); the fuzz targets abort with it so that libFuzzer
// keeps the input, the replay test fails with it:
// - the parser and the loader report an error whenever they return nothing;
// - a workflow the checker accepts compiles (dsl/compiler.h);
// - an expression that evaluates gives a value of its static type.
//
// The inputs never reach the file system: `extends` is refused as if the
// chain were too deep (LoadOptions::max_extends_depth = 0), so an input
// cannot make the loader read /dev/zero or a file of the machine it runs on.

#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "dsl/ast.h"
#include "dsl/checker.h"
#include "dsl/compiler.h"
#include "dsl/diagnostics.h"
#include "dsl/loader.h"
#include "dsl/parser.h"
#include "dsl/source.h"
#include "engine/codec/event_reader.h"
#include "engine/model/expr.h"
#include "engine/model/value.h"
#include "engine/model/workflow.h"
#include "engine/runtime/clock.h"
#include "engine/runtime/engine.h"
#include "engine/runtime/journal.h"

namespace docket::fuzz {

// ---------------------------------------------------------------- rule files

// Loads `input` as a rule file, checks it, compiles it when the check is
// clean, and renders every diagnostic in both formats.
inline std::string run_rules(std::string_view input) {
  dsl::SourceSet sources;
  dsl::Diagnostics diagnostics;
  dsl::LoadOptions options;
  options.max_extends_depth = 0;
  std::optional<dsl::RuleFile> file = dsl::load_text("fuzz.docket", std::string(input), sources, diagnostics, options);
  std::string broken;
  if (!file) {
    if (!diagnostics.has_errors()) broken = "the loader returned nothing without reporting an error";
  } else {
    dsl::check(*file, diagnostics);
    if (!diagnostics.has_errors()) {
      dsl::Diagnostics compile_diagnostics;
      if (!dsl::compile(*file, sources, compile_diagnostics)) {
        broken = "the checker accepted a workflow that does not compile";
        for (const dsl::Diagnostic& d : compile_diagnostics.items()) broken += "\n  " + d.code + " " + d.message;
      }
    }
  }
  diagnostics.sort();
  (void)dsl::render_text(diagnostics, sources);
  (void)dsl::render_json(diagnostics, sources);
  return broken;
}

// ---------------------------------------------------------------- expressions

// The workflow every fuzzed expression is read in: a field of every type,
// two categories, two priorities, two states. Clean on its own (warnings
// aside).
inline constexpr std::string_view kExpressionContext = R"(workflow fuzz_context
field note: text
field amount: money
field count: int
field ratio: decimal
field urgent: bool
field mood: enum(calm, angry, furious)
field wait: duration
field due: timestamp
department desk { roles agent }
category fault -> desk
category question -> desk
priority P1 { resolve 4h }
priority P2 { resolve 24h }
initial state open { on close -> closed }
final state closed
)";

// The state whose `on enter` receives the `set` that holds the expression.
inline constexpr std::string_view kSlotState = "open";

// Where an expression that is not a condition is stored: `set NAME = expr`,
// tried in this order until the checker accepts one.
inline constexpr std::string_view kSetTargets[] = {"note", "amount", "count",    "wait",    "due",
                                                   "mood", "urgent", "category", "priority"};

// The context, parsed once per process (it never changes).
inline const dsl::RuleFile& expression_context() {
  static const dsl::RuleFile context = [] {
    dsl::Diagnostics diagnostics;
    std::optional<dsl::RuleFile> parsed = dsl::parse(0, kExpressionContext, diagnostics);
    return parsed ? *parsed : dsl::RuleFile{};
  }();
  return context;
}

// A ticket's values for every field of `workflow`, and its attributes.
struct FuzzTicket {
  std::vector<engine::Value> fields;
  std::vector<engine::Value> attributes;
};

enum class TicketShape { kEmpty, kTypical, kHighest, kLowest };

inline engine::Value field_value(const engine::Workflow& workflow, std::uint32_t index, TicketShape shape) {
  using engine::Fixed;
  using engine::Value;
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  const engine::Field& field = workflow.fields()[index];
  bool high = shape == TicketShape::kHighest;
  switch (field.type) {
    case engine::FieldType::kText:
      return Value::text(shape == TicketShape::kTypical ? "abc" : high ? std::string(300, 'z') : "");
    case engine::FieldType::kInt:
    case engine::FieldType::kDecimal:
    case engine::FieldType::kMoney:
      return Value::number(shape == TicketShape::kTypical ? Fixed::from_raw(125'000)
                                                          : Fixed::from_raw(high ? kMax : kMin));
    case engine::FieldType::kBool:
      return Value::boolean(shape != TicketShape::kLowest);
    case engine::FieldType::kEnum: {
      auto last = static_cast<std::uint32_t>(field.enum_values.empty() ? 0 : field.enum_values.size() - 1);
      return Value::enumerator(index, shape == TicketShape::kTypical ? last / 2 : high ? last : 0);
    }
    case engine::FieldType::kDuration:
      return Value::duration(shape == TicketShape::kTypical ? 3600 : high ? kMax : kMin);
    case engine::FieldType::kTimestamp:
      return Value::timestamp(shape == TicketShape::kTypical ? 1'767'225'600 : high ? kMax : kMin);
  }
  return Value();
}

inline FuzzTicket make_ticket(const engine::Workflow& workflow, TicketShape shape) {
  FuzzTicket ticket;
  if (shape == TicketShape::kEmpty) return ticket;
  for (std::uint32_t i = 0; i < workflow.fields().size(); ++i) ticket.fields.push_back(field_value(workflow, i, shape));
  auto last = [](std::size_t size) { return static_cast<std::uint32_t>(size == 0 ? 0 : size - 1); };
  bool high = shape == TicketShape::kHighest;
  ticket.attributes.resize(engine::kAttributeCount);
  ticket.attributes[static_cast<std::size_t>(engine::Attribute::kCategory)] =
      engine::Value::category(high ? last(workflow.categories().size()) : 0);
  ticket.attributes[static_cast<std::size_t>(engine::Attribute::kPriority)] =
      engine::Value::priority(high ? last(workflow.priorities().size()) : 0);
  ticket.attributes[static_cast<std::size_t>(engine::Attribute::kState)] =
      engine::Value::state(high ? last(workflow.states().size()) : 0);
  ticket.attributes[static_cast<std::size_t>(engine::Attribute::kRequester)] = engine::Value::text("alice");
  ticket.attributes[static_cast<std::size_t>(engine::Attribute::kAssignee)] =
      engine::Value::text(shape == TicketShape::kLowest ? "" : "bob");
  constexpr std::int64_t kCreated = 1'767'225'600;
  ticket.attributes[static_cast<std::size_t>(engine::Attribute::kCreatedAt)] =
      engine::Value::timestamp(shape == TicketShape::kTypical ? kCreated
                               : high                         ? std::numeric_limits<std::int64_t>::max()
                                                              : std::numeric_limits<std::int64_t>::min());
  return ticket;
}

// The fast paths of evaluate() must give what the general evaluator gives:
// the same value, or the same failure at the same instruction.
inline std::string against_reference(const engine::Workflow& workflow, const engine::CompiledExpr& expr,
                                     const engine::TicketView& view, std::int64_t now,
                                     const engine::EvalResult& result) {
  engine::EvalResult reference = engine::evaluate_reference(expr, view, now);
  if (result.ok() != reference.ok()) {
    return "`" + expr.text() + "`: evaluate " + (result.ok() ? "succeeds" : "fails") + ", the reference " +
           (reference.ok() ? "succeeds" : "fails");
  }
  if (result.ok() && !(result.value() == reference.value())) {
    return "`" + expr.text() + "`: evaluate gives " + workflow.format_value(result.value()) + ", the reference " +
           workflow.format_value(reference.value());
  }
  if (!result.ok() && (result.failure().error != reference.failure().error ||
                       result.failure().instruction != reference.failure().instruction)) {
    return "`" + expr.text() + "`: evaluate fails with " + workflow.describe(result.failure(), expr) +
           ", the reference with " + workflow.describe(reference.failure(), expr);
  }
  return {};
}

// Evaluates `expr` against every ticket shape at a few instants and renders
// each outcome as the journal would.
inline std::string evaluate_everywhere(const engine::Workflow& workflow, const engine::CompiledExpr& expr) {
  constexpr std::int64_t kInstants[] = {0, 1'767'225'600, std::numeric_limits<std::int64_t>::max(),
                                        std::numeric_limits<std::int64_t>::min()};
  for (TicketShape shape : {TicketShape::kEmpty, TicketShape::kTypical, TicketShape::kHighest, TicketShape::kLowest}) {
    FuzzTicket ticket = make_ticket(workflow, shape);
    engine::TicketView view{ticket.fields, ticket.attributes};
    for (std::int64_t now : kInstants) {
      engine::EvalResult result = engine::evaluate(expr, view, now);
      if (std::string differs = against_reference(workflow, expr, view, now, result); !differs.empty()) return differs;
      if (!result.ok()) {
        (void)workflow.describe(result.failure(), expr);
        continue;
      }
      if (result.value().type() != expr.type()) {
        return "`" + expr.text() + "` of type " + engine::to_string(expr.type()) + " evaluated to a " +
               engine::to_string(result.value().type());
      }
      (void)workflow.format_value(result.value());
      if (expr.type() == engine::ValueType::kBool) {
        engine::EvalFailure failure;
        std::optional<bool> condition = engine::evaluate_condition(expr, view, now, &failure);
        if (condition != result.value().as_bool()) {
          return "`" + expr.text() + "`: evaluate_condition disagrees with evaluate";
        }
      }
    }
  }
  return {};
}

// Places `expr` in the context, as a `require` or as a `set` value; returns
// the checked and compiled workflow (null when no place type-checks) and
// where the compiled expression is.
struct PlacedExpression {
  std::shared_ptr<const engine::Workflow> workflow;
  const engine::CompiledExpr* compiled = nullptr;
  std::string broken;
};

inline PlacedExpression place_expression(const dsl::ExprPtr& expr, const dsl::SourceSet& sources) {
  PlacedExpression placed;
  const dsl::RuleFile& context = expression_context();
  auto try_place = [&](dsl::RuleFile file, bool as_condition) {
    dsl::Diagnostics diagnostics;
    dsl::check(file, diagnostics);
    if (diagnostics.has_errors()) return false;
    dsl::Diagnostics compile_diagnostics;
    placed.workflow = dsl::compile(file, sources, compile_diagnostics);
    if (!placed.workflow) {
      placed.broken = "the checker accepted an expression that does not compile";
      for (const dsl::Diagnostic& d : compile_diagnostics.items()) placed.broken += "\n  " + d.code + " " + d.message;
      return true;
    }
    if (as_condition) {
      placed.compiled = &placed.workflow->constraints().back().condition;
    } else {
      std::optional<engine::StateIndex> state = placed.workflow->find_state(kSlotState);
      const auto& actions = placed.workflow->states()[*state].on_enter;
      if (!actions.empty() && actions.back().value) placed.compiled = &*actions.back().value;
    }
    return true;
  };

  dsl::RuleFile as_require = context;
  dsl::Constraint constraint;
  constraint.condition = expr;
  constraint.message = "fuzz";
  constraint.loc = expr->loc;
  as_require.constraints.push_back(constraint);
  if (try_place(std::move(as_require), true)) return placed;

  for (std::string_view target : kSetTargets) {
    dsl::RuleFile as_set = context;
    for (dsl::StateDecl& state : as_set.states) {
      if (state.name.text != kSlotState) continue;
      dsl::Action action;
      action.kind = dsl::ActionKind::kSet;
      action.target = {std::string(target), expr->loc};
      action.value = expr;
      action.loc = expr->loc;
      state.on_enter.push_back(std::move(action));
    }
    if (try_place(std::move(as_set), false)) return placed;
  }
  return placed;
}

// Parses `input` as an expression; when it type-checks in the context,
// compiles it and evaluates it against a few fixed tickets.
inline std::string run_expression(std::string_view input) {
  dsl::SourceSet sources;
  sources.add("context.docket", std::string(kExpressionContext));
  std::uint32_t file = sources.add("expression", std::string(input));
  dsl::Diagnostics diagnostics;
  dsl::ExprPtr expr = dsl::parse_expression(file, sources.text(file), diagnostics);
  (void)dsl::render_text(diagnostics, sources);
  if (!expr) {
    return diagnostics.has_errors() ? std::string() : "parse_expression returned nothing without reporting an error";
  }
  PlacedExpression placed = place_expression(expr, sources);
  if (!placed.broken.empty()) return placed.broken;
  if (placed.compiled == nullptr) return {};
  return evaluate_everywhere(*placed.workflow, *placed.compiled);
}

// A small workflow with a field of every kind, for the event target.
inline constexpr std::string_view kEventRules = R"(workflow fuzzed
field note: text
field amount: money range 0..100000
field count: int range 1..5
field done: bool = false
field mood: enum(calm, angry)
field due: timestamp
field wait: duration
department desk { roles clerk }
initial state open {
  after 1h when count > 2 do notify customer "late"
  on edit by clerk -> open
  on close when done -> closed
}
final state closed
)";

// Reads `input` as an events file and applies every event it yields to an
// engine running kEventRules. A reader error must name the place; the
// engine must answer every event (accepted or rejected), never fail.
inline std::string run_events(std::string_view input) {
  static const std::shared_ptr<const engine::Workflow> workflow = [] {
    dsl::SourceSet sources;
    dsl::Diagnostics diagnostics;
    auto file = dsl::load_text("fuzzed.docket", std::string(kEventRules), sources, diagnostics);
    if (file) dsl::check(*file, diagnostics);
    return file && !diagnostics.has_errors() ? dsl::compile(*file, sources) : nullptr;
  }();
  if (!workflow) return "the event target's rules do not compile";
  std::istringstream in{std::string(input)};
  engine::EventReader reader(in, "events");
  engine::VirtualClock clock;
  engine::MemoryJournal journal;
  engine::Engine engine(clock, journal);
  if (!engine.install(workflow)) return "the event target's rules do not install";
  while (true) {
    auto next = reader.next();
    if (!next) {
      return next.error().rfind("events:", 0) == 0 ? std::string()
                                                   : "a reader error without its place: " + next.error();
    }
    if (!next.value()) return {};
    const engine::Event& event = next.value()->event;
    if (event.at && *event.at > clock.now()) (void)clock.set(*event.at);
    auto outcome = engine.apply(event);
    if (!outcome) return "the engine failed on an event: " + outcome.error();
    if (journal.records().size() > 100000) journal.clear();
  }
}

}  // namespace docket::fuzz
