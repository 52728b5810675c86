// State groups and stays in the rule language: how they parse, what the
// checker says about them, and what the compiler makes of them.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "dsl/checker.h"
#include "dsl/compiler.h"
#include "dsl/limits.h"
#include "dsl/loader.h"
#include "dsl/parser.h"
#include "engine/model/workflow.h"

namespace docket::dsl {
namespace {

using engine::kNoIndex;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// A complaint desk: three open states share withdrawal and a re-assessment
// that stays; `closed` records a late note without leaving.
constexpr const char* kDesk = R"(workflow desk
field impact: enum(low, high) = low
field note: text
department desk { roles handler, customer }
category general -> desk
priority normal { resolve 24h }
group open "处理中" (received, investigating, extended) {
  on withdrawn by customer -> withdrawn do notify customer "withdrawn"
  on reassessed by handler do set impact = high
  pause resolve
  every 24h do notify customer "progress"
}
initial state received { on accepted -> investigating }
state investigating { on extend -> extended  on decided -> closed }
state extended { on decided -> closed }
final state closed { on noted by handler do set note = "late" }
final state withdrawn
)";

// Parses, loads and checks `text`: the diagnostics as "line:column code message".
std::vector<std::string> check_text(const std::string& text) {
  SourceSet sources;
  Diagnostics diagnostics;
  std::optional<RuleFile> file = load_text("desk.docket", text, sources, diagnostics);
  if (file) check(*file, diagnostics);
  diagnostics.sort();
  std::vector<std::string> out;
  for (const Diagnostic& d : diagnostics.items()) {
    out.push_back(std::to_string(d.loc.line) + ":" + std::to_string(d.loc.column) + " " + d.code + " " + d.message +
                  (d.help.empty() ? "" : " | " + d.help));
  }
  return out;
}

std::shared_ptr<const engine::Workflow> compile_text(const std::string& text) {
  SourceSet sources;
  Diagnostics diagnostics;
  std::optional<RuleFile> file = load_text("desk.docket", text, sources, diagnostics);
  if (file) check(*file, diagnostics);
  std::shared_ptr<const engine::Workflow> workflow;
  if (file && !diagnostics.has_errors()) workflow = compile(*file, sources, diagnostics);
  if (!workflow) ADD_FAILURE() << render_text(diagnostics, sources);
  return workflow;
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// ---------------------------------------------------------------- parsing

TEST(GroupParse, GroupWithStatesAndItems) {
  Diagnostics diagnostics;
  std::optional<RuleFile> file = parse(0, kDesk, diagnostics);
  ASSERT_TRUE(file);
  ASSERT_EQ(file->groups.size(), 1u);
  const GroupDecl& group = file->groups[0];
  EXPECT_EQ(group.name.text, "open");
  EXPECT_EQ(group.label, "处理中");
  EXPECT_EQ(group.loc, (SourceLoc{0, 7, 1}));
  ASSERT_EQ(group.states.size(), 3u);
  EXPECT_EQ(group.states[2].text, "extended");
  EXPECT_FALSE(group.every_state);
  ASSERT_EQ(group.transitions.size(), 2u);
  EXPECT_EQ(group.transitions[0].target.text, "withdrawn");
  EXPECT_TRUE(group.transitions[1].stays());
  EXPECT_EQ(group.transitions[1].actions.size(), 1u);
  ASSERT_EQ(group.paused_clocks.size(), 1u);
  ASSERT_EQ(group.timers.size(), 1u);
  EXPECT_TRUE(group.contains("investigating"));
  EXPECT_FALSE(group.contains("closed"));
}

TEST(GroupParse, StarTakesInEveryState) {
  Diagnostics diagnostics;
  std::optional<RuleFile> file = parse(0, "group anywhere (*) { on noted do set note = \"x\" }", diagnostics);
  ASSERT_TRUE(file);
  EXPECT_TRUE(file->groups[0].every_state);
  EXPECT_TRUE(file->groups[0].states.empty());
  EXPECT_TRUE(file->groups[0].contains("whatever"));
}

// A stay ends with its actions, or where the next item or the block ends.
TEST(StayParse, AnOnWithoutTargetStays) {
  Diagnostics diagnostics;
  std::optional<RuleFile> file = parse(0,
                                       "state s {\n"
                                       "  on noted by handler\n"
                                       "  on reassessed when impact == low do set impact = high\n"
                                       "  on done -> s; on ping\n"
                                       "}\n",
                                       diagnostics);
  ASSERT_TRUE(file);
  const std::vector<Transition>& ts = file->states[0].transitions;
  ASSERT_EQ(ts.size(), 4u);
  EXPECT_TRUE(ts[0].stays());
  EXPECT_EQ(ts[0].roles.size(), 1u);
  EXPECT_TRUE(ts[1].stays());
  EXPECT_TRUE(ts[1].guard);
  EXPECT_FALSE(ts[2].stays());
  EXPECT_TRUE(ts[3].stays());
}

TEST(StayParse, AnAutoTransitionStillNeedsItsTarget) {
  Diagnostics diagnostics;
  EXPECT_FALSE(parse(0, "state s { auto do set x = 1 }", diagnostics));
  ASSERT_EQ(diagnostics.items().size(), 1u);
  EXPECT_EQ(diagnostics.items()[0].message, "expected `->` and the state to go to, got `do`");
}

TEST(GroupParse, SyntaxErrorsSayWhatAGroupNeeds) {
  auto first_error = [](const std::string& text) {
    Diagnostics diagnostics;
    EXPECT_FALSE(parse(0, text, diagnostics));
    return diagnostics.items().empty() ? std::string() : diagnostics.items()[0].message;
  };
  EXPECT_EQ(first_error("group open { }"),
            "expected `(` and the states of the group, such as `(verifying, extended)`, or `(*)`, got `{`");
  EXPECT_EQ(first_error("group open (a b) { }"), "expected `,` or `)` in the list of states, got `b`");
  EXPECT_EQ(first_error("group open (a) { await approval }"),
            "expected a group item (on, auto, after, every, pause) or `}`, got `await`");
  EXPECT_EQ(first_error("state s { on go closed }"),
            "expected `->` and the state to go to, or `do` and the actions of a stay, got `closed`");
}

// ---------------------------------------------------------------- checking

TEST(GroupCheck, TheDeskIsClean) { EXPECT_THAT(check_text(kDesk), IsEmpty()); }

TEST(GroupCheck, UnknownAndRepeatedStates) {
  std::string text = replaced(kDesk, "(received, investigating, extended)", "(received, investigatng, received)");
  EXPECT_THAT(check_text(text), ElementsAre("7:35 E010 undefined state `investigatng` | did you mean `investigating`?",
                                            "7:49 E011 duplicate state `received` in `open` | first defined at 7:25"));
}

TEST(GroupCheck, DuplicateGroup) {
  std::string text = std::string(kDesk) + "group open (closed) { }\n";
  EXPECT_THAT(check_text(text), ElementsAre("18:7 E011 duplicate group `open` | first defined at 7:7"));
}

// A stay does not leave, so a final state may have one; a group's move out of
// a final state it takes in is reported where the group writes it.
TEST(GroupCheck, FinalStatesMayStayButNotLeave) {
  std::string text = replaced(kDesk, "(received, investigating, extended)", "(received, investigating, closed)");
  EXPECT_THAT(check_text(text),
              ElementsAre("8:6 E017 final state `closed` has an outgoing transition | it comes from group `open`, "
                          "which takes in `closed`; a final state ends the ticket: take `closed` out of the group, "
                          "or write no target to stay"));
}

TEST(GroupCheck, StarTakesInFinalStatesToo) {
  std::string text = replaced(kDesk, "(received, investigating, extended)", "(*)");
  std::vector<std::string> found = check_text(text);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].substr(0, found[0].find(" |")), "8:6 E017 final state `closed` has an outgoing transition");
  EXPECT_EQ(found[1].substr(0, found[1].find(" |")), "8:6 E017 final state `withdrawn` has an outgoing transition");
}

