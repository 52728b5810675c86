// Mutation test: damaged versions of real rule files never crash the loader
// or the checker, and never leave the designer without a place to look.
//
// The shipped rules/*.docket (and a small complete workflow kept here, so
// that the test means something even while rules/ is being edited) are
// mutated deterministically: every line deleted, every line duplicated, the
// file cut at every hundredth of its length and inside multi-byte UTF-8
// characters, identifiers swapped, stray bytes inserted, and expressions
// nested a thousand to a million levels deep (parentheses, `not`, unary
// minus, `in` lists). Each mutant goes through load_text + check. It must
// either check clean (no errors) or report diagnostics that all point at a
// real line and column of a loaded file, and render as text and JSON.
//
// Everything is derived from a fixed seed, so a failure names a mutant that
// the next run produces again.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "dsl/checker.h"
#include "dsl/diagnostics.h"
#include "dsl/loader.h"

namespace docket::dsl {
namespace {

namespace fs = std::filesystem;

// A complete workflow that uses every kind of declaration; mutated besides
// the shipped rules.
constexpr const char* kSeed = R"(# 售后维修 (repair)
workflow repair "维修服务" version "1.0"

field mood "客户情绪": enum(calm, unhappy, angry) = calm required
field impact "影响范围": enum(core, minor) required
field urgency "紧急程度": enum(high, low) required
field order_amount "订单金额": money = 0
field compensation "补偿金额": money = 0
field overall "总体满意度": int range 1..5

calendar office "办公时间" {
  zone "Asia/Shanghai"
  hours mon-fri 09:00-12:00, 13:00-18:00
  holidays 2026-10-01..2026-10-07
  workdays 2026-09-20
}

department tech "技术部门" { roles engineer, supervisor, dept_head }
category product_fault "产品故障类" -> tech
category inquiry "咨询建议类" { route tech when impact == core }

priority P0 "紧急" {
  first_response 1h
  resolve 4h in office
  warn at 50%, 80%
  at 80% of resolve do escalate to supervisor
  on breach of resolve do escalate to dept_head, notify customer "delay_apology"
}
priority P1 "重要" { first_response 4h; resolve 24h }

classify priority by impact x urgency {
  columns high, low
  core:  P0 P0
  minor: P0 P1
}
classify category {
  product_fault when impact == core
  inquiry otherwise
}

chain head_signoff "部门负责人签批" {
  level head: any of dept_head within 8h in office on timeout do escalate to dept_head
}
approval by priority {
  P0: head_signoff
  P1: none
}
require compensation <= order_amount * 30% when category == product_fault "补偿不超过订单金额的 30%"

initial state received "已接收" {
  auto when mood == angry -> fixing do notify customer "empathy_script"
  auto when mood != angry -> fixing
}
state fixing "处理中" {
  on enter do assign tech.engineer, classify priority, classify category, route
  after 2h in office do notify supervisor "fixing_due"
  every 24h do notify customer "progress_update"
  on resolved by engineer -> approving do set compensation = 0
}
state approving "方案审批" {
  await approval
  on approved -> follow_up do stop first_response
  on rejected -> fixing
}
state follow_up "客户回访" {
  pause resolve
  on survey when overall >= 4 -> closed do notify customer "thank_you"
  on survey when overall <= 3 -> fixing do raise priority, emit low_satisfaction
}
final state closed "已结案" {
  on enter do emit case_closed
}
)";

struct Seed {
  std::string name;  // as loaded, relative to the repository root
  std::string text;
};

struct Mutant {
  std::string description;
  std::string text;
};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<Seed> shipped_rules() {
  std::vector<Seed> seeds;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(fs::path(DOCKET_SOURCE_DIR) / "rules", ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".docket") {
      seeds.push_back({"rules/" + entry.path().filename().string(), read_file(entry.path())});
    }
  }
  std::sort(seeds.begin(), seeds.end(),
            [](const Seed& a, const Seed& b) { return a.name < b.name; });
  return seeds;
}

std::vector<Seed> seeds() {
  std::vector<Seed> out = shipped_rules();
  out.push_back({"tests/dsl/mutation_seed.docket", kSeed});
  return out;
}

// The byte offsets where lines start.
std::vector<std::size_t> line_starts(const std::string& text) {
  std::vector<std::size_t> starts{0};
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && i + 1 < text.size()) starts.push_back(i + 1);
  }
  return starts;
}

