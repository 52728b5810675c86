#include "designer/report.h"

#include <date/date.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <map>
#include <set>
#include <stdexcept>
#include <utility>

#include "engine/runtime/zone_rules.h"

namespace docket::designer {
namespace {

using engine::Cause;
using engine::EffectKind;
using engine::Record;
using engine::RecordKind;

// How one SLA clock of one ticket ended up, the first time it was decided.
struct ClockOutcome {
  bool met = false;
  std::string priority;
};

// One SLA clock of one ticket as it ran: whether it did at all (started,
// extended or decided), and how often it was extended.
struct ClockRun {
  bool ran = false;
  std::size_t extensions = 0;
};

// Everything the figures need about one ticket, gathered from its records.
struct TicketFacts {
  bool created = false;
  std::int64_t created_at = 0;
  std::string type;                            // now (after the records walked so far)
  std::string priority;                        // now
  std::string state;                           // now
  std::map<std::string, ClockOutcome> clocks;  // metric -> first decision
  std::set<std::string> unmeasured;            // metrics whose clock stopped without a limit
  std::map<std::string, ClockRun> runs;        // metric -> how it ran
  std::optional<std::int64_t> resolved_at;
  std::string resolved_type;
  std::string resolved_priority;
  std::string survey_value;          // the survey field's text now
  std::vector<std::string> answers;  // every survey answer, in journal order
  std::size_t surveys_after_resolution = 0;
  bool declined_after_resolution = false;
};

std::string or_none(const std::string& text) { return text.empty() ? std::string(kNone) : text; }

// The survey answer a record gives: what its event sent for the survey
// field, also a value equal to the field's (which changes nothing), as the
// field's text. A record from before events' data was journaled shows only
// its changes: the last one of the field is the answer.
std::optional<std::string> survey_answer(const Record& record, const std::string& current,
                                         const ReportOptions& options) {
  const std::string& field = options.survey_field;
  if (field.empty()) return std::nullopt;
  if (record.sent == engine::SentData::kUnrecorded) {
    std::optional<std::string> score;
    for (const engine::Change& change : record.changes) {
      if (change.field == field && !change.after_text.empty()) score = change.after_text;
    }
    return score;
  }
  auto sent = std::find_if(record.data.begin(), record.data.end(),
                           [&field](const engine::DataItem& item) { return item.field == field; });
  if (sent == record.data.end() || sent->value.kind() == engine::FieldInput::Kind::kNull) return std::nullopt;
  for (const engine::Change& change : record.changes) {
    if (change.field == field) return change.after_text;  // the data's change comes first
  }
  if (!current.empty()) return current;
  return sent->value.kind() == engine::FieldInput::Kind::kText ? sent->value.as_text() : sent->value.describe();
}

void resolve(const Record& record, TicketFacts& facts) {
  if (facts.resolved_at) return;
  facts.resolved_at = record.at;
  facts.resolved_type = facts.type;
  facts.resolved_priority = facts.priority;
}

// Whether `record` moves the ticket into one of the resolution states.
bool enters_resolution(const Record& record, bool creation, const ReportOptions& options) {
  if (record.kind != RecordKind::kTransition || (record.from == record.to && !creation)) return false;
  const auto& states = options.resolution_states;
  return std::find(states.begin(), states.end(), record.to) != states.end();
}

void walk(const Record& record, TicketFacts& facts, const ReportOptions& options) {
  if (record.rejected || record.kind == RecordKind::kRejection) return;
  const bool creation = record.kind == RecordKind::kTransition && record.cause == Cause::kCreate && record.from.empty();
  if (creation) {
    if (facts.created) return;  // a second creation of the same id: the first one stands
    facts.created = true;
    facts.created_at = record.at;
  }
  if (!record.to.empty()) facts.state = record.to;
  // A field's default is set at creation: no survey answers then.
  std::optional<std::string> score;
  if (!creation) score = survey_answer(record, facts.survey_value, options);
  for (const engine::Change& change : record.changes) {
    if (!options.type_field.empty() && change.field == options.type_field) facts.type = change.after_text;
    if (change.field == "priority") facts.priority = change.after_text;
    if (!options.survey_field.empty() && change.field == options.survey_field) facts.survey_value = change.after_text;
  }
  auto decide = [&](const std::string& metric, bool met, const std::string& priority) {
    facts.clocks.try_emplace(metric, ClockOutcome{met, priority});
    facts.runs[metric].ran = true;
  };
  for (const engine::Effect& effect : record.effects) {
    using engine::ClockChange;
    if (effect.clock == ClockChange::kStarted || effect.clock == ClockChange::kExtended) {
      ClockRun& run = facts.runs[effect.target];
      run.ran = true;
      if (effect.clock == ClockChange::kExtended) ++run.extensions;
    }
    bool stopped = effect.clock == ClockChange::kStopped || effect.clock == ClockChange::kStoppedMet ||
                   effect.clock == ClockChange::kStoppedBreached;
    if (!stopped) continue;
    if (effect.clock == ClockChange::kStoppedMet) decide(effect.target, true, facts.priority);
    if (effect.clock == ClockChange::kStoppedBreached) decide(effect.target, false, facts.priority);
    if (effect.clock == ClockChange::kStopped) facts.unmeasured.insert(effect.target);
    if (!options.resolve_metric.empty() && effect.target == options.resolve_metric) resolve(record, facts);
  }
  if (enters_resolution(record, creation, options)) resolve(record, facts);
  if (record.kind == RecordKind::kBreach && record.sla) decide(record.sla->metric, false, record.sla->priority);
  if (score) {
    facts.answers.push_back(*score);
    if (facts.resolved_at) ++facts.surveys_after_resolution;
  }
  if (!options.declined_event.empty() && record.kind == RecordKind::kTransition &&
      record.event == options.declined_event && facts.resolved_at) {
    facts.declined_after_resolution = true;
  }
}

// Reads the journal's seq numbers in input order: notes what is missing,
// repeated or restarted, and keeps the records to count (a record that
// repeats an earlier one word for word is counted once).
class SeqReader {
 public:
  bool keep(const Record& record) {
    if (record.seq == 0) return true;  // a record made by hand: nothing to check
    auto [seen, fresh] = first_.try_emplace(record.seq, &record);
    if (!fresh && *seen->second == record) {
      note_repeat(record.seq);
      return false;
    }
    if (previous_ == 0 && record.seq > 1) add({JournalNoteKind::kStartsLate, 1, record.seq - 1, 0});
    if (previous_ != 0 && record.seq <= previous_) add({JournalNoteKind::kRestart, record.seq, previous_, 0});
    if (previous_ != 0 && record.seq > previous_ + 1) add({JournalNoteKind::kGap, previous_ + 1, record.seq - 1, 0});
    previous_ = record.seq;
    return true;
  }

