// The `docket` command as a designer runs it: exit codes, where output goes,
// and the formats other tools read.

#include <gtest/gtest.h>

#include <string>

#include "tests/cli/command_harness.h"

namespace docket::cli::testing {
namespace {

TEST(DocketCheckCommand, ShippedRulesCheckCleanAndSilently) {
  CommandRun r = run_docket("check rules/after_sales.docket rules/complaint_handling.docket");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "");
}

TEST(DocketCheckCommand, ErrorsExitOneWithPositionCaretAndHelp) {
  CommandRun r = run_docket("check tests/bad/undefined_department.docket");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("tests/bad/undefined_department.docket:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("error[E010]"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("^"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("help: did you mean"), std::string::npos) << r.err;
}

TEST(DocketCheckCommand, WarningsAloneExitZeroUnlessAskedOtherwise) {
  EXPECT_EQ(run_docket("check tests/bad/unused_declarations.docket").exit_code, 0);
  EXPECT_EQ(run_docket("check --warnings-as-errors tests/bad/unused_declarations.docket").exit_code, 1);
}

TEST(DocketCheckCommand, JsonGoesToStdoutForTools) {
  CommandRun r = run_docket("check --format json tests/bad/undefined_department.docket");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out.rfind("{\"diagnostics\":[{\"file\":\"tests/bad/undefined_department.docket\"", 0), 0u)
      << r.out;
  EXPECT_NE(r.out.find("\"code\":\"E010\""), std::string::npos);
  EXPECT_EQ(r.err, "");
}

TEST(DocketCheckCommand, UsageErrorsExitTwo) {
  EXPECT_EQ(run_docket("check").exit_code, 2);
  EXPECT_EQ(run_docket("check no/such/file.docket").exit_code, 2);
  EXPECT_EQ(run_docket("check --format yaml rules/after_sales.docket").exit_code, 2);
  EXPECT_EQ(run_docket("frobnicate").exit_code, 2);
  EXPECT_EQ(run_docket("").exit_code, 2);
}

TEST(DocketCommand, HelpAndVersion) {
  CommandRun version = run_docket("--version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out.rfind("docket ", 0), 0u);
  for (const char* command : {"--help", "check --help", "graph --help"}) {
    CommandRun help = run_docket(command);
    EXPECT_EQ(help.exit_code, 0) << command;
    EXPECT_NE(help.out.find("Usage:"), std::string::npos) << command;
  }
}

TEST(DocketGraphCommand, EveryFormatOfTheShippedRules) {
  CommandRun dot = run_docket("graph rules/after_sales.docket");
  EXPECT_EQ(dot.exit_code, 0) << dot.err;
  EXPECT_EQ(dot.out.rfind("digraph", 0), 0u);
  EXPECT_NE(dot.out.find("方案执行中"), std::string::npos) << "labels come out in UTF-8";
  CommandRun mermaid = run_docket("graph rules/after_sales.docket --format mermaid");
  EXPECT_EQ(mermaid.out.rfind("stateDiagram-v2", 0), 0u);
  CommandRun json = run_docket("graph rules/complaint_handling.docket --format json");
  EXPECT_EQ(json.out.front(), '{');
}

TEST(DocketGraphCommand, BrokenRulesGiveDiagnosticsAndNoGraph) {
  CommandRun r = run_docket("graph tests/bad/missing_arrow.docket");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("error[E001]"), std::string::npos);
}

TEST(DocketGraphCommand, DotRendersWithGraphviz) {
  CommandRun r = run_docket("graph rules/after_sales.docket | dot -Tsvg");
  ASSERT_EQ(r.exit_code, 0) << "graphviz (`dot`) is required: scripts/bootstrap installs it\n" << r.err;
  EXPECT_NE(r.out.find("<svg"), std::string::npos);
}

}  // namespace
}  // namespace docket::cli::testing
