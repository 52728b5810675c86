// The conformance page (conform/conformance_html.h) on results made by hand:
// every section in its place, whatever the log holds escaped, deviating
// rows marked and explained, the ordering warning first, shares with one
// decimal, and nothing the page would fetch from elsewhere.

#include "conform/conformance_html.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace docket::conform {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kHostileCase = "<script>alert(1)</script>";

std::size_t& by_kind(ConformanceResult& result, DeviationKind kind) {
  return result.deviations_by_kind[static_cast<std::size_t>(kind)];
}

TraceResult fitting_trace(const std::string& case_id) {
  TraceResult trace;
  trace.case_id = case_id;
  trace.path = {"open", "working", "done"};
  trace.moves = 2;
  trace.allowed_moves = 2;
  return trace;
}

// A trace of three rows that jumps from `open` to `done`: its rows are
// hostile text, as a log may hold.
TraceResult deviating_trace() {
  TraceResult trace;
  trace.case_id = kHostileCase;
  trace.rows = {{11, 1700000000, "2023-11-14T22:13:20Z", "1", "New", "ann"},
                {12, 1700000060, "2023-11-14T22:14:20Z", "2", "\"><img src=x onerror=alert(2)>", "bob & co"},
                {13, 1700000120, "2023-11-14T22:15:20Z", "3", "Closed", "bad \xff byte"}};
  trace.path = {"open", "done"};
  trace.moves = 2;
  trace.allowed_moves = 1;
  Deviation deviation;
  deviation.kind = DeviationKind::kMove;
  deviation.row = 2;
  deviation.line = 13;
  deviation.from = "open";
  deviation.logged = "Closed";
  deviation.to = "done";
  deviation.allowed = {"working", "dropped"};
  deviation.rule = {"rules/desk.docket:7", 7, 1};
  deviation.detail = "no transition leads from open to done <b>";
  trace.deviations = {deviation};
  trace.fits = false;
  trace.order_sensitive = true;
  return trace;
}

ConformanceResult hostile_result() {
  ConformanceResult result;
  result.workflow = "desk 2";
  result.traces = 3;
  result.fitting_traces = 2;
  result.moves = 8;
  result.allowed_moves = 7;
  by_kind(result, DeviationKind::kMove) = 1;
  result.edges = {{"open", "working", 2, true}, {"working", "done", 2, true}, {"open", "done", 1, false}};
  result.variants = {{{"open", "working", "done"}, 2, 2, "C1"}, {{"open", "done"}, 1, 0, kHostileCase}};
  result.quality.rows = 9;
  result.quality.order_sensitive_traces = 1;
  result.quality.order_disagreements = 2;
  result.quality.unknown_states = {{"<b>Limbo</b>", 4}};
  result.traces_checked = {fitting_trace("C1"), deviating_trace(), fitting_trace("C3")};
  result.traces_kept = 1;
  return result;
}

HtmlPage page_with_svg() {
  HtmlPage page;
  page.title = "desk 2 against log.csv";
  page.rules = "rules/desk.docket";
  page.log = "log <1>.csv";
  page.svg =
      "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" "
      "\"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n<svg width=\"100pt\" height=\"80pt\"><g "
      "id=\"state_open\" class=\"node\"><title>open</title></g></svg>\n";
  return page;
}

TEST(ConformanceHtmlTest, EscapesWhatTheLogHolds) {
  std::string html = render_html(hostile_result(), page_with_svg());
  EXPECT_THAT(html, Not(HasSubstr(kHostileCase)));
  EXPECT_THAT(html, HasSubstr("<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>"));
  EXPECT_THAT(html, Not(HasSubstr("<img src=x")));
  EXPECT_THAT(html, HasSubstr("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"));
  EXPECT_THAT(html, HasSubstr("bob &amp; co"));
  EXPECT_THAT(html, HasSubstr("bad \xEF\xBF\xBD byte"));  // not UTF-8: the replacement character
  EXPECT_THAT(html, HasSubstr("&lt;b&gt;Limbo&lt;/b&gt;"));
  EXPECT_THAT(html, HasSubstr("log &lt;1&gt;.csv"));
  EXPECT_THAT(html, HasSubstr("to done &lt;b&gt;"));
}

TEST(ConformanceHtmlTest, HasEverySectionInOrder) {
  std::string html = render_html(hostile_result(), page_with_svg());
  std::size_t last = 0;
  for (const char* id : {"verdict", "quality", "map", "deviations", "classifications", "variants", "traces"}) {
    std::size_t at = html.find(std::string("<h2 id=\"") + id + "\"");
    ASSERT_NE(at, std::string::npos) << id;
    EXPECT_GT(at, last) << id;
    last = at;
  }
  EXPECT_THAT(html, HasSubstr("<!DOCTYPE html>"));
  EXPECT_THAT(html, HasSubstr("</html>\n"));
}

