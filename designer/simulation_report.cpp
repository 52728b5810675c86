#include "designer/simulation_report.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>

#include "engine/model/text.h"
#include "engine/model/value.h"

namespace docket::designer {

using engine::EffectKind;
using engine::Record;
using engine::RecordKind;

namespace {

constexpr const char* kToFinal = "to final state";
constexpr const char* kNoPriority = "-";

std::string format_percent(double percent) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f%%", percent);
  return text;
}

double round1(double value) { return std::round(value * 10) / 10; }

// Durations in reports are read by people: whole minutes are enough.
std::string format_span(std::int64_t seconds) {
  std::int64_t rounded = seconds >= 60 || seconds <= -60 ? (seconds + (seconds < 0 ? -30 : 30)) / 60 * 60 : seconds;
  return engine::format_duration(rounded);
}

double share(std::size_t part, std::size_t whole) {
  return whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

std::string pad(const std::string& text, std::size_t width) {
  // Terminal columns, not bytes: a Chinese character takes two.
  std::size_t columns = engine::display_width(text);
  return columns >= width ? text + " " : text + std::string(width - columns, ' ');
}

std::string pad_left(const std::string& text, std::size_t width) {
  return text.size() >= width ? " " + text : std::string(width - text.size(), ' ') + text;
}

std::string sparkline(const std::vector<std::size_t>& values) {
  static const char* const kBlocks[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  std::size_t peak = 0;
  for (std::size_t v : values) peak = std::max(peak, v);
  std::string line;
  for (std::size_t v : values) {
    std::size_t level = peak == 0 ? 0 : (v * 7 + peak / 2) / peak;
    line += kBlocks[std::min<std::size_t>(level, 7)];
  }
  return line;
}

// Sorted by count, most first, then by key.
std::vector<Count> ranked(const std::map<std::string, std::size_t>& counts, std::size_t limit) {
  std::vector<Count> out;
  for (const auto& [key, count] : counts) out.push_back(Count{key, count});
  std::stable_sort(out.begin(), out.end(), [](const Count& a, const Count& b) { return a.count > b.count; });
  if (out.size() > limit) out.resize(limit);
  return out;
}

std::vector<Count> listed(const std::map<std::string, std::size_t>& counts) {
  std::vector<Count> out;
  for (const auto& [key, count] : counts) out.push_back(Count{key, count});
  return out;
}

}  // namespace

std::string undriven_warning(const UndrivenState& undriven) {
  std::string text = std::to_string(undriven.tickets) + (undriven.tickets == 1 ? " ticket" : " tickets") +
                     " stopped in " + undriven.state + ": ";
  if (!undriven.stream.empty()) {
    return text + "no outcome of [states." + undriven.state + "] is for the arrivals `" + undriven.stream + "`";
  }
  if (undriven.has_events) return text + "the profile has no [states." + undriven.state + "]";
  return text + "no event leaves it in the rules, and its timers and automatic transitions did not move " +
         (undriven.tickets == 1 ? "it" : "them");
}

bool SimulationReport::extensions_shown() const {
  return std::any_of(extensions.begin(), extensions.end(),
                     [](const ExtensionFigure& figure) { return figure.extensions > 0; });
}

Percentiles percentiles(std::vector<std::int64_t> sample) {
  Percentiles out;
  out.count = sample.size();
  if (sample.empty()) return out;
  std::sort(sample.begin(), sample.end());
  auto rank = [&](double p) {
    std::size_t index = static_cast<std::size_t>(std::ceil(p * static_cast<double>(sample.size())));
    return sample[std::min(sample.size(), std::max<std::size_t>(index, 1)) - 1];
  };
  out.p50 = rank(0.50);
  out.p90 = rank(0.90);
  out.p99 = rank(0.99);
  return out;
}

// ---------------------------------------------------------------- the builder

struct ReportBuilder::TicketFigures {
  std::int64_t created_at = 0;
  std::string priority = kNoPriority;
  int department = -1;
  bool open = false;
  engine::StateIndex state = engine::kNoIndex;
  std::vector<std::uint8_t> decided;   // by metric: outcome counted
  std::vector<std::uint8_t> ran;       // by metric: the clock ran (counted in ran_)
  std::vector<std::uint8_t> extended;  // by metric: an extension counted in extended_
  std::vector<std::uint8_t> timed;     // by metric: stop time counted
  std::int64_t approval_entered = -1;
  std::string chain;
};

ReportBuilder::ReportBuilder(std::shared_ptr<const engine::Workflow> workflow, std::vector<std::string> branch_states)
    : workflow_(std::move(workflow)) {
  const engine::Workflow& w = *workflow_;
  for (const engine::Transition& t : w.transitions()) {
    if (t.stays()) stay_rules_.emplace(t.position.where, t.position.column);
  }
  branch_state_.assign(w.states().size(), false);
  if (branch_states.empty()) {
    for (engine::StateIndex s = 0; s < w.states().size(); ++s) {
      std::vector<std::pair<engine::EventId, engine::StateIndex>> exits;
      for (engine::TransitionIndex t : w.transitions_from(s)) {
        if (w.transitions()[t].stays()) continue;
        std::pair<engine::EventId, engine::StateIndex> exit{w.transitions()[t].event, w.transitions()[t].to};
        if (std::find(exits.begin(), exits.end(), exit) == exits.end()) exits.push_back(exit);
      }
      branch_state_[s] = exits.size() >= 2;
    }
  } else {
    for (const std::string& name : branch_states) {
      if (std::optional<engine::StateIndex> s = w.find_state(name)) branch_state_[*s] = true;
    }
  }
  open_per_department_.assign(w.departments().size(), 0);
  ran_.assign(w.metrics().size(), 0);
  extended_.assign(w.metrics().size(), 0);
  extensions_.assign(w.metrics().size(), 0);
  backlog_.assign(w.departments().size(), {});
}

ReportBuilder::~ReportBuilder() = default;

engine::Status ReportBuilder::write(std::span<const Record> records) {
  for (const Record& r : records) record(r);
  return engine::Status::success();
}

ReportBuilder::TicketFigures& ReportBuilder::ticket(const std::string& id) {
  auto [it, inserted] = by_id_.try_emplace(id, static_cast<std::uint32_t>(tickets_.size()));
  if (inserted) {
    tickets_.emplace_back();
    tickets_.back().decided.assign(workflow_->metrics().size(), 0);
    tickets_.back().timed.assign(workflow_->metrics().size(), 0);
    tickets_.back().ran.assign(workflow_->metrics().size(), 0);
    tickets_.back().extended.assign(workflow_->metrics().size(), 0);
  }
  return tickets_[it->second];
}

void ReportBuilder::set_department(TicketFigures& ticket, int department) {
  if (ticket.open && ticket.department >= 0) --open_per_department_[static_cast<std::size_t>(ticket.department)];
  ticket.department = department;
  if (ticket.open && ticket.department >= 0) ++open_per_department_[static_cast<std::size_t>(ticket.department)];
}

void ReportBuilder::decide(TicketFigures& ticket, const std::string& metric, bool met, const std::string& priority,
                           std::int64_t at) {
  (void)at;
  std::optional<engine::MetricIndex> index = workflow_->find_metric(metric);
  if (!index) return;
  ran(ticket, *index);
  if (ticket.decided[*index]) return;
  ticket.decided[*index] = 1;
  auto& counts = sla_[{priority.empty() ? kNoPriority : priority, metric}];
  (met ? counts.first : counts.second) += 1;
}

void ReportBuilder::ran(TicketFigures& ticket, engine::MetricIndex metric) {
  if (ticket.ran[metric]) return;
  ticket.ran[metric] = 1;
  ++ran_[metric];
}

void ReportBuilder::record(const Record& r) {
  if (r.kind == RecordKind::kRejection) {
    ++rejection_count_;
    ++rejections_[r.reason];
    return;
  }
  const engine::Workflow& w = *workflow_;
  TicketFigures& t = ticket(r.ticket);
  bool created = r.kind == RecordKind::kTransition && r.from.empty();
  bool stayed =
      r.kind == RecordKind::kTransition && r.from == r.to && stay_rules_.count({r.rule.where, r.rule.column}) != 0;
  bool moved = (r.kind == RecordKind::kTransition && !stayed) || r.kind == RecordKind::kMigration ||
               (r.kind == RecordKind::kTimer && r.to != r.from);
  if (created) {
    t.created_at = r.at;
    t.open = true;
  }

  // Leaving a state.
  if (moved && !created) {
    std::optional<engine::StateIndex> from = w.find_state(r.from);
    if (from && branch_state_[*from] && r.kind != RecordKind::kMigration) {
      std::string event = r.kind == RecordKind::kTimer           ? "timer"
                          : r.cause == engine::Cause::kAutomatic ? "auto"
                                                                 : r.event;
      ++branches_[r.from][event + " -> " + r.to];
    }
    if (t.approval_entered >= 0) {
      if (!t.chain.empty() && t.chain != "none") approval_waits_[t.chain].push_back(r.at - t.approval_entered);
      t.approval_entered = -1;
      t.chain.clear();
    }
  }

  for (const engine::Change& change : r.changes) {
    if (change.field == "priority") {
      t.priority = change.after_text.empty() ? kNoPriority : change.after_text;
    } else if (change.field == "assignee") {
      // Text attributes format with quotes; the department is the text's first part.
      std::string text = change.after.type() == engine::ValueType::kText ? change.after.as_text() : change.after_text;
      std::string department = text.substr(0, text.find('.'));
      std::optional<engine::DepartmentIndex> index = w.find_department(department);
      set_department(t, index ? static_cast<int>(*index) : -1);
    }
  }

  for (const engine::Effect& effect : r.effects) {
    bool met = effect.clock == engine::ClockChange::kStoppedMet;
    if (met || effect.clock == engine::ClockChange::kStoppedBreached) {
      decide(t, effect.target, met, t.priority, r.at);
      std::optional<engine::MetricIndex> metric = w.find_metric(effect.target);
      if (metric && !t.timed[*metric]) {
        t.timed[*metric] = 1;
        times_[{effect.target, t.priority}].push_back(r.at - t.created_at);
        times_[{effect.target, ""}].push_back(r.at - t.created_at);
      }
    } else if (effect.clock == engine::ClockChange::kStarted || effect.clock == engine::ClockChange::kExtended) {
      std::optional<engine::MetricIndex> metric = w.find_metric(effect.target);
      if (!metric) continue;
      ran(t, *metric);
      if (effect.clock == engine::ClockChange::kExtended) {
        ++extensions_[*metric];
        if (!t.extended[*metric]) {
          t.extended[*metric] = 1;
          ++extended_[*metric];
        }
      }
    } else if (effect.kind == EffectKind::kEscalate) {
      std::string source = r.sla ? r.sla->metric : "timer in " + r.from;
      ++escalations_[source + " -> " + effect.target];
    } else if (effect.kind == EffectKind::kApprovalChain) {
      t.chain = effect.target;
    }
  }

  if (r.kind == RecordKind::kWarning && r.sla) ++warnings_[r.sla->metric];
  if (r.kind == RecordKind::kBreach && r.sla) {
    ++breaches_[r.sla->metric];
    decide(t, r.sla->metric, false, r.sla->priority, r.at);
  }

  // Entering a state.
  if (moved) {
    std::optional<engine::StateIndex> to = w.find_state(r.to);
    if (to) {
      t.state = *to;
      if (w.states()[*to].awaits_approval && (t.approval_entered < 0 || r.to != r.from)) t.approval_entered = r.at;
      if (w.is_final(*to) && t.open) {
        set_department(t, -1);
        t.open = false;
        times_[{kToFinal, t.priority}].push_back(r.at - t.created_at);
        times_[{kToFinal, ""}].push_back(r.at - t.created_at);
      }
    }
  }
}

void ReportBuilder::sample_backlog() {
  for (std::size_t d = 0; d < backlog_.size(); ++d) {
    backlog_[d].push_back(static_cast<std::size_t>(std::max<std::int64_t>(open_per_department_[d], 0)));
  }
}

SimulationReport ReportBuilder::finish(std::int64_t start, std::int64_t end) const {
  const engine::Workflow& w = *workflow_;
  SimulationReport report;
  report.workflow = w.name();
  report.version = w.version();
  report.start = start;
  report.end = end;
  report.created = tickets_.size();
  std::vector<std::size_t> by_state(w.states().size(), 0);
  for (const TicketFigures& t : tickets_) {
    if (t.open) {
      ++report.open;
      if (t.state < by_state.size()) ++by_state[t.state];
    } else {
      ++report.closed;
    }
  }
  for (engine::StateIndex s = 0; s < by_state.size(); ++s) {
    if (by_state[s] > 0) report.open_by_state.push_back(Count{w.states()[s].name, by_state[s]});
  }
  report.rejections = rejection_count_;

  std::vector<std::string> priorities;
  for (const engine::Priority& p : w.priorities()) priorities.push_back(p.name);
  priorities.push_back(kNoPriority);
  for (const std::string& priority : priorities) {
    for (const std::string& metric : w.metrics()) {
      auto it = sla_.find({priority, metric});
      if (it == sla_.end()) continue;
      report.sla.push_back(SlaFigure{priority, metric, it->second.first, it->second.second});
    }
  }

  for (engine::MetricIndex m = 0; m < w.metrics().size(); ++m) {
    if (ran_[m] == 0) continue;
    report.extensions.push_back(ExtensionFigure{w.metrics()[m], ran_[m], extended_[m], extensions_[m]});
  }

  std::vector<std::string> metrics = w.metrics();
  metrics.push_back(kToFinal);
  for (const std::string& metric : metrics) {
    auto all = times_.find({metric, ""});
    if (all == times_.end()) continue;
    report.times.push_back(TimeFigure{metric, "", percentiles(all->second)});
    for (const std::string& priority : priorities) {
      auto it = times_.find({metric, priority});
      if (it != times_.end()) report.times.push_back(TimeFigure{metric, priority, percentiles(it->second)});
    }
  }

  for (std::size_t d = 0; d < backlog_.size(); ++d) {
    report.backlog.push_back(BacklogSeries{w.departments()[d].name, backlog_[d]});
  }

  std::vector<std::int64_t> every_wait;
  for (const engine::Chain& chain : w.chains()) {
    auto it = approval_waits_.find(chain.name);
    if (it == approval_waits_.end()) continue;
    report.approvals.push_back(ApprovalFigure{chain.name, percentiles(it->second)});
    every_wait.insert(every_wait.end(), it->second.begin(), it->second.end());
  }
  if (!every_wait.empty()) report.approvals.push_back(ApprovalFigure{"", percentiles(every_wait)});

  report.escalations = listed(escalations_);
  report.warnings = listed(warnings_);
  report.breaches = listed(breaches_);
  for (engine::StateIndex s = 0; s < w.states().size(); ++s) {
    auto it = branches_.find(w.states()[s].name);
    if (it == branches_.end()) continue;
    report.branches.push_back(BranchFigure{it->first, listed(it->second)});
  }
  report.top_rejections = ranked(rejections_, 5);
  return report;
}

// ---------------------------------------------------------------- flat figures (for --compare)

namespace {

enum class Unit { kCount, kPercent, kDuration };

constexpr const char* kOpenIn = "open in ";

struct Figure {
  std::string name;
  Unit unit = Unit::kCount;
  double value = 0;
};

void add_percentiles(std::vector<Figure>& out, const std::string& name, const Percentiles& p, bool p99) {
  if (p.count == 0) return;
  out.push_back({name + " p50", Unit::kDuration, static_cast<double>(p.p50)});
  out.push_back({name + " p90", Unit::kDuration, static_cast<double>(p.p90)});
  if (p99) out.push_back({name + " p99", Unit::kDuration, static_cast<double>(p.p99)});
}

std::vector<Figure> figures(const SimulationReport& r) {
  std::vector<Figure> out;
  out.push_back({"tickets created", Unit::kCount, static_cast<double>(r.created)});
  out.push_back({"tickets closed", Unit::kCount, static_cast<double>(r.closed)});
  out.push_back({"tickets open", Unit::kCount, static_cast<double>(r.open)});
  out.push_back({"events rejected", Unit::kCount, static_cast<double>(r.rejections)});
  out.push_back({"tickets left alone", Unit::kCount, static_cast<double>(r.left_alone)});
  for (const Count& c : r.open_by_state) out.push_back({kOpenIn + c.key, Unit::kCount, double(c.count)});
  for (const SlaFigure& s : r.sla) {
    out.push_back({"SLA " + s.metric + " " + s.priority, Unit::kPercent, share(s.met, s.met + s.breached)});
  }
  if (r.extensions_shown()) {
    for (const ExtensionFigure& x : r.extensions) {
      out.push_back({"extended " + x.metric, Unit::kPercent, share(x.extended, x.ran)});
      out.push_back({"extensions " + x.metric, Unit::kCount, static_cast<double>(x.extensions)});
    }
  }
  for (const TimeFigure& t : r.times) {
    add_percentiles(out, t.metric + " " + (t.priority.empty() ? "all" : t.priority), t.times, true);
  }
  for (const BacklogSeries& b : r.backlog) {
    std::size_t peak = 0;
    for (std::size_t v : b.per_day) peak = std::max(peak, v);
    if (peak == 0) continue;
    out.push_back({"backlog " + b.department + " peak", Unit::kCount, static_cast<double>(peak)});
    out.push_back({"backlog " + b.department + " last", Unit::kCount, static_cast<double>(b.per_day.back())});
  }
  for (const ApprovalFigure& a : r.approvals) {
    add_percentiles(out, "approval wait " + (a.chain.empty() ? "all" : a.chain), a.wait, false);
  }
  for (const Count& c : r.escalations) out.push_back({"escalations " + c.key, Unit::kCount, double(c.count)});
  for (const Count& c : r.warnings) out.push_back({"warnings " + c.key, Unit::kCount, double(c.count)});
  for (const Count& c : r.breaches) out.push_back({"breaches " + c.key, Unit::kCount, double(c.count)});
  for (const BranchFigure& b : r.branches) {
    std::size_t total = 0;
    for (const Count& c : b.exits) total += c.count;
    for (const Count& c : b.exits) out.push_back({b.state + ": " + c.key, Unit::kPercent, share(c.count, total)});
  }
  for (const Count& c : r.top_rejections) out.push_back({"rejected: " + c.key, Unit::kCount, double(c.count)});
  for (const PoolFigure& p : r.pools) {
    out.push_back({"staff " + p.pool + " utilisation", Unit::kPercent, p.utilisation});
    if (p.wait.count > 0) out.push_back({"staff " + p.pool + " wait p90", Unit::kDuration, double(p.wait.p90)});
  }
  return out;
}

std::string figure_text(const Figure& f) {
  switch (f.unit) {
    case Unit::kCount:
      return std::to_string(static_cast<long long>(f.value));
    case Unit::kPercent:
      return format_percent(f.value);
    case Unit::kDuration:
      return format_span(static_cast<std::int64_t>(f.value));
  }
  return {};
}

std::string difference_text(const Figure& a, const Figure& b) {
  double d = b.value - a.value;
  switch (a.unit) {
    case Unit::kCount: {
      long long n = static_cast<long long>(d);
      return (n > 0 ? "+" : "") + std::to_string(n);
    }
    case Unit::kPercent: {
      char text[32];
      std::snprintf(text, sizeof text, "%+.1f pt", round1(d) == 0 ? 0.0 : d);
      return text;
    }
    case Unit::kDuration: {
      auto n = static_cast<std::int64_t>(d);
      return (n > 0 ? "+" : "") + format_span(n);
    }
  }
  return {};
}

struct Row {
  std::string name;
  std::optional<Figure> a;
  std::optional<Figure> b;
};

// A's figures in A's order; a figure only B has comes right after the
// figure B lists before it, so that it sits with its kind ("open in incident"
// among the open counts). A state's open count missing on one side is 0.
std::vector<Row> aligned(const SimulationReport& a, const SimulationReport& b) {
  std::vector<Figure> a_figures = figures(a);
  std::map<std::string, std::size_t> a_index;
  for (std::size_t i = 0; i < a_figures.size(); ++i) a_index[a_figures[i].name] = i;
  std::vector<std::optional<Figure>> b_of_a(a_figures.size());
  std::map<std::string, std::vector<Figure>> b_only_after;  // by the name of the A figure before; "" at the top
  std::string anchor;
  for (const Figure& f : figures(b)) {
    auto it = a_index.find(f.name);
    if (it != a_index.end()) {
      b_of_a[it->second] = f;
      anchor = f.name;
    } else {
      b_only_after[anchor].push_back(f);
    }
  }
  std::vector<Row> rows;
  auto add_b_only = [&](const std::string& after) {
    auto it = b_only_after.find(after);
    if (it == b_only_after.end()) return;
    for (const Figure& f : it->second) rows.push_back(Row{f.name, std::nullopt, f});
  };
  add_b_only("");
  for (std::size_t i = 0; i < a_figures.size(); ++i) {
    rows.push_back(Row{a_figures[i].name, a_figures[i], b_of_a[i]});
    add_b_only(a_figures[i].name);
  }
  for (Row& row : rows) {
    if (row.name.rfind(kOpenIn, 0) != 0) continue;
    if (!row.a) row.a = Figure{row.name, Unit::kCount, 0};
    if (!row.b) row.b = Figure{row.name, Unit::kCount, 0};
  }
  return rows;
}

std::string header(const SimulationReport& r) {
  std::string text = "simulation  " + r.workflow + (r.version.empty() ? "" : " " + r.version) + ", seed " +
                     std::to_string(r.seed) + ", " + std::to_string(r.days) + " days of arrivals from " +
                     engine::format_timestamp(r.start) + ", until " + engine::format_timestamp(r.end) + "\n";
  return text;
}

nlohmann::ordered_json percentiles_json(const Percentiles& p, bool p99 = true) {
  nlohmann::ordered_json out;
  out["count"] = p.count;
  out["p50_seconds"] = p.p50;
  out["p90_seconds"] = p.p90;
  if (p99) out["p99_seconds"] = p.p99;
  return out;
}

nlohmann::ordered_json counts_json(const std::vector<Count>& counts) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const Count& c : counts) out.push_back({{"key", c.key}, {"count", c.count}});
  return out;
}

nlohmann::ordered_json report_json(const SimulationReport& r) {
  nlohmann::ordered_json out;
  out["workflow"] = r.workflow;
  out["version"] = r.version;
  out["seed"] = r.seed;
  out["start"] = engine::format_timestamp(r.start);
  out["end"] = engine::format_timestamp(r.end);
  out["days"] = r.days;
  out["tickets"] = {{"created", r.created}, {"closed", r.closed}, {"open", r.open}};
  out["open_by_state"] = counts_json(r.open_by_state);
  nlohmann::ordered_json undriven = nlohmann::ordered_json::array();
  for (const UndrivenState& u : r.undriven) {
    undriven.push_back({{"state", u.state},
                        {"tickets", u.tickets},
                        {"rules_have_events", u.has_events},
                        {"stream", u.stream},
                        {"warning", undriven_warning(u)}});
  }
  out["undriven_states"] = undriven;
  out["events"] = {{"sent", r.events_sent}, {"rejected", r.rejections}, {"tickets_left_alone", r.left_alone}};
  nlohmann::ordered_json sla = nlohmann::ordered_json::array();
  for (const SlaFigure& s : r.sla) {
    sla.push_back({{"priority", s.priority},
                   {"metric", s.metric},
                   {"met", s.met},
                   {"breached", s.breached},
                   {"compliance_percent", round1(share(s.met, s.met + s.breached))}});
  }
  out["sla"] = sla;
  nlohmann::ordered_json extensions = nlohmann::ordered_json::array();
  for (const ExtensionFigure& x : r.extensions) {
    extensions.push_back({{"metric", x.metric},
                          {"ran", x.ran},
                          {"extended", x.extended},
                          {"extended_percent", round1(share(x.extended, x.ran))},
                          {"extensions", x.extensions}});
  }
  out["extensions"] = extensions;
  nlohmann::ordered_json times = nlohmann::ordered_json::array();
  for (const TimeFigure& t : r.times) {
    nlohmann::ordered_json row = {{"metric", t.metric}, {"priority", t.priority.empty() ? "all" : t.priority}};
    row.update(percentiles_json(t.times));
    times.push_back(row);
  }
  out["times"] = times;
  nlohmann::ordered_json backlog = nlohmann::ordered_json::array();
  for (const BacklogSeries& b : r.backlog) backlog.push_back({{"department", b.department}, {"per_day", b.per_day}});
  out["backlog"] = backlog;
  nlohmann::ordered_json approvals = nlohmann::ordered_json::array();
  for (const ApprovalFigure& a : r.approvals) {
    nlohmann::ordered_json row = {{"chain", a.chain.empty() ? "all" : a.chain}};
    row.update(percentiles_json(a.wait, false));
    approvals.push_back(row);
  }
  out["approval_waits"] = approvals;
  out["escalations"] = counts_json(r.escalations);
  out["warnings"] = counts_json(r.warnings);
  out["breaches"] = counts_json(r.breaches);
  nlohmann::ordered_json branches = nlohmann::ordered_json::array();
  for (const BranchFigure& b : r.branches) branches.push_back({{"state", b.state}, {"exits", counts_json(b.exits)}});
  out["branches"] = branches;
  out["top_rejections"] = counts_json(r.top_rejections);
  nlohmann::ordered_json pools = nlohmann::ordered_json::array();
  for (const PoolFigure& p : r.pools) {
    nlohmann::ordered_json row = {{"pool", p.pool},
                                  {"people", p.people},
                                  {"utilisation_percent", round1(p.utilisation)},
                                  {"longest_queue", p.longest_queue}};
    row["wait"] = percentiles_json(p.wait);
    pools.push_back(row);
  }
  out["staff"] = pools;
  return out;
}

}  // namespace

