#include "designer/graph_export.h"
#include "engine/model/reachability.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <unistd.h>
#include <nlohmann/json.hpp>

#include "dsl/checker.h"
#include "dsl/compiler.h"
#include "dsl/loader.h"

namespace docket::designer {
using namespace docket::engine;
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

std::shared_ptr<const Workflow> compile_text(std::string text) {
  dsl::SourceSet sources;
  dsl::Diagnostics diagnostics;
  std::optional<dsl::RuleFile> file = dsl::load_text("graph.docket", std::move(text), sources, diagnostics);
  if (file) dsl::check(*file, diagnostics);
  std::shared_ptr<const Workflow> workflow;
  if (file && !diagnostics.has_errors()) workflow = dsl::compile(*file, sources, diagnostics);
  if (!workflow) ADD_FAILURE() << dsl::render_text(diagnostics, sources);
  return workflow;
}

// Labels with quotes, a backslash and Chinese text, and a state named like
// a Mermaid keyword.
constexpr const char* kTicket = R"(workflow ticket "工单 \"A\\B\"" version "3"
field score: int range 1..5
calendar office {
  zone "Asia/Shanghai"
  hours mon-fri 09:00-18:00
}
department support { roles agent, supervisor }
category general -> support
priority normal { resolve 3d }
initial state open "新建" {
  on start by agent, supervisor -> executing
  after 2h in office -> end do notify supervisor "overdue"
}
state executing "执行中" {
  every 24h in office do notify customer "progress"
  on resolve when score >= 4 by agent -> done
  on resolve when score < 4 -> end
  auto when score == 5 -> done
}
state end "收尾 \"复核\"" {
  pause resolve
  on reviewed -> done
}
final state done "已完成"
)";

TEST(GraphFormatTest, ParsesNames) {
  EXPECT_EQ(parse_graph_format("dot"), GraphFormat::kDot);
  EXPECT_EQ(parse_graph_format("mermaid"), GraphFormat::kMermaid);
  EXPECT_EQ(parse_graph_format("json"), GraphFormat::kJson);
  EXPECT_EQ(parse_graph_format("xstate"), GraphFormat::kXState);
  EXPECT_FALSE(parse_graph_format("svg"));  // made by Graphviz from the DOT text, not here
}

TEST(GraphLabelTest, ReadLikeTheRules) {
  std::shared_ptr<const Workflow> workflow = compile_text(kTicket);
  ASSERT_TRUE(workflow);
  EXPECT_EQ(transition_label(*workflow, 0), "start / agent, supervisor");
  EXPECT_EQ(transition_label(*workflow, 1), "resolve [score >= 4] / agent");
  EXPECT_EQ(transition_label(*workflow, 3), "auto [score == 5]");
  EXPECT_EQ(timer_label(*workflow, 0), "after 2h in office: notify supervisor");
  EXPECT_EQ(timer_label(*workflow, 1), "every 24h in office: notify customer");
}

// The transition that hands a plan on for approval shows its mark, in the
// full label and in the DOT one.
TEST(GraphLabelTest, ShowTheProposerMark) {
  std::shared_ptr<const Workflow> workflow = compile_text(R"(workflow plan version "1"
department ops { roles clerk, supervisor }
approval otherwise: supervisor
initial state drafting { on drafted by clerk as proposer -> approving }
state approving {
  await approval
  on approved -> done
  on rejected -> drafting
}
final state done
)");
  ASSERT_TRUE(workflow);
  EXPECT_EQ(transition_label(*workflow, 0), "drafted / clerk as proposer");
  EXPECT_THAT(export_dot(*workflow),
              HasSubstr("\"drafting\" -> \"approving\" [label=\"drafted / clerk as proposer\"];"));
  nlohmann::json json = nlohmann::json::parse(export_json(*workflow));
  EXPECT_EQ(json["edges"][0]["proposer"], true);
}

