// The designer's tools on state groups and stays: drawings (DOT, Mermaid,
// JSON, XState), reachability, coverage, diff and simulation.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>
#include <nlohmann/json.hpp>

#include "designer/coverage.h"
#include "designer/diff.h"
#include "designer/graph_export.h"
#include "designer/profile.h"
#include "designer/simulation.h"
#include "engine/model/reachability.h"
#include "tests/support/engine_harness.h"

namespace docket::designer {
namespace {

using engine::testing::actor;
using engine::testing::compile_rules;
using engine::testing::Harness;
using engine::testing::kHour;
using engine::testing::kMonday;
using ::testing::HasSubstr;
using ::testing::Not;

// `open` nests in `active` (a frame in a frame); `late` overlaps `open`
// without nesting (a box of its own).
constexpr const char* kDesk = R"(workflow desk
field impact: enum(low, high) = low
department desk { roles handler }
category general -> desk
priority normal { resolve 24h }
group active "进行中" (received, investigating, extended) {
  every 24h do notify customer "progress"
}
group open (investigating, extended) {
  on withdrawn -> withdrawn
  on reassessed by handler do set impact = high
  pause resolve
}
group late (extended, closed) {
  on noted do set impact = low
}
initial state received { on accepted -> investigating }
state investigating {
  on extend -> extended
  on decided -> closed
  on ping do set impact = low
}
state extended { on decided -> closed }
final state closed
final state withdrawn
)";

std::shared_ptr<const engine::Workflow> desk() { return compile_rules(kDesk, "desk.docket"); }

// ---------------------------------------------------------------- drawings

TEST(GroupGraph, DotFramesNestedGroupsAndBoxesOverlappingOnes) {
  std::shared_ptr<const engine::Workflow> w = desk();
  ASSERT_TRUE(w);
  std::string dot = export_dot(*w);
  EXPECT_THAT(dot, HasSubstr("labelloc=t, compound=true];"));
  EXPECT_THAT(dot,
              HasSubstr("  subgraph \"cluster_group_active\" {\n"
                        "    label=\"group active: 进行中\\nevery 24h: notify customer\"; style=\"rounded,dashed\""));
  EXPECT_THAT(dot, HasSubstr("    \"received\" [label=\"received\""));
  EXPECT_THAT(dot, HasSubstr("    subgraph \"cluster_group_open\" {\n"
                             "      label=\"group open\\npauses resolve\\nreassessed / handler (stays)\";"));
  EXPECT_THAT(dot, HasSubstr("      \"investigating\" [label=\"investigating\\npauses resolve\""));
  // Drawn once, from the frame.
  EXPECT_THAT(dot,
              HasSubstr("  \"investigating\" -> \"withdrawn\" [label=\"withdrawn\", ltail=\"cluster_group_open\"];"));
  EXPECT_THAT(dot, Not(HasSubstr("\"extended\" -> \"withdrawn\"")));
  // `late` overlaps `open`: a box that names its states.
  EXPECT_THAT(dot, HasSubstr("  \"group:late\" [label=\"group late\\nextended, closed\\nnoted (stays)\", "
                             "style=\"rounded,dashed\""));
  // A state's own stay: a marked self-loop.
  EXPECT_THAT(dot, HasSubstr("  \"investigating\" -> \"investigating\" [label=\"ping (stays)\", arrowhead=odot];"));
  EXPECT_THAT(dot, HasSubstr("\"legend:normal\" -> \"legend:normal\" [label=\"on event: stays\", arrowhead=odot];"));
  // The group's timer is shown with the group, not in each state.
  EXPECT_THAT(dot, Not(HasSubstr("\"extended\" [label=\"extended\\npauses resolve\\nevery 24h")));
}

TEST(GroupGraph, DotRendersWithGraphviz) {
  ASSERT_EQ(std::system("command -v dot >/dev/null 2>&1"), 0) << "graphviz (`dot`) is required for this test";
  std::shared_ptr<const engine::Workflow> w = desk();
  ASSERT_TRUE(w);
  std::filesystem::path dir = std::filesystem::temp_directory_path() / ("docket_groups_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "desk.dot") << export_dot(*w);
  std::string command = "dot -Tsvg '" + (dir / "desk.dot").string() + "' -o '" + (dir / "desk.svg").string() +
                        "' 2> '" + (dir / "errors.txt").string() + "'";
  int status = std::system(command.c_str());
  std::stringstream messages;
  messages << std::ifstream(dir / "errors.txt").rdbuf();
  std::filesystem::remove_all(dir);
  EXPECT_EQ(status, 0) << messages.str();
  EXPECT_EQ(messages.str(), "");  // no warning about clusters or `ltail` either
}

TEST(GroupGraph, MermaidDrawsAGroupAsABox) {
  std::shared_ptr<const engine::Workflow> w = desk();
  ASSERT_TRUE(w);
  std::string mermaid = export_mermaid(*w);
  EXPECT_THAT(mermaid, HasSubstr("  state \"group open<br/>investigating, extended<br/>pauses resolve<br/>reassessed "
                                 "/ handler (stays)\" as group_open\n"));
  EXPECT_THAT(mermaid, HasSubstr("  group_open --> withdrawn : withdrawn\n"));
  EXPECT_THAT(mermaid, Not(HasSubstr("  extended --> withdrawn")));
  EXPECT_THAT(mermaid, HasSubstr("  investigating --> investigating : ping (stays)\n"));
}

TEST(GroupGraph, JsonNamesTheGroupOfEachItem) {
  std::shared_ptr<const engine::Workflow> w = desk();
  ASSERT_TRUE(w);
  nlohmann::json json = nlohmann::json::parse(export_json(*w));
  ASSERT_EQ(json["groups"].size(), 3u);
  EXPECT_EQ(json["groups"][1]["id"], "open");
  EXPECT_EQ(json["groups"][1]["states"], nlohmann::json::array({"investigating", "extended"}));
  EXPECT_EQ(json["groups"][1]["paused_clocks"], nlohmann::json::array({"resolve"}));
  EXPECT_EQ(json["groups"][1]["position"]["line"], 9);
  const nlohmann::json& investigating = json["nodes"][1];
  ASSERT_EQ(investigating["stays"].size(), 2u);
  EXPECT_EQ(investigating["stays"][0]["event"], "ping");
  EXPECT_EQ(investigating["stays"][0]["group"], nullptr);
  EXPECT_EQ(investigating["stays"][1]["group"], "open");
  std::size_t from_group = 0;
  for (const nlohmann::json& edge : json["edges"]) from_group += edge["group"] == "open" ? 1 : 0;
  EXPECT_EQ(from_group, 2u);  // `withdrawn`, from each of its states
}

// XState v5: a stay is a targetless transition; a group's transitions are
// listed in each of its states.
TEST(GroupGraph, XStateStaysHaveNoTarget) {
  std::shared_ptr<const engine::Workflow> w = desk();
  ASSERT_TRUE(w);
  nlohmann::json machine = nlohmann::json::parse(export_xstate(*w));
  const nlohmann::json& reassessed = machine["states"]["extended"]["on"]["reassessed"];
  ASSERT_EQ(reassessed.size(), 1u);
  EXPECT_FALSE(reassessed[0].contains("target"));
  EXPECT_FALSE(reassessed[0].contains("reenter"));
  EXPECT_EQ(reassessed[0]["actions"], nlohmann::json::array({"set impact = high"}));
  EXPECT_EQ(reassessed[0]["meta"]["group"], "open");
  EXPECT_EQ(machine["states"]["investigating"]["on"]["withdrawn"][0]["target"], "withdrawn");
  EXPECT_EQ(machine["states"]["closed"]["on"]["noted"][0]["meta"]["group"], "late");
  EXPECT_EQ(machine["states"]["closed"]["type"], "final");
  EXPECT_EQ(machine["states"]["received"]["after"]["86400000"][0]["meta"]["group"], "active");
}

TEST(GroupGraph, ReachabilityFollowsGroupsAndIgnoresStays) {
  std::string text = kDesk;
  text.replace(text.find("state extended { on decided -> closed }"), 39, "state extended { }");
  std::shared_ptr<const engine::Workflow> w = compile_rules(text, "desk.docket");
  ASSERT_TRUE(w);
  engine::Reachability facts = engine::analyze_reachability(*w);
  EXPECT_TRUE(facts.unreachable().empty());
  EXPECT_TRUE(facts.dead_ends().empty());  // `extended` leaves through the group's `withdrawn`
  // Stays are no edges: the graph has the moves only.
  std::size_t stays = 0;
  for (const engine::Transition& t : w->transitions()) stays += t.stays() ? 1 : 0;
  EXPECT_EQ(stays, 5u);  // ping; reassessed in 2 states; noted in 2 states
}

// ---------------------------------------------------------------- coverage

TEST(GroupCoverage, AGroupTransitionIsOneItemReachedFromAnyOfItsStates) {
  std::shared_ptr<const engine::Workflow> w = desk();
  ASSERT_TRUE(w);
  Coverage coverage(w);
  std::vector<std::string> transitions;
  for (const CoverageItem& item : coverage.items()) {
    if (item.kind == CoverageKind::kTransition) transitions.push_back(item.description);
  }
  EXPECT_THAT(transitions,
              ::testing::ElementsAre("accepted: received -> investigating", "extend: investigating -> extended",
                                     "decided: investigating -> closed", "ping: investigating (stays)",
                                     "withdrawn: group open -> withdrawn", "reassessed: group open (stays)",
                                     "decided: extended -> closed", "noted: group late (stays)"));
  Harness h(w);
  engine::Actor handler = actor("wu", {"handler"});
  ASSERT_TRUE(h.create(kMonday, "T-1", handler, {}).accepted);
  h.send(kMonday + kHour, "T-1", "accepted", handler);
  h.send(kMonday + kHour, "T-1", "extend", handler);
  h.send(kMonday + kHour, "T-1", "reassessed", handler);  // in `extended` only
  coverage.add(h.records());
  for (const CoverageItem& item : coverage.items()) {
    if (item.description == "reassessed: group open (stays)") {
      EXPECT_EQ(item.hits, 1u);
    } else if (item.description == "withdrawn: group open -> withdrawn") {
      EXPECT_EQ(item.hits, 0u);
    }
  }
  EXPECT_EQ(coverage.count(CoverageKind::kTransition).total, 8u);
  EXPECT_EQ(coverage.count(CoverageKind::kTransition).reached, 3u);
}

// ---------------------------------------------------------------- diff

TEST(GroupDiff, AStateAddedToAGroupShowsWhatItGains) {
  std::shared_ptr<const engine::Workflow> before = desk();
  std::string text = kDesk;
  text.replace(text.find("group open (investigating, extended)"), 36, "group open (received, investigating, extended)");
  std::shared_ptr<const engine::Workflow> after = compile_rules(text, "desk.docket");
  ASSERT_TRUE(before && after);
  std::string report = render_diff_text(diff_workflows(*before, *after));
  EXPECT_EQ(report,
            "states\n"
            "  ~ state received: paused clocks none -> resolve  (desk.docket:17)\n"
            "groups\n"
            "  + group open: state received  (desk.docket:9)\n"
            "transitions\n"
            "  + transition received on withdrawn: -> withdrawn (group open)  (desk.docket:10)\n"
            "  + transition received on reassessed: -> (stays) by handler do set impact = high (group open)  "
            "(desk.docket:11)\n"
            "4 changes: +3 ~1 -0\n");
}

TEST(GroupDiff, GroupsAddedAndRemoved) {
  std::shared_ptr<const engine::Workflow> before = desk();
  std::string text = kDesk;
  const std::string late = "group late (extended, closed) {\n  on noted do set impact = low\n}\n";
  text.replace(text.find(late), late.size(), "");
  std::shared_ptr<const engine::Workflow> after = compile_rules(text, "desk.docket");
  ASSERT_TRUE(before && after);
  std::vector<Change> changes = diff_workflows(*before, *after);
  ASSERT_GE(changes.size(), 1u);
  EXPECT_EQ(changes[0].section, DiffSection::kGroups);
  EXPECT_EQ(changes[0].kind, ChangeKind::kRemoved);
  EXPECT_EQ(changes[0].subject, "group late");
  EXPECT_EQ(changes[0].before, "\"\" (extended, closed)");
  EXPECT_THAT(
      render_diff_text(changes),
      HasSubstr("  - transition closed on noted: -> (stays) do set impact = low (group late)  (desk.docket:15)"));
}

// ---------------------------------------------------------------- simulation

// A stay draws the state's outcomes again; the report counts no branch for it.
TEST(GroupSimulation, AStayIsDrawnAgainAndIsNoBranch) {
  std::shared_ptr<const engine::Workflow> w = desk();
  ASSERT_TRUE(w);
  engine::Result<Profile> profile = parse_profile(R"([simulation]
start = 2026-11-02T00:00:00+08:00
days = 1
drain = "2d"
seed = 3

[[arrivals]]
category = "general"
per_hour = [2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2]
created_by = "handler"

[states.received]
customer_response = "10m"
[[states.received.outcomes]]
event = "accepted"
[states.investigating]
customer_response = "30m"
[[states.investigating.outcomes]]
event = "ping"
weight = 3
[[states.investigating.outcomes]]
event = "decided"
weight = 1
)",
                                                  "desk.toml");
  ASSERT_TRUE(profile.ok()) << profile.error();
  engine::Result<SimulationReport> report = simulate(w, profile.value(), {});
  ASSERT_TRUE(report.ok()) << report.error();
  EXPECT_GT(report->created, 0u);
  EXPECT_EQ(report->closed, report->created);  // every ticket went on after its stays
  for (const BranchFigure& branch : report->branches) {
    for (const Count& exit : branch.exits) EXPECT_THAT(exit.key, Not(HasSubstr("ping"))) << branch.state;
  }
}

}  // namespace
}  // namespace docket::designer
