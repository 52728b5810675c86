// docket conform's checking (conform/conformance.h) on hand-made logs, and on
// the ServiceNow sample with the shipped example.

#include "conform/conformance.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "conform/log_mapping.h"
#include "tests/support/engine_harness.h"
#include "tests/support/event_streams.h"

namespace docket::conform {
namespace {

using engine::testing::compile_rules;

constexpr const char* kDesk = R"(workflow desk "Desk" version "1"
field impact "Impact": enum(1 "1 - High", 2 "2 - Medium", 3 "3 - Low") = 3 required
field urgency "Urgency": enum(1 "1 - High", 2 "2 - Medium", 3 "3 - Low") = 3 required
department desk "Desk" { roles agent, manager }
category incident "Incident" -> desk
priority P1 "1 - Critical" { resolve 4h }
priority P2 "2 - High" { resolve 8h }
priority P3 "3 - Moderate" { resolve 2d }
classify priority by impact x urgency {
  columns 1, 2, 3
  1: P1 P1 P2
  2: P1 P2 P3
  3: P2 P3 P3
}
initial state new "New" {
  on enter do set category = incident, classify priority
  on take by agent -> active
  on resolve when impact >= 2 -> resolved do stop resolve
}
state active "Active" {
  on wait -> waiting
  on resolve by agent -> resolved do stop resolve
}
state waiting "Awaiting User" {
  pause resolve
  on resume -> active
}
state resolved "Resolved" {
  on reopen -> active
  after 2d -> closed
}
final state closed "Closed"
)";

class ConformTest : public ::testing::Test {
 protected:
  void SetUp() override {
    workflow_ = compile_rules(kDesk, "desk.docket");
    ASSERT_NE(workflow_, nullptr);
    mapping_.case_column = "case";
    mapping_.state_column = "state";
    mapping_.time_column = "time";
    mapping_.fields = {{"impact", "impact"}};
  }

  ConformanceResult check(const std::string& csv, const std::string& name = "log.csv") {
    std::string path = dir_.file(name);
    std::ofstream(path) << csv;
    engine::Result<ConformanceResult> result = check_log(*workflow_, mapping_, path);
    EXPECT_TRUE(result.ok()) << result.error();
    return result.ok() ? std::move(result.value()) : ConformanceResult();
  }

  std::string check_error(const std::string& csv) {
    std::string path = dir_.file("log.csv");
    std::ofstream(path) << csv;
    engine::Result<ConformanceResult> result = check_log(*workflow_, mapping_, path);
    EXPECT_FALSE(result.ok());
    return result.error();
  }

  static const TraceResult& trace(const ConformanceResult& result, const std::string& id) {
    for (const TraceResult& trace : result.traces_checked) {
      if (trace.case_id == id) return trace;
    }
    static const TraceResult none;
    ADD_FAILURE() << "no trace " << id;
    return none;
  }

  static std::vector<std::string> kinds(const TraceResult& trace) {
    std::vector<std::string> out;
    for (const Deviation& d : trace.deviations) out.push_back(to_string(d.kind));
    return out;
  }