TEST(DotExportTest, DrawsStatesEdgesAndMarks) {
  std::shared_ptr<const Workflow> workflow = compile_text(kTicket);
  ASSERT_TRUE(workflow);
  std::string dot = export_dot(*workflow);
  EXPECT_THAT(dot, StartsWith("digraph \"ticket\" {\n"));
  EXPECT_THAT(dot, HasSubstr("\"[*]\" [shape=point"));
  EXPECT_THAT(dot, HasSubstr("\"[*]\" -> \"open\";"));
  EXPECT_THAT(dot, HasSubstr("\"open\" [label=\"新建\", fillcolor=\"#c8e6c9\", style=\"rounded,filled,bold\"];"));
  EXPECT_THAT(dot, HasSubstr("\"executing\" [label=\"执行中\\nevery 24h in office: notify customer\", "
                             "fillcolor=\"#ffffff\"];"));
  EXPECT_THAT(dot, HasSubstr("\"done\" [label=\"已完成\", fillcolor=\"#e0e0e0\", peripheries=2];"));
  EXPECT_THAT(dot, HasSubstr("\"executing\" -> \"done\" [label=\"resolve [score >= 4] / agent\"];"));
  EXPECT_THAT(dot, HasSubstr("\"executing\" -> \"done\" [label=\"auto [score == 5]\", style=dashed];"));
  EXPECT_THAT(dot, HasSubstr("\"open\" -> \"end\" [label=\"after 2h in office: notify supervisor\", style=dotted];"));
  EXPECT_THAT(dot, testing::EndsWith("}\n"));
}

TEST(DotExportTest, EscapesQuotesAndBackslashesKeepsUtf8) {
  std::shared_ptr<const Workflow> workflow = compile_text(kTicket);
  ASSERT_TRUE(workflow);
  std::string dot = export_dot(*workflow);
  // Workflow label `工单 "A\B"` and state label `收尾 "复核"`.
  EXPECT_THAT(dot, HasSubstr("label=\"工单 \\\"A\\\\B\\\" v3\""));
  EXPECT_THAT(dot, HasSubstr("\"end\" [label=\"收尾 \\\"复核\\\"\\npauses resolve\", fillcolor=\"#bbdefb\"];"));
}