std::size_t line_end(const std::string& text, std::size_t start) {
  std::size_t newline = text.find('\n', start);
  return newline == std::string::npos ? text.size() : newline + 1;
}

// `count` offsets spread evenly over [0, size), first and last included.
std::vector<std::size_t> spread(std::size_t size, std::size_t count) {
  std::vector<std::size_t> out;
  if (size == 0 || count == 0) return out;
  for (std::size_t k = 0; k < count; ++k) {
    out.push_back(count == 1 ? 0 : k * (size - 1) / (count - 1));
  }
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// ---------------------------------------------------------------- mutators

std::vector<Mutant> deleted_lines(const std::string& text) {
  std::vector<Mutant> out;
  for (std::size_t start : line_starts(text)) {
    std::size_t end = line_end(text, start);
    out.push_back({"line at byte " + std::to_string(start) + " deleted",
                   text.substr(0, start) + text.substr(end)});
  }
  return out;
}

std::vector<Mutant> duplicated_lines(const std::string& text) {
  std::vector<Mutant> out;
  for (std::size_t start : line_starts(text)) {
    std::size_t end = line_end(text, start);
    std::string line = text.substr(start, end - start);
    if (line.empty() || line.back() != '\n') line += '\n';
    out.push_back({"line at byte " + std::to_string(start) + " duplicated",
                   text.substr(0, end) + line + text.substr(end)});
  }
  return out;
}

// Cut at every hundredth of the file, and inside multi-byte characters.
std::vector<Mutant> truncations(const std::string& text) {
  std::vector<std::size_t> offsets;
  for (std::size_t k = 0; k <= 100; ++k) offsets.push_back(text.size() * k / 100);
  std::vector<std::size_t> inside_characters;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) inside_characters.push_back(i);
  }
  for (std::size_t k : spread(inside_characters.size(), 60)) {
    offsets.push_back(inside_characters[k]);
  }
  std::sort(offsets.begin(), offsets.end());
  offsets.erase(std::unique(offsets.begin(), offsets.end()), offsets.end());

  std::vector<Mutant> out;
  for (std::size_t offset : offsets) {
    out.push_back({"cut at byte " + std::to_string(offset), text.substr(0, offset)});
  }
  return out;
}

struct Token {
  std::size_t begin = 0;
  std::size_t end = 0;
};

std::vector<Token> identifiers(const std::string& text) {
  auto first = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  auto rest = [&](char c) { return first(c) || (c >= '0' && c <= '9'); };
  std::vector<Token> out;
  for (std::size_t i = 0; i < text.size();) {
    if (!first(text[i]) || (i > 0 && rest(text[i - 1]))) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < text.size() && rest(text[end])) ++end;
    out.push_back({i, end});
    i = end;
  }
  return out;
}

// Two identifiers (keywords included) trade places: `-> fixing` becomes
// `-> state`, `state fixing` becomes `state closed`, ...
std::vector<Mutant> swapped_identifiers(const std::string& text, std::size_t count,
                                        std::mt19937& rng) {
  std::vector<Token> tokens = identifiers(text);
  std::vector<Mutant> out;
  if (tokens.size() < 2) return out;
  for (std::size_t attempt = 0; out.size() < count && attempt < count * 4; ++attempt) {
    std::size_t a = rng() % tokens.size();
    std::size_t b = rng() % tokens.size();
    if (a == b) continue;
    if (a > b) std::swap(a, b);
    const Token& x = tokens[a];
    const Token& y = tokens[b];
    std::string tx = text.substr(x.begin, x.end - x.begin);
    std::string ty = text.substr(y.begin, y.end - y.begin);
    if (tx == ty) continue;
    std::string mutated = text.substr(0, x.begin) + ty + text.substr(x.end, y.begin - x.end) + tx +
                          text.substr(y.end);
    out.push_back({"`" + tx + "` at byte " + std::to_string(x.begin) + " swapped with `" + ty +
                       "` at byte " + std::to_string(y.begin),
                   std::move(mutated)});
  }
  return out;
}

std::vector<Mutant> stray_bytes(const std::string& text, std::size_t positions, std::mt19937& rng) {
  static constexpr char kBytes[] = {'\x00', '\xFF', '\x80', '{', '}', '"', '#'};
  std::vector<Mutant> out;
  for (char byte : kBytes) {
    std::vector<std::size_t> offsets = spread(text.size() + 1, positions / 2);
    for (std::size_t k = offsets.size(); k < positions; ++k) {
      offsets.push_back(rng() % (text.size() + 1));
    }
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned char>(byte));
    for (std::size_t offset : offsets) {
      std::string mutated = text;
      mutated.insert(mutated.begin() + static_cast<std::ptrdiff_t>(offset), byte);
      out.push_back({std::string("byte ") + hex + " inserted at " + std::to_string(offset),
                     std::move(mutated)});
    }
  }
  return out;
}