// ---------------------------------------------------------------- text

std::string render_text(const SimulationReport& r) {
  std::string out = header(r);
  out += "tickets     created " + std::to_string(r.created) + ", closed " + std::to_string(r.closed) + ", open " +
         std::to_string(r.open) + "\n";
  if (!r.open_by_state.empty()) {
    out += "  open by state:";
    for (const Count& c : r.open_by_state) out += " " + c.key + " " + std::to_string(c.count);
    out += "\n";
  }
  out += "events      sent " + std::to_string(r.events_sent) + ", rejected " + std::to_string(r.rejections) + " (" +
         format_percent(share(r.rejections, r.events_sent)) + ")";
  if (r.left_alone > 0) out += ", tickets left alone after repeated rejections " + std::to_string(r.left_alone);
  out += "\n";
  for (const UndrivenState& u : r.undriven) out += "warning: " + undriven_warning(u) + "\n";

  out += "\nSLA compliance (met, of the clocks that ended)\n";
  out += "  " + pad("priority", 10) + pad("metric", 18) + pad_left("met", 8) + pad_left("breached", 10) +
         pad_left("compliance", 12) + "\n";
  for (const SlaFigure& s : r.sla) {
    out += "  " + pad(s.priority, 10) + pad(s.metric, 18) + pad_left(std::to_string(s.met), 8) +
           pad_left(std::to_string(s.breached), 10) + pad_left(format_percent(share(s.met, s.met + s.breached)), 12) +
           "\n";
  }

  if (r.extensions_shown()) {
    out += "\nSLA extensions (compliance above counts an extended clock against its extended limit)\n";
    out += "  " + pad("metric", 18) + pad_left("ran", 8) + pad_left("extended", 10) + pad_left("share", 8) +
           pad_left("extensions", 12) + "\n";
    for (const ExtensionFigure& x : r.extensions) {
      out += "  " + pad(x.metric, 18) + pad_left(std::to_string(x.ran), 8) + pad_left(std::to_string(x.extended), 10) +
             pad_left(format_percent(share(x.extended, x.ran)), 8) + pad_left(std::to_string(x.extensions), 12) + "\n";
    }
  }

  out += "\ntimes from creation (wall clock)\n";
  out += "  " + pad("metric", 18) + pad("priority", 10) + pad_left("n", 7) + pad_left("p50", 10) + pad_left("p90", 10) +
         pad_left("p99", 10) + "\n";
  for (const TimeFigure& t : r.times) {
    out += "  " + pad(t.metric, 18) + pad(t.priority.empty() ? "all" : t.priority, 10) +
           pad_left(std::to_string(t.times.count), 7) + pad_left(format_span(t.times.p50), 10) +
           pad_left(format_span(t.times.p90), 10) + pad_left(format_span(t.times.p99), 10) + "\n";
  }

  out += "\nbacklog per department (open tickets assigned to it, at the end of each day)\n";
  for (const BacklogSeries& b : r.backlog) {
    std::size_t peak = 0;
    for (std::size_t v : b.per_day) peak = std::max(peak, v);
    out += "  " + pad(b.department, 18) + sparkline(b.per_day) + "  peak " + std::to_string(peak) + ", last " +
           std::to_string(b.per_day.empty() ? 0 : b.per_day.back()) + "\n";
  }

  if (!r.approvals.empty()) {
    out += "\napproval waits (entering the approval state to leaving it)\n";
    out += "  " + pad("chain", 24) + pad_left("n", 7) + pad_left("p50", 10) + pad_left("p90", 10) + "\n";
    for (const ApprovalFigure& a : r.approvals) {
      out += "  " + pad(a.chain.empty() ? "all" : a.chain, 24) + pad_left(std::to_string(a.wait.count), 7) +
             pad_left(format_span(a.wait.p50), 10) + pad_left(format_span(a.wait.p90), 10) + "\n";
    }
  }

  auto counts = [&](const std::string& title, const std::vector<Count>& list) {
    if (list.empty()) return;
    out += "\n" + title + "\n";
    for (const Count& c : list) out += "  " + pad(c.key, 44) + pad_left(std::to_string(c.count), 7) + "\n";
  };
  counts("escalations (metric or timer -> role)", r.escalations);
  counts("SLA warnings by metric", r.warnings);
  counts("SLA breaches by metric", r.breaches);

  if (!r.branches.empty()) {
    out += "\nbranches (transitions out of a state)\n";
    for (const BranchFigure& b : r.branches) {
      std::size_t total = 0;
      for (const Count& c : b.exits) total += c.count;
      for (const Count& c : b.exits) {
        out += "  " + pad(b.state + ": " + c.key, 44) + pad_left(std::to_string(c.count), 7) +
               pad_left(format_percent(share(c.count, total)), 8) + "\n";
      }
    }
  }

  if (!r.top_rejections.empty()) {
    out += "\nrejections (top " + std::to_string(r.top_rejections.size()) + " reasons of " +
           std::to_string(r.rejections) + " rejections)\n";
    for (const Count& c : r.top_rejections) out += "  " + pad_left(std::to_string(c.count), 6) + "  " + c.key + "\n";
  }

  if (!r.pools.empty()) {
    std::size_t width = 24;
    for (const PoolFigure& p : r.pools) width = std::max(width, p.pool.size() + 2);
    out += "\nstaff\n";
    out += "  " + pad("pool", width) + pad_left("people", 7) + pad_left("busy", 8) + pad_left("wait p50", 10) +
           pad_left("p90", 10) + pad_left("longest queue", 15) + "\n";
    for (const PoolFigure& p : r.pools) {
      out += "  " + pad(p.pool, width) + pad_left(std::to_string(p.people), 7) +
             pad_left(format_percent(p.utilisation), 8) + pad_left(format_span(p.wait.p50), 10) +
             pad_left(format_span(p.wait.p90), 10) + pad_left(std::to_string(p.longest_queue), 15) + "\n";
    }
  }
  return out;
}

