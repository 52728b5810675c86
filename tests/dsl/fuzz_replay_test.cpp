// Every stored fuzz input, replayed in the ordinary build through the same
// entry functions as the fuzz targets (tests/fuzz/fuzz_entry.h): the seed
// corpora, the rule files we ship and test, and every crash input ever found
// (tests/fuzz/crashes/). Each must return without a broken promise, and in
// bounded time.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_entry.h"

namespace docket::fuzz {
namespace {

namespace fs = std::filesystem;

const fs::path kRoot = DOCKET_SOURCE_DIR;

// Generous for a sanitizer build on a shared machine; the fuzz targets
// treat 10 s as a hang.
constexpr auto kBudgetPerInput = std::chrono::seconds(10);

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// Regular files under `directory` (recursively) whose name ends with
// `suffix` ("" for any), sorted; none when it does not exist. README.md files
// describe a directory and are not inputs.
std::vector<fs::path> files_under(const fs::path& directory, const std::string& suffix = "") {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(directory, ec)) return out;
  for (const auto& entry : fs::recursive_directory_iterator(directory)) {
    if (!entry.is_regular_file()) continue;
    std::string name = entry.path().filename().string();
    if (name == "README.md") continue;
    if (name.size() < suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
    out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

void replay(const std::vector<fs::path>& inputs, const std::function<std::string(std::string_view)>& entry) {
  for (const fs::path& input : inputs) {
    std::string bytes = read_bytes(input);
    auto start = std::chrono::steady_clock::now();
    std::string broken = entry(bytes);
    auto elapsed = std::chrono::steady_clock::now() - start;
    std::string where = fs::relative(input, kRoot).string();
    EXPECT_EQ(broken, "") << where;
    EXPECT_LT(elapsed, kBudgetPerInput) << where << " took "
                                        << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()
                                        << " ms";
  }
}

TEST(FuzzReplay, RuleSeeds) {
  std::vector<fs::path> inputs = files_under(kRoot / "tests/fuzz/corpus/rules");
  EXPECT_FALSE(inputs.empty());
  replay(inputs, run_rules);
}

TEST(FuzzReplay, ShippedAndBadRuleFiles) {
  std::vector<fs::path> inputs = files_under(kRoot / "rules", ".docket");
  std::vector<fs::path> bad = files_under(kRoot / "tests/bad", ".docket");
  EXPECT_FALSE(inputs.empty());
  EXPECT_FALSE(bad.empty());
  inputs.insert(inputs.end(), bad.begin(), bad.end());
  replay(inputs, run_rules);
}

TEST(FuzzReplay, ExpressionSeeds) {
  std::vector<fs::path> inputs = files_under(kRoot / "tests/fuzz/corpus/expression");
  EXPECT_FALSE(inputs.empty());
  replay(inputs, run_expression);
}

TEST(FuzzReplay, EventSeeds) {
  std::vector<fs::path> inputs = files_under(kRoot / "tests/fuzz/corpus/events");
  EXPECT_FALSE(inputs.empty());
  replay(inputs, run_events);
}

TEST(FuzzReplay, EventCrashesStayFixed) { replay(files_under(kRoot / "tests/fuzz/crashes/events"), run_events); }

TEST(FuzzReplay, RuleCrashesStayFixed) { replay(files_under(kRoot / "tests/fuzz/crashes/rules"), run_rules); }

TEST(FuzzReplay, ExpressionCrashesStayFixed) {
  replay(files_under(kRoot / "tests/fuzz/crashes/expression"), run_expression);
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
