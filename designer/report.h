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
#include <span>
#include <string>
#include <vector>

#include "engine/model/result.h"
#include "engine/runtime/journal.h"

namespace docket::designer {

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

  // The SLA metric whose stop accepts a complaint (受理).
  std::string first_response_metric = "first_response";
  // The SLA metric whose stop resolves a ticket.
  std::string resolve_metric = "resolve";
  // The field a return visit records its score in (1-5 in the shipped rules).
  std::string survey_field = "overall";
  // The event that records a survey the customer declined or could not be
  // reached for; empty: none.
  std::string declined_event = "survey_declined";
  // The ticket attribute or field whose values are the complaint types.
  std::string type_field = "category";
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
  Ratio share;        // tickets whose last survey gave it / tickets surveyed
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

// What a group key shows when the ticket had no value for it.
inline constexpr const char* kNone = "(none)";

// What the rules call the names a report groups by ("card" -> "信用卡"):
// categories, enum values, priorities. Empty when the report had no rules,
// and a name the rules give no label is not in it: renderers show the name.
struct ReportLabels {
  std::map<std::string, std::string> types;       // the type field's values
  std::map<std::string, std::string> priorities;  // priority names
  std::map<std::string, std::string> scores;      // the survey field's enum values
  friend bool operator==(const ReportLabels&, const ReportLabels&) = default;
};

struct Report {
  ReportOptions options;  // as asked for (the period, the names used)
  ReportLabels labels;

  std::size_t records = 0;             // journal records read, every ticket and time
  std::size_t tickets_in_journal = 0;  // tickets with a creation record, any time
  std::size_t tickets = 0;             // created in the period: the cohort every figure counts

  // 受理及时率: tickets whose first_response clock was met / tickets whose
  // clock was decided (stopped met, stopped breached, or breached).
  Ratio acceptance_timeliness;
  std::size_t acceptance_pending = 0;  // created in the period, first_response not yet decided
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

  std::size_t surveyed = 0;              // tickets with at least one survey record
  std::vector<ScoreCount> satisfaction;  // by score (numerically when every score is a number)
  std::optional<double> mean_score;      // when every score is a number

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
