// What a report counts by (designer/report_settings.h) and what it says
// about it: the rules' `report` block, options that override it and are
// checked, resolution by states, why acceptance clocks are undecided, every
// survey answer, and journals that are cut, gapped, restarted or doubled.

#include "designer/report_settings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "designer/report_html.h"
#include "designer/report_render.h"
#include "tests/support/example_tickets.h"

namespace docket::designer {
namespace {

using engine::Record;
using engine::testing::at;
using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;

// Every example of one workflow replayed, the clock run on to 2026-12-10.
std::vector<Record> examples_of(const std::string& rules, const std::vector<std::string>& examples,
                                std::shared_ptr<const engine::Workflow>* workflow = nullptr) {
  return engine::testing::example_journals(rules, examples, at("2026-12-10T00:00:00Z"), workflow);
}

const std::vector<std::string> kComplaints = {"complaint_handling/01_quality_batch_defect_recall.jsonl",
                                              "complaint_handling/02_logistics_urgent_escalation.jsonl",
                                              "complaint_handling/03_attitude_reopened.jsonl",
                                              "complaint_handling/04_pricing_important_customer.jsonl"};

ReportOptions settled(const engine::Workflow* rules, const ReportOverrides& overrides, const KnownNames& known) {
  ReportOptions options;
  engine::Status ok = settle_report_settings(rules, overrides, known, options);
  EXPECT_TRUE(ok.ok()) << ok.error();
  return options;
}

TEST(ReportSettingsTest, ComplaintHandlingCountsResolutionAndVisitsByItsOwnRules) {
  std::shared_ptr<const engine::Workflow> rules;
  std::vector<Record> records = examples_of("rules/complaint_handling.docket", kComplaints, &rules);
  ASSERT_TRUE(rules);
  ReportOptions options = settled(rules.get(), {}, names_of_rules(*rules, "complaint_handling.docket"));
  EXPECT_EQ(options.first_response_metric, "first_response");
  EXPECT_EQ(options.resolve_metric, "");
  EXPECT_THAT(options.resolution_states, ElementsAre("return_visit"));
  EXPECT_EQ(options.survey_field, "satisfied");
  EXPECT_EQ(options.declined_event, "");
  EXPECT_THAT(options.origins.at("resolution"), EndsWith("rules/complaint_handling.docket:209"));

  Report report = compute_report(records, options);
  // Counted by hand: the complaints that reached the return visit, and those archived.
  std::set<std::string> visited;
  std::set<std::string> archived;
  for (const Record& record : records) {
    if (record.to == "return_visit") visited.insert(record.ticket);
    if (record.to == "archived") archived.insert(record.ticket);
  }
  ASSERT_FALSE(archived.empty());
  EXPECT_EQ(report.resolved, visited.size());
  EXPECT_GE(report.resolved, archived.size());
  EXPECT_EQ(report.follow_up.numerator, report.resolved);
  EXPECT_GT(report.return_visits, report.surveyed);  // the reopened complaint was visited twice
  ASSERT_EQ(report.satisfaction.size(), 2u);
  EXPECT_EQ(report.satisfaction[0].score, "false");
  EXPECT_EQ(report.satisfaction[0].share.numerator, 1u);
  EXPECT_EQ(report.answers, report.return_visits);
  EXPECT_EQ(report.labels.types.at("quality"), "产品质量");
  // Priorities as the rules declare them, most urgent first, not by name.
  std::vector<std::string> priorities;
  for (const SlaCell& cell : report.sla) priorities.push_back(cell.priority);
  EXPECT_THAT(priorities, ElementsAre("urgent", "serious", "general"));
  EXPECT_THAT(render_report_json(report),
              HasSubstr(R"("metric":"first_response","priority":"urgent","priority_label":"紧急投诉",)"));

  std::string text = render_report_text(report);
  EXPECT_THAT(text, HasSubstr("entered return_visit"));
  EXPECT_THAT(text, Not(HasSubstr("n/a  0 of 0")));
}

TEST(ReportSettingsTest, AMisspelledOptionIsAnErrorListingTheKnownNames) {
  std::shared_ptr<const engine::Workflow> rules;
  examples_of("rules/after_sales.docket", {"after_sales/walkthrough.jsonl"}, &rules);
  ASSERT_TRUE(rules);
  KnownNames known = names_of_rules(*rules, "rules/after_sales.docket");
  ReportOptions options;
  ReportOverrides overrides;
  overrides.resolve_metric = "resolv";
  engine::Status refused = settle_report_settings(rules.get(), overrides, known, options);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error(),
            "--resolve-metric `resolv` is not a metric of rules/after_sales.docket; did you mean `resolve`? (known: "
            "first_response, resolve)");