// Graphviz must accept the output: this is what `docket graph | dot -Tsvg` does.
TEST(DotExportTest, RendersWithGraphviz) {
  ASSERT_EQ(std::system("command -v dot >/dev/null 2>&1"), 0)
      << "graphviz is required for this test: install the `graphviz` package (`dot` on PATH)";
  std::shared_ptr<const Workflow> workflow = compile_text(kTicket);
  ASSERT_TRUE(workflow);
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("docket_graph_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::filesystem::path input = dir / "ticket.dot";
  std::filesystem::path output = dir / "ticket.svg";
  std::filesystem::path errors = dir / "errors.txt";
  std::ofstream(input) << export_dot(*workflow);
  std::string command = "dot -Tsvg '" + input.string() + "' -o '" + output.string() + "' 2> '" + errors.string() + "'";
  int status = std::system(command.c_str());
  std::stringstream svg, messages;
  svg << std::ifstream(output).rdbuf();
  messages << std::ifstream(errors).rdbuf();
  std::filesystem::remove_all(dir);
  EXPECT_EQ(status, 0) << messages.str();
  EXPECT_EQ(messages.str(), "");  // no warnings either (bad UTF-8 would give one)
  EXPECT_THAT(svg.str(), HasSubstr("<svg"));
  EXPECT_THAT(svg.str(), HasSubstr("执行中"));
}

TEST(MermaidExportTest, DrawsStateDiagram) {
  std::shared_ptr<const Workflow> workflow = compile_text(kTicket);
  ASSERT_TRUE(workflow);
  std::string mermaid = export_mermaid(*workflow);
  EXPECT_THAT(mermaid, StartsWith("stateDiagram-v2\n"));
  EXPECT_THAT(mermaid, HasSubstr("  [*] --> open\n"));
  EXPECT_THAT(mermaid, HasSubstr("  done --> [*]\n"));
  EXPECT_THAT(mermaid, HasSubstr("  state \"新建\" as open\n"));
  EXPECT_THAT(mermaid, HasSubstr("  executing --> done : resolve [score #62;= 4] / agent\n"));
  // `end` is a Mermaid keyword: the state gets another id, its label stays.
  EXPECT_THAT(mermaid, HasSubstr("  state \"收尾 #34;复核#34;<br/>pauses resolve\" as end_\n"));
  EXPECT_THAT(mermaid, HasSubstr("  open --> end_ : after 2h in office#58; notify supervisor\n"));
  EXPECT_THAT(mermaid, Not(HasSubstr(" end\n")));
}

TEST(JsonExportTest, CarriesEveryAttribute) {
  std::shared_ptr<const Workflow> workflow = compile_text(kTicket);
  ASSERT_TRUE(workflow);
  nlohmann::json json = nlohmann::json::parse(export_json(*workflow));  // throws if invalid
  EXPECT_EQ(json["workflow"]["label"], "工单 \"A\\B\"");
  EXPECT_EQ(json["workflow"]["version_id"], workflow->version_id());
  EXPECT_EQ(json["workflow"]["initial"], "open");

  ASSERT_EQ(json["nodes"].size(), 4u);
  const nlohmann::json& end = json["nodes"][2];
  EXPECT_EQ(end["id"], "end");
  EXPECT_EQ(end["label"], "收尾 \"复核\"");
  EXPECT_EQ(end["paused_clocks"], nlohmann::json::array({"resolve"}));
  const nlohmann::json& executing = json["nodes"][1];
  ASSERT_EQ(executing["timers"].size(), 1u);
  EXPECT_EQ(executing["timers"][0]["kind"], "every");
  EXPECT_EQ(executing["timers"][0]["seconds"], 86400);
  EXPECT_EQ(executing["timers"][0]["calendar"], "office");
  EXPECT_EQ(executing["timers"][0]["actions"][0], "notify customer \"progress\"");

  ASSERT_EQ(json["edges"].size(), 6u);
  const nlohmann::json* auto_edge = nullptr;
  const nlohmann::json* timer_edge = nullptr;
  for (const nlohmann::json& edge : json["edges"]) {
    if (edge["kind"] == "automatic") auto_edge = &edge;
    if (edge["kind"] == "timer") timer_edge = &edge;
  }
  ASSERT_TRUE(auto_edge && timer_edge);
  EXPECT_EQ((*auto_edge)["guard"], "score == 5");
  EXPECT_TRUE((*auto_edge)["event"].is_null());
  EXPECT_EQ((*auto_edge)["position"]["where"], "graph.docket:18");
  EXPECT_EQ((*timer_edge)["from"], "open");
  EXPECT_EQ((*timer_edge)["to"], "end");
  EXPECT_EQ((*timer_edge)["seconds"], 7200);
  const nlohmann::json& start = json["edges"][0];
  EXPECT_EQ(start["event"], "start");
  EXPECT_EQ(start["roles"], nlohmann::json::array({"agent", "supervisor"}));
  EXPECT_EQ(start["proposer"], false);
}

TEST(JsonExportTest, ReplacesInvalidUtf8) {
  WorkflowDefinition d;
  d.name = "w";
  d.label = "bad \xff byte \xe4\xb8";  // a stray byte and a truncated sequence (one ill-formed subpart)
  d.states.push_back(State{"a", "ok 好", StateKind::kInitial, false, {}, {}, {}, {}});
  Workflow::BuildResult built = Workflow::build(std::move(d));
  ASSERT_TRUE(built.workflow) << built.error;
  nlohmann::json json = nlohmann::json::parse(export_json(*built.workflow));
  EXPECT_EQ(json["workflow"]["label"], "bad \xEF\xBF\xBD byte \xEF\xBF\xBD");
  EXPECT_EQ(json["nodes"][0]["label"], "ok 好");
}

// A chain with a time limit, a priority without approval, a state waiting
// for it, and a guard too long for an edge.
constexpr const char* kApproval = R"(workflow review version "1"
field amount: money = 0
field note: text
department ops { roles clerk, head }
category general -> ops
priority high { resolve 8h }
priority low {
  first_response 2h
  resolve 72h
}
chain head_signoff { level head: any of head within 24h }
approval by priority {
  high: head_signoff
  low: none
}
initial state open {
  on submit when amount >= 100 and amount <= 5000 and note != "" and note != "none" by clerk -> approving
}
state approving {
  await approval
  on approved -> done
  on rejected -> open
}
final state done
)";