  std::shared_ptr<const engine::Workflow> workflow_;
  LogMapping mapping_;
  testing::TempDir dir_;
};

TEST_F(ConformTest, AFittingTraceFitsAndItsVariantIsCounted) {
  ConformanceResult result = check(
      "case,state,time,impact\n"
      "A,New,2026-11-23T09:00:00Z,2 - Medium\n"
      "A,Resolved,2026-11-23T10:00:00Z,2 - Medium\n"
      "A,Closed,2026-11-25T10:00:00Z,2 - Medium\n");
  EXPECT_EQ(result.traces, 1u);
  EXPECT_EQ(result.fitting_traces, 1u);
  EXPECT_EQ(result.moves, 2u);
  EXPECT_EQ(result.allowed_moves, 2u);
  ASSERT_EQ(result.variants.size(), 1u);
  EXPECT_EQ(result.variants[0].path, (std::vector<std::string>{"new", "resolved", "closed"}));
  EXPECT_TRUE(trace(result, "A").deviations.empty());
}

TEST_F(ConformTest, EveryDeviationOfATraceIsFoundAfterResynchronising) {
  ConformanceResult result = check(
      "case,state,time,impact\n"
      "B,New,2026-11-23T09:00:00Z,1 - High\n"
      "B,Resolved,2026-11-23T10:00:00Z,1 - High\n"   // guard: impact 1 is worked first
      "B,Active,2026-11-23T11:00:00Z,1 - High\n"     // reopen: allowed
      "B,Closed,2026-11-23T12:00:00Z,1 - High\n"     // no move active -> closed
      "B,Waiting,2026-11-23T13:00:00Z,1 - High\n");  // nothing leaves a final state
  const TraceResult& b = trace(result, "B");
  EXPECT_EQ(kinds(b), (std::vector<std::string>{"guard", "move", "move"}));
  ASSERT_EQ(b.deviations.size(), 3u);
  EXPECT_EQ(b.deviations[0].line, 3u);
  EXPECT_EQ(b.deviations[0].from, "new");
  EXPECT_EQ(b.deviations[0].to, "resolved");
  EXPECT_EQ(b.deviations[0].rule.where, "desk.docket:18");
  EXPECT_EQ(b.deviations[0].detail, "on resolve when impact >= 2: does not hold");
  EXPECT_EQ(b.deviations[1].from, "active");
  EXPECT_EQ(b.deviations[1].logged, "Closed");
  EXPECT_EQ(b.deviations[1].allowed, (std::vector<std::string>{"waiting", "resolved"}));
  EXPECT_EQ(b.deviations[1].rule.where, "desk.docket:20");
  EXPECT_EQ(b.deviations[2].from, "closed");
  EXPECT_TRUE(b.deviations[2].allowed.empty());
  EXPECT_FALSE(b.fits);
  EXPECT_EQ(b.moves, 4u);
  EXPECT_EQ(b.allowed_moves, 1u);
  EXPECT_EQ(b.path, (std::vector<std::string>{"new", "resolved", "active", "closed", "waiting"}));
  EXPECT_EQ(result.deviations_by_kind[static_cast<std::size_t>(DeviationKind::kMove)], 2u);
}

TEST_F(ConformTest, ATraceMayStartMidProcessOnlyWhereTheMappingAllows) {
  const std::string log =
      "case,state,time,impact\n"
      "C,Active,2026-11-23T09:00:00Z,2\n"
      "C,Resolved,2026-11-23T10:00:00Z,2\n";
  const TraceResult refused = trace(check(log), "C");
  EXPECT_EQ(kinds(refused), std::vector<std::string>{"start"});
  EXPECT_EQ(refused.deviations[0].allowed, std::vector<std::string>{"new"});

  mapping_.start_states = {"active"};
  const TraceResult allowed = trace(check(log), "C");
  EXPECT_TRUE(allowed.fits);
  EXPECT_EQ(allowed.moves, 1u);
}

TEST_F(ConformTest, TiesInTimeAreBrokenByTheOrderColumn) {
  // Listed out of order in the file, at the same minute.
  const std::string log =
      "case,state,time,n,impact\n"
      "D,New,2026-11-23T09:00:00Z,0,1\n"
      "D,Resolved,2026-11-23T09:05:00Z,2,1\n"
      "D,Active,2026-11-23T09:05:00Z,1,1\n";
  EXPECT_FALSE(trace(check(log), "D").fits);  // file order: new -> resolved is refused for impact 1
  mapping_.order_column = "n";
  ConformanceResult ordered = check(log);
  const TraceResult& d = trace(ordered, "D");
  EXPECT_TRUE(d.fits);
  EXPECT_EQ(d.path, (std::vector<std::string>{"new", "active", "resolved"}));
  EXPECT_EQ(ordered.quality.time_ties, 1u);
  EXPECT_EQ(ordered.quality.order_disagreements, 0u);
}

TEST_F(ConformTest, RowsAreOrderedByTimeAndAnOrderColumnThatDisagreesIsReported) {
  mapping_.order_column = "n";
  ConformanceResult result = check(
      "case,state,time,n,impact\n"
      "E,Resolved,2026-11-23T10:00:00Z,1,1\n"  // before Active by its counter, after it by time
      "E,Active,2026-11-23T09:30:00Z,2,1\n"
      "E,New,2026-11-23T09:00:00Z,0,1\n");
  const TraceResult& e = trace(result, "E");
  EXPECT_EQ(e.path, (std::vector<std::string>{"new", "active", "resolved"}));
  EXPECT_TRUE(e.fits);
  EXPECT_EQ(result.quality.order_disagreements, 1u);
  // By the counter alone: new -> resolved, refused for impact 1. The verdict depends on the ordering.
  EXPECT_TRUE(e.order_sensitive);
  EXPECT_EQ(result.quality.order_sensitive_traces, 1u);
  EXPECT_EQ(e.rows.size(), 3u);  // kept for the auditor, though it fits
}

TEST_F(ConformTest, DuplicateOrderKeysAreCounted) {
  mapping_.order_column = "n";
  ConformanceResult result = check(
      "case,state,time,n,impact\n"
      "F,New,2026-11-23T09:00:00Z,4,2\n"
      "F,Resolved,2026-11-23T10:00:00Z,4,2\n");
  EXPECT_EQ(result.quality.duplicate_order_keys, 1u);
}

TEST_F(ConformTest, UnknownStatesAreDeviationsAndDataQualityWarnings) {
  ConformanceResult result = check(
      "case,state,time,impact\n"
      "G,New,2026-11-23T09:00:00Z,2\n"
      "G,Escalated,2026-11-23T09:30:00Z,2\n"
      "G,Resolved,2026-11-23T10:00:00Z,2\n");
  const TraceResult& g = trace(result, "G");
  EXPECT_EQ(kinds(g), std::vector<std::string>{"unknown_state"});
  EXPECT_EQ(g.deviations[0].detail, "the rules have no state for \"Escalated\"");
  EXPECT_EQ(result.quality.unknown_states.at("Escalated"), 1u);
  EXPECT_EQ(g.path, (std::vector<std::string>{"new", "?Escalated", "resolved"}));
  EXPECT_FALSE(g.fits);
}

TEST_F(ConformTest, StatesMatchByNameLabelMappingOrNormalisedName) {
  mapping_.states = {{"Pending", "waiting"}};
  ConformanceResult result = check(
      "case,state,time,impact\n"
      "H,new,2026-11-23T09:00:00Z,2\n"              // the name
      "H,Active,2026-11-23T09:10:00Z,2\n"           // the label
      "H,Pending,2026-11-23T09:20:00Z,2\n"          // the mapping
      "H,ACTIVE,2026-11-23T09:30:00Z,2\n"           // normalised
      "H,Awaiting User,2026-11-23T09:40:00Z,2\n");  // the label of `waiting`
  EXPECT_EQ(trace(result, "H").path, (std::vector<std::string>{"new", "active", "waiting", "active", "waiting"}));
  EXPECT_TRUE(result.quality.unknown_states.empty());
}

TEST_F(ConformTest, NaiveTimesAreReadInTheMappingsZone) {
  mapping_.time_format = "%d-%m-%Y %H:%M";
  mapping_.time_zone = "Asia/Shanghai";
  ConformanceResult result = check(
      "case,state,time,impact\n"
      "I,New,23-11-2026 09:00,2\n"
      "I,Resolved,23-11-2026 10:00,2\n"
      "I,Closed,24-11-2026 10:00,2\n");  // 1 day after resolving: the 2d timer had not come
  EXPECT_EQ(result.quality.naive_times, 3u);
  const TraceResult& i = trace(result, "I");
  ASSERT_EQ(i.rows.size(), 3u);
  EXPECT_EQ(i.rows[0].at, engine::testing::kMonday + 1 * engine::testing::kHour);  // 09:00 +08:00
  EXPECT_EQ(i.rows[0].time, "23-11-2026 09:00");
  EXPECT_EQ(kinds(i), std::vector<std::string>{"early"});
  EXPECT_EQ(i.deviations[0].detail, "after 2d: due 2026-11-25T02:00:00Z, the log moved 1d after entering");
}

TEST_F(ConformTest, ATimerMoveIsAllowedOnceItsTimeHasCome) {
  ConformanceResult result = check(
      "case,state,time,impact\n"
      "J,New,2026-11-23T09:00:00Z,2\n"
      "J,Resolved,2026-11-23T10:00:00Z,2\n"
      "J,Closed,2026-11-25T10:00:00Z,2\n");
  EXPECT_TRUE(trace(result, "J").fits);
}

TEST_F(ConformTest, RolesAreCheckedWhenTheLogCarriesThem) {
  mapping_.roles_column = "roles";
  mapping_.start_states = {"active"};
  ConformanceResult result = check(
      "case,state,time,impact,roles\n"
      "K,New,2026-11-23T09:00:00Z,2,manager\n"
      "K,Active,2026-11-23T10:00:00Z,2,manager\n"  // take is by agent
      "L,New,2026-11-23T09:00:00Z,2,desk.agent\n"
      "L,Active,2026-11-23T10:00:00Z,2,desk.agent\n");
  const TraceResult& k = trace(result, "K");
  EXPECT_EQ(kinds(k), std::vector<std::string>{"role"});
  EXPECT_EQ(k.deviations[0].detail, "on take is by agent; the actor holds \"manager\"");
  EXPECT_TRUE(trace(result, "L").fits);
}

TEST_F(ConformTest, ARecordedClassificationIsComparedWithTheRules) {
  mapping_.fields.push_back({"urgency", "urgency"});
  mapping_.checks = {{"priority", "priority"}};
  ConformanceResult result = check(
      "case,state,time,impact,urgency,priority\n"
      "M,New,2026-11-23T09:00:00Z,2 - Medium,2 - Medium,2 - High\n"  // P2 by its label: agrees
      "M,New,2026-11-23T09:10:00Z,3 - Low,3 - Low,P1\n"              // P3: disagrees
      "M,New,2026-11-23T09:20:00Z,3 - Low,3 - Low,P1\n"              // the same stretch
      "M,Resolved,2026-11-23T09:30:00Z,3 - Low,?,P3\n");             // `?` is no value: not classified
  const TraceResult& m = trace(result, "M");
  EXPECT_TRUE(m.fits);  // a classification does not break fitness
  EXPECT_EQ(kinds(m), std::vector<std::string>{"classification"});
  EXPECT_EQ(m.deviations[0].detail, "recorded priority \"P1\", the rules give P3 (impact x urgency: 3, 3)");
  ASSERT_EQ(result.classifications.size(), 1u);
  const ClassificationCheck& check = result.classifications[0];
  EXPECT_EQ(check.checked, 3u);
  EXPECT_EQ(check.agreeing, 1u);
  EXPECT_EQ(check.unclassified, 1u);
  EXPECT_EQ((check.disagreements.at({"P1", "P3"})), 2u);
}

TEST_F(ConformTest, RowsWithoutCaseOrReadableTimeAreSkippedAndNamed) {
  ConformanceResult result = check(
      "case,state,time,impact\n"
      ",New,2026-11-23T09:00:00Z,2\n"
      "N,New,yesterday,2\n"
      "N,New,2026-11-23T09:00:00Z,2\n");
  EXPECT_EQ(result.quality.rows, 3u);
  EXPECT_EQ(result.quality.skipped_rows, 2u);
  const std::string log = dir_.file("log.csv");
  EXPECT_EQ(result.quality.skipped,
            (std::vector<std::string>{log + ":2: no case id in `case`",
                                      log + ":3: cannot read the time \"yesterday\" in `time`"}));
  EXPECT_EQ(result.traces, 1u);
}

TEST_F(ConformTest, AMappingThatDoesNotFitTheRulesOrTheLogIsAnError) {
  mapping_.fields.push_back({"impakt", "impact"});
  mapping_.states = {{"Done", "closd"}};
  EXPECT_EQ(check_error("case,state,time,impact\n"),
            "[states] \"Done\": the rules have no state `closd` (did you mean `closed`?)\n"
            "[fields] `impakt`: the rules have no field `impakt` (did you mean `impact`?)");
  mapping_ = LogMapping();
  mapping_.case_column = "case";
  mapping_.time_column = "time";
  EXPECT_EQ(check_error("case,time\n"),
            "the mapping names neither a state nor an activity column (`state` or `activity` in [log])");
}

TEST_F(ConformTest, SlaClocksRunOverTheLogsTimesAgainstThePrioritysLimit) {
  mapping_.fields.push_back({"urgency", "urgency"});
  mapping_.start_states = {"active"};
  ConformanceResult result = check(
      "case,state,time,impact,urgency\n"
      // P2 (8h): 3h active, 10h waiting (paused), 4h active: 7h measured, met.
      "R,New,2026-11-23T08:00:00Z,2,2\n"
      "R,Active,2026-11-23T09:00:00Z,2,2\n"
      "R,Awaiting User,2026-11-23T11:00:00Z,2,2\n"
      "R,Active,2026-11-23T21:00:00Z,2,2\n"
      "R,Resolved,2026-11-24T01:00:00Z,2,2\n"
      // P1 (4h): resolved after 5h, breached.
      "S,New,2026-11-23T08:00:00Z,1,1\n"
      "S,Active,2026-11-23T09:00:00Z,1,1\n"
      "S,Resolved,2026-11-23T13:00:00Z,1,1\n"
      // P1, still open after 6h at its last row.
      "T,Active,2026-11-23T08:00:00Z,1,1\n"
      "T,Awaiting User,2026-11-23T14:00:00Z,1,1\n");
  EXPECT_TRUE(trace(result, "R").deviations.empty());
  const TraceResult& s = trace(result, "S");
  EXPECT_TRUE(s.fits);  // an SLA breach judges the outcome, not the control flow
  ASSERT_EQ(kinds(s), std::vector<std::string>{"sla"});
  EXPECT_EQ(s.deviations[0].line, 9u);
  EXPECT_EQ(s.deviations[0].detail, "`resolve` under P1: 5h measured against 4h");
  EXPECT_EQ(s.deviations[0].rule.where, "desk.docket:6");
  const TraceResult& t = trace(result, "T");
  ASSERT_EQ(kinds(t), std::vector<std::string>{"sla"});
  EXPECT_EQ(t.deviations[0].detail, "`resolve` under P1: 6h measured against 4h, still running at the last row");
  ASSERT_EQ(result.slas.size(), 1u);
  EXPECT_EQ(result.slas[0].metric, "resolve");
  EXPECT_EQ(result.slas[0].measured, 3u);
  EXPECT_EQ(result.slas[0].breached, 2u);
  EXPECT_EQ(result.slas[0].open, 1u);
}

TEST_F(ConformTest, AGuardThatNeedsAFieldTheLogLacksPassesAndIsCounted) {
  ConformanceResult result = check(
      "case,state,time,impact\n"
      "U,New,2026-11-23T09:00:00Z,?\n"
      "U,Resolved,2026-11-23T10:00:00Z,?\n");
  EXPECT_TRUE(trace(result, "U").fits);
  EXPECT_EQ(trace(result, "U").unjudged_guards, 1u);
  EXPECT_EQ(result.quality.unjudged_guards, 1u);
}

TEST_F(ConformTest, GuardsReadThePriorityTheRulesClassify) {
  workflow_ = compile_rules(std::string(kDesk) + R"(state triage "Triage" {
  on escalate when priority == P1 -> active
}
)",
                            "desk.docket");
  ASSERT_NE(workflow_, nullptr);
  mapping_.fields.push_back({"urgency", "urgency"});
  mapping_.start_states = {"triage"};
  ConformanceResult result = check(
      "case,state,time,impact,urgency\n"
      "V,Triage,2026-11-23T09:00:00Z,1,1\n"  // P1
      "V,Active,2026-11-23T10:00:00Z,1,1\n"
      "W,Triage,2026-11-23T09:00:00Z,3,3\n"  // P3
      "W,Active,2026-11-23T10:00:00Z,3,3\n");
  EXPECT_TRUE(trace(result, "V").fits);
  EXPECT_EQ(kinds(trace(result, "W")), std::vector<std::string>{"guard"});
}