TEST(GroupCheck, AStateAndItsGroupCannotBothTakeAnEvent) {
  std::string text = replaced(kDesk, "state extended { on decided -> closed }",
                              "state extended { on decided -> closed  on withdrawn -> closed }");
  EXPECT_THAT(check_text(text),
              ElementsAre("8:6 E018 transitions on `withdrawn` from `extended` can both fire | the one at 15:43 "
                          "(`extended`) has no guard and is always taken first; give them exclusive guards, or take "
                          "`extended` out of group `open`"));
}

// Unlike two transitions of one state, a group's transition is no fallback
// for a state's: which one fires would depend on where each is written.
TEST(GroupCheck, AGroupIsNoFallbackForAState) {
  std::string text = replaced(kDesk, "state extended { on decided -> closed }",
                              "state extended { on decided -> closed  on withdrawn when impact == high -> closed }");
  EXPECT_THAT(check_text(text),
              ElementsAre("8:6 E018 transitions on `withdrawn` from `extended` can both fire | the one at 15:43 "
                          "(`extended`) is taken first whenever its guard holds, and a group's transition is no "
                          "fallback for another place's; give them exclusive guards, or take `extended` out of "
                          "group `open`"));
  // Guards that exclude each other are fine.
  text = replaced(kDesk, "state extended { on decided -> closed }",
                  "state extended { on decided -> closed  on withdrawn by handler -> closed }");
  EXPECT_THAT(check_text(text), IsEmpty());
}

