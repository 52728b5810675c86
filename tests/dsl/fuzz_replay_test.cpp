// Every stored fuzz input, replayed in the ordinary build through the same
// entry functions as the fuzz targets (tests/fuzz/fuzz_entry.h,
// tests/fuzz/fuzz_log_entry.h): the seed
// corpora, the rule files we ship and test, and every crash input ever found
// (tests/fuzz/crashes/). Each must return without a broken promise.
//
// Every folder replayed must exist: a folder that went missing (renamed,
// never created, left out of a copy) would otherwise replay nothing and pass
// for ever. The crash folders hold a README.md so that they exist while
// empty. No input is timed here: an input that hangs again keeps its test
// from finishing, and scripts/test runs every shard under `timeout`.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_entry.h"
#include "tests/fuzz/fuzz_log_entry.h"

namespace docket::fuzz {
namespace {

namespace fs = std::filesystem;

const fs::path kRoot = DOCKET_SOURCE_DIR;

// What each fuzz target's crash folder is called: scripts/fuzz saves what
// target fuzz_NAME finds in tests/fuzz/crashes/NAME/, and refuses to run a
// target whose folder is missing. fuzz_http's folder is replayed by
// tests/server/http_fuzz_replay_test.cpp.
const std::set<std::string> kCrashFolders = {"events", "expression", "http", "log", "rules"};

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// Sets `inputs` to the regular files under `folder` (relative to the source
// tree, searched recursively) whose name ends with `suffix` ("" for any),
// sorted. README.md files describe a folder and are not inputs. Fails when
// the folder does not exist.
::testing::AssertionResult inputs_in(const std::string& folder, std::vector<fs::path>& inputs,
                                     const std::string& suffix = "") {
  inputs.clear();
  fs::path directory = kRoot / folder;
  std::error_code error;
  if (!fs::is_directory(directory, error)) {
    return ::testing::AssertionFailure() << folder << " is missing, so its inputs cannot be replayed; restore it "
                                         << "(a crash folder keeps its README.md even when it holds no input)";
  }
  for (const auto& entry : fs::recursive_directory_iterator(directory)) {
    if (!entry.is_regular_file()) continue;
    std::string name = entry.path().filename().string();
    if (name == "README.md") continue;
    if (name.size() < suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
    inputs.push_back(entry.path());
  }
  std::sort(inputs.begin(), inputs.end());
  return ::testing::AssertionSuccess();
}

void replay(const std::vector<fs::path>& inputs, const std::function<std::string(std::string_view)>& entry) {
  for (const fs::path& input : inputs) {
    EXPECT_EQ(entry(read_bytes(input)), "") << fs::relative(input, kRoot).string();
  }
}

TEST(FuzzReplay, RuleSeeds) {
  std::vector<fs::path> inputs;
  ASSERT_TRUE(inputs_in("tests/fuzz/corpus/rules", inputs));
  EXPECT_FALSE(inputs.empty());
  replay(inputs, run_rules);
}

TEST(FuzzReplay, ShippedAndBadRuleFiles) {
  std::vector<fs::path> inputs;
  std::vector<fs::path> bad;
  ASSERT_TRUE(inputs_in("rules", inputs, ".docket"));
  ASSERT_TRUE(inputs_in("tests/bad", bad, ".docket"));
  EXPECT_FALSE(inputs.empty());
  EXPECT_FALSE(bad.empty());
  inputs.insert(inputs.end(), bad.begin(), bad.end());
  replay(inputs, run_rules);
}

TEST(FuzzReplay, ExpressionSeeds) {
  std::vector<fs::path> inputs;
  ASSERT_TRUE(inputs_in("tests/fuzz/corpus/expression", inputs));
  EXPECT_FALSE(inputs.empty());
  replay(inputs, run_expression);
}

TEST(FuzzReplay, EventSeeds) {
  std::vector<fs::path> inputs;
  ASSERT_TRUE(inputs_in("tests/fuzz/corpus/events", inputs));
  EXPECT_FALSE(inputs.empty());
  replay(inputs, run_events);
}

TEST(FuzzReplay, LogSeeds) {
  std::vector<fs::path> inputs;
  ASSERT_TRUE(inputs_in("tests/fuzz/corpus/log", inputs));
  EXPECT_FALSE(inputs.empty());
  replay(inputs, run_log);
}

// The seeds start fuzz_log on each of its inputs: a CSV log, a JSON-lines
// log, a mapping file and times (the first byte, modulo 4).
TEST(FuzzReplay, LogSeedsCoverEverySelector) {
  std::vector<fs::path> inputs;
  ASSERT_TRUE(inputs_in("tests/fuzz/corpus/log", inputs));
  std::set<int> selectors;
  for (const fs::path& input : inputs) {
    std::string bytes = read_bytes(input);
    if (!bytes.empty()) selectors.insert(static_cast<unsigned char>(bytes.front()) % 4);
  }
  EXPECT_EQ(selectors, (std::set<int>{0, 1, 2, 3}));
}

TEST(FuzzReplay, EventCrashesStayFixed) {
  std::vector<fs::path> inputs;
  ASSERT_TRUE(inputs_in("tests/fuzz/crashes/events", inputs));
  replay(inputs, run_events);
}

TEST(FuzzReplay, RuleCrashesStayFixed) {
  std::vector<fs::path> inputs;
  ASSERT_TRUE(inputs_in("tests/fuzz/crashes/rules", inputs));
  replay(inputs, run_rules);
}

TEST(FuzzReplay, LogCrashesStayFixed) {
  std::vector<fs::path> inputs;
  ASSERT_TRUE(inputs_in("tests/fuzz/crashes/log", inputs));
  replay(inputs, run_log);
}

TEST(FuzzReplay, ExpressionCrashesStayFixed) {
  std::vector<fs::path> inputs;
  ASSERT_TRUE(inputs_in("tests/fuzz/crashes/expression", inputs));
  EXPECT_FALSE(inputs.empty()) << "the crashes fuzz_expression found are gone";
  replay(inputs, run_expression);
}

// A crash folder no test replays would keep its inputs without checking
// them: every folder under tests/fuzz/crashes/ must be one of the above.
TEST(FuzzReplay, EveryCrashFolderIsReplayed) {
  std::set<std::string> found;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(kRoot / "tests/fuzz/crashes", error)) {
    if (entry.is_directory()) found.insert(entry.path().filename().string());
  }
  ASSERT_FALSE(error) << "tests/fuzz/crashes: " << error.message();
  EXPECT_EQ(found, kCrashFolders);
}

// The expression context must itself be clean, or every expression would be
// refused and the evaluator never reached.
TEST(FuzzReplay, ExpressionContextChecksClean) {
  dsl::Diagnostics diagnostics;
  std::optional<dsl::RuleFile> context = dsl::parse(0, kExpressionContext, diagnostics);
  ASSERT_TRUE(context.has_value());
  dsl::check(*context, diagnostics);
  EXPECT_FALSE(diagnostics.has_errors());
}

// And the seeds must reach the evaluator: an expression of each kind of
// value is placed, compiled and evaluated.
TEST(FuzzReplay, SeedsOfEveryTypeReachTheEvaluator) {
  dsl::SourceSet sources;
  sources.add("context.docket", std::string(kExpressionContext));
  for (const char* text :
       {"amount * 30% <= 100", "note", "wait * 2", "due + 1h", "amount / 3", "mood", "category", "priority"}) {
    std::uint32_t file = sources.add("expression", text);
    dsl::Diagnostics diagnostics;
    dsl::ExprPtr expr = dsl::parse_expression(file, sources.text(file), diagnostics);
    ASSERT_TRUE(expr) << text;
    PlacedExpression placed = place_expression(expr, sources);
    EXPECT_EQ(placed.broken, "") << text;
    EXPECT_NE(placed.compiled, nullptr) << text;
  }
}

}  // namespace
}  // namespace docket::fuzz