TEST(ConformanceHtmlTest, ShowsSharesWithOneDecimal) {
  std::string html = render_html(hostile_result(), page_with_svg());
  EXPECT_THAT(html, HasSubstr("<div class=\"big\">66.7%</div>"));  // 2 of 3 traces
  EXPECT_THAT(html, HasSubstr("<div class=\"big\">87.5%</div>"));  // 7 of 8 moves
  EXPECT_THAT(html, HasSubstr("<span style=\"width:66.7%\">"));
  EXPECT_THAT(html, HasSubstr("<td class=\"n\">33.3%</td>"));  // a variant's share
}

TEST(ConformanceHtmlTest, NeverRoundsADeviationAway) {
  ConformanceResult result;
  result.traces = 5000;
  result.fitting_traces = 4999;
  result.moves = 5000;
  result.allowed_moves = 1;
  std::string html = render_html(result, HtmlPage{});
  EXPECT_THAT(html, HasSubstr("<div class=\"big\">&gt;99.9%</div>"));
  EXPECT_THAT(html, HasSubstr("<div class=\"big\">&lt;0.1%</div>"));
}

TEST(ConformanceHtmlTest, MarksAndExplainsDeviatingRows) {
  std::string html = render_html(hostile_result(), page_with_svg());
  EXPECT_THAT(html, HasSubstr("<tr class=\"dev\"><td class=\"n\">13</td>"));
  EXPECT_THAT(html, HasSubstr("<tr><td class=\"n\">12</td>"));  // an allowed row is not marked
  EXPECT_THAT(html, HasSubstr("<tr class=\"why\"><td colspan=\"5\"><span class=\"kind\">move</span> from "
                              "<code>open</code> to <code>Closed</code> (<code>done</code>)"));
  EXPECT_THAT(html, HasSubstr("the rules lead on to <code>working</code>, <code>dropped</code>"));
  EXPECT_THAT(html, HasSubstr("<a class=\"rule\" href=\"rules/desk.docket\""));
  EXPECT_THAT(html, HasSubstr(">rules/desk.docket:7</a>"));
  EXPECT_THAT(html, HasSubstr("<span class=\"badge order\">order-sensitive</span><span class=\"counts\">"));
}

TEST(ConformanceHtmlTest, SpeaksOfEventsForAnActivityLog) {
  ConformanceResult result = hostile_result();
  result.state_log = false;
  Deviation& deviation = result.traces_checked[1].deviations[0];
  deviation.logged = "Close ticket";
  deviation.to = "confirmed";
  deviation.allowed = {"resolve", "put_on_hold"};
  std::string html = render_html(result, page_with_svg());
  EXPECT_THAT(html, HasSubstr("read as a log of activities"));
  EXPECT_THAT(html, HasSubstr("7 of 8 events allowed"));
  EXPECT_THAT(html, HasSubstr("<th>activity as logged</th>"));
  EXPECT_THAT(html, HasSubstr("<span class=\"kind\">move</span> in <code>open</code>: <code>Close ticket</code> "
                              "(event <code>confirmed</code>)"));
  EXPECT_THAT(html, HasSubstr("the rules handle <code>resolve</code>, <code>put_on_hold</code>"));
}

TEST(ConformanceHtmlTest, RuleLinksCannotBecomeScripts) {
  ConformanceResult result = hostile_result();
  result.traces_checked[1].deviations[0].rule.where = "javascript:alert(1)//x.docket:3";
  std::string html = render_html(result, page_with_svg());
  EXPECT_THAT(html, HasSubstr("href=\"javascript%3Aalert%281%29//x.docket\""));
}

TEST(ConformanceHtmlTest, PutsTheOrderingWarningFirst) {
  std::string html = render_html(hostile_result(), page_with_svg());
  std::size_t ordering = html.find("<p class=\"warning first\"><strong>Ordering:</strong> 1 trace gets");
  ASSERT_NE(ordering, std::string::npos);
  EXPECT_LT(ordering, html.find("2 rows are placed differently"));
  EXPECT_LT(ordering, html.find("Logged states the rules do not have"));

  ConformanceResult calm = hostile_result();
  calm.quality.order_sensitive_traces = 0;
  EXPECT_THAT(render_html(calm, page_with_svg()), Not(HasSubstr("Ordering:")));
}

TEST(ConformanceHtmlTest, SaysWhenTracesWereNotKept) {
  ConformanceResult result = hostile_result();
  TraceResult counted_only = fitting_trace("C4");
  counted_only.fits = false;
  result.traces_checked.push_back(counted_only);
  result.traces = 4;
  std::string html = render_html(result, page_with_svg());
  EXPECT_THAT(html, HasSubstr("the rows of the first 1 of 2 deviating traces"));
  EXPECT_THAT(html, Not(HasSubstr("<code>C4</code>")));  // counted, not shown
}