// The fill of the node `name` in a DOT text; empty when absent.
std::string fill_of(const std::string& dot, const std::string& name) {
  std::size_t at = dot.find("\n  \"" + name + "\" [");
  if (at == std::string::npos) at = dot.find("\n    \"" + name + "\" [");
  if (at == std::string::npos) return "";
  std::size_t end = dot.find('\n', at + 1);
  std::size_t fill = dot.find("fillcolor=\"", at);
  if (fill == std::string::npos || fill > end) return "";
  fill += 11;
  return dot.substr(fill, dot.find('"', fill) - fill);
}

TEST(DotExportTest, LegendExplainsFillsAndEdgeStyles) {
  std::shared_ptr<const Workflow> workflow = compile_text(kTicket);
  ASSERT_TRUE(workflow);
  std::string dot = export_dot(*workflow);
  EXPECT_THAT(dot, HasSubstr("  subgraph cluster_legend {\n"));
  std::set<std::string> fills;
  for (StateStyle style : {StateStyle::kInitial, StateStyle::kNormal, StateStyle::kAwaitsApproval,
                           StateStyle::kPausesClocks, StateStyle::kFinal}) {
    EXPECT_THAT(
        dot, HasSubstr(std::string("[label=\"") + legend_text(style) + "\", fillcolor=\"" + fill_color(style) + "\""));
    fills.insert(fill_color(style));
  }
  EXPECT_EQ(fills.size(), 5u) << "every kind of state has its own fill";
  EXPECT_THAT(dot, HasSubstr("[label=\"auto [guard]\", style=dashed]"));
  EXPECT_THAT(dot, HasSubstr("style=dotted]"));
  EXPECT_THAT(dot, HasSubstr("time limits (from creation)\\nnormal: resolve 3d"));
}

TEST(DotExportTest, StatesAreFilledLikeTheirLegendEntry) {
  for (const char* text : {kTicket, kApproval}) {
    std::shared_ptr<const Workflow> workflow = compile_text(text);
    ASSERT_TRUE(workflow);
    std::string dot = export_dot(*workflow);
    for (StateIndex s = 0; s < workflow->states().size(); ++s) {
      StateStyle style = state_style(*workflow, s);
      const char* legend_id = style == StateStyle::kInitial          ? "legend:initial"
                              : style == StateStyle::kNormal         ? "legend:normal"
                              : style == StateStyle::kAwaitsApproval ? "legend:approval"
                              : style == StateStyle::kPausesClocks   ? "legend:paused"
                                                                     : "legend:final";
      EXPECT_EQ(fill_of(dot, workflow->states()[s].name), fill_of(dot, legend_id)) << workflow->states()[s].name;
    }
  }
  std::shared_ptr<const Workflow> ticket = compile_text(kTicket);
  ASSERT_TRUE(ticket);
  EXPECT_EQ(state_style(*ticket, *ticket->find_state("open")), StateStyle::kInitial);
  EXPECT_EQ(state_style(*ticket, *ticket->find_state("executing")), StateStyle::kNormal);
  EXPECT_EQ(state_style(*ticket, *ticket->find_state("end")), StateStyle::kPausesClocks);
  EXPECT_EQ(state_style(*ticket, *ticket->find_state("done")), StateStyle::kFinal);
  std::shared_ptr<const Workflow> review = compile_text(kApproval);
  ASSERT_TRUE(review);
  EXPECT_EQ(state_style(*review, *review->find_state("approving")), StateStyle::kAwaitsApproval);
}