  overrides = {};
  overrides.survey_field = "nosuch";
  refused = settle_report_settings(rules.get(), overrides, known, options);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.error(),
              HasSubstr("--survey-field `nosuch` is not a field of rules/after_sales.docket (known: "));
  EXPECT_THAT(refused.error(), HasSubstr("overall"));

  overrides = {};
  overrides.type_field = "problem";  // a text field: no fixed values to count by
  EXPECT_THAT(settle_report_settings(rules.get(), overrides, known, options).error(),
              HasSubstr("--type-field `problem` is not category, priority or an enum field of"));

  overrides = {};
  overrides.resolution_states = std::vector<std::string>{"closed", "nowhere"};
  EXPECT_THAT(settle_report_settings(rules.get(), overrides, known, options).error(),
              HasSubstr("--resolution-state `nowhere` is not a state of"));
}

TEST(ReportSettingsTest, OptionsOverrideTheRulesAndAnEmptyOneTurnsAFigureOff) {
  std::shared_ptr<const engine::Workflow> rules;
  examples_of("rules/after_sales.docket", {"after_sales/walkthrough.jsonl"}, &rules);
  ASSERT_TRUE(rules);
  ReportOverrides overrides;
  overrides.resolution_states = std::vector<std::string>{"closed"};
  overrides.declined_event = "";
  ReportOptions options = settled(rules.get(), overrides, names_of_rules(*rules, "after_sales.docket"));
  EXPECT_EQ(options.resolve_metric, "");
  EXPECT_THAT(options.resolution_states, ElementsAre("closed"));
  EXPECT_EQ(options.origins.at("resolution"), "--resolution-state");
  EXPECT_EQ(options.declined_event, "");
  EXPECT_EQ(options.origins.at("declined"), "--declined-event");

  overrides.survey_field = "";
  options = settled(rules.get(), overrides, names_of_rules(*rules, "after_sales.docket"));
  EXPECT_EQ(not_measured_text(options, "survey"), "not measured: turned off by --survey-field");
  EXPECT_EQ(not_measured_text(options, "acceptance"), "not measured: the rules name no acceptance clock");
  EXPECT_THAT(options.origins.at("acceptance"), EndsWith("rules/after_sales.docket:283"));
}

TEST(ReportSettingsTest, WithoutRulesTheDefaultsApplyOnlyWhereTheJournalKnowsThem) {
  std::vector<Record> records = examples_of("rules/complaint_handling.docket", kComplaints);
  ReportOptions options = settled(nullptr, {}, names_in_journal(records));
  EXPECT_EQ(options.first_response_metric, "first_response");
  EXPECT_EQ(options.resolve_metric, "");  // complaint handling has no resolve clock
  EXPECT_EQ(options.survey_field, "");
  EXPECT_EQ(options.type_field, "category");
  EXPECT_EQ(options.origins.at("types"), "default");
  Report report = compute_report(records, options);
  EXPECT_THAT(render_report_text(report), HasSubstr("resolved                 n/a  not measured: no rule file, and the "
                                                    "journal shows no `resolve`"));
  std::string csv = render_report_csv(report);
  EXPECT_THAT(csv, HasSubstr("setting,resolution,default,,,,,"));
  EXPECT_THAT(csv, Not(HasSubstr("tickets_resolved")));  // a figure not measured has no rows, not zeros
  EXPECT_THAT(csv, Not(HasSubstr("follow_up_rate")));
  EXPECT_THAT(csv, Not(HasSubstr("satisfaction_mean")));
  EXPECT_THAT(render_report_json(report), HasSubstr(R"("resolution":null,"follow_up":null,)"));

  ReportOverrides overrides;
  overrides.first_response_metric = "first";
  ReportOptions refused;
  EXPECT_EQ(settle_report_settings(nullptr, overrides, names_in_journal(records), refused).error(),
            "--first-response-metric `first` is not a metric of the journal (known: first_response)");
}

