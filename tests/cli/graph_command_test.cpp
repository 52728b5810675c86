// `docket graph --format svg|xstate`: Graphviz as a child process, and the
// XState export of the shipped rules.

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>

#include <nlohmann/json.hpp>

#include "designer/graph_export.h"
#include "tests/cli/command_harness.h"

namespace docket::cli::testing {
namespace {

bool dot_on_path() { return std::system("command -v dot >/dev/null 2>&1") == 0; }

// Sets PATH for the commands a test runs, and puts it back afterwards.
class ScopedPath {
 public:
  explicit ScopedPath(const std::string& path) {
    if (const char* old = std::getenv("PATH")) old_ = old;
    setenv("PATH", path.c_str(), 1);
  }
  ~ScopedPath() {
    if (old_) {
      setenv("PATH", old_->c_str(), 1);
    } else {
      unsetenv("PATH");
    }
  }

 private:
  std::optional<std::string> old_;
};

TEST(DocketGraphSvg, RendersTheShippedRulesWithLegendAndFills) {
  // graphviz is one of docket's Debian packages (scripts/debian-packages).
  ASSERT_TRUE(dot_on_path()) << "graphviz (`dot`) is not on PATH: run scripts/bootstrap";
  CommandRun r = run_docket("graph rules/after_sales.docket --format svg");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("<svg"), std::string::npos);
  EXPECT_NE(r.out.find("</svg>"), std::string::npos);
  EXPECT_NE(r.out.find("方案执行中"), std::string::npos) << "labels come out in UTF-8";
  EXPECT_NE(r.out.find("cluster_legend"), std::string::npos);
  EXPECT_NE(r.out.find(">legend</text>"), std::string::npos);
  // after_sales has states of every kind: each kind's fill shows up.
  for (designer::StateStyle style : {designer::StateStyle::kInitial, designer::StateStyle::kAwaitsApproval,
                                     designer::StateStyle::kPausesClocks, designer::StateStyle::kFinal}) {
    EXPECT_NE(r.out.find(std::string("fill=\"") + designer::fill_color(style) + "\""), std::string::npos)
        << designer::legend_text(style);
  }
  EXPECT_EQ(r.err, "");
}

TEST(DocketGraphSvg, MissingDotIsAClearFailure) {
  std::string empty_dir = ::testing::TempDir() + "docket_no_dot_" + std::to_string(getpid());
  std::filesystem::create_directories(empty_dir);
  CommandRun r;
  {
    ScopedPath path(empty_dir);
    r = run_docket("graph rules/after_sales.docket --format svg");
  }
  std::filesystem::remove_all(empty_dir);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("cannot run `dot` (Graphviz)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("graphviz package"), std::string::npos) << r.err;
}

TEST(DocketGraphSvg, FailingDotIsReportedWithItsMessages) {
  std::string dir = ::testing::TempDir() + "docket_bad_dot_" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  std::string script = dir + "/dot";
  std::ofstream(script) << "#!/bin/sh\ncat >/dev/null\necho 'Error: syntax error in line 1' >&2\nexit 1\n";
  chmod(script.c_str(), 0755);
  CommandRun r;
  {
    ScopedPath path(dir);
    r = run_docket("graph rules/after_sales.docket --format svg");
  }
  std::filesystem::remove_all(dir);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("`dot -Tsvg` failed (exit status 1)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Error: syntax error in line 1"), std::string::npos) << r.err;
}

TEST(DocketGraphXState, ShippedRulesAsAMachine) {
  CommandRun r = run_docket("graph rules/complaint_handling.docket --format xstate");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json machine = nlohmann::json::parse(r.out);
  EXPECT_EQ(machine["id"], "complaint_handling");
  ASSERT_TRUE(machine["states"].contains(machine["initial"].get<std::string>()));
  EXPECT_EQ(machine["states"]["archived"]["type"], "final");
}

TEST(DocketGraphDot, PlainDotCarriesTheLegend) {
  CommandRun r = run_docket("graph rules/after_sales.docket --format DOT");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("subgraph cluster_legend {"), std::string::npos);
  EXPECT_EQ(run_docket("graph rules/after_sales.docket --format png").exit_code, 2);
}

}  // namespace
}  // namespace docket::cli::testing