// `in` lists take 9 bytes a level: they stop at 400,000 levels, the most
// that fits in a rule file (4 MiB).
std::size_t levels(const std::string& kind, std::size_t depth) {
  return kind == "in" ? std::min<std::size_t>(depth, 400000) : depth;
}

// A condition nested `levels(kind, depth)` levels deep, true and well typed.
std::string nested_condition(const std::string& kind, std::size_t depth) {
  depth = levels(kind, depth);
  if (kind == "parentheses") return std::string(depth, '(') + "true" + std::string(depth, ')');
  if (kind == "not") {
    std::string out;
    out.reserve(depth * 4 + 8);
    for (std::size_t i = 0; i < depth; ++i) out += "not ";
    return out + (depth % 2 == 0 ? "true" : "false");
  }
  if (kind == "in") {
    std::string out;
    out.reserve(depth * 10 + 8);
    for (std::size_t i = 0; i < depth; ++i) out += "true in (";
    return out + "true" + std::string(depth, ')');
  }
  return std::string(depth, '-') + "1 < 2";  // unary minus
}

// Where the first `when` condition starts, outside comments and strings;
// npos when there is none.
std::size_t first_condition(const std::string& text) {
  for (std::size_t at = text.find(" when "); at != std::string::npos;
       at = text.find(" when ", at + 1)) {
    std::size_t line_start = text.rfind('\n', at);
    line_start = line_start == std::string::npos ? 0 : line_start + 1;
    std::string_view before(text.data() + line_start, at - line_start);
    if (before.find('#') == std::string_view::npos && before.find('"') == std::string_view::npos) {
      return at + 6;
    }
  }
  return std::string::npos;
}

