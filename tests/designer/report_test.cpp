// The department's figures (designer/report.h) for the journal of the
// after-sales examples, each checked against a second, plainer count written
// here directly over the records: counting clock effects, creation records
// and survey changes by hand rather than following each ticket's story as
// compute_report does. Then the period, an empty period, damaged and foreign
// journal files (designer/report_input.h), and the HTML page.

#include "designer/report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "designer/report_html.h"
#include "designer/report_input.h"
#include "designer/report_render.h"
#include "engine/codec/journal_json.h"
#include "tests/scenarios/scenario.h"
#include "tests/support/engine_harness.h"
#include "tests/support/event_streams.h"
#include "tests/support/example_tickets.h"

namespace docket::designer {
namespace {

using engine::EffectKind;
using engine::Record;
using engine::RecordKind;
using engine::testing::at;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;

// Every after-sales example replayed on its own engine, the clock run on to
// 2026-12-10 so that every unresolved ticket's limits have passed; the
// journals one after the other (each ticket's records stay in order).
const std::vector<Record>& example_records() {
  static const std::vector<Record> records = engine::testing::example_journals(
      "rules/after_sales.docket",
      {"after_sales/01_product_fault_p0.jsonl", "after_sales/02_service_error_compensation.jsonl",
       "after_sales/03_obstacle_progress_breach.jsonl", "after_sales/04_inquiry_p2_no_approval.jsonl",
       "after_sales/05_rights_claim_legal_review.jsonl", "after_sales/06_intake_channels_and_timers.jsonl",
       "after_sales/07_priority_table.jsonl", "after_sales/walkthrough.jsonl"},
      at("2026-12-10T00:00:00Z"));
  return records;
}

bool applied(const Record& record) { return !record.rejected && record.kind != RecordKind::kRejection; }

bool is_creation(const Record& record) {
  return applied(record) && record.cause == engine::Cause::kCreate && record.from.empty();
}

// The value of clock effects on `metric` that begin with `prefix`, counted.
std::size_t count_clock_effects(const std::vector<Record>& records, const std::string& metric,
                                const std::string& prefix) {
  std::size_t count = 0;
  for (const Record& record : records) {
    for (const engine::Effect& effect : record.effects) {
      if (effect.kind == EffectKind::kClock && effect.target == metric && effect.value.rfind(prefix, 0) == 0) ++count;
    }
  }
  return count;
}

// Tickets with a breach record of `metric` (each ticket breaches a metric once).
std::set<std::string> breached_tickets(const std::vector<Record>& records, const std::string& metric) {
  std::set<std::string> tickets;
  for (const Record& record : records) {
    if (record.kind == RecordKind::kBreach && record.sla && record.sla->metric == metric) tickets.insert(record.ticket);
  }
  return tickets;
}

// The last after_text of `field` in each ticket's applied records.
std::map<std::string, std::string> last_values(const std::vector<Record>& records, const std::string& field) {
  std::map<std::string, std::string> values;
  for (const Record& record : records) {
    if (!applied(record)) continue;
    for (const engine::Change& change : record.changes) {
      if (change.field == field) values[record.ticket] = change.after_text;
    }
  }
  return values;
}

TEST(ReportTest, FiguresOfTheExamplesMatchAPlainCount) {
  const std::vector<Record>& records = example_records();
  Report report = compute_report(records, ReportOptions{});

  std::set<std::string> created;
  std::map<std::string, std::int64_t> created_at;
  for (const Record& record : records) {
    if (is_creation(record)) {
      created.insert(record.ticket);
      created_at[record.ticket] = record.at;
    }
  }
  ASSERT_GT(created.size(), 20u);
  EXPECT_EQ(report.tickets, created.size());
  EXPECT_EQ(report.tickets_in_journal, created.size());

  // Acceptance timeliness: a met stop cannot follow a breach, so the met
  // stops are the tickets that met; the rest decided breached.
  std::size_t met = count_clock_effects(records, "first_response", "stopped: met");
  std::set<std::string> breached = breached_tickets(records, "first_response");
  std::size_t stopped_breached_without_record = 0;
  for (const Record& record : records) {
    for (const engine::Effect& effect : record.effects) {
      if (effect.kind == EffectKind::kClock && effect.target == "first_response" &&
          effect.value.rfind("stopped: breached", 0) == 0 && breached.count(record.ticket) == 0) {
        ++stopped_breached_without_record;
      }
    }
  }
  EXPECT_EQ(report.acceptance_timeliness.numerator, met);
  EXPECT_EQ(report.acceptance_timeliness.denominator, met + breached.size() + stopped_breached_without_record);
  EXPECT_GT(met, 0u);
  EXPECT_GT(breached.size(), 0u);
  EXPECT_EQ(report.acceptance_pending, created.size() - report.acceptance_timeliness.denominator);

  // Follow-up: tickets whose resolve clock stopped, and those of them with an
  // `overall` score recorded (the examples survey only after resolution).
  std::map<std::string, std::int64_t> resolved_at;
  std::set<std::string> surveyed;
  std::vector<std::string> scores;
  for (const Record& record : records) {
    if (!applied(record)) continue;
    for (const engine::Effect& effect : record.effects) {
      if (effect.kind == EffectKind::kClock && effect.target == "resolve" && effect.value.rfind("stopped", 0) == 0) {
        resolved_at.try_emplace(record.ticket, record.at);
      }
    }
    for (const engine::Change& change : record.changes) {
      if (change.field == "overall") {
        surveyed.insert(record.ticket);
        scores.push_back(change.after_text);
      }
    }
  }
  ASSERT_EQ(scores.size(), surveyed.size()) << "each example ticket is surveyed once";
  for (const std::string& ticket : surveyed) EXPECT_EQ(resolved_at.count(ticket), 1u) << ticket;
  EXPECT_EQ(report.resolved, resolved_at.size());
  EXPECT_EQ(report.follow_up.numerator, surveyed.size());
  EXPECT_EQ(report.follow_up.denominator, resolved_at.size());
  EXPECT_EQ(report.return_visits, scores.size());
  EXPECT_GT(report.declined, 0u);

  // Satisfaction: the scores counted by value.
  std::map<std::string, std::size_t> by_score;
  double sum = 0;
  for (const std::string& score : scores) {
    ++by_score[score];
    sum += std::stod(score);
  }
  ASSERT_EQ(report.satisfaction.size(), by_score.size());
  for (const ScoreCount& score : report.satisfaction) {
    EXPECT_EQ(score.share.numerator, by_score[score.score]) << score.score;
    EXPECT_EQ(score.share.denominator, scores.size());
  }
  ASSERT_TRUE(report.mean_score.has_value());
  EXPECT_DOUBLE_EQ(*report.mean_score, sum / static_cast<double>(scores.size()));

  // Complaint types: each ticket's last category, "(none)" for the rest.
  std::map<std::string, std::size_t> by_type;
  std::map<std::string, std::string> category = last_values(records, "category");
  for (const std::string& ticket : created) ++by_type[category.count(ticket) ? category[ticket] : kNone];
  std::size_t share_total = 0;
  for (const TypeShare& type : report.types) {
    EXPECT_EQ(type.share.numerator, by_type[type.type]) << type.type;
    EXPECT_EQ(type.share.denominator, created.size());
    share_total += type.share.numerator;
  }
  EXPECT_EQ(share_total, created.size());
  EXPECT_EQ(report.types.size(), by_type.size());

  // Resolution time: creation to the resolve stop, over every resolved ticket.
  std::int64_t total = 0;
  std::int64_t longest = 0;
  for (const auto& [ticket, when] : resolved_at) {
    total += when - created_at[ticket];
    longest = std::max(longest, when - created_at[ticket]);
  }
  EXPECT_EQ(report.resolution.count, resolved_at.size());
  EXPECT_EQ(report.resolution.max, longest);
  EXPECT_NEAR(static_cast<double>(report.resolution.mean),
              static_cast<double>(total) / static_cast<double>(resolved_at.size()), 0.5);
  std::size_t cells_total = 0;
  for (const ResolutionCell& cell : report.resolution_by_type_priority) cells_total += cell.time.count;
  EXPECT_EQ(cells_total, resolved_at.size());

  // SLA compliance, per metric summed over priorities: met stops / met stops
  // plus breached tickets (which no met stop follows).
  for (const std::string metric : {"first_response", "resolve"}) {
    std::size_t metric_met = 0;
    std::size_t metric_decided = 0;
    for (const SlaCell& cell : report.sla) {
      if (cell.metric != metric) continue;
      metric_met += cell.met.numerator;
      metric_decided += cell.met.denominator;
    }
    std::size_t stops_met = count_clock_effects(records, metric, "stopped: met");
    EXPECT_EQ(metric_met, stops_met) << metric;
    EXPECT_GE(metric_decided, stops_met + breached_tickets(records, metric).size()) << metric;
  }
}

// One ticket worked out by hand from the rules (tests/scenarios/after_sales_test.cpp):
// AS-101, P0 product fault created 09:00, accepted 09:40 (met), resolve
// stopped 14:00 when the customer confirmed (5 h after creation), survey 5.
TEST(ReportTest, OneTicketByHand) {
  std::vector<Record> records;
  for (const Record& record : example_records()) {
    if (record.ticket == "AS-101") records.push_back(record);
  }
  Report report = compute_report(records, ReportOptions{});
  EXPECT_EQ(report.tickets, 1u);
  EXPECT_EQ(report.acceptance_timeliness, (Ratio{1, 1}));
  EXPECT_EQ(report.follow_up, (Ratio{1, 1}));
  ASSERT_EQ(report.resolution_by_type_priority.size(), 1u);
  EXPECT_EQ(report.resolution_by_type_priority[0].type, "product_fault");
  EXPECT_EQ(report.resolution_by_type_priority[0].priority, "P0");
  EXPECT_EQ(report.resolution_by_type_priority[0].time.mean, 5 * 3600);
  ASSERT_EQ(report.satisfaction.size(), 1u);
  EXPECT_EQ(report.satisfaction[0].score, "5");
  ASSERT_EQ(report.sla.size(), 2u);
  EXPECT_EQ(report.sla[0].metric, "first_response");
  EXPECT_EQ(report.sla[1].metric, "resolve");
  EXPECT_EQ(report.sla[1].met, (Ratio{1, 1}));
}

// A field's default is set by the creation record; that is not a survey answer.
TEST(ReportTest, TheCreationsDefaultIsNoSurvey) {
  std::vector<Record> records;
  for (const Record& record : example_records()) {
    if (record.ticket == "AS-101") records.push_back(record);
  }
  ASSERT_TRUE(is_creation(records.front()));
  engine::Change default_score;
  default_score.field = "overall";
  default_score.after_text = "1";
  records.front().changes.push_back(default_score);
  Report report = compute_report(records, ReportOptions{});
  EXPECT_EQ(report.surveyed, 1u);
  ASSERT_EQ(report.satisfaction.size(), 1u);
  EXPECT_EQ(report.satisfaction[0].score, "5");
  EXPECT_EQ(report.return_visits, 1u);
}

// A survey answered twice with the same score is two answers, though the
// second changes nothing: the record keeps what the event sent. A journal
// from before records kept it shows only the first.
TEST(ReportTest, EverySurveyAnswerSentCountsAlsoWhenItChangesNothing) {
  std::vector<Record> records;
  for (const Record& record : example_records()) {
    if (record.ticket == "AS-101") records.push_back(record);
  }
  auto survey = std::find_if(records.begin(), records.end(), [](const Record& r) { return r.event == "survey"; });
  ASSERT_NE(survey, records.end());
  ASSERT_EQ(survey->sent, engine::SentData::kRecorded);
  Record again = *survey;
  again.at += 3600;
  again.seq = records.back().seq + 1;
  again.from = again.to = "closed";
  again.changes.clear();  // the same answers: nothing changes
  again.effects.clear();
  records.push_back(again);
  Report report = compute_report(records, ReportOptions{});
  EXPECT_EQ(report.return_visits, 2u);
  EXPECT_EQ(report.follow_up, (Ratio{1, 1}));
  ASSERT_EQ(report.satisfaction.size(), 1u);
  EXPECT_EQ(report.satisfaction[0].score, "5");

  for (Record& record : records) record.sent = engine::SentData::kUnrecorded;
  EXPECT_EQ(compute_report(records, ReportOptions{}).return_visits, 1u);
}

TEST(ReportTest, ThePeriodCountsTicketsCreatedInItByLocalDate) {
  const std::vector<Record>& records = example_records();
  auto from = start_of_day("2026-11-23", "Asia/Shanghai");
  auto to = start_of_day("2026-11-24", "Asia/Shanghai");
  ASSERT_TRUE(from.ok() && to.ok());
  EXPECT_EQ(from.value(), at("2026-11-23T00:00:00+08:00"));
  ReportOptions options;
  options.from = from.value();
  options.to = to.value();
  Report report = compute_report(records, options);

  std::set<std::string> in_period;
  for (const Record& record : records) {
    if (is_creation(record) && record.at >= at("2026-11-22T16:00:00Z") && record.at < at("2026-11-23T16:00:00Z")) {
      in_period.insert(record.ticket);
    }
  }
  ASSERT_FALSE(in_period.empty());
  EXPECT_LT(in_period.size(), compute_report(records, {}).tickets);
  EXPECT_EQ(report.tickets, in_period.size());
  std::size_t met = 0;
  for (const Record& record : records) {
    if (in_period.count(record.ticket) == 0) continue;
    for (const engine::Effect& effect : record.effects) {
      if (effect.kind == EffectKind::kClock && effect.target == "first_response" &&
          effect.value.rfind("stopped: met", 0) == 0) {
        ++met;
      }
    }
  }
  EXPECT_EQ(report.acceptance_timeliness.numerator, met);

  // The same dates in UTC start eight hours later.
  EXPECT_EQ(start_of_day("2026-11-23", "UTC").value(), at("2026-11-23T00:00:00Z"));
}

// Europe/Berlin keeps its summer time after 2037 (engine/runtime/zone_rules.h):
// 1 July 2040 begins at 22:00 UTC the day before, as 1 July 2026 does. date/tz
// alone keeps CET from the last listed transition (2037) on, an hour later, and
// would count a ticket created at 00:30 on 1 July for June.
TEST(ReportTest, ThePeriodIsLocalDaysAfter2037Too) {
  EXPECT_EQ(start_of_day("2026-07-01", "Europe/Berlin").value(), at("2026-06-30T22:00:00Z"));
  EXPECT_EQ(start_of_day("2040-07-01", "Europe/Berlin").value(), at("2040-06-30T22:00:00Z"));
  EXPECT_EQ(start_of_day("2040-07-02", "Europe/Berlin").value(), at("2040-07-01T22:00:00Z"));
  EXPECT_EQ(start_of_day("2040-01-15", "Europe/Berlin").value(), at("2040-01-14T23:00:00Z"));
  // Santiago moves its clocks at midnight: 2 September 2040 has no 00:00 and
  // begins at 01:00 (-03), when the clock jumps.
  EXPECT_EQ(start_of_day("2040-09-02", "America/Santiago").value(), at("2040-09-02T04:00:00Z"));

  auto created = [](const std::string& ticket, const char* when) {
    Record record;
    record.ticket = ticket;
    record.at = at(when);
    record.kind = RecordKind::kTransition;
    record.cause = engine::Cause::kCreate;
    record.to = "open";
    return record;
  };
  std::vector<Record> records = {created("JUNE-30", "2040-06-30T21:30:00Z"),  // 23:30 on 30 June in Berlin
                                 created("JULY-1", "2040-06-30T22:30:00Z"),   // 00:30 on 1 July
                                 created("JULY-2", "2040-07-01T22:30:00Z")};  // 00:30 on 2 July
  ReportOptions options;
  options.from = start_of_day("2040-07-01", "Europe/Berlin").value();
  options.to = start_of_day("2040-07-02", "Europe/Berlin").value();
  Report report = compute_report(records, options);
  EXPECT_EQ(report.tickets_in_journal, 3u);
  EXPECT_EQ(report.tickets, 1u);  // JULY-1 alone
}

TEST(ReportTest, AnEmptyPeriodHasNoFigures) {
  ReportOptions options;
  options.from = at("2030-01-01T00:00:00Z");
  options.from_label = "2030-01-01";
  Report report = compute_report(example_records(), options);
  EXPECT_EQ(report.tickets, 0u);
  EXPECT_GT(report.tickets_in_journal, 0u);
  EXPECT_FALSE(report.acceptance_timeliness.value().has_value());
  EXPECT_FALSE(report.follow_up.value().has_value());
  EXPECT_TRUE(report.types.empty());
  EXPECT_TRUE(report.sla.empty());
  EXPECT_FALSE(report.mean_score.has_value());
  EXPECT_THAT(render_report_text(report), ContainsRegex("acceptance timeliness +n/a"));
  EXPECT_THAT(render_report_csv(report), HasSubstr("\nacceptance_timeliness,first_response,,,,,0,0\n"));
  std::string html = render_report_html(report, "empty.jsonl");
  EXPECT_THAT(html, HasSubstr("No ticket was created in the period."));
}

TEST(ReportTest, BadDatesAndZonesAreRefused) {
  EXPECT_EQ(start_of_day("2026-02-30", "UTC").error(), "`2026-02-30` is not a date (YYYY-MM-DD)");
  EXPECT_EQ(start_of_day("26-1-1", "UTC").error(), "`26-1-1` is not a date (YYYY-MM-DD)");
  EXPECT_EQ(start_of_day("2026-01-01", "Mars/Base").error(), "unknown time zone `Mars/Base`");
}

TEST(ReportTest, TheSurveyFieldAndTypeFieldAreOptions) {
  ReportOptions options;
  options.survey_field = "attitude";
  options.type_field = "problem_type";
  Report report = compute_report(example_records(), options);
  std::map<std::string, std::string> attitude = last_values(example_records(), "attitude");
  std::size_t surveyed = 0;
  for (const ScoreCount& score : report.satisfaction) surveyed += score.share.numerator;
  EXPECT_EQ(surveyed, attitude.size());
  std::map<std::string, std::string> problem_type = last_values(example_records(), "problem_type");
  std::size_t typed = 0;
  for (const TypeShare& type : report.types) typed += type.type == kNone ? 0 : type.share.numerator;
  EXPECT_EQ(typed, problem_type.size());
}

// Extensions, worked out by hand. `decide` is 10 h, extended by 10 h at a
// time, at most twice; `answer` is 4 h and never extended. From Monday 00:00:
//   X-1 extended at 2 h (due 20 h), decided at 15 h: met against the extended
//       limit, though after the 10 h it started with; answered at 1 h (met).
//   X-2 decided at 5 h (met); its answer breached at 4 h.
//   X-3 extended at 1 h and 2 h (due 30 h), a third time refused; breached at
//       30 h, as its answer at 4 h.
//   X-4 never extended; breached at 10 h, its answer at 4 h.
// decide: 2 of 4 tickets extended (50%), 3 extensions, the extended met 1 of 2
// decided; compliance 2 of 4. answer: 0 of 4 extended.
constexpr const char* kExtensionRules = R"(workflow extensions version "1"
department desk { roles clerk }
priority standard {
  decide 10h
  answer 4h
  extend decide at most 2 times, up to 40h
}
classify priority { standard otherwise }
initial state open {
  on enter do classify priority
  on more_time -> open do extend decide by 10h "complex case"
  on answered -> open do stop answer
  on decided -> closed do stop decide
}
final state closed
)";

std::vector<Record> extension_records() {
  using engine::testing::Harness;
  using engine::testing::kMonday;
  constexpr std::int64_t kHour = 3600;
  Harness h(engine::testing::compile_rules(kExtensionRules));
  engine::Actor clerk = engine::testing::actor("li", {"clerk"});
  for (const char* id : {"X-1", "X-2", "X-3", "X-4"}) EXPECT_TRUE(h.create(kMonday, id, clerk, {}).accepted) << id;
  EXPECT_TRUE(h.send(kMonday + 1 * kHour, "X-1", "answered", clerk).accepted);
  EXPECT_TRUE(h.send(kMonday + 1 * kHour, "X-3", "more_time", clerk).accepted);
  EXPECT_TRUE(h.send(kMonday + 2 * kHour, "X-1", "more_time", clerk).accepted);
  EXPECT_TRUE(h.send(kMonday + 2 * kHour, "X-3", "more_time", clerk).accepted);
  EXPECT_FALSE(h.send(kMonday + 3 * kHour, "X-3", "more_time", clerk).accepted);
  EXPECT_TRUE(h.send(kMonday + 5 * kHour, "X-2", "decided", clerk).accepted);
  EXPECT_TRUE(h.send(kMonday + 15 * kHour, "X-1", "decided", clerk).accepted);
  h.advance_to(kMonday + 100 * kHour);
  return h.records();
}

TEST(ReportTest, ExtendedClocksCountAgainstTheirExtendedLimit) {
  std::vector<Record> records = extension_records();
  // The journal as the engine wrote it: X-1's stop came after its first
  // limit, and the engine decided it met against the extended one.
  std::size_t extensions = 0;
  bool x1_met_late = false;
  for (const Record& record : records) {
    for (const engine::Effect& effect : record.effects) {
      if (effect.clock == engine::ClockChange::kExtended && applied(record)) ++extensions;
      if (record.ticket == "X-1" && effect.target == "decide" && effect.clock == engine::ClockChange::kStoppedMet) {
        x1_met_late = record.at - engine::testing::kMonday > 10 * 3600;
      }
    }
  }
  ASSERT_EQ(extensions, 3u);
  ASSERT_TRUE(x1_met_late);

  Report report = compute_report(records, {});
  ASSERT_EQ(report.sla_extensions.size(), 2u);
  EXPECT_TRUE(report.extensions_shown());
  const SlaExtensions& answer = report.sla_extensions[0];
  EXPECT_EQ(answer.metric, "answer");
  EXPECT_EQ(answer.extended, (Ratio{0, 4}));
  EXPECT_EQ(answer.extensions, 0u);
  const SlaExtensions& decide = report.sla_extensions[1];
  EXPECT_EQ(decide.metric, "decide");
  EXPECT_EQ(decide.extended, (Ratio{2, 4}));
  EXPECT_EQ(decide.extensions, 3u);
  EXPECT_EQ(decide.extended_met, (Ratio{1, 2}));
  ASSERT_EQ(report.sla.size(), 2u);
  EXPECT_EQ(report.sla[1].metric, "decide");
  EXPECT_EQ(report.sla[1].met, (Ratio{2, 4}));  // X-1 (extended) and X-2
  EXPECT_EQ(report.sla[0].met, (Ratio{1, 4}));  // X-1's answer

  std::string text = render_report_text(report);
  EXPECT_THAT(text, HasSubstr("\nSLA extensions (compliance counts an extended clock against its extended limit)\n"));
  EXPECT_THAT(text, ContainsRegex("\n  decide +2 +50.0% +2 of 4 extended \\(50.0%\\), 3 extensions; 1 of 2 decided "
                                  "met the extended limit\n"));
  EXPECT_THAT(text, ContainsRegex("\n  answer +0 +0.0% +0 of 4 extended \\(0.0%\\)\n"));
  std::string csv = render_report_csv(report);
  EXPECT_THAT(csv, HasSubstr("\nsla_extended,decide,,,,0.5000,2,4\n"));
  EXPECT_THAT(csv, HasSubstr("\nsla_extensions,decide,,,,3,,\n"));
  EXPECT_THAT(csv, HasSubstr("\nsla_extended_compliance,decide,,,,0.5000,1,2\n"));
  EXPECT_THAT(csv, HasSubstr("\nsla_extended,answer,,,,0.0000,0,4\n"));
  std::string html = render_report_html(report, "extensions.jsonl");
  EXPECT_THAT(html, HasSubstr("<h2>SLA extensions</h2>"));
  EXPECT_THAT(html, HasSubstr("Compliance counts an extended clock against its extended limit"));
  EXPECT_THAT(html, HasSubstr("<tr><td>decide</td><td class=\"n\">4</td><td class=\"n\">2</td><td "
                              "class=\"n\">50.0%</td><td class=\"n\">3</td><td class=\"n\">1</td><td "
                              "class=\"n\">2</td></tr>"));

  // Read back from the journal's JSON lines, the clock effects say the same.
  std::vector<Record> decoded;
  for (const Record& record : records) {
    engine::Result<Record> line = engine::decode_record(engine::encode_record(record));
    ASSERT_TRUE(line.ok()) << line.error();
    decoded.push_back(line.value());
  }
  EXPECT_EQ(compute_report(decoded, {}).sla_extensions, report.sla_extensions);
}

// Without an extension the report is as it was: no section, no rows.
TEST(ReportTest, NoExtensionNoExtensionFigures) {
  Report report = compute_report(example_records(), {});
  EXPECT_FALSE(report.extensions_shown());
  ASSERT_FALSE(report.sla_extensions.empty());  // the clocks that ran are still counted
  for (const SlaExtensions& figure : report.sla_extensions) {
    EXPECT_EQ(figure.extended.numerator, 0u) << figure.metric;
    EXPECT_GT(figure.extended.denominator, 0u) << figure.metric;
  }
  EXPECT_THAT(render_report_text(report), Not(HasSubstr("extension")));
  EXPECT_THAT(render_report_csv(report), Not(HasSubstr("sla_extend")));
  EXPECT_THAT(render_report_html(report, "x.jsonl"), Not(HasSubstr("extension")));
}

std::string write_journal(const docket::testing::TempDir& dir, const std::string& name,
                          const std::vector<std::string>& lines) {
  std::string path = dir.file(name);
  docket::testing::write_lines(path, lines);
  return path;
}

TEST(ReportTest, ReadsAJsonLinesJournalAndNamesTheDamagedLine) {
  docket::testing::TempDir dir;
  std::vector<std::string> lines;
  for (const Record& record : example_records()) lines.push_back(engine::encode_record(record));
  std::string good = write_journal(dir, "good.jsonl", lines);
  auto read = read_journal(good);
  ASSERT_TRUE(read.ok()) << read.error();
  EXPECT_EQ(read->records.size(), example_records().size());
  EXPECT_TRUE(read->versions.empty());
  EXPECT_EQ(render_report_csv(compute_report(read->records, {})),
            render_report_csv(compute_report(example_records(), {})));

  lines[2] = lines[2].substr(0, lines[2].size() / 2);
  std::string damaged = write_journal(dir, "damaged.jsonl", lines);
  auto failed = read_journal(damaged);
  ASSERT_FALSE(failed.ok());
  EXPECT_THAT(failed.error(), HasSubstr(damaged + ":3: not a journal record"));

  std::string foreign = write_journal(dir, "notes.txt", {"shopping list", "milk"});
  EXPECT_THAT(read_journal(foreign).error(), HasSubstr(foreign + ":1: not a journal record"));
  EXPECT_EQ(read_journal(dir.file("missing.db")).error(), dir.file("missing.db") + ": no such file");
}

TEST(ReportTest, TheHtmlPageIsSelfContainedAndEscapesJournalText) {
  std::vector<Record> records = example_records();
  // A category name as a hostile journal might carry it.
  for (Record& record : records) {
    for (engine::Change& change : record.changes) {
      if (change.field == "category" && change.after_text == "inquiry") change.after_text = "<script>x</script>&\"'";
    }
  }
  std::string html = render_report_html(compute_report(records, {}), "a<b>.db");
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;x&lt;/script&gt;&amp;&quot;&#39;"));
  EXPECT_THAT(html, HasSubstr("a&lt;b&gt;.db"));

  auto count = [&html](const std::string& needle) {
    std::size_t n = 0;
    for (std::size_t pos = html.find(needle); pos != std::string::npos; pos = html.find(needle, pos + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("<svg"), 4u);  // types, resolution time, satisfaction, SLA compliance
  EXPECT_EQ(count("</svg>"), 4u);
  EXPECT_EQ(count("<table>"), count("</table>"));
  // Nothing from the network: the SVG namespace is the only URL.
  std::string without_namespace = html;
  for (std::size_t pos; (pos = without_namespace.find("xmlns=\"http://www.w3.org/2000/svg\"")) != std::string::npos;) {
    without_namespace.erase(pos, 34);
  }
  EXPECT_THAT(without_namespace, Not(HasSubstr("http")));
  EXPECT_THAT(without_namespace, Not(HasSubstr("url(")));
  EXPECT_THAT(html, HasSubstr("</html>\n"));
}

}  // namespace
}  // namespace docket::designer
