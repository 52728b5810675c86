#include "engine/model/workflow.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <type_traits>
#include <vector>

#include "dsl/checker.h"
#include "dsl/compiler.h"
#include "dsl/loader.h"
#include "engine/model/state_graph.h"

namespace docket::engine {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;

// Loads, checks and compiles rule text; fails the test on any error.
std::shared_ptr<const Workflow> compile_text(std::string text) {
  dsl::SourceSet sources;
  dsl::Diagnostics diagnostics;
  std::optional<dsl::RuleFile> file = dsl::load_text("test.docket", std::move(text), sources, diagnostics);
  if (file) dsl::check(*file, diagnostics);
  std::shared_ptr<const Workflow> workflow;
  if (file && !diagnostics.has_errors()) workflow = dsl::compile(*file, sources, diagnostics);
  if (!workflow) ADD_FAILURE() << dsl::render_text(diagnostics, sources);
  return workflow;
}

constexpr const char* kSupport = R"(workflow support "客服" version "2"
field score: int range 1..5
field mood: enum(calm, unhappy, angry) = calm
field urgent: bool = false
calendar office {
  zone "Asia/Shanghai"
  hours mon-fri 09:00-12:00, 13:00-18:00
}
department support { roles agent, supervisor }
category general -> support
priority high { resolve 4h }
priority low { resolve 24h }
classify priority { high when urgent
  low otherwise }
initial state open "待处理" {
  on assign when mood == angry -> working
  on close by supervisor -> closed
  on assign when mood == unhappy -> waiting
  on assign -> working
  after 2h in office -> waiting do notify supervisor "late"
  every 24h in office do notify customer "progress"
}
state working "处理中" {
  on resolve when score >= 4 by agent -> closed
  on resolve when score < 4 -> waiting
  auto when urgent -> closed
}
state waiting {
  pause resolve
  on resume -> working
}
final state closed "已关闭"
)";

std::vector<TransitionIndex> as_vector(std::span<const TransitionIndex> span) { return {span.begin(), span.end()}; }

TEST(WorkflowTest, IsSharedImmutably) {
  static_assert(!std::is_copy_constructible_v<Workflow>);
  static_assert(!std::is_copy_assignable_v<Workflow>);
  std::shared_ptr<const Workflow> workflow = compile_text(kSupport);
  ASSERT_TRUE(workflow);
  EXPECT_EQ(workflow->name(), "support");
  EXPECT_EQ(workflow->label(), "客服");
  EXPECT_EQ(workflow->version(), "2");
}

TEST(WorkflowTest, CandidatesComeInDeclarationOrder) {
  std::shared_ptr<const Workflow> workflow = compile_text(kSupport);
  ASSERT_TRUE(workflow);
  StateIndex open = *workflow->find_state("open");
  EventId assign = *workflow->find_event("assign");
  EventId close = *workflow->find_event("close");

  // Transitions 0..3 are open's, in the order written; 1 is `close`.
  EXPECT_THAT(as_vector(workflow->candidates(open, assign)), ElementsAre(0u, 2u, 3u));
  EXPECT_THAT(as_vector(workflow->candidates(open, close)), ElementsAre(1u));
  for (TransitionIndex t : workflow->candidates(open, assign)) {
    EXPECT_EQ(workflow->transitions()[t].from, open);
    EXPECT_EQ(workflow->transitions()[t].event, assign);
  }
  StateIndex working = *workflow->find_state("working");
  EventId resolve = *workflow->find_event("resolve");
  EXPECT_THAT(as_vector(workflow->candidates(working, resolve)), ElementsAre(4u, 5u));
  // Events a state does not handle, and indices out of range, give nothing.
  EXPECT_THAT(as_vector(workflow->candidates(working, assign)), IsEmpty());
  EXPECT_THAT(as_vector(workflow->candidates(99, assign)), IsEmpty());
  EXPECT_THAT(as_vector(workflow->candidates(open, 99)), IsEmpty());
}

TEST(WorkflowTest, AutomaticTransitionsAndTimersPerState) {
  std::shared_ptr<const Workflow> workflow = compile_text(kSupport);
  ASSERT_TRUE(workflow);
  StateIndex open = *workflow->find_state("open");
  StateIndex working = *workflow->find_state("working");
  EXPECT_THAT(as_vector(workflow->automatic_transitions(working)), ElementsAre(6u));
  EXPECT_TRUE(workflow->transitions()[6].automatic());
  EXPECT_THAT(as_vector(workflow->automatic_transitions(open)), IsEmpty());
  EXPECT_THAT(as_vector(workflow->transitions_from(open)), ElementsAre(0u, 1u, 2u, 3u));

  std::span<const TimerIndex> timers = workflow->timers_of(open);
  ASSERT_EQ(timers.size(), 2u);
  const Timer& after = workflow->timers()[timers[0]];
  const Timer& every = workflow->timers()[timers[1]];
  EXPECT_FALSE(after.recurring);
  EXPECT_EQ(after.length.seconds, 7200);
  EXPECT_EQ(after.length.calendar, *workflow->find_calendar("office"));
  EXPECT_EQ(after.target, *workflow->find_state("waiting"));
  EXPECT_TRUE(every.recurring);
  EXPECT_EQ(every.length.seconds, 86400);
  EXPECT_EQ(every.target, kNoIndex);
  EXPECT_THAT(workflow->timers_of(working), IsEmpty());
}