TEST(ConformanceHtmlTest, ListsVariantsWithLinksToTheMap) {
  std::string html = render_html(hostile_result(), page_with_svg());
  EXPECT_THAT(html, HasSubstr("<table id=\"variant-table\">"));
  EXPECT_THAT(html, HasSubstr("<tr class=\"fits\"><td class=\"n\">1</td><td class=\"n\">2</td>"));
  EXPECT_THAT(html, HasSubstr("<tr class=\"deviates\"><td class=\"n\">2</td>"));
  EXPECT_THAT(html, HasSubstr("<a href=\"#state_working\">working</a>"));
  // The filter is for browsers that run the script; without it, no dead control.
  EXPECT_THAT(html, HasSubstr("id=\"variant-filter\" hidden>"));
}

TEST(ConformanceHtmlTest, InlinesTheMapWithoutItsXmlProlog) {
  std::string html = render_html(hostile_result(), page_with_svg());
  EXPECT_THAT(html, HasSubstr("<div class=\"map\">\n<svg width=\"100pt\""));
  EXPECT_THAT(html, HasSubstr("<g id=\"state_open\" class=\"node\">"));
  EXPECT_THAT(html, Not(HasSubstr("<?xml")));
  EXPECT_THAT(html, Not(HasSubstr("<!DOCTYPE svg")));
}

TEST(ConformanceHtmlTest, SaysWhyThereIsNoMap) {
  HtmlPage page = page_with_svg();
  page.svg.clear();
  page.svg_note = "cannot run `dot` <Graphviz>";
  std::string html = render_html(hostile_result(), page);
  EXPECT_THAT(html, HasSubstr("The process map could not be drawn: cannot run `dot` &lt;Graphviz&gt;"));
  EXPECT_THAT(html, Not(HasSubstr("<div class=\"map\">")));
}

TEST(ConformanceHtmlTest, FetchesNothingFromElsewhere) {
  std::string html = render_html(hostile_result(), page_with_svg());
  for (const char* fetching :
       {"http://", "https://", "<img", "<link", "<iframe", "<object", "<embed", "@import", "url("}) {
    EXPECT_THAT(html, Not(HasSubstr(fetching))) << fetching;
  }
  // One script, inline: the variant filter.
  EXPECT_EQ(html.find("<script"), html.rfind("<script"));
  EXPECT_THAT(html, HasSubstr("<script>\n(function(){"));
}

TEST(ConformanceHtmlTest, AFittingLogSaysSoCalmly) {
  ConformanceResult result;
  result.traces = 2;
  result.fitting_traces = 2;
  result.moves = 4;
  result.allowed_moves = 4;
  result.variants = {{{"open", "done"}, 2, 2, "C1"}};
  result.traces_checked = {fitting_trace("C1"), fitting_trace("C2")};
  std::string html = render_html(result, HtmlPage{});
  EXPECT_THAT(html, HasSubstr("<p class=\"verdict good\">Every trace of the log follows the rules"));
  EXPECT_THAT(html, HasSubstr("<p class=\"ok\">No deviation"));
  EXPECT_THAT(html, HasSubstr("<p class=\"ok\">No trace deviates.</p>"));
  EXPECT_THAT(html, HasSubstr("<div class=\"big\">100.0%</div>"));
}

TEST(ConformanceHtmlTest, ShowsClassificationDisagreements) {
  ConformanceResult result = hostile_result();
  ClassificationCheck check;
  check.target = "priority";
  check.column = "priority";
  check.checked = 3;
  check.agreeing = 2;
  check.disagreements = {{{"2 - <High>", "P3"}, 1}};
  result.classifications = {check};
  std::string html = render_html(result, page_with_svg());
  EXPECT_THAT(html, HasSubstr("2 of 3 rows agree (66.7%)"));
  EXPECT_THAT(html, HasSubstr("<tr><td>2 - &lt;High&gt;</td><td>P3</td><td class=\"n\">1</td></tr>"));
}

TEST(ConformanceHtmlTest, ShowsServiceLevelsAndUnjudgedGuards) {
  ConformanceResult result = hostile_result();
  SlaCheck check;
  check.metric = "resolve";
  check.measured = 8;
  check.breached = 2;
  check.open = 1;
  result.slas = {check};
  result.quality.unjudged_guards = 3;
  std::string html = render_html(result, page_with_svg());
  EXPECT_THAT(html, HasSubstr("<a href=\"#slas\">Service levels</a>"));
  EXPECT_THAT(html, HasSubstr("<tr><td><code>resolve</code></td><td class=\"n\">8</td><td class=\"n\">2</td>"));
  EXPECT_THAT(html, HasSubstr("3 guards read a field the row does not carry; they could not be judged"));
}

TEST(ConformanceHtmlTest, ListsATraceThatFitsButDependsOnTheOrdering) {
  ConformanceResult result = hostile_result();
  TraceResult sensitive;
  sensitive.case_id = "ORDER-1";
  sensitive.order_sensitive = true;
  sensitive.rows.push_back(TraceRow{1, 0, "t", "1", "New", ""});
  sensitive.path = {"new"};
  result.traces_checked.push_back(sensitive);
  std::string html = render_html(result, page_with_svg());
  EXPECT_THAT(html, HasSubstr("<code>ORDER-1</code> <span class=\"badge fits\">fits</span>"));
}

}  // namespace
}  // namespace docket::conform