std::string render_json(const SimulationReport& report) { return report_json(report).dump(2) + "\n"; }

std::string render_comparison_text(const SimulationReport& a, const SimulationReport& b, const std::string& a_name,
                                   const std::string& b_name) {
  std::string out = "A: " + a_name + "\n  " + header(a) + "B: " + b_name + "\n  " + header(b);
  for (const UndrivenState& u : a.undriven) out += "warning: A: " + undriven_warning(u) + "\n";
  for (const UndrivenState& u : b.undriven) out += "warning: B: " + undriven_warning(u) + "\n";
  out += "\n";
  std::vector<Row> rows = aligned(a, b);
  std::size_t width = 24;
  for (const Row& row : rows) width = std::max(width, row.name.size() + 2);
  width = std::min<std::size_t>(width, 72);
  out += pad("figure", width) + pad_left("A", 10) + pad_left("B", 10) + pad_left("B - A", 12) + "\n";
  for (const Row& row : rows) {
    out += pad(row.name, width) + pad_left(row.a ? figure_text(*row.a) : "-", 10) +
           pad_left(row.b ? figure_text(*row.b) : "-", 10) +
           pad_left(row.a && row.b ? difference_text(*row.a, *row.b) : "", 12) + "\n";
  }
  return out;
}

std::string render_comparison_json(const SimulationReport& a, const SimulationReport& b, const std::string& a_name,
                                   const std::string& b_name) {
  nlohmann::ordered_json out;
  out["a"] = {{"rules", a_name}, {"report", report_json(a)}};
  out["b"] = {{"rules", b_name}, {"report", report_json(b)}};
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (const Row& row : aligned(a, b)) {
    nlohmann::ordered_json item;
    item["figure"] = row.name;
    Unit unit = row.a ? row.a->unit : row.b->unit;
    item["unit"] = unit == Unit::kCount ? "count" : unit == Unit::kPercent ? "percent" : "seconds";
    auto value = [&](const std::optional<Figure>& f) -> nlohmann::ordered_json {
      if (!f) return nullptr;
      return f->unit == Unit::kPercent ? nlohmann::ordered_json(round1(f->value))
                                       : nlohmann::ordered_json(static_cast<long long>(f->value));
    };
    item["a"] = value(row.a);
    item["b"] = value(row.b);
    item["difference"] = row.a && row.b ? value(Figure{"", unit, row.b->value - row.a->value}) : nullptr;
    rows.push_back(item);
  }
  out["figures"] = rows;
  nlohmann::ordered_json warnings = nlohmann::ordered_json::array();
  for (const UndrivenState& u : a.undriven) warnings.push_back("A: " + undriven_warning(u));
  for (const UndrivenState& u : b.undriven) warnings.push_back("B: " + undriven_warning(u));
  out["warnings"] = warnings;
  return out.dump(2) + "\n";
}

}  // namespace docket::designer
