// The report's text and HTML renderers (designer/report_render.h,
// designer/report_html.h) on reports made by hand: the rules' labels of the
// names a report groups by, text columns aligned by display width, and
// charts whose texts never overlap however long the labels and however
// close the bars.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstddef>
#include <regex>
#include <string>
#include <vector>

#include "designer/report.h"
#include "designer/report_html.h"
#include "designer/report_render.h"
#include "engine/model/text.h"

namespace docket::designer {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Thirty Chinese characters: wider than any chart's label column.
const std::string kLongType = "跨境电子商务平台订单售后服务争议涉及多个商家与物流承运方之间";
const std::string kLongPriority = "特别紧急需要在两小时以内由值班主管亲自处理并且回电给客户说明";

DurationStats hours(std::size_t count, std::int64_t mean_hours) {
  return {count, mean_hours * 3600, mean_hours * 3600, mean_hours * 3600, mean_hours * 3600};
}

// Three types (one with a long label, one without any), three priorities,
// scores, and SLA cells that are all 100%: the bars are as close and as
// long as they get.
Report labelled_report() {
  Report report;
  report.records = 40;
  report.tickets = 10;
  report.tickets_in_journal = 10;
  report.labels.types = {{"card", "信用卡"}, {"loan", kLongType}};
  report.labels.priorities = {{"P1", "高"}, {"P2", kLongPriority}};
  report.labels.scores = {{"5", "非常满意"}};
  report.types = {{"card", {3, 10}}, {"loan", {5, 10}}, {"mortgage", {1, 10}}, {kNone, {1, 10}}};
  report.resolved = 6;
  report.resolution = hours(6, 20);
  report.resolution_by_type_priority = {{"card", "P1", hours(2, 5)},
                                        {"card", "P2", hours(1, 6)},
                                        {"loan", "P1", hours(1, 30)},
                                        {"loan", "P2", hours(1, 31)},
                                        {"mortgage", "P3", hours(1, 32)}};
  report.surveyed = 3;
  report.satisfaction = {{"4", {1, 3}}, {"5", {2, 3}}};
  report.mean_score = 14.0 / 3.0;
  for (const char* metric : {"first_response", "resolve", "callback"}) {
    for (const char* priority : {"P1", "P2", "P3"}) report.sla.push_back({metric, priority, {4, 4}});
  }
  return report;
}

// The lines of the table under the line `heading`, up to the next empty line.
std::vector<std::string> table_under(const std::string& text, const std::string& heading) {
  std::vector<std::string> lines;
  std::size_t at = text.find("\n" + heading + "\n");
  if (at == std::string::npos) return lines;
  at += heading.size() + 2;
  while (at < text.size() && text[at] != '\n') {
    std::size_t end = text.find('\n', at);
    lines.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  return lines;
}

// The display column where `cell` ends in `line` (its first occurrence at or
// after byte `from`).
std::size_t column_after(const std::string& line, const std::string& cell, std::size_t from = 0) {
  std::size_t at = line.find(cell, from);
  if (at == std::string::npos) return 0;
  return engine::display_width(line.substr(0, at + cell.size()));
}

TEST(ReportRenderTest, TextCellsShowTheLabelAndTheName) {
  std::string text = render_report_text(labelled_report());
  std::vector<std::string> types = table_under(text, "complaint types (category)");
  ASSERT_EQ(types.size(), 5u) << text;
  EXPECT_THAT(types[1], testing::StartsWith("  信用卡 (card) "));
  EXPECT_THAT(types[2], testing::StartsWith("  " + kLongType + " (loan) "));
  EXPECT_THAT(types[3], testing::StartsWith("  mortgage "));  // no label: the name alone
  EXPECT_THAT(types[4], testing::StartsWith("  (none) "));

  std::vector<std::string> times = table_under(text, "resolution time (creation to resolve clock stopped)");
  ASSERT_EQ(times.size(), 7u) << text;
  EXPECT_THAT(times[1], testing::StartsWith("  信用卡 (card) "));
  EXPECT_THAT(times[1], HasSubstr(" 高 (P1) "));
  EXPECT_THAT(times[2], HasSubstr(" " + kLongPriority + " (P2) "));
  EXPECT_THAT(times[5], HasSubstr(" P3 "));
  EXPECT_THAT(times[5], Not(HasSubstr("(P3)")));
  EXPECT_THAT(times[6], testing::StartsWith("  all "));

  std::vector<std::string> scores = table_under(text, "satisfaction (overall, every answer)");
  ASSERT_EQ(scores.size(), 4u) << text;
  EXPECT_THAT(scores[1], testing::StartsWith("  4 "));
  EXPECT_THAT(scores[2], testing::StartsWith("  非常满意 (5) "));

  std::vector<std::string> sla = table_under(text, "SLA compliance (first decision of each clock)");
  ASSERT_EQ(sla.size(), 10u) << text;
  EXPECT_THAT(sla[1], testing::StartsWith("  first_response  高 (P1) "));
}

// Every row's cells start and end at the same display column, Chinese
// labels or not: a terminal shows a Chinese character two columns wide in
// three bytes.
TEST(ReportRenderTest, TextColumnsLineUpByDisplayWidth) {
  std::string text = render_report_text(labelled_report());

  std::vector<std::string> types = table_under(text, "complaint types (category)");
  ASSERT_EQ(types.size(), 5u) << text;
  // type: as wide as "<30 characters> (loan)", 67 columns; then two blanks,
  // "tickets" (7, right-aligned), two blanks, "share" (5, right-aligned).
  const std::size_t type_width = engine::display_width(kLongType + " (loan)");
  ASSERT_EQ(type_width, 67u);
  const std::size_t tickets_end = 2 + type_width + 2 + 7;
  const std::size_t share_end = tickets_end + 2 + 5;
  const std::vector<std::pair<std::string, std::string>> cells = {
      {"tickets", "share"}, {"3", "30.0%"}, {"5", "50.0%"}, {"1", "10.0%"}, {"1", "10.0%"}};
  for (std::size_t i = 0; i < types.size(); ++i) {
    const std::string& line = types[i];
    // The count is the first cell after the type's own text (whose name may hold digits).
    std::size_t type_end = line.find("  ", 2);
    ASSERT_NE(type_end, std::string::npos) << line;
    EXPECT_EQ(column_after(line, cells[i].first, type_end), tickets_end) << line;
    EXPECT_EQ(column_after(line, cells[i].second, type_end), share_end) << line;
    EXPECT_EQ(engine::display_width(line), share_end) << line;
  }
  // The lines differ in bytes: a table padded by bytes would fail the checks above.
  EXPECT_NE(types[1].size(), types[3].size());

  // The priority column starts after the widest type, whatever the bytes of the type before it.
  std::vector<std::string> times = table_under(text, "resolution time (creation to resolve clock stopped)");
  ASSERT_EQ(times.size(), 7u) << text;
  const std::size_t priority_start = 2 + type_width + 2;
  for (const std::string& line : times) {
    std::size_t type_end = line.find("  ", 2);
    ASSERT_NE(type_end, std::string::npos) << line;
    std::size_t priority_at = line.find_first_not_of(' ', type_end);
    if (line.rfind("  all", 0) == 0) continue;  // the total has no priority
    EXPECT_EQ(engine::display_width(line.substr(0, priority_at)), priority_start) << line;
  }
  // The columns after it are numbers, right-aligned: every line ends at the same column.
  for (const std::string& line : times) {
    EXPECT_EQ(engine::display_width(line), engine::display_width(times[0])) << line;
  }
  EXPECT_NE(times[1].size(), times[3].size());
}

TEST(ReportRenderTest, HtmlShowsTheLabelWithTheNameOnHover) {
  std::string html = render_report_html(labelled_report(), "bank.db");
  EXPECT_THAT(html, HasSubstr("<td title=\"card\">信用卡</td>"));
  EXPECT_THAT(html, HasSubstr("<td title=\"P1\">高</td>"));
  EXPECT_THAT(html, HasSubstr("<td title=\"5\">非常满意</td>"));
  EXPECT_THAT(html, HasSubstr("<td>mortgage</td>"));  // no label: the name, no title
  EXPECT_THAT(html, HasSubstr("<td>P3</td>"));
  EXPECT_THAT(html, HasSubstr("<td>4</td>"));
  // In the tables the long labels are whole; in the charts, cut with the whole in their <title>.
  EXPECT_THAT(html, HasSubstr("<td title=\"loan\">" + kLongType + "</td>"));
  EXPECT_THAT(html, HasSubstr("<title>card</title>信用卡</text>"));
  EXPECT_THAT(html, HasSubstr("<title>P1</title>高</text>"));
  EXPECT_THAT(html, HasSubstr("<title>" + kLongType + " (loan)</title>" + kLongType.substr(0, 3 * 10)));
  EXPECT_THAT(html, Not(HasSubstr(">" + kLongType + "</text>")));
  EXPECT_THAT(html, HasSubstr("\xE2\x80\xA6</text>"));  // the ellipsis of a cut label
  // A bar's tooltip names its cell in full.
  EXPECT_THAT(html, HasSubstr("<title>信用卡 (card) / 高 (P1): 5h</title></rect>"));
  // The same report, the same bytes.
  EXPECT_EQ(render_report_html(labelled_report(), "bank.db"), html);
}

TEST(ReportRenderTest, HtmlEscapesHostileLabelsAndNames) {
  Report report = labelled_report();
  report.labels.types["card"] = "<script>alert(1)</script>";
  report.labels.priorities["P1"] = "\"><img src=x onerror=alert(2)>";
  report.types.push_back({"x\"y<z>", {0, 10}});
  report.labels.types["x\"y<z>"] = "&amp;";
  std::string html = render_report_html(report, "bank.db");
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, Not(HasSubstr("<img")));
  EXPECT_THAT(html, HasSubstr("<td title=\"card\">&lt;script&gt;alert(1)&lt;/script&gt;</td>"));
  EXPECT_THAT(html, HasSubstr("<td title=\"P1\">&quot;&gt;&lt;img src=x onerror=alert(2)&gt;</td>"));
  EXPECT_THAT(html, HasSubstr("<td title=\"x&quot;y&lt;z&gt;\">&amp;amp;</td>"));
  EXPECT_THAT(html, HasSubstr("<title>card</title>&lt;script&gt;alert(1)&lt;/script&gt;</text>"));

  std::string text = render_report_text(report);
  EXPECT_THAT(text, HasSubstr("<script>alert(1)</script> (card)"));  // a terminal needs no escaping
}

// What the page draws as text, with the box it takes: estimated as a browser
// would draw it, at least (a non-ASCII character 1em wide, an ASCII one
// 0.6em; 0.9em above the baseline, 0.25em below).
struct Box {
  std::string text;
  double left = 0;
  double top = 0;
  double right = 0;
  double bottom = 0;
};

bool intersect(const Box& a, const Box& b) {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}

std::string unescape(std::string text) {
  const std::pair<const char*, const char*> references[] = {
      {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&amp;", "&"}};
  for (const auto& [reference, character] : references) {
    for (std::size_t at; (at = text.find(reference)) != std::string::npos;) {
      text.replace(at, std::string(reference).size(), character);
    }
  }
  return text;
}

double attribute(const std::string& tag, const std::string& name, double otherwise = -1) {
  std::smatch match;
  if (!std::regex_search(tag, match, std::regex(" " + name + "=\"(-?[0-9.]+)\""))) return otherwise;
  return std::stod(match[1]);
}

struct Svg {
  double width = 0;
  double height = 0;
  std::vector<Box> texts;
  std::vector<Box> bars;
};

std::vector<Svg> charts_of(const std::string& html, double font) {
  std::vector<Svg> charts;
  const std::regex svg_element("<svg([^>]*)>([\\s\\S]*?)</svg>");
  const std::regex text_element("<text([^>]*)>([\\s\\S]*?)</text>");
  const std::regex rect_element("<rect([^>]*)>");
  const std::regex title("<title>[\\s\\S]*?</title>");
  for (auto svg = std::sregex_iterator(html.begin(), html.end(), svg_element); svg != std::sregex_iterator(); ++svg) {
    Svg chart;
    std::string tag = (*svg)[1];
    std::string body = (*svg)[2];
    chart.width = attribute(tag, "width");
    chart.height = attribute(tag, "height");
    for (auto text = std::sregex_iterator(body.begin(), body.end(), text_element); text != std::sregex_iterator();
         ++text) {
      std::string attributes = (*text)[1];
      Box box;
      box.text = unescape(std::regex_replace(std::string((*text)[2]), title, ""));
      double width = 0;
      engine::for_each_character(box.text,
                                 [&](std::string_view character) { width += character.size() == 1 ? 0.6 : 1.0; });
      width *= font;
      double x = attribute(attributes, "x");
      double y = attribute(attributes, "y");
      double shift = attributes.find("text-anchor=\"middle\"") != std::string::npos ? width / 2
                     : attributes.find("text-anchor=\"end\"") != std::string::npos  ? width
                                                                                    : 0;
      box.left = x - shift;
      box.right = x - shift + width;
      box.top = y - 0.9 * font;
      box.bottom = y + 0.25 * font;
      chart.texts.push_back(box);
    }
    for (auto rect = std::sregex_iterator(body.begin(), body.end(), rect_element); rect != std::sregex_iterator();
         ++rect) {
      std::string attributes = (*rect)[1];
      Box box;
      box.left = attribute(attributes, "x");
      box.top = attribute(attributes, "y");
      box.right = box.left + attribute(attributes, "width");
      box.bottom = box.top + attribute(attributes, "height");
      chart.bars.push_back(box);
    }
    charts.push_back(chart);
  }
  return charts;
}

// Two 100% bars side by side once drew `100.0%100.0%`; long labels ran into
// each other. Every text of every chart has a box of its own, inside the
// chart, and clear of every bar.
TEST(ReportRenderTest, NoTwoChartTextsOverlap) {
  std::string html = render_report_html(labelled_report(), "bank.db");
  std::smatch font;
  ASSERT_TRUE(std::regex_search(html, font, std::regex("svg text\\{font:([0-9]+)px"))) << "the charts' font size";
  std::vector<Svg> charts = charts_of(html, std::stod(font[1]));
  ASSERT_EQ(charts.size(), 4u);  // types, resolution time, satisfaction, SLA compliance

  std::size_t full_bars = 0;
  std::size_t texts = 0;
  for (std::size_t c = 0; c < charts.size(); ++c) {
    const Svg& chart = charts[c];
    ASSERT_GT(chart.width, 0) << c;
    ASSERT_GT(chart.height, 0) << c;
    for (std::size_t i = 0; i < chart.texts.size(); ++i) {
      const Box& a = chart.texts[i];
      if (a.text.empty()) continue;
      ++texts;
      if (a.text == "100.0%") ++full_bars;
      EXPECT_GE(a.left, 0) << "chart " << c << ": `" << a.text << "` leaves the chart";
      EXPECT_LE(a.right, chart.width) << "chart " << c << ": `" << a.text << "` leaves the chart";
      EXPECT_GE(a.top, 0) << "chart " << c << ": `" << a.text << "` leaves the chart";
      EXPECT_LE(a.bottom, chart.height) << "chart " << c << ": `" << a.text << "` leaves the chart";
      for (std::size_t j = i + 1; j < chart.texts.size(); ++j) {
        const Box& b = chart.texts[j];
        if (b.text.empty()) continue;
        EXPECT_FALSE(intersect(a, b)) << "chart " << c << ": `" << a.text << "` at " << a.left << "," << a.top
                                      << " overlaps `" << b.text << "` at " << b.left << "," << b.top;
      }
      for (const Box& bar : chart.bars) {
        EXPECT_FALSE(intersect(a, bar)) << "chart " << c << ": `" << a.text << "` overlaps a bar at " << bar.left << ","
                                        << bar.top;
      }
    }
  }
  EXPECT_EQ(full_bars, 9u);  // every SLA cell, each drawn
  EXPECT_GT(texts, 40u);     // the boxes were found
}

}  // namespace
}  // namespace docket::designer
