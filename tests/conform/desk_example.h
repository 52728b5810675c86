// A small desk workflow and the result of checking a log of ten traces
// against it, made by hand: what the tests of the process map and of the
// conformance page draw.

#pragma once

#include <memory>
#include <string>

#include "conform/conformance.h"
#include "tests/support/rules_harness.h"

namespace docket::conform::testing {

// Every kind of edge: on an event, `auto` (dashed), a timer with a target
// (dotted), a stay (no edge), two transitions between the same states (one
// edge); labels with quotes, a backslash and Chinese.
inline constexpr const char* kDeskRules = R"(workflow desk "服务台 \"A\\B\"" version "2"
field score: int range 1..5
department support { roles agent }
category general -> support
priority normal { resolve 3d }
initial state open "新建 \"急\\单\"" {
  on start by agent -> working
  on note by agent do set score = 1
  on drop -> dropped
}
state working "处理中" {
  on resolve when score >= 4 -> done
  on close_early when score < 4 -> done
  auto when score == 5 -> review
  after 2d -> review
}
state review "复核" {
  on approve -> done
}
final state done "完成"
final state dropped "放弃"
)";

inline std::shared_ptr<const engine::Workflow> desk_workflow() {
  return dsl::testing::compile_text(kDeskRules, "rules/desk.docket");
}

// A trace of three rows that jumps from `open` to `done`.
inline TraceResult jumping_trace(const std::string& case_id) {
  TraceResult trace;
  trace.case_id = case_id;
  trace.rows = {{21, 1700000000, "2023-11-14T22:13:20Z", "1", "New", "ann"},
                {22, 1700000060, "2023-11-14T22:14:20Z", "2", "Closed", "bob"}};
  trace.path = {"open", "done"};
  trace.moves = 1;
  Deviation deviation;
  deviation.kind = DeviationKind::kMove;
  deviation.row = 1;
  deviation.line = 22;
  deviation.from = "open";
  deviation.logged = "Closed";
  deviation.to = "done";
  deviation.allowed = {"working", "dropped"};
  deviation.rule = {"rules/desk.docket:6", 6, 1};
  deviation.detail = "no transition leads from open to done";
  trace.deviations = {deviation};
  trace.fits = false;
  return trace;
}

// 10 traces: 7 open > working > done, 2 open > working > review > done,
// 1 open > done (a move the rules do not allow); and 4 moves from working
// to a state the rules lack.
inline ConformanceResult desk_result() {
  ConformanceResult result;
  result.workflow = "desk 2";
  result.traces = 10;
  result.fitting_traces = 9;
  result.moves = 23;
  result.allowed_moves = 22;
  result.deviations_by_kind[static_cast<std::size_t>(DeviationKind::kMove)] = 1;
  result.edges = {{"open", "working", 9, true}, {"working", "done", 7, true}, {"working", "review", 2, true},
                  {"review", "done", 2, true},  {"open", "done", 1, false},   {"working", "nowhere", 4, false}};
  result.variants = {{{"open", "working", "done"}, 7, 7, "C1"},
                     {{"open", "working", "review", "done"}, 2, 2, "C8"},
                     {{"open", "done"}, 1, 0, "C9"}};
  result.quality.rows = 31;
  result.traces_checked = {jumping_trace("C9")};
  result.traces_kept = 1;
  return result;
}

}  // namespace docket::conform::testing
