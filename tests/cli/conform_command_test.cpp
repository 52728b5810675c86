// `docket conform` as a user runs it: the mapping file and the options over
// it, every output format, exit codes and the errors a user meets.

#include <gtest/gtest.h>

#include <string>

#include "tests/cli/command_harness.h"

namespace docket::cli::testing {
namespace {

constexpr const char* kRules = R"(workflow desk "Desk" version "1"
field impact "Impact": enum(1 "1 - High", 2 "2 - Medium", 3 "3 - Low") = 3 required
initial state new "New" {
  on take -> active
  on resolve when impact >= 2 -> resolved
}
state active "Active" {
  on resolve -> resolved
}
final state resolved "Resolved"
)";

constexpr const char* kLog =
    "ticket,status,when,seq,impact\n"
    "A-1,New,2026-11-23 09:00,1,2 - Medium\n"
    "A-1,Resolved,2026-11-23 10:00,2,2 - Medium\n"
    "A-2,New,2026-11-23 09:00,1,1 - High\n"
    "A-2,Resolved,2026-11-23 09:30,2,1 - High\n"
    "A-3,Active,2026-11-23 09:00,1,3 - Low\n"
    "A-3,Resolved,2026-11-23 09:00,2,3 - Low\n";

constexpr const char* kMap = R"([log]
case = "ticket"
state = "status"
time = "when"
order = "seq"
[fields]
impact = "impact"
)";

class ConformCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    rules_ = write_temp("desk.docket", kRules);
    log_ = write_temp("desk_log.csv", kLog);
    map_ = write_temp("desk_map.toml", kMap);
  }
  std::string command(const std::string& extra = "") const {
    return "conform " + rules_ + " --log " + log_ + " --map " + map_ + " " + extra;
  }
  std::string rules_, log_, map_;
};

TEST_F(ConformCommandTest, TheTextSummaryGivesFitnessDeviationsAndTheirRows) {
  CommandRun run = run_docket(command());
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("  log fitness   33.3%  1 of 3 traces fit\n"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("  move fitness  66.7%  2 of 3 moves allowed\n"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("  A-2: 1 deviation\n"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("guard: new -> resolved (on resolve when impact >= 2: does not hold)"), std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("start: begins in active; allowed: new"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("warning: 6 rows have times without a UTC offset, read as UTC time"), std::string::npos)
      << run.out;
}

TEST_F(ConformCommandTest, AnActivityLogSaysWhichEventAStateDidNotHandle) {
  std::string log = write_temp("activities.csv",
                               "ticket,step,when\n"
                               "B-1,take,2026-11-23T09:00:00Z\n"
                               "B-1,take,2026-11-23T09:05:00Z\n");
  CommandRun run = run_docket("conform " + rules_ + " --log " + log + " --case ticket --activity step --time when");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("    line  time                  logged  deviation\n"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("move: `take` is not handled in `active`; it handles: resolve ["), std::string::npos)
      << run.out;
}

TEST_F(ConformCommandTest, OptionsOverrideTheMappingFile) {
  CommandRun run = run_docket(command("--start-state active --time-zone Asia/Shanghai"));
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("2 of 3 traces fit"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("read as Asia/Shanghai time"), std::string::npos) << run.out;
}

TEST_F(ConformCommandTest, JsonAndCsvListEveryTraceAndDeviation) {
  CommandRun json = run_docket(command("--format json"));
  EXPECT_EQ(json.exit_code, 0) << json.err;
  EXPECT_NE(json.out.find(R"("log_fitness":0.3333)"), std::string::npos) << json.out;
  EXPECT_NE(json.out.find(R"({"case":"A-2","fits":false)"), std::string::npos) << json.out;
  EXPECT_NE(json.out.find(R"("rows":[{"line":4,"at":"2026-11-23T09:00:00Z","time":"2026-11-23 09:00","order":"1",)"
                          R"("logged":"New","actor":""})"),
            std::string::npos)
      << json.out;
  CommandRun csv = run_docket(command("--format csv"));
  EXPECT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(csv.out.substr(0, csv.out.find('\n')), "case,line,at,kind,from,logged,to,allowed,rule,detail");
  EXPECT_NE(csv.out.find("A-2,5,2026-11-23T09:30:00Z,guard,new,Resolved,resolved,active resolved,"), std::string::npos)
      << csv.out;
  CommandRun traces = run_docket(command("--format csv --rows traces"));
  EXPECT_EQ(traces.out,
            "case,fits,moves,allowed_moves,deviations,order_sensitive,path\n"
            "A-1,true,1,1,0,false,new > resolved\n"
            "A-2,false,1,0,1,false,new > resolved\n"
            "A-3,false,1,1,1,false,active > resolved\n");
}

TEST_F(ConformCommandTest, TheHtmlPageIsWrittenToAFile) {
  std::string page = ::testing::TempDir() + "conformance_page.html";
  CommandRun run = run_docket(command("--format html --output " + page));
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(run.out.empty());
  std::string html = read_text(page);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("A-2"), std::string::npos);
}

TEST_F(ConformCommandTest, FailUnderTurnsALowFitnessIntoExitOne) {
  CommandRun low = run_docket(command("--fail-under 50"));
  EXPECT_EQ(low.exit_code, 1);
  EXPECT_NE(low.err.find("log fitness 33.3% is below --fail-under 50.0%"), std::string::npos) << low.err;
  EXPECT_EQ(run_docket(command("--fail-under 30")).exit_code, 0);
}

TEST_F(ConformCommandTest, ErrorsNameTheFileAndTheProblem) {
  std::string bad_map = write_temp("bad_map.toml", "[log]\ncase = \"tickets\"\nstate = \"status\"\ntime = \"when\"\n");
  CommandRun missing = run_docket("conform " + rules_ + " --log " + log_ + " --map " + bad_map);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("desk_log.csv:1: no column `tickets`"), std::string::npos) << missing.err;

  std::string typo = write_temp("typo_map.toml", "[log]\ncase = \"ticket\"\nstaet = \"status\"\n");
  CommandRun unknown = run_docket("conform " + rules_ + " --log " + log_ + " --map " + typo);
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("typo_map.toml:3:1: unknown key `staet` in [log]; did you mean `state`?"),
            std::string::npos)
      << unknown.err;

  CommandRun no_state = run_docket("conform " + rules_ + " --log " + log_ + " --case ticket --time when");
  EXPECT_EQ(no_state.exit_code, 1);
  EXPECT_NE(no_state.err.find("the mapping names neither a state nor an activity column"), std::string::npos)
      << no_state.err;

  CommandRun field = run_docket(command("--field impakt=impact"));
  EXPECT_EQ(field.exit_code, 1);
  EXPECT_NE(field.err.find("[fields] `impakt`: the rules have no field `impakt` (did you mean `impact`?)"),
            std::string::npos)
      << field.err;

  CommandRun usage = run_docket(command("--field impact"));
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_NE(usage.err.find("`impact` must be NAME=COLUMN"), std::string::npos) << usage.err;
}