// Two transitions of one group that overlap are reported once, not once per state.
TEST(GroupCheck, OverlapsInsideAGroupAreReportedOnce) {
  std::string text = replaced(kDesk, "  pause resolve\n", "  on reassessed by handler do set impact = low\n");
  EXPECT_THAT(check_text(text), ElementsAre("10:6 E018 transitions on `reassessed` in group `open` can both fire | the "
                                            "one at 9:6 has no guard and is always taken first; give them exclusive "
                                            "guards"));
}

TEST(GroupCheck, TwoGroupsOverlapInTheStatesTheyShare) {
  std::string text = std::string(kDesk) + "group late (extended, closed) { on reassessed do set note = \"x\" }\n";
  EXPECT_THAT(check_text(text),
              ElementsAre("18:36 E018 transitions on `reassessed` from `extended` can both fire | the one at 9:6 "
                          "(group `open`) has no guard and is always taken first; give them exclusive guards, or "
                          "take `extended` out of group `late`"));
}

TEST(GroupCheck, ApprovalEventsOfAGroup) {
  std::string text = replaced(kDesk, "  pause resolve\n", "  on approved -> closed\n");
  EXPECT_THAT(check_text(text),
              ElementsAre("10:6 E031 `approved` is handled in `received`, which does not await approval | it comes "
                          "from group `open`, which takes in `received`; handle `approved` in the states that await "
                          "approval",
                          "10:6 E031 `approved` is handled in `investigating`, which does not await approval | it "
                          "comes from group `open`, which takes in `investigating`; handle `approved` in the states "
                          "that await approval",
                          "10:6 E031 `approved` is handled in `extended`, which does not await approval | it comes "
                          "from group `open`, which takes in `extended`; handle `approved` in the states that await "
                          "approval"));
}

constexpr const char* kHeaderForApproval = R"(workflow approvals
field note: text
department desk { roles lead }
category general -> desk
priority normal { resolve 24h }
approval otherwise: lead
)";

TEST(StayCheck, ApprovalDecisionsMustLeave) {
  std::string text = std::string(kHeaderForApproval) + R"(initial state review {
  await approval
  on approved do set note = "ok"
  on rejected -> done
}
final state done
)";
  EXPECT_THAT(check_text(text),
              ElementsAre("9:6 E054 `approved` in `review` stays in the state | the approval chain has decided and the "
                          "ticket cannot wait for it again; give it a target: `on approved -> STATE`"));
}

