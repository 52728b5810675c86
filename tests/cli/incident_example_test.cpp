// examples/incident/: a process without time limits, with impact and urgency
// written 1..3, checks clean, passes its scenario suite and runs.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/cli/command_harness.h"

namespace docket::cli::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(IncidentExample, ChecksCleanEvenWithWarningsAsErrors) {
  CommandRun r = run_docket("check --warnings-as-errors examples/incident/incident.docket");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "");
}

TEST(IncidentExample, ItsSuitePassesAndReachesEverything) {
  CommandRun r = run_docket("test examples/incident --strict-coverage");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("coverage of examples/incident/incident.docket: states 6/6"));
  EXPECT_THAT(r.out, HasSubstr("3 passed, 0 failed"));
}

TEST(IncidentExample, RunsWithNumbersSentAsNumbersOrText) {
  CommandRun r = run_docket(
      "run examples/incident/incident.docket --events examples/incident/walkthrough.jsonl --until 2026-12-02");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("impact=1, urgency=1"));
  EXPECT_THAT(r.out, HasSubstr("classify priority (impact x urgency: 1, 1 -> P1)"));
  EXPECT_THAT(r.out, HasSubstr("notify manager \"urgent_high_impact_incident\""));
  EXPECT_THAT(r.out, HasSubstr("set impact=2 (was 3)"));
  EXPECT_THAT(r.out, HasSubstr("INC-2002 timer resolved -> closed"));
  EXPECT_THAT(r.out, HasSubstr("10 from examples/incident/walkthrough.jsonl (10 accepted, 0 rejected"));
  EXPECT_THAT(r.out, Not(HasSubstr("BREACH")));
  EXPECT_THAT(r.out, Not(HasSubstr("WARNING")));
}

}  // namespace
}  // namespace docket::cli::testing