TEST(WorkflowTest, PositionsCiteTheRule) {
  std::shared_ptr<const Workflow> workflow = compile_text(kSupport);
  ASSERT_TRUE(workflow);
  const Transition& first = workflow->transitions()[0];
  EXPECT_EQ(first.position.where, "test.docket:16");
  EXPECT_EQ(first.position.line, 16u);
  EXPECT_GT(first.position.column, 0u);
  const Timer& after = workflow->timers()[workflow->timers_of(0)[0]];
  EXPECT_EQ(after.position.where, "test.docket:20");
}

TEST(WorkflowTest, StateKindsAndInitialState) {
  std::shared_ptr<const Workflow> workflow = compile_text(kSupport);
  ASSERT_TRUE(workflow);
  EXPECT_EQ(workflow->initial_state(), *workflow->find_state("open"));
  EXPECT_TRUE(workflow->is_final(*workflow->find_state("closed")));
  EXPECT_FALSE(workflow->is_final(*workflow->find_state("working")));
  EXPECT_FALSE(workflow->is_final(1000));
  const State& waiting = workflow->states()[*workflow->find_state("waiting")];
  EXPECT_THAT(waiting.paused_clocks, ElementsAre(*workflow->find_metric("resolve")));
}

TEST(WorkflowTest, GraphHasOneEdgePerTransitionAndTargetedTimer) {
  std::shared_ptr<const Workflow> workflow = compile_text(kSupport);
  ASSERT_TRUE(workflow);
  const StateGraph& graph = workflow->graph();
  EXPECT_EQ(boost::num_vertices(graph), workflow->states().size());
  // Eight transitions plus the `after 2h -> waiting` timer; `every` has no target.
  EXPECT_EQ(boost::num_edges(graph), 9u);
  int automatic = 0, timers = 0;
  for (auto edge : boost::make_iterator_range(boost::edges(graph))) {
    const TransitionEdge& bundle = graph[edge];
    if (bundle.kind == EdgeKind::kAutomatic) ++automatic;
    if (bundle.kind == EdgeKind::kTimer) {
      ++timers;
      EXPECT_EQ(graph[boost::target(edge, graph)].state, *workflow->find_state("waiting"));
    }
  }
  EXPECT_EQ(automatic, 1);
  EXPECT_EQ(timers, 1);
}

TEST(WorkflowTest, DescribesValuesActionsAndFailures) {
  std::shared_ptr<const Workflow> workflow = compile_text(kSupport);
  ASSERT_TRUE(workflow);
  FieldIndex mood = *workflow->find_field("mood");
  EXPECT_EQ(workflow->format_value(Value::enumerator(mood, 2)), "angry");
  EXPECT_EQ(workflow->format_value(Value::priority(0)), "high");
  EXPECT_EQ(workflow->format_value(Value::state(3)), "closed");
  EXPECT_EQ(workflow->format_value(Value::text("say \"hi\"")), "\"say \\\"hi\\\"\"");

  const Timer& after = workflow->timers()[workflow->timers_of(0)[0]];
  ASSERT_EQ(after.actions.size(), 1u);
  EXPECT_EQ(workflow->describe(after.actions[0]), "notify supervisor \"late\"");

  const CompiledExpr& guard = *workflow->transitions()[4].guard;  // score >= 4
  EvalResult result = evaluate(guard, TicketView{}, 0);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(workflow->describe(result.failure(), guard), "missing value of `score`");
}

TEST(WorkflowTest, FindsNames) {
  std::shared_ptr<const Workflow> workflow = compile_text(kSupport);
  ASSERT_TRUE(workflow);
  EXPECT_EQ(workflow->find_field("mood"), 1u);
  EXPECT_FALSE(workflow->find_field("nothing"));
  EXPECT_EQ(workflow->find_priority("low"), 1u);
  EXPECT_EQ(workflow->find_category("general"), 0u);
  EXPECT_EQ(workflow->find_department("support"), 0u);
  EXPECT_EQ(workflow->find_role("supervisor"), 1u);
  EXPECT_EQ(workflow->find_classification("priority"), 0u);
  EXPECT_FALSE(workflow->find_event("nothing"));
  for (EventId e = 0; e < workflow->events().size(); ++e) {
    EXPECT_EQ(workflow->find_event(workflow->events()[e]), e);
  }
}

// ---------------------------------------------------------------- version id

