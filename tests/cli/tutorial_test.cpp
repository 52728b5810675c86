// docs/tutorial.md as a reader follows it: the rule snippets of sections 1-5
// make a file that checks clean, and the scenarios of section 9 pass against
// it with the output the tutorial shows. A change to the language or to
// `docket test` that breaks the tutorial fails here, not in a reader's hands.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/cli/command_harness.h"

namespace docket::cli::testing {
namespace {

using ::testing::HasSubstr;

struct Block {
  std::string language;  // after the opening fence: "", "toml"
  std::string text;
  std::string section;  // the "## N." heading it is under
};

std::vector<Block> code_blocks(const std::string& markdown) {
  std::vector<Block> blocks;
  std::istringstream in(markdown);
  std::string line;
  std::string section;
  Block* open = nullptr;
  while (std::getline(in, line)) {
    if (open == nullptr && line.rfind("## ", 0) == 0) section = line;
    if (line.rfind("```", 0) == 0) {
      if (open == nullptr) {
        blocks.push_back({line.substr(3), "", section});
        open = &blocks.back();
      } else {
        open = nullptr;
      }
      continue;
    }
    if (open != nullptr) open->text += line + "\n";
  }
  return blocks;
}

TEST(TutorialTest, TheRuleFileChecksAndItsScenariosPass) {
  std::vector<Block> blocks = code_blocks(read_text(std::string(DOCKET_SOURCE_DIR) + "/docs/tutorial.md"));
  std::string rules;
  std::string scenarios;
  std::string expected_output;
  for (const Block& block : blocks) {
    bool building = block.section.rfind("## 1.", 0) == 0 || block.section.rfind("## 2.", 0) == 0 ||
                    block.section.rfind("## 3.", 0) == 0 || block.section.rfind("## 4.", 0) == 0 ||
                    block.section.rfind("## 5.", 0) == 0;
    if (building && block.language.empty()) rules += block.text + "\n";
    if (block.section.rfind("## 9.", 0) == 0 && block.language == "toml") scenarios = block.text;
    if (block.section.rfind("## 9.", 0) == 0 && block.text.rfind("$ docket test\n", 0) == 0) {
      expected_output = block.text.substr(std::string("$ docket test\n").size());
    }
  }
  ASSERT_THAT(rules, HasSubstr("workflow repair"));
  ASSERT_FALSE(scenarios.empty()) << "no toml block in section 9";
  ASSERT_FALSE(expected_output.empty()) << "no `$ docket test` output in section 9";

  std::string folder = ::testing::TempDir() + std::to_string(getpid()) + "_tutorial";
  std::filesystem::create_directories(folder);
  std::ofstream(folder + "/repair.docket") << rules;
  std::ofstream(folder + "/repair.test.toml") << scenarios;

  CommandRun check = run_docket("check " + folder + "/repair.docket");
  EXPECT_EQ(check.exit_code, 0) << check.err;
  EXPECT_EQ(check.err, "");

  CommandRun test = run_docket("test " + folder);
  EXPECT_EQ(test.exit_code, 0) << test.out;
  // The tutorial shows the output for a file in the current folder.
  std::string shown = test.out;
  for (std::size_t at; (at = shown.find(folder + "/")) != std::string::npos;) shown.erase(at, folder.size() + 1);
  EXPECT_EQ(shown, expected_output);
}

}  // namespace
}  // namespace docket::cli::testing
