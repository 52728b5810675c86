// Every limit of docs/limits.md, at the limit (accepted) and one past it (an
// error that names the limit); nesting also from 10^3 to 10^6 levels, which
// must stop as cleanly as 65.

#include "dsl/limits.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "dsl/checker.h"
#include "dsl/loader.h"
#include "dsl/parser.h"

namespace docket::dsl {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// The rest of a clean workflow, after whatever the test declares.
constexpr const char* kTail = "\ninitial state open { on close -> closed }\nfinal state closed\n";

std::string repeat(const std::string& text, std::size_t times) {
  std::string out;
  out.reserve(text.size() * times);
  for (std::size_t i = 0; i < times; ++i) out += text;
  return out;
}

struct Outcome {
  bool parsed = false;
  Diagnostics diagnostics;

  // The single error reported, or "" when there is none (or more than one).
  std::string only_error() const {
    std::string out;
    int errors = 0;
    for (const Diagnostic& d : diagnostics.items()) {
      if (d.severity != Severity::kError) continue;
      ++errors;
      out = d.code + ": " + d.message;
    }
    return errors == 1 ? out : "";
  }

  // Where the single error is, "line:column"; "" when there is none (or more than one).
  std::string only_error_at() const {
    std::string at;
    int errors = 0;
    for (const Diagnostic& d : diagnostics.items()) {
      if (d.severity != Severity::kError) continue;
      ++errors;
      at = std::to_string(d.loc.line) + ":" + std::to_string(d.loc.column);
    }
    return errors == 1 ? at : "";
  }
};

Outcome parse_text(const std::string& text, const ParseLimits& limits = {}) {
  Outcome outcome;
  outcome.parsed = parse(0, text, outcome.diagnostics, limits).has_value();
  return outcome;
}

// Loads and checks `text`; `parsed` says whether it loaded.
Outcome check_text(const std::string& text) {
  Outcome outcome;
  SourceSet sources;
  std::optional<RuleFile> file = load_text("limits.docket", text, sources, outcome.diagnostics);
  outcome.parsed = file.has_value();
  if (file) check(*file, outcome.diagnostics);
  return outcome;
}

std::string errors_of(const Outcome& outcome) {
  std::string out;
  for (const Diagnostic& d : outcome.diagnostics.items()) {
    if (d.severity == Severity::kError) out += d.code + " " + d.message + "\n";
  }
  return out;
}

// ---------------------------------------------------------------- rule file size (E003)

// A rule file of exactly `bytes` bytes: a workflow padded with a comment.
std::string file_of_size(std::size_t bytes) {
  std::string text = std::string("workflow w") + kTail + "#";
  text += std::string(bytes - text.size() - 1, '.');
  text += "\n";
  return text;
}

TEST(RuleFileSizeLimit, FourMebibytesAreAcceptedOneByteMoreIsNot) {
  constexpr std::size_t kLimit = 4 * 1024 * 1024;
  EXPECT_EQ(ParseLimits{}.max_file_bytes, kLimit);

  Outcome at = parse_text(file_of_size(kLimit));
  EXPECT_TRUE(at.parsed) << errors_of(at);

  Outcome past = parse_text(file_of_size(kLimit + 1));
  EXPECT_FALSE(past.parsed);
  EXPECT_EQ(past.only_error(), "E003: rule file is 4194305 bytes (limit 4194304)");
}

TEST(RuleFileSizeLimit, IsCheckedBeforeAFileIsRead) {
  fs::path directory = fs::temp_directory_path() / ("docket_limits_" + std::to_string(::getpid()));
  fs::create_directories(directory);
  fs::path path = directory / "big.docket";
  std::ofstream(path, std::ios::binary) << file_of_size(4 * 1024 * 1024 + 1);

  SourceSet sources;
  Diagnostics diagnostics;
  EXPECT_FALSE(load(path.string(), sources, diagnostics).has_value());
  ASSERT_EQ(diagnostics.error_count(), 1);
  EXPECT_EQ(diagnostics.items()[0].code, "E003");
  EXPECT_THAT(diagnostics.items()[0].message, HasSubstr("(limit 4194304)"));
  fs::remove_all(directory);
}

TEST(RuleFileSizeLimit, CanBeChanged) {
  ParseLimits limits;
  limits.max_file_bytes = 200;
  EXPECT_TRUE(parse_text(file_of_size(200), limits).parsed);
  EXPECT_EQ(parse_text(file_of_size(201), limits).only_error(), "E003: rule file is 201 bytes (limit 200)");
}

// ---------------------------------------------------------------- nesting depth (E004)

enum class Nest { kParentheses, kNot, kMinus, kIn };

std::string nest_name(Nest kind) {
  switch (kind) {
    case Nest::kParentheses:
      return "parentheses";
    case Nest::kNot:
      return "not";
    case Nest::kMinus:
      return "minus";
    case Nest::kIn:
      return "in";
  }
  return "?";
}

// A `require` whose condition nests `depth` levels of one kind.
std::string nested_require(Nest kind, std::size_t depth) {
  std::string condition;
  switch (kind) {
    case Nest::kParentheses:
      condition = repeat("(", depth) + "true" + repeat(")", depth);
      break;
    case Nest::kNot:
      condition = repeat("not ", depth) + "true";
      break;
    case Nest::kMinus:
      condition = repeat("-", depth) + "1 < 0";
      break;
    case Nest::kIn:
      condition = repeat("1 in (", depth) + "1" + repeat(")", depth);
      break;
  }
  return "workflow w\nrequire " + condition + " \"nested\"" + kTail;
}

class NestingLimit : public ::testing::TestWithParam<Nest> {};

TEST_P(NestingLimit, SixtyFourLevelsAreAccepted) {
  EXPECT_EQ(ParseLimits{}.max_nesting, 64u);
  Outcome at = parse_text(nested_require(GetParam(), 64));
  EXPECT_TRUE(at.parsed) << errors_of(at);
}

TEST_P(NestingLimit, SixtyFiveLevelsAreNot) {
  Outcome past = parse_text(nested_require(GetParam(), 65));
  EXPECT_FALSE(past.parsed);
  EXPECT_EQ(past.only_error(), "E004: expressions nest too deeply (limit 64 levels)");
}

// Room for inputs of millions of parts, so that only the limit under test applies.
ParseLimits without_size_limit() {
  ParseLimits limits;
  limits.max_file_bytes = 64 * 1024 * 1024;
  return limits;
}

// 10^3 to 10^6 levels: the same error, never a stack overflow, and found as
// soon as the limit is passed: at the very place where 65 levels report it,
// however deep the input goes on.
TEST_P(NestingLimit, AMillionLevelsStopAtTheLimit) {
  std::string limit_at = parse_text(nested_require(GetParam(), 65)).only_error_at();
  ASSERT_NE(limit_at, "");
  for (std::size_t depth : {1'000u, 10'000u, 100'000u, 1'000'000u}) {
    Outcome past = parse_text(nested_require(GetParam(), depth), without_size_limit());
    EXPECT_FALSE(past.parsed);
    EXPECT_EQ(past.only_error(), "E004: expressions nest too deeply (limit 64 levels)") << "depth " << depth;
    EXPECT_EQ(past.only_error_at(), limit_at) << "depth " << depth;
  }
}

TEST_P(NestingLimit, CanBeChanged) {
  ParseLimits limits;
  limits.max_nesting = 8;
  EXPECT_TRUE(parse_text(nested_require(GetParam(), 8), limits).parsed);
  EXPECT_EQ(parse_text(nested_require(GetParam(), 9), limits).only_error(),
            "E004: expressions nest too deeply (limit 8 levels)");
}

INSTANTIATE_TEST_SUITE_P(EveryKind, NestingLimit,
                         ::testing::Values(Nest::kParentheses, Nest::kNot, Nest::kMinus, Nest::kIn),
                         [](const ::testing::TestParamInfo<Nest>& info) { return nest_name(info.param); });

// ---------------------------------------------------------------- name length (E005)

TEST(NameLengthLimit, SixtyFourBytesAreAcceptedSixtyFiveAreNot) {
  EXPECT_EQ(ParseLimits{}.max_name_bytes, 64u);
  Outcome at = parse_text("workflow w\nfield " + std::string(64, 'a') + ": int" + kTail);
  EXPECT_TRUE(at.parsed) << errors_of(at);

  Outcome past = parse_text("workflow w\nfield " + std::string(65, 'a') + ": int" + kTail);
  EXPECT_FALSE(past.parsed);
  EXPECT_EQ(past.only_error(), "E005: name is 65 bytes long (limit 64)");
}

TEST(NameLengthLimit, HoldsForEveryKindOfName) {
  const std::string name(65, 'n');
  for (const std::string& text : {
           "workflow " + name + kTail,
           "workflow w\ninitial state " + name + " { on close -> closed }\nfinal state closed\n",
           "workflow w\ninitial state open { on " + name + " -> closed }\nfinal state closed\n",
           "workflow w\nrequire " + name + " == 1 \"m\"" + kTail,
       }) {
    EXPECT_EQ(parse_text(text).only_error(), "E005: name is 65 bytes long (limit 64)") << text;
  }
}

TEST(NameLengthLimit, CanBeChanged) {
  ParseLimits limits;
  limits.max_name_bytes = 8;
  EXPECT_TRUE(parse_text("workflow abcdefgh" + std::string(kTail), limits).parsed);
  EXPECT_EQ(parse_text("workflow abcdefghi" + std::string(kTail), limits).only_error(),
            "E005: name is 9 bytes long (limit 8)");
}

// ---------------------------------------------------------------- expression cost (E004)

// `require a or a or ...` with `parts` operands (the parts the limit counts).
std::string require_with_parts(std::size_t parts) {
  return "workflow w\nfield a \"a\": bool\nrequire a" + repeat(" or a", parts - 1) + " \"long\"" + kTail;
}

TEST(ExpressionCostLimit, AThousandPartsAreAcceptedOneMoreIsNot) {
  Outcome at = check_text(require_with_parts(1000));
  EXPECT_TRUE(at.parsed) << errors_of(at);
  EXPECT_FALSE(at.diagnostics.has_errors()) << errors_of(at);

  Outcome past = parse_text(require_with_parts(1001));
  EXPECT_FALSE(past.parsed);
  EXPECT_EQ(past.only_error(), "E004: expression is too long (limit 1000 parts)");
}

TEST(ExpressionCostLimit, CountsEachExpressionOnItsOwn) {
  // Two conditions of 900 parts each: more than 1000 together, each within its budget.
  std::string condition = "1" + repeat(" + 1", 898) + " > 0";
  Outcome outcome = parse_text("workflow w\nrequire " + condition + " \"a\"\nrequire " + condition + " \"b\"" + kTail);
  EXPECT_TRUE(outcome.parsed) << errors_of(outcome);
}

// Found as soon as the limit is passed: at the very place where 1001 parts
// report it.
TEST(ExpressionCostLimit, AMillionPartsStopAtTheLimit) {
  std::string limit_at = parse_text(require_with_parts(1001)).only_error_at();
  ASSERT_NE(limit_at, "");
  Outcome past = parse_text(require_with_parts(1'000'000), without_size_limit());
  EXPECT_EQ(past.only_error(), "E004: expression is too long (limit 1000 parts)");
  EXPECT_EQ(past.only_error_at(), limit_at);
}

// ---------------------------------------------------------------- workflow size (E034)

// `count` states in a line, each leading to the next; the last is final.
std::string workflow_with_states(std::size_t count) {
  std::string text = "workflow w\n";
  for (std::size_t i = 0; i < count; ++i) {
    bool last = i + 1 == count;
    text += (i == 0 ? "initial " : last ? "final " : "") + std::string("state s") + std::to_string(i);
    text += last ? "\n" : " { on next -> s" + std::to_string(i + 1) + " }\n";
  }
  return text;
}

TEST(StateLimit, AThousandStatesAreAcceptedOneMoreIsNot) {
  EXPECT_EQ(WorkflowLimits{}.max_states, 1000u);
  Outcome at = check_text(workflow_with_states(1000));
  EXPECT_FALSE(at.diagnostics.has_errors()) << errors_of(at);

  Outcome past = check_text(workflow_with_states(1001));
  EXPECT_EQ(past.only_error(), "E034: workflow has 1001 states (limit 1000 states)");
  // At the first state past the limit: `state s1000` on line 1002.
  EXPECT_EQ(past.diagnostics.items()[0].loc.line, 1002u);
}

// `count` transitions: one state handling `count - 1` events, plus the one
// that closes it.
std::string workflow_with_transitions(std::size_t count) {
  std::string text = "workflow w\ninitial state open {\n";
  for (std::size_t i = 1; i < count; ++i) text += "  on e" + std::to_string(i) + " -> open\n";
  return text + "  on close -> closed\n}\nfinal state closed\n";
}

TEST(TransitionLimit, TenThousandTransitionsAreAcceptedOneMoreIsNot) {
  EXPECT_EQ(WorkflowLimits{}.max_transitions, 10000u);
  Outcome at = check_text(workflow_with_transitions(10000));
  EXPECT_FALSE(at.diagnostics.has_errors()) << errors_of(at);

  Outcome past = check_text(workflow_with_transitions(10001));
  EXPECT_EQ(past.only_error(), "E034: workflow has 10001 transitions (limit 10000 transitions)");
}

// `count` transitions from one state on one event, with exclusive guards.
std::string workflow_with_choices(std::size_t count) {
  std::string text = "workflow w\nfield x \"x\": int\ninitial state open {\n";
  for (std::size_t i = 0; i < count; ++i) text += "  on go when x == " + std::to_string(i) + " -> closed\n";
  return text + "}\nfinal state closed\n";
}

// The diagnostics of `outcome` as "line:column CODE message".
std::vector<std::string> listed(const Outcome& outcome) {
  std::vector<std::string> out;
  for (const Diagnostic& d : outcome.diagnostics.items()) {
    out.push_back(std::to_string(d.loc.line) + ":" + std::to_string(d.loc.column) + " " + d.code + " " + d.message);
  }
  return out;
}

// Loads and checks `text` as check_text() does; `seconds` is the time the
// check took, the load aside.
Outcome check_timed(const std::string& text, double& seconds) {
  Outcome outcome;
  SourceSet sources;
  std::optional<RuleFile> file = load_text("limits.docket", text, sources, outcome.diagnostics);
  outcome.parsed = file.has_value();
  auto start = std::chrono::steady_clock::now();
  if (file) check(*file, outcome.diagnostics);
  seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return outcome;
}

// Comparing the rules of first-match lists pair by pair costs more than
// linear time; a budget of steps bounds it for the whole file, and where it
// runs out, one W007 says so. The old limit of 100 transitions per state and
// event is gone: such a file is checked as far as the budget goes.
TEST(ComparisonBudget, AHundredChoicesAreCheckedInFull) {
  EXPECT_EQ(WorkflowLimits{}.max_comparison_steps, 4'000'000u);
  Outcome outcome = check_text(workflow_with_choices(100));
  EXPECT_THAT(listed(outcome), ::testing::IsEmpty());
}

TEST(ComparisonBudget, TenThousandChoicesStopWithOneWarning) {
  double seconds = 0;
  Outcome outcome = check_timed(workflow_with_choices(10000), seconds);
  // 4,000,000 steps at 6 a pair (a guard of 3 parts each side) pay for
  // the pairs up to the 1156th transition, on line 1159.
  EXPECT_THAT(listed(outcome), ::testing::ElementsAre("1159:6 W007 overlap and shadowing not checked past this "
                                                      "rule: the checker's limit of 4000000 comparison steps is "
                                                      "spent"));
  EXPECT_LT(seconds, 20.0) << "a hostile file must not keep `docket check` busy";
  std::cout << "10,000 guarded transitions on one event: check took " << seconds << " s\n";
}

// Thousands of approval rules, each a case the search must get past for the
// rules after it.
TEST(ComparisonBudget, ThousandsOfApprovalRules) {
  std::string text = "workflow w\nfield amount: money\ndepartment d { roles lead }\n";
  for (int i = 0; i < 5000; ++i) text += "approval when amount == " + std::to_string(i) + ": lead\n";
  double seconds = 0;
  Outcome outcome = check_timed(text + "approval otherwise: none" + kTail, seconds);
  ASSERT_EQ(outcome.diagnostics.items().size(), 1u) << ::testing::PrintToString(listed(outcome));
  EXPECT_EQ(outcome.diagnostics.items()[0].code, "W007");
  EXPECT_FALSE(outcome.diagnostics.has_errors());
  EXPECT_LT(seconds, 20.0);
  std::cout << "5,000 approval rules: check took " << seconds << " s\n";
}

// Rules whose ways of being avoided multiply: each of the first 20 can be
// got past in two ways, and only the last two rules, which together take
// every ticket, end each of the 2^20 paths. Proving that `otherwise` never
// applies would take them all; the budget cuts the search short.
TEST(ComparisonBudget, RulesWhoseCombinationsMultiply) {
  std::string text = "workflow w\nfield x: int required range 0..100\n";
  for (int i = 0; i < 20; ++i) text += "field a" + std::to_string(i) + ": bool required\n";
  for (int i = 0; i < 20; ++i) text += "field c" + std::to_string(i) + ": bool required\n";
  text += "priority p0 { resolve 4h }\npriority p1 { resolve 8h }\nclassify priority {\n";
  for (int i = 0; i < 20; ++i) text += "  p0 when a" + std::to_string(i) + " and c" + std::to_string(i) + "\n";
  text += "  p0 when x >= 50\n  p0 when x < 50\n  p1 otherwise\n}\n";
  double seconds = 0;
  Outcome outcome = check_timed(
      text + "initial state open { on close -> closed do classify priority }\nfinal state closed\n", seconds);
  EXPECT_THAT(listed(outcome), ::testing::ElementsAre("68:3 W007 overlap and shadowing not checked past this rule: "
                                                      "the checker's limit of 4000000 comparison steps is spent"));
  EXPECT_LT(seconds, 20.0);
  std::cout << "`otherwise` after 2^20 ways past the rules before it: check took " << seconds << " s\n";
}

TEST(ComparisonBudget, CanBeChanged) {
  SourceSet sources;
  Diagnostics ignored;
  RuleFile file = load_text("limits.docket", workflow_with_choices(10), sources, ignored).value_or(RuleFile{});
  WorkflowLimits limits;
  limits.max_comparison_steps = 6 * 45;  // the 45 pairs of 10 transitions, 6 steps each
  Diagnostics within;
  check(file, within, limits);
  EXPECT_TRUE(within.items().empty());

  limits.max_comparison_steps = 6 * 44;
  Diagnostics past;
  check(file, past, limits);
  ASSERT_EQ(past.items().size(), 1u);
  EXPECT_EQ(past.items()[0].code, "W007");
  EXPECT_EQ(past.items()[0].message,
            "overlap and shadowing not checked past this rule: the checker's limit of 264 comparison steps is spent");
  EXPECT_EQ(past.items()[0].loc.line, 13u);  // the tenth transition
}

std::string workflow_with_fields(std::size_t count) {
  std::string text = "workflow w\n";
  for (std::size_t i = 0; i < count; ++i) text += "field f" + std::to_string(i) + " \"recorded\": text\n";
  return text + kTail;
}

TEST(FieldLimit, AThousandFieldsAreAcceptedOneMoreIsNot) {
  EXPECT_EQ(WorkflowLimits{}.max_fields, 1000u);
  Outcome at = check_text(workflow_with_fields(1000));
  EXPECT_FALSE(at.diagnostics.has_errors()) << errors_of(at);

  Outcome past = check_text(workflow_with_fields(1001));
  EXPECT_EQ(past.only_error(), "E034: workflow has 1001 fields (limit 1000 fields)");
}

TEST(WorkflowLimits, CanBeChanged) {
  auto load_tree = [](const std::string& text) {
    SourceSet sources;
    Diagnostics diagnostics;
    return load_text("limits.docket", text, sources, diagnostics).value_or(RuleFile{});
  };
  WorkflowLimits limits;
  limits.max_states = 3;
  limits.max_transitions = 4;
  limits.max_fields = 2;

  Diagnostics within;
  EXPECT_TRUE(check_limits(load_tree(workflow_with_states(3)), within, limits));
  EXPECT_TRUE(check_limits(load_tree(workflow_with_fields(2)), within, limits));
  EXPECT_TRUE(check_limits(load_tree(workflow_with_transitions(4)), within, limits));
  EXPECT_FALSE(within.has_errors());

  Diagnostics past;
  EXPECT_FALSE(check_limits(load_tree(workflow_with_states(4)), past, limits));
  EXPECT_FALSE(check_limits(load_tree(workflow_with_fields(3)), past, limits));
  EXPECT_FALSE(check_limits(load_tree(workflow_with_transitions(5)), past, limits));
  std::vector<std::string> messages;
  for (const Diagnostic& d : past.items()) messages.push_back(d.code + ": " + d.message);
  EXPECT_THAT(messages, ::testing::ElementsAre("E034: workflow has 4 states (limit 3 states)",
                                               "E034: workflow has 3 fields (limit 2 fields)",
                                               "E034: workflow has 5 transitions (limit 4 transitions)"));
}

// A workflow over a limit is not checked further: nothing else is reported.
TEST(WorkflowLimits, StopTheCheckerBeforeItStarts) {
  Outcome past = check_text(workflow_with_states(1001) + "field unused: int\nstate orphan\n");
  EXPECT_EQ(past.only_error(), "E034: workflow has 1002 states (limit 1000 states)");
  EXPECT_EQ(past.diagnostics.warning_count(), 0);
}

// ---------------------------------------------------------------- extends depth (E008)

TEST(ExtendsDepthLimit, SixteenFilesAreAcceptedSeventeenAreNot) {
  EXPECT_EQ(LoadOptions{}.max_extends_depth, 16);
  fs::path directory = fs::temp_directory_path() / ("docket_extends_" + std::to_string(::getpid()));
  fs::create_directories(directory);
  // f0 is the base; f<i> extends f<i-1> and adds field x<i>.
  for (int i = 0; i < 17; ++i) {
    std::ofstream out(directory / ("f" + std::to_string(i) + ".docket"));
    if (i == 0) {
      out << "workflow w" << kTail;
    } else {
      out << "extends \"f" << i - 1 << ".docket\"\nfield x" << i << " \"x\": int\n";
    }
  }
  auto load_chain = [&](int top) {
    Outcome outcome;
    SourceSet sources;
    outcome.parsed =
        load((directory / ("f" + std::to_string(top) + ".docket")).string(), sources, outcome.diagnostics).has_value();
    return outcome;
  };
  Outcome at = load_chain(15);  // f15 .. f0: 16 files
  EXPECT_TRUE(at.parsed) << errors_of(at);
  Outcome past = load_chain(16);  // 17 files
  EXPECT_FALSE(past.parsed);
  EXPECT_EQ(past.only_error(), "E008: `extends` chain is deeper than 16 files");
  fs::remove_all(directory);
}

}  // namespace
}  // namespace docket::dsl