TEST(DotExportTest, AwaitApprovalStatesShowTheChainsByChoice) {
  std::shared_ptr<const Workflow> workflow = compile_text(kApproval);
  ASSERT_TRUE(workflow);
  std::string dot = export_dot(*workflow);
  EXPECT_THAT(dot, HasSubstr("\"approving\" [label=\"approving\\nawaits approval:\\nhigh: head_signoff = head (any "
                             "of head, within 24h)\\nlow: none\""));
  EXPECT_THAT(dot, HasSubstr("time limits (from creation)\\nhigh: resolve 8h\\nlow: first_response 2h, resolve 72h"));
}

TEST(DotExportTest, LongGuardsAreShortenedOnEdgesOnly) {
  std::shared_ptr<const Workflow> workflow = compile_text(kApproval);
  ASSERT_TRUE(workflow);
  const std::string& guard = workflow->transitions()[0].guard->text();
  ASSERT_GT(guard.size(), kShortGuard);
  std::string dot = export_dot(*workflow);
  EXPECT_THAT(dot, HasSubstr("\"open\" -> \"approving\" [label=\"submit [" + guard.substr(0, kShortGuard) +
                             "\xE2\x80\xA6] / clerk\"];"));
  EXPECT_EQ(transition_label(*workflow, 0), "submit [" + guard + "] / clerk");
}

TEST(XStateExportTest, MachineOfTheTicket) {
  std::shared_ptr<const Workflow> workflow = compile_text(kTicket);
  ASSERT_TRUE(workflow);
  nlohmann::json machine = nlohmann::json::parse(export_xstate(*workflow));
  EXPECT_EQ(machine["id"], "ticket");
  EXPECT_EQ(machine["initial"], "open");
  ASSERT_EQ(machine["states"].size(), 4u);
  const nlohmann::json& executing = machine["states"]["executing"];
  EXPECT_EQ(executing["description"], "执行中");
  ASSERT_EQ(executing["on"]["resolve"].size(), 2u);  // in the order written: the first enabled one fires
  EXPECT_EQ(executing["on"]["resolve"][0]["target"], "done");
  EXPECT_EQ(executing["on"]["resolve"][0]["guard"], "graph.docket:16");
  EXPECT_EQ(executing["on"]["resolve"][0]["meta"]["when"], "score >= 4");
  EXPECT_EQ(executing["on"]["resolve"][0]["meta"]["by"], nlohmann::json::array({"agent"}));
  EXPECT_EQ(executing["on"]["resolve"][1]["target"], "end");
  ASSERT_EQ(executing["always"].size(), 1u);
  EXPECT_EQ(executing["always"][0]["guard"], "graph.docket:18");
  // every 24h: 86,400,000 ms, marked as recurring.
  ASSERT_EQ(executing["after"]["86400000"].size(), 1u);
  EXPECT_EQ(executing["after"]["86400000"][0]["meta"]["every"], true);
  EXPECT_EQ(executing["after"]["86400000"][0]["meta"]["calendar"], "office");
  EXPECT_EQ(executing["after"]["86400000"][0]["actions"][0], "notify customer \"progress\"");
  const nlohmann::json& open = machine["states"]["open"];
  EXPECT_EQ(open["after"]["7200000"][0]["target"], "end");
  // `by` limits who may send the event: it is part of the named guard.
  EXPECT_EQ(open["on"]["start"][0]["guard"], "graph.docket:11");
  EXPECT_FALSE(machine["states"]["end"]["on"]["reviewed"][0].contains("guard"));
  EXPECT_EQ(machine["states"]["done"]["type"], "final");
  EXPECT_EQ(machine["states"]["end"]["meta"]["paused_clocks"], nlohmann::json::array({"resolve"}));
}

