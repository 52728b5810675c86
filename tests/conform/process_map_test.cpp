// The process map of a conformance check (conform/process_map.h) on a
// result made by hand: traffic on the rules' edges, moves the rules do not
// allow, states no trace visited, stable ids, and labels that survive
// quotes, backslashes and Chinese text; and Graphviz draws it.

#include "conform/process_map.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <unistd.h>

#include "tests/conform/desk_example.h"

namespace docket::conform {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

using testing::desk_result;

std::shared_ptr<const engine::Workflow> desk() { return testing::desk_workflow(); }

// The DOT statement of the edge with `id`, or "" when there is none.
std::string statement_with(const std::string& dot, const std::string& id) {
  std::istringstream lines(dot);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.find("[id=\"" + id + "\"") != std::string::npos) return line;
  }
  return "";
}

TEST(ProcessMapTest, TakenEdgesCarryTheirCountsAndWeight) {
  auto workflow = desk();
  ASSERT_TRUE(workflow);
  std::string dot = process_map_dot(*workflow, desk_result());
  std::string busiest = statement_with(dot, "edge_open_working");
  EXPECT_THAT(busiest, HasSubstr("label=\"9\\nstart / agent\""));
  EXPECT_THAT(busiest, HasSubstr("penwidth=6.0"));  // the busiest edge
  // Two transitions from working to done: one edge, both rules on it.
  std::string resolved = statement_with(dot, "edge_working_done");
  EXPECT_THAT(resolved, HasSubstr("label=\"7\\nresolve [score >= 4]\\nclose_early [score < 4]\""));
  EXPECT_THAT(resolved, HasSubstr("penwidth=4.9"));  // 1 + 5 * 7/9
  EXPECT_THAT(resolved, Not(HasSubstr("style=")));   // on events: solid
}

TEST(ProcessMapTest, AutoAndTimerEdgesKeepTheirStyles) {
  auto workflow = desk();
  ASSERT_TRUE(workflow);
  std::string dot = process_map_dot(*workflow, desk_result());
  // `auto` and the timer lead to the same state: one edge, neither only auto
  // nor only a timer; the review's own edge is on an event.
  std::string both = statement_with(dot, "edge_working_review");
  EXPECT_THAT(both, HasSubstr("auto [score == 5]\\nafter 2d"));
  EXPECT_THAT(both, HasSubstr("style=dashed"));
  EXPECT_EQ(dot.find("note"), std::string::npos);  // a stay moves nowhere
}

TEST(ProcessMapTest, TimerOnlyEdgeIsDotted) {
  auto workflow = dsl::testing::compile_text(R"(workflow t
department d { roles r }
category c -> d
priority p { resolve 1d }
initial state waiting { after 1h -> late
  on done -> closed }
state late { on done -> closed }
final state closed
)");
  ASSERT_TRUE(workflow);
  std::string dot = process_map_dot(*workflow, ConformanceResult{});
  EXPECT_THAT(statement_with(dot, "edge_waiting_late"), HasSubstr("style=dotted"));
}

TEST(ProcessMapTest, DisallowedMoveIsARedDashedEdgeWithItsCount) {
  auto workflow = desk();
  ASSERT_TRUE(workflow);
  std::string dot = process_map_dot(*workflow, desk_result());
  std::string refused = statement_with(dot, "edge_open_done");
  EXPECT_THAT(refused, HasSubstr("label=\"1 not allowed\""));
  EXPECT_THAT(refused, HasSubstr("style=dashed"));
  EXPECT_THAT(refused, HasSubstr("color=\"#d32f2f\""));
  EXPECT_THAT(refused, HasSubstr("constraint=false"));  // the rules' shape stays
  EXPECT_THAT(dot, Not(HasSubstr("nowhere")));          // an unknown state is listed on the page, not drawn
}

TEST(ProcessMapTest, RefusedMoveBesideARuleEdgeGetsAnIdOfItsOwn) {
  auto workflow = desk();
  ASSERT_TRUE(workflow);
  ConformanceResult result = desk_result();
  result.edges.push_back({"working", "done", 3, false});  // a guard that did not hold
  std::string dot = process_map_dot(*workflow, result);
  EXPECT_THAT(statement_with(dot, "edge_working_done"), HasSubstr("label=\"7\\n"));
  EXPECT_THAT(statement_with(dot, "edge_working_done_refused"), HasSubstr("label=\"3 not allowed\""));
}

TEST(ProcessMapTest, UnvisitedStatesAndUntakenEdgesAreGrey) {
  auto workflow = desk();
  ASSERT_TRUE(workflow);
  std::string dot = process_map_dot(*workflow, desk_result());
  std::string dropped = statement_with(dot, "state_dropped");
  EXPECT_THAT(dropped, HasSubstr("no trace"));
  EXPECT_THAT(dropped, HasSubstr("fillcolor=\"#f5f5f5\""));
  EXPECT_THAT(dropped, HasSubstr("fontcolor=\"#9e9e9e\""));
  std::string drop = statement_with(dot, "edge_open_dropped");
  EXPECT_THAT(drop, HasSubstr("label=\"drop\""));  // no count
  EXPECT_THAT(drop, HasSubstr("color=\"#bdbdbd\""));
  EXPECT_THAT(drop, Not(HasSubstr("penwidth")));
}

