// A replayed log matches its golden file byte for byte: the after-sales and
// complaint-handling walkthroughs through `docket run`, on the virtual clock.
//
// A change to the rules, the engine or the log format changes these files on
// purpose: regenerate them with DOCKET_UPDATE_GOLDEN=1 and read the diff.

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "tests/cli/command_harness.h"

namespace docket::cli::testing {
namespace {

struct Walkthrough {
  const char* rules;
  const char* events;
  const char* golden;
};

class GoldenLog : public ::testing::TestWithParam<Walkthrough> {};

TEST_P(GoldenLog, ReplayMatchesTheGoldenFile) {
  const Walkthrough& w = GetParam();
  std::string log = write_temp("golden_log.jsonl", "");
  CommandRun r = run_docket(std::string("run ") + w.rules + " --events " + w.events + " --quiet --log " + log);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string actual = read_text(log);
  std::string golden_path = std::string(DOCKET_SOURCE_DIR) + "/" + w.golden;
  if (std::getenv("DOCKET_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(golden_path, std::ios::binary) << actual;
  }
  std::string expected = read_text(golden_path);
  ASSERT_FALSE(expected.empty()) << "missing golden file " << w.golden;
  std::vector<std::string> want = lines_of(expected);
  std::vector<std::string> got = lines_of(actual);
  for (std::size_t i = 0; i < want.size() && i < got.size(); ++i) {
    ASSERT_EQ(got[i], want[i]) << w.golden << " line " << i + 1;
  }
  EXPECT_EQ(got.size(), want.size()) << w.golden;
}

INSTANTIATE_TEST_SUITE_P(
    Walkthroughs, GoldenLog,
    ::testing::Values(Walkthrough{"rules/after_sales.docket", "examples/after_sales/walkthrough.jsonl",
                                  "tests/golden/after_sales_walkthrough.jsonl"},
                      Walkthrough{"rules/complaint_handling.docket", "examples/complaint_handling/walkthrough.jsonl",
                                  "tests/golden/complaint_handling_walkthrough.jsonl"}),
    [](const ::testing::TestParamInfo<Walkthrough>& info) {
      return std::string(info.index == 0 ? "after_sales" : "complaint_handling");
    });

}  // namespace
}  // namespace docket::cli::testing