TEST_F(ConformTest, AClockStartedOnEnteringAStateIsMeasuredFromThere) {
  workflow_ = compile_rules(R"(workflow desk "Desk" version "1"
field impact "Impact": enum(1 "1 - High", 2 "2 - Medium") = 2 required
priority P1 "1" { resolve 1h }
priority P2 "2" { resolve 4h }
classify priority by impact x impact {
  columns 1, 2
  1: P1 P1
  2: P1 P2
}
initial state new "New" { on take -> active }
state active "Active" {
  on enter do start resolve
  on resolve -> resolved
}
final state resolved "Resolved"
)",
                            "clock.docket");
  ASSERT_NE(workflow_, nullptr);
  ConformanceResult result = check(
      "case,state,time,impact\n"
      "X,New,2026-11-23T09:00:00Z,1\n"
      "X,Active,2026-11-23T12:00:00Z,1\n"  // the clock starts here, not at 09:00
      "X,Resolved,2026-11-23T12:30:00Z,1\n");
  ASSERT_EQ(result.slas.size(), 1u);
  EXPECT_EQ(result.slas[0].measured, 1u);
  EXPECT_EQ(result.slas[0].breached, 0u);
}

TEST_F(ConformTest, TracesPastTheKeptOnesKeepTheirDeviationsButNotTheirRows) {
  std::string log = "case,state,time,impact\n";
  for (int i = 0; i < 3; ++i) {
    std::string id = "Y" + std::to_string(i);
    log += id + ",New,2026-11-23T09:00:00Z,1\n" + id + ",Resolved,2026-11-23T10:00:00Z,1\n";
  }
  std::string path = dir_.file("kept.csv");
  std::ofstream(path) << log;
  ConformOptions options;
  options.keep_traces = 2;
  engine::Result<ConformanceResult> result = check_log(*workflow_, mapping_, path, options);
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_EQ(result->traces_kept, 2u);
  EXPECT_FALSE(trace(result.value(), "Y1").rows.empty());
  EXPECT_TRUE(trace(result.value(), "Y2").rows.empty());
  EXPECT_EQ(kinds(trace(result.value(), "Y2")), std::vector<std::string>{"guard"});
}