TEST_F(ConformCommandTest, ALogWithNoRowsIsAnErrorNotAPerfectFit) {
  std::string empty = write_temp("empty_log.csv", "ticket,status,when,seq,impact\n");
  CommandRun run = run_docket("conform " + rules_ + " --log " + empty + " --map " + map_ + " --fail-under 95");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find(empty + ": the log has no rows"), std::string::npos) << run.err;
}

TEST_F(ConformCommandTest, ALogWithNoReadableRowIsAnErrorNotAPerfectFit) {
  // Times written one way, read another: every row is skipped.
  CommandRun run = run_docket(command("--time-format \"%d-%m-%Y %H:%M\" --fail-under 95"));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("no row of " + log_ + " could be read: 6 skipped, the first: "), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("desk_log.csv:2: cannot read the time \"2026-11-23 09:00\" in `when`"), std::string::npos)
      << run.err;
}

// The activity-log example of docs/conformance.md, run from the files it
// ships: the page quotes the command's whole output, and must stay true.
TEST(ConformDocsTest, TheActivityLogExampleOfTheGuidePrintsWhatTheGuideQuotes) {
  const std::string command =
      "docket conform examples/incident/incident.docket --log examples/conformance/incidents.jsonl "
      "--map examples/conformance/incidents.map.toml";
  std::string guide = read_text(std::string(DOCKET_SOURCE_DIR) + "/docs/conformance.md");
  std::size_t start = guide.find("$ " + command + "\n");
  ASSERT_NE(start, std::string::npos) << "docs/conformance.md no longer shows: " << command;
  start = guide.find('\n', start) + 1;
  std::string quoted = guide.substr(start, guide.find("```", start) - start);
  CommandRun run = run_docket(command.substr(std::string("docket ").size()));
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, quoted);
}

}  // namespace
}  // namespace docket::cli::testing
