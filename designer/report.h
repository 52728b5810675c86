// The department's figures (process spec, section C: 绩效指标) computed from a
// journal: acceptance timeliness, follow-up rate and return visits, the share
// of each complaint type, resolution time by category and priority, the
// distribution of satisfaction scores, SLA compliance per priority and
// metric and, per metric, how often clocks were extended. docs/reports.md
// defines every figure for the people judged by it.
//
//   ReportOptions options;
//   options.from = ...;  options.to = ...;       // tickets created in [from, to)
//   Report report = compute_report(records, options);
//
// The figures are read from what every journal holds, not from one rule
// file's state names: creation records, the `category` / `priority` changes,
// clock effects (`stopped: met, 40m of 1h`), SLA breach records and what
// events sent for the survey field (its changes, in journals from before
// records kept what events sent). The few names that a rule file chooses (the
// metrics, the survey field, the event that records a declined survey) are
// options with the shipped rules' names as defaults.
//
// Which tickets count: those whose creation record is in the journal and
// whose creation time is in [from, to). Every later record of such a ticket
// counts, whenever it happened (a cohort: a ticket created on the 30th and
// resolved on the 2nd belongs to the month it was created in). Rejected
// events changed nothing and are ignored.

#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "engine/model/result.h"
#include "engine/runtime/journal.h"

namespace docket::designer {

// What the rules call the names a report groups by ("card" -> "信用卡"):
// categories, enum values, priorities. Empty when the report had no rules,
// and a name the rules give no label is not in it: renderers show the name.
struct ReportLabels {
  std::map<std::string, std::string> types;       // the type field's values
  std::map<std::string, std::string> priorities;  // priority names
  std::map<std::string, std::string> scores;      // the survey field's enum values
  friend bool operator==(const ReportLabels&, const ReportLabels&) = default;
};

// A rule file a report took its settings and labels from.
struct ReportRules {
  std::string workflow;    // its name
  std::string version_id;  // Workflow::version_id()
  std::string source;      // the rule file, or the store or bundle that kept it
  // False for another version the journal's tickets ran on whose `report`
  // block says otherwise: listed so that the report can say its tickets
  // were counted by the first entry's settings all the same.
  bool counted_by = true;
  friend bool operator==(const ReportRules&, const ReportRules&) = default;
};

struct ReportOptions {
  // The period, by creation time (epoch seconds UTC): from inclusive, to
  // exclusive; nullopt leaves that side open.
  std::optional<std::int64_t> from;
  std::optional<std::int64_t> to;
  // How the period was asked for, shown in the report ("2026-11-01"); empty
  // for an open side.
  std::string from_label;
  std::string to_label;
  std::string zone = "UTC";  // the zone of the labels

  // The names counted by (designer/report_settings.h settles them from the
  // rules and the command line). An empty name is a figure not measured.
  // The SLA metric whose stop accepts a complaint (受理).
  std::string first_response_metric = "first_response";
  // The SLA metric whose stop resolves a ticket; or, when empty, the states
  // whose first entry resolves it.
  std::string resolve_metric = "resolve";
  std::vector<std::string> resolution_states;
  // The field a return visit records its score in (1-5 in the shipped rules).
  std::string survey_field = "overall";
  // The event that records a survey the customer declined or could not be
  // reached for; empty: none.
  std::string declined_event = "survey_declined";
  // The ticket attribute or field whose values are the complaint types.
  std::string type_field = "category";

  // The rules' priorities, most urgent first: breakdowns list priorities in
  // this order (others after them by name). Empty: by name.
  std::vector<std::string> priority_order;

  // Only the tickets of this workflow; empty: every ticket.
  std::string workflow;
  // The final states of the rules: a ticket in one of them is closed, and a
  // clock it never decided is reported as closed without a decision.
  std::set<std::string> final_states;
  ReportLabels labels;  // copied into Report::labels

  // Where each setting came from, by setting ("acceptance", "resolution",
  // "survey", "declined", "types"): "rules/after_sales.docket:283",
  // "--resolve-metric", "default"; shown in exports.
  std::map<std::string, std::string> origins;
  std::vector<ReportRules> rules;  // empty: the report had no rules