TEST(StayCheck, AFinalStatesStayStartsNoClock) {
  std::string text = replaced(kDesk, "final state closed { on noted by handler do set note = \"late\" }",
                              "final state closed { on noted by handler do set note = \"late\", start resolve }");
  text = replaced(text, "  pause resolve\n", "");
  text = replaced(text, "(received, investigating, extended)", "(received, investigating, extended, withdrawn)");
  text = replaced(text, "on withdrawn by customer -> withdrawn do notify customer \"withdrawn\"",
                  "on withdrawn by customer do extend resolve by 1h \"late\"");
  text = replaced(text, "on accepted -> investigating", "on accepted -> investigating  on dropped -> withdrawn");
  EXPECT_THAT(check_text(text),
              ElementsAre("8:31 E055 `extend resolve` in a stay of final state `withdrawn`, whose clocks have "
                          "stopped | it comes from group `open`, which takes in `withdrawn`; a closed ticket is "
                          "measured no more: remove the action, or record the time in a timestamp field",
                          "15:64 E055 `start resolve` in a stay of final state `closed`, whose clocks have stopped | "
                          "a closed ticket is measured no more: remove the action, or record the time in a timestamp "
                          "field"));
}

// A group's transitions count for reachability and for a way out.
TEST(GroupCheck, GroupTransitionsAreEdgesOfTheGraph) {
  std::string text = replaced(kDesk, "state extended { on decided -> closed }", "state extended { }");
  EXPECT_THAT(check_text(text), IsEmpty());  // `extended` leaves through the group's `withdrawn`
  text = replaced(kDesk, "on withdrawn by customer -> withdrawn do notify customer \"withdrawn\"",
                  "on withdrawn by customer do notify customer \"withdrawn\"");
  EXPECT_THAT(check_text(text), ElementsAre("17:13 W001 state `withdrawn` is unreachable | no transition or timer "
                                            "from `received` leads here"));
}

TEST(GroupCheck, NamesInItemsAreCheckedOnce) {
  std::string text = replaced(kDesk, "do set impact = high", "do set impct = high");
  std::vector<std::string> found = check_text(text);
  EXPECT_EQ(
      std::count_if(found.begin(), found.end(),
                    [](const std::string& d) { return d.find("E010 undefined field `impct`") != std::string::npos; }),
      1);  // not once for each of the three states
}

// A variant adds groups as it adds states, and replaces one with `override group`.
TEST(GroupCheck, AVariantAddsAndOverridesGroups) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / ("docket_groups_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "desk.docket") << kDesk;
  auto load_variant = [&](const std::string& groups, Diagnostics& diagnostics) {
    SourceSet sources;
    std::string header = "extends \"" + (dir / "desk.docket").string() + "\"\nworkflow variant\n";
    return load_text("variant.docket", header + groups, sources, diagnostics);
  };
  Diagnostics clean;
  std::optional<RuleFile> file = load_variant(R"(override group open (received, investigating) {
  on withdrawn by customer -> withdrawn
}
group closing (extended) { on closing_note do set note = "x" }
)",
                                              clean);
  Diagnostics unknown;
  load_variant("override group nothing (received) { }\n", unknown);
  std::filesystem::remove_all(dir);

  ASSERT_TRUE(file);
  EXPECT_TRUE(clean.items().empty());
  ASSERT_EQ(file->groups.size(), 2u);
  EXPECT_EQ(file->groups[0].states.size(), 2u);  // replaced in place
  EXPECT_EQ(file->groups[0].transitions.size(), 1u);
  EXPECT_EQ(file->groups[1].name.text, "closing");
  Diagnostics checked;
  check(*file, checked);
  EXPECT_FALSE(checked.has_errors());

  ASSERT_EQ(unknown.items().size(), 1u);
  EXPECT_EQ(unknown.items()[0].code, "E027");
  EXPECT_EQ(unknown.items()[0].message, "`override` of group `nothing`, which the base workflow does not declare");
}

// ---------------------------------------------------------------- limits

TEST(GroupLimits, CopiesCountOncePerState) {
  std::string text = "workflow w\n";
  for (int i = 0; i < 100; ++i) text += "state s" + std::to_string(i) + "\n";
  text += "group all (*) {\n";
  for (int i = 0; i < 101; ++i) text += "  on e" + std::to_string(i) + " -> s0\n";
  text += "}\n";
  // 100 states x 101 transitions: over both the transitions and the copies.
  SourceSet sources;
  Diagnostics diagnostics;
  std::optional<RuleFile> file = load_text("big.docket", text, sources, diagnostics);
  ASSERT_TRUE(file);
  EXPECT_FALSE(check_limits(*file, diagnostics));
  ASSERT_EQ(diagnostics.items().size(), 1u);
  EXPECT_EQ(diagnostics.items()[0].code, "E034");
  EXPECT_EQ(diagnostics.items()[0].message, "workflow has 10100 group copies (limit 10000 group copies)");

  WorkflowLimits limits;
  limits.max_group_copies = 100000;
  Diagnostics transitions;
  EXPECT_FALSE(check_limits(*file, transitions, limits));
  EXPECT_EQ(transitions.items()[0].message, "workflow has 10100 transitions (limit 10000 transitions)");
  EXPECT_EQ(transitions.items()[0].loc.line, 102u);  // the group
}