TEST(ReportSettingsTest, UndecidedAcceptanceIsSplitByWhyWithTheOldestAge) {
  std::shared_ptr<const engine::Workflow> rules;
  std::vector<Record> records =
      examples_of("rules/after_sales.docket",
                  {"after_sales/01_product_fault_p0.jsonl", "after_sales/06_intake_channels_and_timers.jsonl"}, &rules);
  ReportOptions options = settled(rules.get(), {}, names_of_rules(*rules, "after_sales.docket"));
  Report report = compute_report(records, options);
  const Undecided& undecided = report.acceptance_undecided;
  EXPECT_EQ(undecided.total(), report.acceptance_pending);
  ASSERT_GT(undecided.not_started, 0u);
  // Counted by hand: tickets never classified have no first_response clock.
  std::map<std::string, std::int64_t> created;
  std::set<std::string> started;
  for (const Record& record : records) {
    if (record.cause == engine::Cause::kCreate && record.from.empty()) created.emplace(record.ticket, record.at);
    for (const engine::Effect& effect : record.effects) {
      if (effect.target == "first_response" && effect.clock != engine::ClockChange::kNone)
        started.insert(record.ticket);
    }
  }
  std::int64_t oldest = 0;
  std::size_t never = 0;
  for (const auto& [ticket, when] : created) {
    if (started.count(ticket) != 0) continue;
    ++never;
    oldest = std::max(oldest, report.as_of - when);
  }
  EXPECT_EQ(undecided.not_started + undecided.closed, never);
  EXPECT_EQ(undecided.oldest_not_started, oldest);
  EXPECT_THAT(render_report_text(report), HasSubstr(undecided_text(undecided)));
  EXPECT_THAT(undecided_text(undecided), HasSubstr(" clock never started (oldest "));
  EXPECT_THAT(render_report_text(report), Not(HasSubstr("pending")));
}

// The journal of one example: a few tickets, seq 1 on without gaps.
std::vector<Record> small_journal() {
  static const std::vector<Record> records =
      examples_of("rules/after_sales.docket", {"after_sales/04_inquiry_p2_no_approval.jsonl"});
  return records;
}

std::vector<JournalNoteKind> kinds(const Report& report) {
  std::vector<JournalNoteKind> out;
  for (const JournalNote& note : report.journal_notes) out.push_back(note.kind);
  return out;
}

TEST(ReportSettingsTest, AJournalCutAtTheFrontSaysWhatWasLeftOut) {
  std::vector<Record> records = small_journal();
  ASSERT_GT(records.size(), 6u);
  Report whole = compute_report(records, {});
  EXPECT_TRUE(whole.journal_notes.empty());

  std::vector<Record> cut(records.begin() + 3, records.end());
  Report report = compute_report(cut, {});
  ASSERT_EQ(report.journal_notes.size(), 2u);
  EXPECT_EQ(report.journal_notes[0], (JournalNote{JournalNoteKind::kStartsLate, 1, 3, 0}));
  EXPECT_EQ(report.journal_notes[1].kind, JournalNoteKind::kNoCreation);
  EXPECT_EQ(journal_note_text(report.journal_notes[0]),
            "the journal starts at seq 4: seq 1-3 are not in it, and tickets created there are not counted");
  EXPECT_THAT(render_report_text(report), HasSubstr("warning: the journal starts at seq 4"));
  EXPECT_THAT(render_report_csv(report), HasSubstr("journal_note,starts_late,,,,\"the journal starts at seq 4"));
  EXPECT_THAT(render_report_json(report), HasSubstr(R"({"kind":"starts_late","first":1,"last":3,)"));
}

