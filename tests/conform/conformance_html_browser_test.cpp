// The conformance page in a real browser: headless Chromium loads a page the
// renderer made, with the process map Graphviz drew, and the test reads the
// DOM after load and the browser's network log. The map's SVG is inline with
// its nodes, the variant table has its rows, the script ran, and the page
// asked for nothing outside itself.
//
// Chromium comes with scripts/debian-packages; where it is missing, the test
// is skipped. `timeout` bounds each run, so a browser that hangs fails the
// test instead of stalling the suite.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "conform/conformance_html.h"
#include "conform/process_map.h"
#include "tests/conform/desk_example.h"
#include "tests/support/event_streams.h"

namespace docket::conform {
namespace {

using ::testing::HasSubstr;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs a shell command; its exit status, 124 when `timeout` stopped it.
int run(const std::string& command) {
  int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::size_t matches(const std::string& text, const std::string& pattern) {
  std::regex re(pattern);
  return static_cast<std::size_t>(std::distance(std::sregex_iterator(text.begin(), text.end(), re), {}));
}

// URLs that pages loaded from file:// asked the network for, by Chromium's
// net log: requests whose network isolation key is a file:// page. The
// browser's own requests (updates, spellcheck dictionaries) have keys of
// their own sites and are left out.
std::set<std::string> page_requests(const std::string& net_log) {
  nlohmann::json log = nlohmann::json::parse(net_log, nullptr, false);
  std::set<std::string> urls;
  if (log.is_discarded() || !log.contains("constants") || !log.contains("events")) {
    ADD_FAILURE() << "Chromium's net log is not the JSON expected";
    return urls;
  }
  auto type = log["constants"]["logEventTypes"].find("URL_REQUEST_START_JOB");
  if (type == log["constants"]["logEventTypes"].end()) {
    ADD_FAILURE() << "Chromium's net log names no URL_REQUEST_START_JOB";
    return urls;
  }
  for (const nlohmann::json& event : log["events"]) {
    if (event.value("type", -1) != *type || !event.contains("params")) continue;
    const nlohmann::json& params = event["params"];
    std::string key = params.value("network_isolation_key", "");
    if (key.rfind("file://", 0) == 0) urls.insert(params.value("url", ""));
  }
  return urls;
}

// The SVG Graphviz draws of the desk's process map.
std::string desk_svg(const docket::testing::TempDir& dir, const engine::Workflow& workflow,
                     const ConformanceResult& result) {
  std::ofstream(dir.file("map.dot")) << process_map_dot(workflow, result);
  int status = run("timeout 60 dot -Tsvg '" + dir.file("map.dot") + "' -o '" + dir.file("map.svg") + "'");
  EXPECT_EQ(status, 0) << "dot -Tsvg failed";
  return read_file(dir.file("map.svg"));
}

constexpr const char* kPlanted = "http://planted.invalid/probe.png";

TEST(ConformanceHtmlBrowserTest, ShowsTheMapAndVariantsAndFetchesNothing) {
  ASSERT_EQ(run("command -v chromium >/dev/null 2>&1"), 0)
      << "chromium is required for this test: scripts/bootstrap installs it (scripts/debian-packages lists it)";
  ASSERT_EQ(run("command -v dot >/dev/null 2>&1"), 0)
      << "graphviz is required for this test: install the `graphviz` package (`dot` on PATH)";
  docket::testing::TempDir dir;
  auto workflow = testing::desk_workflow();
  ASSERT_TRUE(workflow);
  ConformanceResult result = testing::desk_result();
  HtmlPage page{"desk 2 against log.csv", "rules/desk.docket", "log.csv", desk_svg(dir, *workflow, result), ""};
  ASSERT_THAT(page.svg, HasSubstr("<svg"));
  std::string html = render_html(result, page);
  // One request planted by the test, to prove that the net log sees what a
  // page fetches: it must be the only one.
  html.insert(html.rfind("</body>"), std::string("<img src=\"") + kPlanted + "\" alt=\"\">\n");
  std::ofstream(dir.file("page.html")) << html;

  int status =
      run("timeout -k 5 120 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage "
          "--no-first-run --disable-background-networking --disable-component-update --disable-sync "
          "--user-data-dir='" +
          dir.file("profile") + "' --log-net-log='" + dir.file("net.json") + "' --dump-dom 'file://" +
          dir.file("page.html") + "' > '" + dir.file("dom.html") + "' 2> '" + dir.file("chromium.txt") + "'");
  ASSERT_EQ(status, 0) << (status == 124 ? "chromium timed out" : "chromium failed") << ":\n"
                       << read_file(dir.file("chromium.txt"));
  std::string dom = read_file(dir.file("dom.html"));

  EXPECT_EQ(matches(dom, R"(<div class="map">\s*<svg)"), 1U);
  EXPECT_EQ(matches(dom, R"(<g id="state_\w+" class="node">)"), workflow->states().size());
  EXPECT_THAT(dom, HasSubstr("<g id=\"edge_open_done\" class=\"edge\">"));
  EXPECT_EQ(matches(dom, R"re(<tr class="(fits|deviates)">)re"), result.variants.size());
  EXPECT_EQ(matches(dom, R"(<tr class="dev">)"), 1U);
  // The script ran: the filter it shows is no longer hidden.
  EXPECT_THAT(dom, HasSubstr("<div class=\"filter\" id=\"variant-filter\"><input"));

  EXPECT_EQ(page_requests(read_file(dir.file("net.json"))), std::set<std::string>{kPlanted});
}

}  // namespace
}  // namespace docket::conform
