// The `docket` command as a designer runs it: exit codes, where output goes,
// and the formats other tools read.

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <string>

#include <stdlib.h>
#include <unistd.h>

namespace {

struct CommandRun {
  int exit_code = -1;
  std::string out;  // stdout only; stderr goes to err
  std::string err;
};

// Runs the built docket binary from the repository root.
CommandRun run(const std::string& arguments) {
  // Tests run in parallel processes: each call gets its own file for stderr.
  std::string err_path = testing::TempDir() + "docket_stderr_XXXXXX";
  int fd = mkstemp(err_path.data());
  if (fd >= 0) close(fd);
  std::string command = std::string("cd ") + DOCKET_SOURCE_DIR + " && " + DOCKET_BINARY + " " + arguments +
                        " 2>" + err_path;
  CommandRun result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer;
  std::size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.out.append(buffer.data(), n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream err(err_path);
  result.err.assign(std::istreambuf_iterator<char>(err), {});
  std::remove(err_path.c_str());
  return result;
}

TEST(DocketCheckCommand, ShippedRulesCheckCleanAndSilently) {
  CommandRun r = run("check rules/after_sales.docket rules/complaint_handling.docket");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "");
}

TEST(DocketCheckCommand, ErrorsExitOneWithPositionCaretAndHelp) {
  CommandRun r = run("check tests/bad/undefined_department.docket");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("tests/bad/undefined_department.docket:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("error[E010]"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("^"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("help: did you mean"), std::string::npos) << r.err;
}

TEST(DocketCheckCommand, WarningsAloneExitZeroUnlessAskedOtherwise) {
  EXPECT_EQ(run("check tests/bad/unused_declarations.docket").exit_code, 0);
  EXPECT_EQ(run("check --warnings-as-errors tests/bad/unused_declarations.docket").exit_code, 1);
}

TEST(DocketCheckCommand, JsonGoesToStdoutForTools) {
  CommandRun r = run("check --format json tests/bad/undefined_department.docket");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out.rfind("{\"diagnostics\":[{\"file\":\"tests/bad/undefined_department.docket\"", 0), 0u)
      << r.out;
  EXPECT_NE(r.out.find("\"code\":\"E010\""), std::string::npos);
  EXPECT_EQ(r.err, "");
}

TEST(DocketCheckCommand, UsageErrorsExitTwo) {
  EXPECT_EQ(run("check").exit_code, 2);
  EXPECT_EQ(run("check no/such/file.docket").exit_code, 2);
  EXPECT_EQ(run("check --format yaml rules/after_sales.docket").exit_code, 2);
  EXPECT_EQ(run("frobnicate").exit_code, 2);
  EXPECT_EQ(run("").exit_code, 2);
}

TEST(DocketCommand, HelpAndVersion) {
  CommandRun version = run("--version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out.rfind("docket ", 0), 0u);
  for (const char* command : {"--help", "check --help", "graph --help"}) {
    CommandRun help = run(command);
    EXPECT_EQ(help.exit_code, 0) << command;
    EXPECT_NE(help.out.find("Usage:"), std::string::npos) << command;
  }
}

TEST(DocketGraphCommand, EveryFormatOfTheShippedRules) {
  CommandRun dot = run("graph rules/after_sales.docket");
  EXPECT_EQ(dot.exit_code, 0) << dot.err;
  EXPECT_EQ(dot.out.rfind("digraph", 0), 0u);
  EXPECT_NE(dot.out.find("方案执行中"), std::string::npos) << "labels come out in UTF-8";
  CommandRun mermaid = run("graph rules/after_sales.docket --format mermaid");
  EXPECT_EQ(mermaid.out.rfind("stateDiagram-v2", 0), 0u);
  CommandRun json = run("graph rules/complaint_handling.docket --format json");
  EXPECT_EQ(json.out.front(), '{');
}

TEST(DocketGraphCommand, BrokenRulesGiveDiagnosticsAndNoGraph) {
  CommandRun r = run("graph tests/bad/missing_arrow.docket");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("error[E001]"), std::string::npos);
}

TEST(DocketGraphCommand, DotRendersWithGraphviz) {
  CommandRun r = run("graph rules/after_sales.docket | dot -Tsvg");
  ASSERT_EQ(r.exit_code, 0) << "graphviz (`dot`) is required: scripts/bootstrap installs it\n" << r.err;
  EXPECT_NE(r.out.find("<svg"), std::string::npos);
}

}  // namespace