// ---------------------------------------------------------------- activity logs

class ActivityLogTest : public ConformTest {
 protected:
  void SetUp() override {
    ConformTest::SetUp();
    mapping_.state_column.clear();
    mapping_.activity_column = "activity";
    mapping_.activities = {{"Ticket opened", "create"}};
  }
};

TEST_F(ActivityLogTest, EventsFireTransitionsAndTimersComeDueBetweenRows) {
  ConformanceResult result = check(
      "case,activity,time,impact\n"
      "P,Ticket opened,2026-11-23T09:00:00Z,2\n"
      "P,take,2026-11-23T09:10:00Z,2\n"
      "P,wait,2026-11-23T09:20:00Z,2\n"
      "P,resume,2026-11-23T09:30:00Z,2\n"
      "P,resolve,2026-11-23T09:40:00Z,2\n"
      "P,reopen,2026-11-26T09:40:00Z,2\n");  // 3 days on: the 2d timer closed it
  const TraceResult& p = trace(result, "P");
  EXPECT_EQ(p.path, (std::vector<std::string>{"new", "active", "waiting", "active", "resolved", "closed"}));
  EXPECT_EQ(kinds(p), std::vector<std::string>{"move"});
  EXPECT_EQ(p.deviations[0].from, "closed");
  EXPECT_EQ(p.deviations[0].detail, "`reopen` is not handled in `closed`");
  EXPECT_EQ(p.moves, 5u);
  EXPECT_EQ(p.allowed_moves, 4u);
}

