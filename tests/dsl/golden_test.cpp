// Golden diagnostics: what `docket check` tells a designer about the rule
// files in tests/bad/.
//
// Each tests/bad/NAME.docket is one mistake a process designer makes, and
// NAME.expected is exactly what loading, checking, sorting and rendering it
// prints (paths relative to the repository root). NAME.expected.json, where
// present, pins the JSON rendering as well. Files in tests/bad/lib/ are the
// bases that cases extend; they are not cases themselves.
//
// An expected file describes the correct output, not whatever the code prints
// today: when a diagnostic is wrong, its case fails until the code is fixed.
// After an intended change, regenerate with
//   DOCKET_UPDATE_GOLDEN=1 ./docket_tests --gtest_filter='Golden*'
// and read every changed file before keeping it.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include <unistd.h>

#include "dsl/checker.h"
#include "dsl/diagnostics.h"
#include "dsl/loader.h"

namespace docket::dsl {
namespace {

namespace fs = std::filesystem;

constexpr const char* kCorpus = "tests/bad";

bool updating_golden_files() {
  const char* value = std::getenv("DOCKET_UPDATE_GOLDEN");
  return value != nullptr && std::string(value) == "1";
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

// The case names (file stems) of tests/bad/*.docket, sorted.
std::vector<std::string> case_names() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(fs::path(DOCKET_SOURCE_DIR) / kCorpus, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".docket") {
      names.push_back(entry.path().stem().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Runs a test body with the repository root as the working directory, as
// ctest does, so that the paths in the output are the documented ones even
// when the test binary is started from elsewhere.
class InRepositoryRoot {
 public:
  InRepositoryRoot() : previous_(fs::current_path()) { fs::current_path(DOCKET_SOURCE_DIR); }
  ~InRepositoryRoot() { fs::current_path(previous_); }
  InRepositoryRoot(const InRepositoryRoot&) = delete;
  InRepositoryRoot& operator=(const InRepositoryRoot&) = delete;

 private:
  fs::path previous_;
};

struct Checked {
  SourceSet sources;
  Diagnostics diagnostics;
};

// What `docket check PATH` does.
Checked load_and_check(const std::string& path) {
  Checked out;
  auto file = load(path, out.sources, out.diagnostics);
  if (file) check(*file, out.diagnostics);
  out.diagnostics.sort();
  return out;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// A line diff (longest common subsequence), `-` expected, `+` actual.
std::string line_diff(const std::string& expected, const std::string& actual) {
  std::vector<std::string> a = split_lines(expected);
  std::vector<std::string> b = split_lines(actual);
  std::vector<std::vector<std::size_t>> common(a.size() + 1, std::vector<std::size_t>(b.size() + 1, 0));
  for (std::size_t i = a.size(); i-- > 0;) {
    for (std::size_t j = b.size(); j-- > 0;) {
      common[i][j] = a[i] == b[j] ? common[i + 1][j + 1] + 1 : std::max(common[i + 1][j], common[i][j + 1]);
    }
  }
  std::string out;
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < a.size() || j < b.size()) {
    if (i < a.size() && j < b.size() && a[i] == b[j]) {
      out += "  " + a[i++] + '\n';
      ++j;
    } else if (j < b.size() && (i == a.size() || common[i][j + 1] >= common[i + 1][j])) {
      out += "+ " + b[j++] + '\n';
    } else {
      out += "- " + a[i++] + '\n';
    }
  }
  return out;
}

// Compares `actual` with the golden file, or rewrites it when regenerating.
void expect_golden(const fs::path& golden, const std::string& actual) {
  if (updating_golden_files()) {
    write_file(golden, actual);
    return;
  }
  ASSERT_TRUE(fs::exists(golden)) << golden.string() << " is missing; the output is:\n" << actual;
  std::string expected = read_file(golden);
  if (expected == actual) return;
  ADD_FAILURE() << "golden file " << golden.string() << " differs (- expected, + actual):\n"
                << line_diff(expected, actual) << "\nthe whole actual output:\n"
                << actual;
}

std::size_t line_count(const std::string& text) {
  // A position just past a final newline (end of file) is on the next line.
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
}

class GoldenCorpus : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenCorpus, DiagnosticsMatchTheExpectedFile) {
  InRepositoryRoot root;
  const std::string name = GetParam();
  const fs::path directory(kCorpus);
  Checked result = load_and_check((directory / (name + ".docket")).string());

  expect_golden(directory / (name + ".expected"), render_text(result.diagnostics, result.sources));
  fs::path json = directory / (name + ".expected.json");
  if (fs::exists(json)) expect_golden(json, render_json(result.diagnostics, result.sources));
}

// Never silence and never a position the designer cannot find: a bad file
// gets at least one diagnostic, and every diagnostic points into a file.
TEST_P(GoldenCorpus, EveryDiagnosticPointsIntoTheText) {
  InRepositoryRoot root;
  const std::string name = GetParam();
  Checked result = load_and_check((fs::path(kCorpus) / (name + ".docket")).string());

  ASSERT_FALSE(result.diagnostics.items().empty()) << name << " gets no diagnostic at all";
  for (const Diagnostic& d : result.diagnostics.items()) {
    SCOPED_TRACE(d.code + " " + d.message);
    ASSERT_TRUE(d.loc.known());
    ASSERT_LT(d.loc.file, result.sources.size());
    const std::string& text = result.sources.text(d.loc.file);
    EXPECT_GE(d.loc.line, 1u);
    EXPECT_LE(d.loc.line, line_count(text));
    EXPECT_GE(d.loc.column, 1u);
    EXPECT_LE(d.loc.column, result.sources.line_text(d.loc.file, d.loc.line).size() + 1);
    EXPECT_FALSE(d.message.empty());
    EXPECT_NE(d.message.back(), '.') << "messages have no trailing period";
  }
}

INSTANTIATE_TEST_SUITE_P(BadRules, GoldenCorpus, ::testing::ValuesIn(case_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// The corpus is worth its name only while it has many cases and every
// documented code appears in some expected file. E003 needs a file over
// 4 MiB, which GoldenLoader.FileOverTheSizeLimit makes instead.
TEST(GoldenCorpusCoverage, CoversEveryDiagnosticCode) {
  std::vector<std::string> names = case_names();
  EXPECT_GE(names.size(), 60u);

  std::set<std::string> seen;
  const std::regex code(R"((?:error|warning)\[([EW]\d{3})\])");
  for (const std::string& name : names) {
    std::string expected = read_file(fs::path(DOCKET_SOURCE_DIR) / kCorpus / (name + ".expected"));
    for (std::sregex_iterator it(expected.begin(), expected.end(), code), end; it != end; ++it) {
      seen.insert((*it)[1]);
    }
  }
  std::vector<std::string> missing;
  auto require_code = [&](const std::string& c) {
    if (seen.count(c) == 0) missing.push_back(c);
  };
  for (int n = 1; n <= 33; ++n) {
    if (n == 3 || n == 20) continue;  // E020 is no longer reported: a priority may have no limits
    char buffer[8];
    std::snprintf(buffer, sizeof buffer, "E%03d", n);
    require_code(buffer);
  }
  for (const char* warning : {"W001", "W002", "W003", "W004"}) require_code(warning);
  for (const char* stay : {"E054", "E055"}) require_code(stay);
  for (const char* code : {"E045", "E046", "W009", "W010"}) require_code(code);
  for (const char* approvals : {"E042", "E043", "W008"}) require_code(approvals);
  for (const char* shadowing : {"E039", "W006"}) require_code(shadowing);
  for (const char* variants : {"E050", "E051", "E052", "E053", "W011"}) require_code(variants);
  require_code("E058");
  EXPECT_TRUE(missing.empty()) << "no case in tests/bad/ expects " << ::testing::PrintToString(missing);
}

// E003: a rule file over the 4 MiB limit is refused before it is read, and
// the diagnostic names the file without a line, as the whole file is at fault.
TEST(GoldenLoader, FileOverTheSizeLimit) {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  fs::path directory =
      fs::temp_directory_path() / ("docket_golden_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
  fs::create_directories(directory);
  fs::path huge = directory / "huge.docket";
  {
    std::ofstream out(huge, std::ios::binary);
    const std::string line = "# a data dump pasted into a comment ........................................\n";
    std::size_t written = 0;
    while (written <= 4u * 1024 * 1024) {
      out << line;
      written += line.size();
    }
  }
  const auto size = fs::file_size(huge);

  Checked result = load_and_check(huge.string());
  EXPECT_EQ(render_text(result.diagnostics, result.sources),
            huge.string() + ": error[E003]: rule file is " + std::to_string(size) + " bytes (limit 4194304)\n");
  EXPECT_EQ(result.diagnostics.error_count(), 1);

  std::error_code ec;
  fs::remove_all(directory, ec);
}

}  // namespace
}  // namespace docket::dsl