  bool measures_acceptance() const { return !first_response_metric.empty(); }
  bool measures_resolution() const { return !resolve_metric.empty() || !resolution_states.empty(); }
  bool measures_survey() const { return !survey_field.empty(); }
  bool measures_types() const { return !type_field.empty(); }
};

// numerator / denominator; no value when nothing was counted.
struct Ratio {
  std::size_t numerator = 0;
  std::size_t denominator = 0;
  std::optional<double> value() const {
    if (denominator == 0) return std::nullopt;
    return static_cast<double>(numerator) / static_cast<double>(denominator);
  }
  friend bool operator==(const Ratio&, const Ratio&) = default;
};

// Durations (seconds) of a group of tickets.
struct DurationStats {
  std::size_t count = 0;
  std::int64_t mean = 0;    // rounded to the second
  std::int64_t median = 0;  // of an even count, the mean of the middle two, rounded
  std::int64_t min = 0;
  std::int64_t max = 0;
  friend bool operator==(const DurationStats&, const DurationStats&) = default;
};

// One complaint type (a value of the type field) and its tickets.
struct TypeShare {
  std::string type;  // kNone when the ticket never got one
  Ratio share;       // tickets of this type / tickets created in the period
  friend bool operator==(const TypeShare&, const TypeShare&) = default;
};

struct ResolutionCell {
  std::string type;      // at the moment of resolution; kNone when unset
  std::string priority;  // likewise
  DurationStats time;
  friend bool operator==(const ResolutionCell&, const ResolutionCell&) = default;
};

struct ScoreCount {
  std::string score;  // the survey field's value as the journal writes it: "5"
  Ratio share;        // answers that gave it / every answer of the period's tickets
  friend bool operator==(const ScoreCount&, const ScoreCount&) = default;
};

struct SlaCell {
  std::string metric;
  std::string priority;  // whose limit applied when the clock was decided; kNone when unset
  Ratio met;             // tickets met / tickets met or breached
  friend bool operator==(const SlaCell&, const SlaCell&) = default;
};

// The extensions (`extend M by D "reason"`) of one metric's clocks. An
// extended clock is decided against its extended limit: the engine stops it
// `met` within the limit as extended and breaches it only past that, so the
// SLA cells count it like any other clock.
struct SlaExtensions {
  std::string metric;
  // Tickets whose clock was extended at least once / tickets whose clock ran
  // (started, was extended or was decided).
  Ratio extended;
  std::size_t extensions = 0;  // extensions in all: a ticket extended twice counts twice
  // Extended clocks decided met (within the extended limit) / extended
  // clocks decided.
  Ratio extended_met;
  friend bool operator==(const SlaExtensions&, const SlaExtensions&) = default;
};

// Tickets of the period whose acceptance clock is not decided, by why. Ages
// are seconds from the ticket's creation to Report::as_of.
struct Undecided {
  std::size_t running = 0;      // the clock runs (or is paused): still within its limit
  std::size_t not_started = 0;  // open, and the clock never started (the ticket was never classified, say)
  std::size_t closed = 0;       // in a final state of the rules without a decision (withdrawn, say)
  std::optional<std::int64_t> oldest_running;
  std::optional<std::int64_t> oldest_not_started;
  std::size_t total() const { return running + not_started + closed; }
  friend bool operator==(const Undecided&, const Undecided&) = default;
};

// Something about the journal itself that changes what was counted.
enum class JournalNoteKind {
  kStartsLate,  // the first seq is after 1: records first..last are not in it
  kGap,         // seq first..last are missing
  kRestart,     // seq goes back to `first` after `last`: another journal follows, counted too
  kRepeat,      // `count` records repeat earlier ones word for word (seq first..last): counted once
  kNoCreation,  // `count` tickets have records but no creation record: not counted
  kMore,        // `count` more notes like the ones before, not listed
};

struct JournalNote {
  JournalNoteKind kind = JournalNoteKind::kGap;
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  std::size_t count = 0;
  friend bool operator==(const JournalNote&, const JournalNote&) = default;
};

// What a group key shows when the ticket had no value for it.
inline constexpr const char* kNone = "(none)";
// What the type of a resolution cell shows when the report counts no types.
inline constexpr const char* kAnyType = "(any)";

// Orders priority names as ReportOptions::priority_order lists them, names
// it does not list after those by name, kNone last.
struct PriorityOrder {
  const std::vector<std::string>& order;
  bool operator()(const std::string& a, const std::string& b) const;
};

struct Report {
  ReportOptions options;  // as asked for (the period, the names used)
  ReportLabels labels;

  std::size_t records = 0;  // journal records read, every ticket and time
  std::int64_t as_of = 0;   // the latest record's time: ages are counted to it
  std::vector<JournalNote> journal_notes;
  std::size_t tickets_in_journal = 0;  // tickets with a creation record, any time
  std::size_t tickets = 0;             // created in the period: the cohort every figure counts

  // 受理及时率: tickets whose first_response clock was met / tickets whose
  // clock was decided (stopped met, stopped breached, or breached).
  Ratio acceptance_timeliness;
  std::size_t acceptance_pending = 0;  // created in the period, first_response not yet decided
  Undecided acceptance_undecided;      // the same tickets, by why
  // Tickets whose first_response clock stopped without a limit (their
  // priority sets none): not measured, in neither of the above.
  std::size_t acceptance_unmeasured = 0;

  // 回访率: resolved tickets with a survey at or after their resolution /
  // resolved tickets.
  std::size_t resolved = 0;
  Ratio follow_up;
  std::size_t return_visits = 0;  // survey records at or after resolution, of the cohort
  std::size_t declined = 0;       // resolved, no survey, declined_event after resolution

  std::vector<TypeShare> types;                             // by type name; kNone last
  DurationStats resolution;                                 // every resolved ticket
  std::vector<ResolutionCell> resolution_by_type_priority;  // by type, then priority

  std::size_t surveyed = 0;              // tickets with at least one survey answer
  std::size_t answers = 0;               // survey answers of those tickets, every one
  std::vector<ScoreCount> satisfaction;  // by score (numerically when every score is a number)
  std::optional<double> mean_score;      // of every answer, when every score is a number

  std::vector<SlaCell> sla;  // by metric, then priority
  // Every metric a ticket of the period ran, by metric; extensions_shown()
  // says whether the renderers show them.
  std::vector<SlaExtensions> sla_extensions;

  // Whether any clock of the period was extended: the report shows the
  // extensions only then, so that a journal without any reads as before.
  bool extensions_shown() const;
};

// The figures of `records`: one or more tickets' records, each ticket's in
// journal order (records of different tickets may interleave). Never fails:
// a record that does not fit (a second creation of the same id, a score that
// is not a number) is counted as described in docs/reports.md.
Report compute_report(std::span<const engine::Record> records, const ReportOptions& options);

// The instant local midnight begins `date` ("2026-11-01") in the IANA `zone`
// ("Asia/Shanghai", "UTC"), by the engine's zone rules (right after 2037
// too: engine/runtime/zone_rules.h); a midnight that a clock change skips
// begins the day at the change. Errors: "`2026-13-01` is not a date
// (YYYY-MM-DD)", "unknown time zone `Mars/Base`".
engine::Result<std::int64_t> start_of_day(const std::string& date, const std::string& zone);

}  // namespace docket::designer