TEST(VersionIdTest, IsStableHexSha256) {
  std::vector<SourceText> files = {{"a.docket", "workflow a\n"}};
  std::string id = compute_version_id(files);
  EXPECT_THAT(id, MatchesRegex("[0-9a-f]{64}"));
  EXPECT_EQ(compute_version_id(files), id);
  // SHA-256 of "8:a.docket11:workflow a\n", computed independently.
  EXPECT_EQ(id, "49c35e768a55c3fa10f046a4857aa56a9dc1a4afac0a985304b1175bb5a4bc67");
}

TEST(VersionIdTest, ChangesWithAnyByte) {
  std::string text = kSupport;
  std::string original = compute_version_id(std::vector<SourceText>{{"r.docket", text}});
  for (std::size_t i : {std::size_t{0}, text.size() / 2, text.size() - 1}) {
    std::string changed = text;
    changed[i] ^= 1;
    EXPECT_NE(compute_version_id(std::vector<SourceText>{{"r.docket", changed}}), original) << i;
  }
  EXPECT_NE(compute_version_id(std::vector<SourceText>{{"s.docket", text}}), original);
}

TEST(VersionIdTest, FileBoundariesAreUnambiguous) {
  auto id = [](std::vector<SourceText> files) { return compute_version_id(files); };
  EXPECT_NE(id({{"a", "bc"}}), id({{"ab", "c"}}));
  EXPECT_NE(id({{"a", "xy"}}), id({{"a", "x"}, {"", "y"}}));
  EXPECT_NE(id({{"a", "x"}, {"b", "y"}}), id({{"b", "y"}, {"a", "x"}}));
}

TEST(VersionIdTest, CompiledWorkflowCarriesItsSourcesId) {
  std::shared_ptr<const Workflow> workflow = compile_text(kSupport);
  ASSERT_TRUE(workflow);
  EXPECT_EQ(workflow->version_id(), compute_version_id(std::vector<SourceText>{{"test.docket", kSupport}}));
  std::string changed = kSupport;
  changed.replace(changed.find("24h"), 3, "23h");
  std::shared_ptr<const Workflow> other = compile_text(changed);
  ASSERT_TRUE(other);
  EXPECT_NE(other->version_id(), workflow->version_id());
}

// ---------------------------------------------------------------- build checks

WorkflowDefinition two_states() {
  WorkflowDefinition d;
  d.name = "w";
  d.states.push_back(State{"a", "", StateKind::kInitial, false, {}, {}, {}, {}});
  d.states.push_back(State{"b", "", StateKind::kFinal, false, {}, {}, {}, {}});
  d.events.push_back("go");
  Transition go;
  go.from = 0;
  go.to = 1;
  go.event = 0;
  d.transitions.push_back(go);
  return d;
}

TEST(WorkflowBuildTest, AcceptsAHandWrittenDefinition) {
  Workflow::BuildResult built = Workflow::build(two_states());
  ASSERT_TRUE(built.workflow) << built.error;
  EXPECT_THAT(as_vector(built.workflow->candidates(0, 0)), ElementsAre(0u));
}

TEST(WorkflowBuildTest, RejectsIndicesOutOfRange) {
  WorkflowDefinition bad_target = two_states();
  bad_target.transitions[0].to = 7;
  Workflow::BuildResult built = Workflow::build(bad_target);
  EXPECT_FALSE(built.workflow);
  EXPECT_THAT(built.error, ::testing::HasSubstr("state index 7 out of range"));

  WorkflowDefinition bad_field = two_states();
  ExprBuilder builder;
  builder.field(3);
  bad_field.transitions[0].guard = std::move(builder).finish(ValueType::kBool, "x");
  EXPECT_FALSE(Workflow::build(bad_field).workflow);

  WorkflowDefinition bad_enum = two_states();
  ExprBuilder constant;
  constant.constant(Value::enumerator(0, 0));  // there is no field 0
  bad_enum.transitions[0].guard = std::move(constant).finish(ValueType::kBool, "v");
  EXPECT_FALSE(Workflow::build(bad_enum).workflow);

  WorkflowDefinition bad_action = two_states();
  Action emit;
  emit.kind = ActionKind::kEmit;
  emit.target = 5;
  bad_action.transitions[0].actions.push_back(emit);
  EXPECT_FALSE(Workflow::build(bad_action).workflow);
}

TEST(WorkflowBuildTest, NeedsExactlyOneInitialState) {
  WorkflowDefinition none = two_states();
  none.states[0].kind = StateKind::kNormal;
  EXPECT_THAT(Workflow::build(none).error, ::testing::HasSubstr("exactly one initial state"));
  WorkflowDefinition two = two_states();
  two.states[1].kind = StateKind::kInitial;
  EXPECT_FALSE(Workflow::build(two).workflow);
}

TEST(WorkflowBuildTest, RejectsTimersThatNeverWait) {
  WorkflowDefinition d = two_states();
  Timer timer;
  timer.state = 0;
  timer.recurring = true;
  timer.length.seconds = 0;
  d.timers.push_back(timer);
  EXPECT_FALSE(Workflow::build(d).workflow);
}

}  // namespace
}  // namespace docket::engine