TEST(XStateExportTest, EveryStateAndTransitionOfTheShippedRules) {
  dsl::SourceSet sources;
  dsl::Diagnostics diagnostics;
  std::optional<dsl::RuleFile> file =
      dsl::load(std::string(DOCKET_SOURCE_DIR) + "/rules/after_sales.docket", sources, diagnostics);
  ASSERT_TRUE(file);
  dsl::check(*file, diagnostics);
  std::shared_ptr<const Workflow> workflow = dsl::compile(*file, sources, diagnostics);
  ASSERT_TRUE(workflow) << dsl::render_text(diagnostics, sources);
  nlohmann::json machine = nlohmann::json::parse(export_xstate(*workflow));
  EXPECT_EQ(machine["initial"], workflow->states()[workflow->initial_state()].name);
  ASSERT_EQ(machine["states"].size(), workflow->states().size());
  std::size_t transitions = 0;
  std::size_t timers = 0;
  for (StateIndex s = 0; s < workflow->states().size(); ++s) {
    const State& state = workflow->states()[s];
    ASSERT_TRUE(machine["states"].contains(state.name)) << state.name;
    const nlohmann::json& node = machine["states"][state.name];
    EXPECT_EQ(node.value("type", "") == "final", state.kind == StateKind::kFinal) << state.name;
    if (node.contains("on")) {
      for (const auto& [event, list] : node["on"].items()) transitions += list.size();
    }
    if (node.contains("always")) transitions += node["always"].size();
    if (node.contains("after")) {
      for (const auto& [delay, list] : node["after"].items()) timers += list.size();
    }
  }
  EXPECT_EQ(transitions, workflow->transitions().size());
  EXPECT_EQ(timers, workflow->timers().size());
  // Guards are named by their rule, relative to the rules folder.
  for (const Transition& transition : workflow->transitions()) {
    if (!transition.guard || !transition.automatic()) continue;
    const nlohmann::json& always = machine["states"][workflow->states()[transition.from].name]["always"];
    bool found = false;
    for (const nlohmann::json& entry : always) {
      found = found || entry["guard"] == "after_sales.docket:" + std::to_string(transition.position.line);
    }
    EXPECT_TRUE(found) << transition.position.where;
  }
  // `on stage_changed -> executing` leaves and re-enters `executing`.
  EXPECT_EQ(machine["states"]["executing"]["on"]["stage_changed"][0]["reenter"], true);
}

TEST(ReachabilityTest, FindsUnreachableStatesAndDeadEnds) {
  std::shared_ptr<const Workflow> workflow = compile_text(kTicket);
  ASSERT_TRUE(workflow);
  Reachability facts = analyze_reachability(*workflow);
  EXPECT_TRUE(facts.unreachable().empty());
  EXPECT_TRUE(facts.dead_ends().empty());

  // a -> b -> a loops forever; c is never entered; d is final.
  WorkflowDefinition d;
  d.name = "w";
  for (const char* name : {"a", "b", "c", "d"}) {
    d.states.push_back(State{name, "", StateKind::kNormal, false, {}, {}, {}, {}});
  }
  d.states[0].kind = StateKind::kInitial;
  d.states[3].kind = StateKind::kFinal;
  d.events = {"go"};
  auto add = [&d](StateIndex from, StateIndex to) {
    Transition t;
    t.from = from;
    t.to = to;
    t.event = 0;
    d.transitions.push_back(t);
  };
  add(0, 1);
  add(1, 0);
  add(2, 3);
  Workflow::BuildResult built = Workflow::build(std::move(d));
  ASSERT_TRUE(built.workflow) << built.error;
  Reachability loop = analyze_reachability(*built.workflow);
  EXPECT_EQ(loop.unreachable(), (std::vector<StateIndex>{2, 3}));
  EXPECT_EQ(loop.dead_ends(), (std::vector<StateIndex>{0, 1}));
  EXPECT_TRUE(loop.can_finish[2]);
}

}  // namespace
}  // namespace docket::designer