TEST(ProcessMapTest, OnALargeGraphTheEdgesNeverTakenAreLeftOutAndCounted) {
  std::string rules = "workflow wide \"Wide\" version \"1\"\ninitial state s0 \"S0\" {\n";
  for (std::size_t i = 1; i <= kMaxUntakenEdges + 2; ++i) {
    rules += "  on go" + std::to_string(i) + " -> s" + std::to_string(i) + "\n";
  }
  rules += "}\n";
  for (std::size_t i = 1; i <= kMaxUntakenEdges + 2; ++i) {
    rules += "final state s" + std::to_string(i) + " \"S" + std::to_string(i) + "\"\n";
  }
  auto workflow = dsl::testing::compile_text(rules, "rules/wide.docket");
  ASSERT_TRUE(workflow);
  ConformanceResult result;
  result.traces = 1;
  result.edges.push_back(Edge{"s0", "s1", 1, true});
  result.variants.push_back(Variant{{"s0", "s1"}, 1, 1, "A"});
  std::string dot = process_map_dot(*workflow, result);
  EXPECT_THAT(statement_with(dot, "edge_s0_s1"), HasSubstr("label=\"1\\ngo1\""));
  EXPECT_EQ(statement_with(dot, "edge_s0_s2"), "");
  EXPECT_THAT(dot, HasSubstr("(" + std::to_string(kMaxUntakenEdges + 1) +
                             " transitions of the rules the log never took are not drawn)"));
}

TEST(ProcessMapTest, StatesCountTracesOncePerVariant) {
  auto workflow = desk();
  ASSERT_TRUE(workflow);
  ConformanceResult result = desk_result();
  // A variant that returns to `working`: its traces count once there.
  result.variants.push_back({{"open", "working", "review", "working", "done"}, 5, 5, "C20"});
  std::string dot = process_map_dot(*workflow, result);
  EXPECT_THAT(statement_with(dot, "state_working"), HasSubstr("label=\"处理中\\nworking\\n14 traces\""));
  EXPECT_THAT(statement_with(dot, "state_open"), HasSubstr("15 traces"));
  EXPECT_THAT(statement_with(dot, "state_open"), HasSubstr("fillcolor=\"#c8e6c9\""));  // the initial state's fill
  EXPECT_THAT(statement_with(dot, "start_open"), HasSubstr("label=\"15\""));
}

TEST(ProcessMapTest, TracesBeginningElsewhereGetAStartArrow) {
  auto workflow = desk();
  ASSERT_TRUE(workflow);
  ConformanceResult result = desk_result();
  result.variants.push_back({{"working", "done"}, 4, 4, "C30"});
  std::string dot = process_map_dot(*workflow, result);
  EXPECT_THAT(statement_with(dot, "start_working"), HasSubstr("label=\"4 start here\""));
}

TEST(ProcessMapTest, LabelsAreEscapedForDot) {
  auto workflow = desk();
  ASSERT_TRUE(workflow);
  std::string dot = process_map_dot(*workflow, desk_result());
  // The state label `新建 "急\单"` and the workflow label `服务台 "A\B"`.
  EXPECT_THAT(dot, HasSubstr("label=\"新建 \\\"急\\\\单\\\"\\nopen\\n10 traces\""));
  EXPECT_THAT(dot, HasSubstr("label=\"服务台 \\\"A\\\\B\\\" v2: 10 traces\""));
}

TEST(ProcessMapTest, IdsAreUniqueAndStable) {
  auto workflow = desk();
  ASSERT_TRUE(workflow);
  std::string dot = process_map_dot(*workflow, desk_result());
  EXPECT_EQ(dot, process_map_dot(*workflow, desk_result()));
  std::regex id_pattern("id=\"([^\"]+)\"");
  std::set<std::string> ids;
  for (auto it = std::sregex_iterator(dot.begin(), dot.end(), id_pattern); it != std::sregex_iterator(); ++it) {
    EXPECT_TRUE(ids.insert((*it)[1]).second) << "id used twice: " << (*it)[1];
  }
  for (const char* id : {"state_open", "state_working", "state_review", "state_done", "state_dropped",
                         "edge_open_working", "edge_working_review", "edge_review_done", "edge_open_done"}) {
    EXPECT_EQ(ids.count(id), 1U) << id;
  }
}

// Graphviz draws the map without a warning, and keeps the ids for the page.
TEST(ProcessMapTest, GraphvizDrawsItWithTheIds) {
  ASSERT_EQ(std::system("command -v dot >/dev/null 2>&1"), 0)
      << "graphviz is required for this test: install the `graphviz` package (`dot` on PATH)";
  auto workflow = desk();
  ASSERT_TRUE(workflow);
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("docket_process_map_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "map.dot") << process_map_dot(*workflow, desk_result());
  std::string command = "dot -Tsvg '" + (dir / "map.dot").string() + "' -o '" + (dir / "map.svg").string() + "' 2> '" +
                        (dir / "errors.txt").string() + "'";
  int status = std::system(command.c_str());
  std::stringstream svg, messages;
  svg << std::ifstream(dir / "map.svg").rdbuf();
  messages << std::ifstream(dir / "errors.txt").rdbuf();
  std::filesystem::remove_all(dir);
  EXPECT_EQ(status, 0) << messages.str();
  EXPECT_EQ(messages.str(), "");
  EXPECT_THAT(svg.str(), HasSubstr("id=\"state_working\""));
  EXPECT_THAT(svg.str(), HasSubstr("id=\"edge_open_done\""));
  EXPECT_THAT(svg.str(), HasSubstr("处理中"));
}

}  // namespace
}  // namespace docket::conform
