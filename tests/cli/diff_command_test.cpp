// `docket diff OLD NEW`: exit codes like diff(1) and a report citing rules.

#include <gtest/gtest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "tests/cli/command_harness.h"

namespace docket::cli::testing {
namespace {

// The shipped after-sales rules with P1's resolve limit cut from 24h to 12h,
// written to a temporary file; `line` is the line of the changed limit.
struct ChangedCopy {
  std::string path;
  int line = 0;
};

ChangedCopy after_sales_with_p1_resolve_12h() {
  std::string text = read_text(std::string(DOCKET_SOURCE_DIR) + "/rules/after_sales.docket");
  std::size_t limit = text.find("resolve 24h", text.find("priority P1"));
  EXPECT_NE(limit, std::string::npos);
  text.replace(limit, std::string("resolve 24h").size(), "resolve 12h");
  ChangedCopy copy;
  copy.line = static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(limit), '\n')) + 1;
  copy.path = write_temp("after_sales_12h.docket", text);
  return copy;
}

TEST(DocketDiffCommand, SameRulesExitZero) {
  CommandRun r = run_docket("diff rules/after_sales.docket rules/after_sales.docket");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "0 changes: +0 ~0 -0\n");
}

TEST(DocketDiffCommand, OneChangedLimitIsOneLineAndExitOne) {
  ChangedCopy copy = after_sales_with_p1_resolve_12h();
  CommandRun r = run_docket("diff rules/after_sales.docket " + copy.path);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.out, "priorities\n  ~ priority P1: resolve 24h -> 12h  (" + copy.path + ":" + std::to_string(copy.line) +
                       ")\n1 change: +0 ~1 -0\n");
  EXPECT_EQ(r.err, "");

  // The other way round it is the opposite change.
  CommandRun back = run_docket("diff " + copy.path + " rules/after_sales.docket");
  EXPECT_EQ(back.exit_code, 1);
  EXPECT_NE(back.out.find("~ priority P1: resolve 12h -> 24h  (rules/after_sales.docket:"), std::string::npos)
      << back.out;
}

TEST(DocketDiffCommand, JsonReport) {
  ChangedCopy copy = after_sales_with_p1_resolve_12h();
  CommandRun r = run_docket("diff rules/after_sales.docket " + copy.path + " --format json");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  nlohmann::json report = nlohmann::json::parse(r.out);
  ASSERT_EQ(report["changes"].size(), 1u);
  EXPECT_EQ(report["changes"][0]["subject"], "priority P1");
  EXPECT_EQ(report["changes"][0]["before"], "24h");
  EXPECT_EQ(report["changes"][0]["after"], "12h");
  EXPECT_EQ(report["summary"]["total"], 1);
}

TEST(DocketDiffCommand, RulesWithErrorsExitTwoWithDiagnostics) {
  CommandRun r = run_docket("diff rules/after_sales.docket tests/bad/missing_arrow.docket");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("tests/bad/missing_arrow.docket:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("error[E001]"), std::string::npos) << r.err;
}

TEST(DocketDiffCommand, UsageErrorsExitTwo) {
  EXPECT_EQ(run_docket("diff rules/after_sales.docket").exit_code, 2);
  EXPECT_EQ(run_docket("diff rules/after_sales.docket no/such/file.docket").exit_code, 2);
  EXPECT_EQ(run_docket("diff rules/after_sales.docket rules/after_sales.docket --format yaml").exit_code, 2);
  CommandRun help = run_docket("diff --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("Exit 0: no differences, 1: differences, 2:"), std::string::npos) << help.out;
}

}  // namespace
}  // namespace docket::cli::testing