TEST(ReportSettingsTest, ADoubledJournalCountsEachRecordOnceAndSaysSo) {
  std::vector<Record> records = small_journal();
  std::vector<Record> doubled = records;
  doubled.insert(doubled.end(), records.begin(), records.end());
  Report once = compute_report(records, {});
  Report twice = compute_report(doubled, {});
  EXPECT_EQ(twice.return_visits, once.return_visits);
  EXPECT_EQ(render_report_csv(twice).substr(render_report_csv(twice).find("tickets_created")),
            render_report_csv(once).substr(render_report_csv(once).find("tickets_created")));
  ASSERT_EQ(twice.journal_notes.size(), 1u);
  EXPECT_EQ(twice.journal_notes[0], (JournalNote{JournalNoteKind::kRepeat, 1, records.back().seq, records.size()}));
}

TEST(ReportSettingsTest, ARestartedOrGappedJournalIsNoted) {
  std::vector<Record> records = small_journal();
  std::vector<Record> gapped = records;
  gapped.erase(gapped.begin() + 5, gapped.begin() + 7);
  EXPECT_THAT(kinds(compute_report(gapped, {})), ElementsAre(JournalNoteKind::kGap));
  EXPECT_EQ(compute_report(gapped, {}).journal_notes[0], (JournalNote{JournalNoteKind::kGap, 6, 7, 0}));

  // A second journal whose seq starts again, with records of its own.
  std::vector<Record> other = records;
  for (Record& record : other) record.ticket += "-B";
  std::vector<Record> restarted = records;
  restarted.insert(restarted.end(), other.begin(), other.end());
  Report report = compute_report(restarted, {});
  EXPECT_THAT(kinds(report), ElementsAre(JournalNoteKind::kRestart));
  EXPECT_EQ(report.tickets, 2 * compute_report(records, {}).tickets);
  EXPECT_THAT(journal_note_text(report.journal_notes[0]), HasSubstr("seq goes back to 1 after "));
}

TEST(ReportSettingsTest, TheHtmlPageSaysWhatIsNotMeasuredAndWhatTheJournalLacks) {
  std::vector<Record> records = small_journal();
  std::vector<Record> cut(records.begin() + 3, records.end());
  ReportOptions options;
  options.survey_field.clear();
  options.type_field.clear();
  std::string page = render_report_html(compute_report(cut, options), "day.jsonl");
  EXPECT_THAT(page, HasSubstr("<p class=\"warning\">Warning: the journal starts at seq 4: seq 1-3 are not in it"));
  EXPECT_THAT(page, HasSubstr("Not measured: the rules name no survey field."));
  EXPECT_THAT(page, HasSubstr("Not measured: the rules name no types."));
  EXPECT_THAT(page, HasSubstr("Rules: none: names taken from the journal"));
  EXPECT_THAT(page, Not(HasSubstr("pending")));

  std::shared_ptr<const engine::Workflow> rules;
  std::vector<Record> open =
      examples_of("rules/after_sales.docket", {"after_sales/06_intake_channels_and_timers.jsonl"}, &rules);
  Report report = compute_report(open, settled(rules.get(), {}, names_of_rules(*rules, "after_sales.docket")));
  ASSERT_GT(report.acceptance_undecided.not_started, 0u);
  EXPECT_THAT(render_report_html(report, "x.db"), HasSubstr(html_escape(undecided_text(report.acceptance_undecided))));
}

}  // namespace
}  // namespace docket::designer