TEST_F(ActivityLogTest, UnknownActivitiesAndRefusedGuardsAreDeviations) {
  ConformanceResult result = check(
      "case,activity,time,impact\n"
      "Q,escalate,2026-11-23T09:00:00Z,1\n"
      "Q,resolve,2026-11-23T09:10:00Z,1\n");
  const TraceResult& q = trace(result, "Q");
  EXPECT_EQ(kinds(q), (std::vector<std::string>{"unknown_activity", "guard"}));
  EXPECT_EQ(q.deviations[0].allowed, (std::vector<std::string>{"take", "resolve"}));
  EXPECT_EQ(result.quality.unknown_activities.at("escalate"), 1u);
}

// ---------------------------------------------------------------- the mapping file

TEST(LogMappingTest, AMappingFileIsReadWithEveryKey) {
  engine::Result<LogMapping> mapping = parse_mapping(R"([log]
case = "number"
state = "incident_state"
time = "sys_updated_at"
time_format = "%d-%m-%Y %H:%M"
time_zone = "Europe/Lisbon"
order = "sys_mod_count"
actor = "sys_updated_by"
missing = ["?"]
format = "csv"
[states]
"On Hold" = "waiting"
[start]
states = ["active"]
[fields]
impact = "impact"
[check]
priority = "priority"
)",
                                                     "map.toml");
  ASSERT_TRUE(mapping.ok()) << mapping.error();
  EXPECT_EQ(mapping->case_column, "number");
  EXPECT_EQ(mapping->time_zone, "Europe/Lisbon");
  EXPECT_EQ(mapping->states.at("On Hold"), "waiting");
  EXPECT_EQ(mapping->start_states, std::vector<std::string>{"active"});
  EXPECT_EQ(mapping->columns(), (std::vector<std::string>{"number", "incident_state", "sys_updated_at", "sys_mod_count",
                                                          "sys_updated_by", "impact", "priority"}));
  EXPECT_EQ(mapping->incomplete(), "");
}