// Deep expressions where a designer writes conditions: in front of the first
// `when` condition of the file, and (a thousand levels deep, as the parse
// stops at the limit whatever follows) in a `require` appended to it.
std::vector<Mutant> deep_nesting(const std::string& text) {
  std::vector<Mutant> out;
  for (std::size_t depth : {std::size_t{1000}, std::size_t{10000}, std::size_t{1000000}}) {
    for (const char* kind : {"parentheses", "not", "minus", "in"}) {
      std::string condition = nested_condition(kind, depth);
      std::string label =
          std::string(kind) + " nested " + std::to_string(levels(kind, depth)) + " deep";
      std::size_t at = first_condition(text);
      if (at != std::string::npos) {
        std::string mutated = text;
        mutated.insert(at, condition + " and ");
        out.push_back({label + " in the first `when`", std::move(mutated)});
      }
      if (depth == 1000) {
        out.push_back({label + " in an appended `require`",
                       text + "\nrequire " + condition + " \"nested\"\n"});
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------- the invariant

std::size_t line_count(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
}

// Loads and checks one mutant; returns what is wrong with the outcome, or an
// empty string when it checked clean or reported positioned errors.
std::string judge(const Seed& seed, const Mutant& mutant) {
  SourceSet sources;
  Diagnostics diagnostics;
  auto file = load_text(seed.name, mutant.text, sources, diagnostics);
  if (file) check(*file, diagnostics);
  diagnostics.sort();

  if (!file && !diagnostics.has_errors()) return "the loader gave up without an error";
  std::string problems;
  for (const Diagnostic& d : diagnostics.items()) {
    std::string where = d.code + " \"" + d.message + "\" at " + std::to_string(d.loc.line) + ":" +
                        std::to_string(d.loc.column);
    if (!d.loc.known() || d.loc.file >= sources.size()) {
      problems += where + " names no loaded file\n";
      continue;
    }
    const std::string& text = sources.text(d.loc.file);
    if (d.loc.line < 1 || d.loc.line > line_count(text)) {
      problems += where + " is not a line of the file\n";
    }
    if (d.loc.column < 1 || d.loc.column > sources.line_text(d.loc.file, d.loc.line).size() + 1) {
      problems += where + " is not a column of its line\n";
    }
    if (d.message.empty()) problems += d.code + " has no message\n";
  }
  std::string text = render_text(diagnostics, sources);
  std::string json = render_json(diagnostics, sources);
  if (!diagnostics.items().empty() && text.empty()) problems += "render_text printed nothing\n";
  if (json.rfind("{\"diagnostics\":[", 0) != 0) {
    problems += "render_json is not a diagnostics document\n";
  }
  return problems;
}

using Mutator = std::function<std::vector<Mutant>(const std::string& text, std::mt19937& rng)>;

// Runs every mutant of every seed; reports the first few failures in full.
void expect_every_mutant_handled(const Mutator& mutate) {
  std::size_t mutants = 0;
  int failures = 0;
  for (const Seed& seed : seeds()) {
    std::mt19937 rng(20260101);  // fixed: the same mutants every run
    for (const Mutant& mutant : mutate(seed.text, rng)) {
      ++mutants;
      std::string problems = judge(seed, mutant);
      if (problems.empty()) continue;
      if (++failures <= 5) {
        ADD_FAILURE() << seed.name << ", " << mutant.description << ":\n" << problems;
      }
    }
  }
  EXPECT_EQ(failures, 0) << failures << " of " << mutants << " mutants were mishandled";
  EXPECT_GT(mutants, 0u);
}

TEST(Mutation, ShippedRulesArePresent) {
  std::vector<Seed> rules = shipped_rules();
  ASSERT_GE(rules.size(), 2u) << "rules/*.docket are the seeds of this test";
  for (const Seed& seed : rules) EXPECT_GT(seed.text.size(), 1000u) << seed.name;
}

TEST(Mutation, TheSeedWorkflowChecksClean) {
  SourceSet sources;
  Diagnostics diagnostics;
  auto file = load_text("tests/dsl/mutation_seed.docket", kSeed, sources, diagnostics);
  ASSERT_TRUE(file) << render_text(diagnostics, sources);
  check(*file, diagnostics);
  EXPECT_FALSE(diagnostics.has_errors()) << render_text(diagnostics, sources);
}

TEST(Mutation, EveryLineDeleted) {
  expect_every_mutant_handled(
      [](const std::string& text, std::mt19937&) { return deleted_lines(text); });
}

TEST(Mutation, EveryLineDuplicated) {
  expect_every_mutant_handled(
      [](const std::string& text, std::mt19937&) { return duplicated_lines(text); });
}

TEST(Mutation, TruncatedAnywhere) {
  expect_every_mutant_handled(
      [](const std::string& text, std::mt19937&) { return truncations(text); });
}

TEST(Mutation, IdentifiersSwapped) {
  expect_every_mutant_handled([](const std::string& text, std::mt19937& rng) {
    return swapped_identifiers(text, 200, rng);
  });
}

TEST(Mutation, StrayBytesInserted) {
  expect_every_mutant_handled(
      [](const std::string& text, std::mt19937& rng) { return stray_bytes(text, 60, rng); });
}

TEST(Mutation, ExpressionsNestedDeeply) {
  expect_every_mutant_handled(
      [](const std::string& text, std::mt19937&) { return deep_nesting(text); });
}

// The nesting limit is what stops a million parentheses: the mutant is
// refused with E004 at the 65th level, not by running out of stack.
TEST(Mutation, DeepNestingIsReportedAsTooDeep) {
  struct Nesting {
    const char* kind;
    std::size_t level_bytes;  // the text of one level: `(`, `not `, `-`, `true in (`
    std::size_t opener;       // where the level opens in it: the `(` of `true in (`
  };
  for (const Nesting& nesting : {Nesting{"parentheses", 1, 0}, Nesting{"not", 4, 0},
                                 Nesting{"minus", 1, 0}, Nesting{"in", 9, 8}}) {
    SCOPED_TRACE(nesting.kind);
    SourceSet sources;
    Diagnostics diagnostics;
    std::string text =
        "workflow w\nrequire " + nested_condition(nesting.kind, 1000000) + " \"nested\"\n";
    auto file = load_text("deep.docket", text, sources, diagnostics);
    EXPECT_FALSE(file);
    ASSERT_EQ(diagnostics.items().size(), 1u) << render_text(diagnostics, sources).substr(0, 2000);
    const Diagnostic& d = diagnostics.items().front();
    EXPECT_EQ(d.code, "E004");
    EXPECT_EQ(d.loc.line, 2u);
    // `require ` is 8 bytes; 64 levels are allowed, the 65th is reported where it opens.
    EXPECT_EQ(d.loc.column, 9 + 64 * nesting.level_bytes + nesting.opener);
  }
}

}  // namespace
}  // namespace docket::dsl