// ---------------------------------------------------------------- compiling

TEST(GroupCompile, ItemsAreCopiedIntoEachStateAfterItsOwn) {
  std::shared_ptr<const engine::Workflow> w = compile_text(kDesk);
  ASSERT_TRUE(w);
  ASSERT_EQ(w->groups().size(), 1u);
  const engine::StateGroup& group = w->groups()[0];
  EXPECT_EQ(group.name, "open");
  EXPECT_EQ(group.states, (std::vector<engine::StateIndex>{0, 1, 2}));
  EXPECT_EQ(group.position.where, "desk.docket:7");

  engine::StateIndex investigating = *w->find_state("investigating");
  std::vector<std::string> seen;
  for (engine::TransitionIndex t : w->transitions_from(investigating)) {
    const engine::Transition& transition = w->transitions()[t];
    seen.push_back(w->events()[transition.event] +
                   (transition.stays() ? " stays" : " -> " + w->states()[transition.to].name) +
                   (transition.group == 0 ? " (open)" : "") + " at " + std::to_string(transition.position.line));
  }
  EXPECT_THAT(seen, ElementsAre("extend -> extended at 14", "decided -> closed at 14",
                                "withdrawn -> withdrawn (open) at 8", "reassessed stays (open) at 9"));
  EXPECT_EQ(w->states()[investigating].paused_clocks, (std::vector<engine::MetricIndex>{0}));
  ASSERT_EQ(w->timers_of(investigating).size(), 1u);
  EXPECT_EQ(w->timers()[w->timers_of(investigating)[0]].group, 0u);
  EXPECT_TRUE(w->timers_of(*w->find_state("closed")).empty());

  // The final state's own stay.
  engine::StateIndex closed = *w->find_state("closed");
  ASSERT_EQ(w->transitions_from(closed).size(), 1u);
  const engine::Transition& noted = w->transitions()[w->transitions_from(closed)[0]];
  EXPECT_TRUE(noted.stays());
  EXPECT_EQ(noted.to, kNoIndex);
  EXPECT_EQ(noted.group, kNoIndex);
}

TEST(GroupCompile, ATicketsCandidatesAreItsOwnThenItsGroups) {
  std::string text = replaced(kDesk, "state extended { on decided -> closed }",
                              "state extended { on decided -> closed  on withdrawn by handler -> closed }");
  std::shared_ptr<const engine::Workflow> w = compile_text(text);
  ASSERT_TRUE(w);
  std::span<const engine::TransitionIndex> candidates =
      w->candidates(*w->find_state("extended"), *w->find_event("withdrawn"));
  ASSERT_EQ(candidates.size(), 2u);
  EXPECT_EQ(w->transitions()[candidates[0]].group, kNoIndex);
  EXPECT_EQ(w->transitions()[candidates[1]].group, 0u);
}

// The compiler never makes one; a workflow built by hand is refused.
TEST(GroupCompile, AnAutomaticTransitionNeedsATarget) {
  std::shared_ptr<const engine::Workflow> w = compile_text(kDesk);
  ASSERT_TRUE(w);
  engine::WorkflowDefinition definition = w->definition();
  engine::Transition automatic_stay;
  automatic_stay.from = 0;
  definition.transitions.push_back(automatic_stay);  // `auto` without a target would never come to rest
  engine::Workflow::BuildResult built = engine::Workflow::build(std::move(definition));
  EXPECT_FALSE(built.workflow);
  EXPECT_THAT(built.error, ::testing::HasSubstr("state index none out of range"));
}

}  // namespace
}  // namespace docket::dsl