  std::vector<JournalNote> notes() const {
    std::vector<JournalNote> notes = notes_;
    if (repeats_.count > 0) notes.push_back(repeats_);
    if (unlisted_ > 0) notes.push_back({JournalNoteKind::kMore, 0, 0, unlisted_});
    return notes;
  }

 private:
  static constexpr std::size_t kMaxNotes = 20;

  void add(JournalNote note) {
    if (notes_.size() < kMaxNotes) {
      notes_.push_back(note);
    } else {
      ++unlisted_;
    }
  }

  void note_repeat(std::uint64_t seq) {
    if (repeats_.count == 0 || seq < repeats_.first) repeats_.first = seq;
    repeats_.last = std::max(repeats_.last, seq);
    repeats_.kind = JournalNoteKind::kRepeat;
    ++repeats_.count;
  }

  std::map<std::uint64_t, const Record*> first_;
  std::uint64_t previous_ = 0;
  std::vector<JournalNote> notes_;
  JournalNote repeats_;
  std::size_t unlisted_ = 0;
};

// Why a ticket's acceptance clock is not decided, with its age.
void count_undecided(const TicketFacts& facts, std::int64_t as_of, const ReportOptions& options, Undecided& out) {
  std::int64_t age = as_of - facts.created_at;
  auto oldest = [age](std::optional<std::int64_t>& slot) { slot = std::max(slot.value_or(age), age); };
  if (options.final_states.count(facts.state) != 0) {
    ++out.closed;
  } else if (auto run = facts.runs.find(options.first_response_metric); run != facts.runs.end() && run->second.ran) {
    ++out.running;
    oldest(out.oldest_running);
  } else {
    ++out.not_started;
    oldest(out.oldest_not_started);
  }
}

std::int64_t rounded_div(std::int64_t sum, std::int64_t count) {
  return static_cast<std::int64_t>(std::llround(static_cast<double>(sum) / static_cast<double>(count)));
}

DurationStats stats_of(std::vector<std::int64_t> durations) {
  DurationStats stats;
  if (durations.empty()) return stats;
  std::sort(durations.begin(), durations.end());
  stats.count = durations.size();
  std::int64_t sum = 0;
  for (std::int64_t duration : durations) sum += duration;
  stats.mean = rounded_div(sum, static_cast<std::int64_t>(durations.size()));
  std::size_t middle = durations.size() / 2;
  stats.median =
      durations.size() % 2 == 1 ? durations[middle] : rounded_div(durations[middle - 1] + durations[middle], 2);
  stats.min = durations.front();
  stats.max = durations.back();
  return stats;
}

std::optional<double> number_of(const std::string& text) {
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Group keys in name order with kNone last, so that "(none)" does not sort
// between names that happen to start with a parenthesis.
struct NoneLast {
  bool operator()(const std::string& a, const std::string& b) const {
    bool a_none = a == kNone;
    bool b_none = b == kNone;
    if (a_none != b_none) return b_none;
    return a < b;
  }
};

}  // namespace

bool PriorityOrder::operator()(const std::string& a, const std::string& b) const {
  auto rank = [this](const std::string& name) {
    if (name == kNone) return order.size() + 1;
    return static_cast<std::size_t>(std::find(order.begin(), order.end(), name) - order.begin());
  };
  std::size_t rank_a = rank(a);
  std::size_t rank_b = rank(b);
  if (rank_a != rank_b) return rank_a < rank_b;
  return a < b;
}

Report compute_report(std::span<const engine::Record> records, const ReportOptions& options) {
  Report report;
  report.options = options;
  report.labels = options.labels;
  report.records = records.size();

  std::map<std::string, TicketFacts> tickets;
  SeqReader seq;
  for (const Record& record : records) {
    if (!seq.keep(record)) continue;
    report.as_of = std::max(report.as_of, record.at);
    if (!options.workflow.empty() && record.workflow != options.workflow) continue;
    walk(record, tickets[record.ticket], options);
  }
  report.journal_notes = seq.notes();

  std::map<std::string, std::size_t, NoneLast> types;
  std::vector<std::int64_t> all_durations;
  std::map<std::pair<std::string, std::string>, std::vector<std::int64_t>> durations;
  std::vector<std::string> scores;
  std::map<std::pair<std::string, std::string>, Ratio> sla;
  std::map<std::string, SlaExtensions> extensions;  // by metric
  std::size_t without_creation = 0;
  for (const auto& [id, facts] : tickets) {
    if (!facts.created) {
      ++without_creation;
      continue;
    }
    ++report.tickets_in_journal;
    if (options.from && facts.created_at < *options.from) continue;
    if (options.to && facts.created_at >= *options.to) continue;
    ++report.tickets;

    if (auto first = facts.clocks.find(options.first_response_metric); first != facts.clocks.end()) {
      ++report.acceptance_timeliness.denominator;
      if (first->second.met) ++report.acceptance_timeliness.numerator;
    } else if (facts.unmeasured.count(options.first_response_metric) != 0) {
      ++report.acceptance_unmeasured;
    } else if (options.measures_acceptance()) {
      ++report.acceptance_pending;
      count_undecided(facts, report.as_of, options, report.acceptance_undecided);
    }
    for (const auto& [metric, outcome] : facts.clocks) {
      Ratio& cell = sla[{metric, or_none(outcome.priority)}];
      ++cell.denominator;
      if (outcome.met) ++cell.numerator;
    }
    for (const auto& [metric, run] : facts.runs) {
      if (!run.ran) continue;
      SlaExtensions& figure = extensions[metric];
      ++figure.extended.denominator;
      if (run.extensions == 0) continue;
      ++figure.extended.numerator;
      figure.extensions += run.extensions;
      if (auto decided = facts.clocks.find(metric); decided != facts.clocks.end()) {
        ++figure.extended_met.denominator;
        if (decided->second.met) ++figure.extended_met.numerator;
      }
    }

    if (options.measures_types()) ++types[or_none(facts.type)];

    if (facts.resolved_at) {
      ++report.resolved;
      if (facts.surveys_after_resolution > 0) ++report.follow_up.numerator;
      if (facts.surveys_after_resolution == 0 && facts.declined_after_resolution) ++report.declined;
      report.return_visits += facts.surveys_after_resolution;
      std::int64_t took = *facts.resolved_at - facts.created_at;
      all_durations.push_back(took);
      std::string type = options.measures_types() ? or_none(facts.resolved_type) : std::string(kAnyType);
      durations[{type, or_none(facts.resolved_priority)}].push_back(took);
    }
    if (!facts.answers.empty()) ++report.surveyed;
    scores.insert(scores.end(), facts.answers.begin(), facts.answers.end());
  }
  report.follow_up.denominator = report.resolved;
  if (without_creation > 0) report.journal_notes.push_back({JournalNoteKind::kNoCreation, 0, 0, without_creation});

  for (const auto& [type, count] : types) report.types.push_back({type, Ratio{count, report.tickets}});

  report.resolution = stats_of(all_durations);
  std::vector<std::pair<std::string, std::string>> cells;
  for (const auto& entry : durations) cells.push_back(entry.first);
  PriorityOrder by_priority{options.priority_order};
  std::stable_sort(cells.begin(), cells.end(), [&by_priority](const auto& a, const auto& b) {
    if (a.first != b.first) return NoneLast()(a.first, b.first);
    return by_priority(a.second, b.second);
  });
  for (const auto& cell : cells) {
    report.resolution_by_type_priority.push_back({cell.first, cell.second, stats_of(durations[cell])});
  }

  report.answers = scores.size();
  bool numeric = !scores.empty();
  double sum = 0;
  for (const std::string& score : scores) {
    std::optional<double> number = number_of(score);
    if (!number) numeric = false;
    sum += number.value_or(0);
  }
  std::map<std::string, std::size_t> by_score;
  for (const std::string& score : scores) ++by_score[score];
  for (const auto& [score, count] : by_score) report.satisfaction.push_back({score, Ratio{count, scores.size()}});
  if (numeric) {
    report.mean_score = sum / static_cast<double>(scores.size());
    std::stable_sort(
        report.satisfaction.begin(), report.satisfaction.end(),
        [](const ScoreCount& a, const ScoreCount& b) { return *number_of(a.score) < *number_of(b.score); });
  }

  std::vector<std::pair<std::string, std::string>> sla_keys;
  for (const auto& entry : sla) sla_keys.push_back(entry.first);
  std::stable_sort(sla_keys.begin(), sla_keys.end(), [&by_priority](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first < b.first;
    return by_priority(a.second, b.second);
  });
  for (const auto& key : sla_keys) report.sla.push_back({key.first, key.second, sla[key]});
  for (auto& [metric, figure] : extensions) {
    figure.metric = metric;
    report.sla_extensions.push_back(figure);
  }
  return report;
}

bool Report::extensions_shown() const {
  return std::any_of(sla_extensions.begin(), sla_extensions.end(),
                     [](const SlaExtensions& figure) { return figure.extensions > 0; });
}

engine::Result<std::int64_t> start_of_day(const std::string& date_text, const std::string& zone_name) {
  using R = engine::Result<std::int64_t>;
  int year = 0;
  unsigned month = 0;
  unsigned day = 0;
  bool shaped = date_text.size() == 10 && date_text[4] == '-' && date_text[7] == '-';
  for (std::size_t i = 0; shaped && i < date_text.size(); ++i) {
    if (i != 4 && i != 7 && (date_text[i] < '0' || date_text[i] > '9')) shaped = false;
  }
  if (shaped) {
    year = std::stoi(date_text.substr(0, 4));
    month = static_cast<unsigned>(std::stoi(date_text.substr(5, 2)));
    day = static_cast<unsigned>(std::stoi(date_text.substr(8, 2)));
  }
  date::year_month_day ymd{date::year{year}, date::month{month}, date::day{day}};
  if (!shaped || !ymd.ok()) return R::failure("`" + date_text + "` is not a date (YYYY-MM-DD)");
  // The engine's offsets, which go on past the transitions the system's zone
  // files list (2037), not date/tz's alone.
  engine::ZoneRules::LoadResult zone = engine::ZoneRules::load(zone_name);
  if (!zone.rules) return R::failure("unknown time zone `" + zone_name + "`");
  std::int64_t local_midnight = std::int64_t{date::sys_days{ymd}.time_since_epoch().count()} * 86400;
  // Midnight that a spring-forward skips begins the day at the change.
  return R::success(zone.rules->first_showing(local_midnight));
}

}  // namespace docket::designer