TEST(LogMappingTest, MistakesInTheMappingFileAreNamedWithTheirPlace) {
  engine::Result<LogMapping> mapping =
      parse_mapping("[log]\ncsae = \"number\"\nformat = \"xml\"\n[start]\nstates = \"a\"\n", "map.toml");
  ASSERT_FALSE(mapping.ok());
  EXPECT_EQ(mapping.error(),
            "map.toml:2:1: unknown key `csae` in [log]; did you mean `case`?\n"
            "map.toml:3:10: [log] `format` = \"xml\" must be \"csv\" or \"jsonl\"\n"
            "map.toml:5:10: [start] `states` must be a list of strings, such as [\"a\", \"b\"]");
}

TEST(TimeReaderTest, ReadsTheFormatsLogsWrite) {
  engine::Result<TimeReader> iso = TimeReader::make("", "UTC");
  ASSERT_TRUE(iso.ok());
  EXPECT_EQ(iso->read("2026-11-23T00:00:00Z")->at, engine::testing::kMonday);
  EXPECT_FALSE(iso->read("2026-11-23T00:00:00Z")->naive);
  EXPECT_EQ(iso->read("2026-11-23 08:00")->at, engine::testing::kMonday + 8 * engine::testing::kHour);
  EXPECT_TRUE(iso->read("2026-11-23 08:00")->naive);
  engine::Result<TimeReader> day_first = TimeReader::make("%d-%m-%Y %H:%M", "UTC");
  ASSERT_TRUE(day_first.ok());
  EXPECT_EQ(day_first->read("23-11-2026 00:00")->at, engine::testing::kMonday);
  EXPECT_FALSE(day_first->read("31-02-2016 10:00").has_value());  // no such day
  EXPECT_FALSE(day_first->read("23-11-2026 00:00:00").has_value());
  engine::Result<TimeReader> offset = TimeReader::make("%Y%m%d %H%M%S %z", "UTC");
  ASSERT_TRUE(offset.ok());
  EXPECT_EQ(offset->read("20261123 080000 +0800")->at, engine::testing::kMonday);
  EXPECT_EQ(TimeReader::make("%d.%m.%y", "UTC").error(),
            "time format \"%d.%m.%y\" may use only %Y %m %d %H %M %S %z and %% besides plain characters");
  EXPECT_FALSE(TimeReader::make("", "Mars/Olympus").ok());
}

TEST(TimeReaderTest, FractionsOfASecondAreDroppedAndAPlainDateIsNaive) {
  engine::Result<TimeReader> shanghai = TimeReader::make("", "Asia/Shanghai");
  ASSERT_TRUE(shanghai.ok());
  EXPECT_EQ(shanghai->read("2026-11-23T00:00:00.250Z")->at, engine::testing::kMonday);
  EXPECT_EQ(shanghai->read("2026-11-23T08:00:00.5")->at, engine::testing::kMonday);  // naive, +08:00
  TimeReader::Read day = *shanghai->read("2026-11-23");
  EXPECT_TRUE(day.naive);
  EXPECT_EQ(day.at, engine::testing::kMonday - 8 * engine::testing::kHour);
}

// ---------------------------------------------------------------- the ServiceNow sample

TEST(ServiceNowSampleTest, TheShippedExampleGivesTheFiguresDocsConformanceMdQuotes) {
  const std::string log = std::string(DOCKET_SOURCE_DIR) + "/../shared/data/servicenow-incident-events-sample.csv";
  ASSERT_TRUE(std::filesystem::exists(log)) << "the ServiceNow sample must be beside the project: " << log;
  const std::string examples = std::string(DOCKET_SOURCE_DIR) + "/examples/conformance/";
  std::ifstream rules_file(examples + "servicenow_incident.docket");
  std::stringstream rules;
  rules << rules_file.rdbuf();
  auto workflow = compile_rules(rules.str(), "servicenow_incident.docket");
  ASSERT_NE(workflow, nullptr);
  engine::Result<LogMapping> mapping = load_mapping(examples + "servicenow.map.toml");
  ASSERT_TRUE(mapping.ok()) << mapping.error();
  engine::Result<ConformanceResult> checked = check_log(*workflow, mapping.value(), log);
  ASSERT_TRUE(checked.ok()) << checked.error();
  const ConformanceResult& result = checked.value();
  EXPECT_EQ(result.quality.rows, 5998u);
  EXPECT_EQ(result.traces, 890u);
  EXPECT_EQ(result.fitting_traces, 875u);
  EXPECT_EQ(result.moves, 2528u);
  EXPECT_EQ(result.allowed_moves, 2512u);
  auto kind = [&](DeviationKind k) { return result.deviations_by_kind[static_cast<std::size_t>(k)]; };
  EXPECT_EQ(kind(DeviationKind::kGuard), 10u);
  EXPECT_EQ(kind(DeviationKind::kMove), 2u);
  EXPECT_EQ(kind(DeviationKind::kEarly), 4u);
  EXPECT_EQ(kind(DeviationKind::kClassification), 63u);
  ASSERT_EQ(result.classifications.size(), 1u);
  EXPECT_EQ(result.classifications[0].checked, 5998u);
  EXPECT_EQ(result.classifications[0].agreeing, 5597u);
  EXPECT_EQ((result.classifications[0].disagreements.at({"4 - Low", "P5"})), 401u);
  EXPECT_EQ(result.quality.order_sensitive_traces, 3u);
  EXPECT_EQ(result.quality.order_disagreements, 5u);
  EXPECT_EQ(result.quality.time_ties, 492u);
  EXPECT_EQ(result.variants.size(), 48u);
  EXPECT_EQ(result.variants[0].path, (std::vector<std::string>{"new", "resolved", "closed"}));
  EXPECT_EQ(result.variants[0].traces, 221u);
}

}  // namespace
}  // namespace docket::conform
