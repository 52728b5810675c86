#include "conform/conformance_render.h"

#include <algorithm>
#include <cstdio>

#include "designer/report_render.h"
#include "designer/text_table.h"
#include "engine/codec/json_writer.h"
#include "engine/model/text.h"

namespace docket::conform {

using designer::csv_field;
using designer::Table;

namespace {

std::string count(std::size_t n) { return std::to_string(n); }

// "1 row", "3 rows".
std::string rows_text(std::size_t n) { return count(n) + (n == 1 ? " row" : " rows"); }

// The verb of a count: "has" for 1, "have" otherwise.
const char* verb(std::size_t n, const char* one, const char* many) { return n == 1 ? one : many; }

// "91.2%"; "n/a" without a denominator.
std::string percent(std::size_t part, std::size_t whole) {
  if (whole == 0) return "n/a";
  char text[32];
  std::snprintf(text, sizeof text, "%.1f%%", 100.0 * double(part) / double(whole));
  return text;
}

// "rules/incident.docket:40": `where` names the line already.
std::string rule_text(const engine::RulePosition& rule) { return rule.where; }

std::string path_text(const std::vector<std::string>& path) { return engine::join(path, " > "); }

// An activity log's deviation is an event in a state: "move: `visited` is
// not handled in `analysing`; it handles: analysed", "role: `resolved` in
// `in_progress`: on resolved is by agent; ...".
std::string activity_text(const Deviation& d) {
  std::string text = to_string(d.kind) + std::string(": ");
  std::string state = d.from.empty() ? std::string("the state") : "`" + d.from + "`";
  std::string handles = d.allowed.empty() ? " handles no event" : " handles: " + engine::join(d.allowed, ", ");
  switch (d.kind) {
    case DeviationKind::kMove:
      text += d.detail.find(state) == std::string::npos ? d.detail + " in " + state : d.detail;
      text += "; it" + handles;
      break;
    case DeviationKind::kUnknownActivity:
      text += "\"" + engine::printable(d.logged) + "\" is not in the rules; " + state + handles;
      break;
    default:
      text += "`" + d.to + "` in " + state + ": " + d.detail;
      break;
  }
  if (!d.rule.where.empty()) text += " [" + rule_text(d.rule) + "]";
  return text;
}

// A state log's move reads "from -> to", with why and what the rules allow.
std::string deviation_text(const Deviation& d, bool state_log) {
  bool event_kind = d.kind == DeviationKind::kMove || d.kind == DeviationKind::kGuard ||
                    d.kind == DeviationKind::kRole || d.kind == DeviationKind::kUnknownActivity;
  if (!state_log && event_kind) return activity_text(d);
  std::string text = to_string(d.kind) + std::string(": ");
  switch (d.kind) {
    case DeviationKind::kStart:
      text += "begins in " + d.to;
      break;
    case DeviationKind::kClassification:
    case DeviationKind::kSla:
      text += d.detail;
      return text;
    case DeviationKind::kUnknownState:
    case DeviationKind::kUnknownActivity:
      text += "\"" + engine::printable(d.logged) + "\" is not in the rules";
      break;
    default:
      text += (d.from.empty() ? "?" : d.from) + " -> " + d.to;
      break;
  }
  if (!d.detail.empty() && d.kind != DeviationKind::kUnknownState && d.kind != DeviationKind::kUnknownActivity &&
      d.kind != DeviationKind::kStart) {
    text += " (" + d.detail + ")";
  }
  text += d.allowed.empty() ? "; the rules allow nothing from there" : "; allowed: " + engine::join(d.allowed, ", ");
  if (!d.rule.where.empty()) text += " [" + rule_text(d.rule) + "]";
  return text;
}

void summary(std::string& out, const ConformanceResult& r) {
  out +=
      "conformance of the log to " + r.workflow + (r.state_log ? " (a log of states)\n" : " (a log of activities)\n");
  out += "  log fitness   " + percent(r.fitting_traces, r.traces) + "  " + count(r.fitting_traces) + " of " +
         count(r.traces) + " traces fit\n";
  out += "  move fitness  " + percent(r.allowed_moves, r.moves) + "  " + count(r.allowed_moves) + " of " +
         count(r.moves) + (r.state_log ? " moves allowed\n" : " events allowed\n");
  out += "  rows          " + count(r.quality.rows) + " read, " + count(r.quality.skipped_rows) + " skipped\n";
}

void deviations(std::string& out, const ConformanceResult& r) {
  std::size_t total = 0;
  for (std::size_t n : r.deviations_by_kind) total += n;
  out += "\ndeviations: " + count(total) + "\n";
  if (total == 0) return;
  Table kinds({"kind", "count"});
  for (std::size_t k = 0; k < kDeviationKinds; ++k) {
    if (r.deviations_by_kind[k] > 0)
      kinds.add({to_string(static_cast<DeviationKind>(k)), count(r.deviations_by_kind[k])});
  }
  out += kinds.render("  ");
  Table pairs({"from", "to", "count"});
  bool any = false;
  for (const Edge& edge : r.edges) {
    if (edge.allowed) continue;
    pairs.add({edge.from, edge.to, count(edge.count)});
    any = true;
  }
  if (any) out += "\n  moves the rules do not allow, by state pair:\n" + pairs.render("  ");
}

void classifications(std::string& out, const ConformanceResult& r) {
  for (const ClassificationCheck& check : r.classifications) {
    out += "\n" + check.target + " against column `" + check.column + "`: " + count(check.agreeing) + " of " +
           count(check.checked) + " rows agree (" + percent(check.agreeing, check.checked) + ")";
    if (check.unclassified > 0) out += ", " + count(check.unclassified) + " rows the rules cannot classify";
    out += "\n";
    if (check.disagreements.empty()) continue;
    Table table({"recorded", "the rules give", "rows"});
    for (const auto& [pair, rows] : check.disagreements) {
      table.add({engine::printable(pair.first), pair.second, count(rows)});
    }
    out += table.render("  ");
  }
}

void slas(std::string& out, const ConformanceResult& r) {
  for (const SlaCheck& check : r.slas) {
    out += "\nSLA `" + check.metric + "`: " + count(check.breached) + " of " + count(check.measured) +
           " traces breached (" + percent(check.breached, check.measured) + ")";
    if (check.open > 0) out += ", " + count(check.open) + " still running at their last row";
    out += "\n";
  }
}

void variants(std::string& out, const ConformanceResult& r, std::size_t max_variants) {
  out += "\nvariants: " + count(r.variants.size()) +
         (r.variants.size() > max_variants ? ", the " + count(max_variants) + " most frequent:\n" : "\n");
  Table table({"traces", "fit", "path"});
  for (std::size_t i = 0; i < r.variants.size() && i < max_variants; ++i) {
    const Variant& v = r.variants[i];
    table.add({count(v.traces),
               v.fitting == v.traces ? "yes"
               : v.fitting == 0      ? "no"
                                     : count(v.fitting),
               path_text(v.path)});
  }
  out += table.render("  ");
}

void trace_rows(std::string& out, const TraceResult& trace, bool state_log) {
  out += "\n  " + engine::printable(trace.case_id) + ": " + count(trace.deviations.size()) +
         (trace.deviations.size() == 1 ? " deviation" : " deviations") +
         (trace.order_sensitive ? " (the verdict depends on the ordering)" : "") + "\n";
  // Columns the log does not carry are left out.
  auto any = [&](std::string TraceRow::*member) {
    return std::any_of(trace.rows.begin(), trace.rows.end(),
                       [&](const TraceRow& row) { return !(row.*member).empty(); });
  };
  bool orders = any(&TraceRow::order);
  bool actors = any(&TraceRow::actor);
  std::vector<std::string> header = {"line", "time"};
  if (orders) header.emplace_back("order");
  header.emplace_back("logged");
  if (actors) header.emplace_back("actor");
  header.emplace_back("deviation");
  Table table(header);
  std::size_t next = 0;
  for (std::size_t i = 0; i < trace.rows.size(); ++i) {
    const TraceRow& row = trace.rows[i];
    std::vector<std::string> cells = {count(row.line), engine::printable(row.time)};
    if (orders) cells.push_back(engine::printable(row.order));
    cells.push_back(engine::printable(row.logged));
    if (actors) cells.push_back(engine::printable(row.actor));
    bool first = true;
    while (next < trace.deviations.size() && trace.deviations[next].row == i) {
      std::vector<std::string> line = first ? cells : std::vector<std::string>(cells.size(), "");
      line.push_back(deviation_text(trace.deviations[next++], state_log));
      table.add(line);
      first = false;
    }
    if (first) {
      cells.emplace_back();
      table.add(cells);
    }
  }
  out += table.render("    ");
}

void deviating_traces(std::string& out, const ConformanceResult& r, std::size_t max_traces) {
  if (r.traces_kept == 0) return;
  std::size_t shown = 0;
  out += "\ntraces with deviations: " + count(r.traces - r.fitting_traces) + " do not fit";
  std::size_t findings = 0;
  for (const TraceResult& trace : r.traces_checked) {
    if (trace.fits && !trace.deviations.empty()) ++findings;
  }
  out += findings > 0 ? ", " + count(findings) + " fit but disagree with a classification or breach an SLA\n" : "\n";
  // Those that do not fit first: they are what the auditor asks about.
  for (bool fitting : {false, true}) {
    for (const TraceResult& trace : r.traces_checked) {
      if (trace.rows.empty() || trace.deviations.empty() || trace.fits != fitting) continue;
      if (shown++ == max_traces) {
        out += "\n  ... (--max-traces N, or --format json|csv|html for every trace)\n";
        return;
      }
      trace_rows(out, trace, r.state_log);
    }
  }
}

void quality(std::string& out, const ConformanceResult& r) {
  const DataQuality& q = r.quality;
  std::vector<std::string> warnings;
  if (q.order_sensitive_traces > 0) {
    warnings.push_back(count(q.order_sensitive_traces) +
                       " traces fit or not depending on the ordering: ordered by the order column alone their "
                       "verdict changes (see docs/conformance.md)");
  }
  if (q.order_disagreements > 0) {
    warnings.push_back(rows_text(q.order_disagreements) + ": the order column and the time disagree");
  }
  if (q.duplicate_order_keys > 0)
    warnings.push_back(rows_text(q.duplicate_order_keys) + (q.duplicate_order_keys == 1 ? " repeats" : " repeat") +
                       " an order key of their trace");
  if (q.time_ties > 0) {
    warnings.push_back(rows_text(q.time_ties) + verb(q.time_ties, " has", " have") +
                       " the same time as the row before in its trace" +
                       std::string(" (ties broken by the order column, then the file's order)"));
  }
  if (q.naive_times > 0) {
    warnings.push_back(rows_text(q.naive_times) + verb(q.naive_times, " has a time", " have times") +
                       " without a UTC offset, read as " + q.time_zone + " time (`time_zone` in the mapping)");
  }
  for (const auto& [name, rows] : q.unknown_states) {
    warnings.push_back(rows_text(rows) + (rows == 1 ? " names" : " name") + " the state \"" + engine::printable(name) +
                       "\", which the rules lack");
  }
  for (const auto& [name, rows] : q.unknown_activities) {
    warnings.push_back(rows_text(rows) + (rows == 1 ? " names" : " name") + " the activity \"" +
                       engine::printable(name) + "\", which the rules lack");
  }
  for (const auto& [value, rows] : q.unreadable_values)
    warnings.push_back("cannot read " + value + " (taken as no value)");
  if (q.unjudged_guards > 0) {
    warnings.push_back(count(q.unjudged_guards) +
                       verb(q.unjudged_guards, " guard reads a field the row does not carry; it could not be judged",
                            " guards read a field the row does not carry; they could not be judged") +
                       " and let the move pass");
  }
  if (q.skipped_rows > 0) warnings.push_back(rows_text(q.skipped_rows) + " skipped");
  if (warnings.empty()) return;
  out += "\ndata quality:\n";
  for (const std::string& warning : warnings) out += "  warning: " + warning + "\n";
  for (const std::string& reason : q.skipped) out += "    " + reason + "\n";
}

void write_deviation(engine::JsonWriter& json, const Deviation& d) {
  json.begin_object();
  json.key("kind").string(to_string(d.kind));
  json.key("line").number(d.line);
  json.key("at").string(engine::format_timestamp(d.at));
  json.key("from").string(d.from);
  json.key("logged").string(d.logged);
  json.key("to").string(d.to);
  json.key("allowed").begin_array();
  for (const std::string& name : d.allowed) json.string(name);
  json.end_array();
  json.key("rule").string(rule_text(d.rule));
  json.key("detail").string(d.detail);
  json.end_object();
}

void write_quality(engine::JsonWriter& json, const DataQuality& q) {
  json.begin_object();
  json.key("rows").number(q.rows);
  json.key("skipped_rows").number(q.skipped_rows);
  json.key("skipped").begin_array();
  for (const std::string& reason : q.skipped) json.string(reason);
  json.end_array();
  json.key("naive_times").number(q.naive_times);
  json.key("order_disagreements").number(q.order_disagreements);
  json.key("duplicate_order_keys").number(q.duplicate_order_keys);
  json.key("time_ties").number(q.time_ties);
  json.key("order_sensitive_traces").number(q.order_sensitive_traces);
  json.key("unjudged_guards").number(q.unjudged_guards);
  json.key("time_zone").string(q.time_zone);
  for (const auto& [key, map] :
       {std::pair<const char*, const std::map<std::string, std::size_t>*>{"unknown_states", &q.unknown_states},
        {"unknown_activities", &q.unknown_activities},
        {"unreadable_values", &q.unreadable_values}}) {
    json.key(std::string(key)).begin_object();
    for (const auto& [name, rows] : *map) json.key(name).number(rows);
    json.end_object();
  }
  json.end_object();
}

}  // namespace

std::string render_text(const ConformanceResult& result, std::size_t max_traces, std::size_t max_variants) {
  std::string out;
  summary(out, result);
  deviations(out, result);
  classifications(out, result);
  slas(out, result);
  variants(out, result, max_variants);
  deviating_traces(out, result, max_traces);
  quality(out, result);
  return out;
}

std::string render_json(const ConformanceResult& r) {
  std::string out;
  engine::JsonWriter json(out);
  json.begin_object();
  json.key("workflow").string(r.workflow);
  json.key("log").string(r.state_log ? "states" : "activities");
  json.key("log_fitness").number(r.log_fitness());
  json.key("move_fitness").number(r.move_fitness());
  json.key("traces").number(r.traces);
  json.key("fitting_traces").number(r.fitting_traces);
  json.key("moves").number(r.moves);
  json.key("allowed_moves").number(r.allowed_moves);
  json.key("deviations_by_kind").begin_object();
  for (std::size_t k = 0; k < kDeviationKinds; ++k) {
    json.key(std::string(to_string(static_cast<DeviationKind>(k)))).number(r.deviations_by_kind[k]);
  }
  json.end_object();
  json.key("edges").begin_array();
  for (const Edge& e : r.edges) {
    json.begin_object().key("from").string(e.from).key("to").string(e.to).key("count").number(e.count);
    json.key("allowed").boolean(e.allowed).end_object();
  }
  json.end_array();
  json.key("variants").begin_array();
  for (const Variant& v : r.variants) {
    json.begin_object().key("traces").number(v.traces).key("fitting").number(v.fitting);
    json.key("example").string(v.example).key("path").begin_array();
    for (const std::string& state : v.path) json.string(state);
    json.end_array().end_object();
  }
  json.end_array();
  json.key("classifications").begin_array();
  for (const ClassificationCheck& c : r.classifications) {
    json.begin_object().key("target").string(c.target).key("column").string(c.column);
    json.key("checked").number(c.checked).key("agreeing").number(c.agreeing).key("unclassified").number(c.unclassified);
    json.key("disagreements").begin_array();
    for (const auto& [pair, rows] : c.disagreements) {
      json.begin_object().key("recorded").string(pair.first).key("rules").string(pair.second);
      json.key("rows").number(rows).end_object();
    }
    json.end_array().end_object();
  }
  json.end_array();
  json.key("slas").begin_array();
  for (const SlaCheck& c : r.slas) {
    json.begin_object().key("metric").string(c.metric).key("measured").number(c.measured);
    json.key("breached").number(c.breached).key("open").number(c.open).end_object();
  }
  json.end_array();
  json.key("quality");
  write_quality(json, r.quality);
  json.key("trace_results").begin_array();
  for (const TraceResult& t : r.traces_checked) {
    json.begin_object().key("case").string(t.case_id).key("fits").boolean(t.fits);
    json.key("moves").number(t.moves).key("allowed_moves").number(t.allowed_moves);
    json.key("order_sensitive").boolean(t.order_sensitive);
    json.key("classifications_checked").number(t.classifications_checked);
    json.key("classifications_agreeing").number(t.classifications_agreeing);
    json.key("path").begin_array();
    for (const std::string& state : t.path) json.string(state);
    json.end_array();
    json.key("deviations").begin_array();
    for (const Deviation& d : t.deviations) write_deviation(json, d);
    json.end_array();
    if (!t.rows.empty()) {
      json.key("rows").begin_array();
      for (const TraceRow& row : t.rows) {
        json.begin_object().key("line").number(row.line).key("at").string(engine::format_timestamp(row.at));
        json.key("time").string(row.time).key("order").string(row.order).key("logged").string(row.logged);
        json.key("actor").string(row.actor).end_object();
      }
      json.end_array();
    }
    json.end_object();
  }
  json.end_array();
  json.end_object();
  out += "\n";
  return out;
}

std::string render_csv(const ConformanceResult& r, CsvRows rows) {
  std::string out;
  if (rows == CsvRows::kTraces) {
    out = "case,fits,moves,allowed_moves,deviations,order_sensitive,path\n";
    for (const TraceResult& t : r.traces_checked) {
      out += csv_field(t.case_id) + "," + (t.fits ? "true" : "false") + "," + count(t.moves) + "," +
             count(t.allowed_moves) + "," + count(t.deviations.size()) + "," + (t.order_sensitive ? "true" : "false") +
             "," + csv_field(path_text(t.path)) + "\n";
    }
    return out;
  }
  out = "case,line,at,kind,from,logged,to,allowed,rule,detail\n";
  for (const TraceResult& t : r.traces_checked) {
    for (const Deviation& d : t.deviations) {
      out += csv_field(t.case_id) + "," + count(d.line) + "," + engine::format_timestamp(d.at) + "," +
             to_string(d.kind) + "," + csv_field(d.from) + "," + csv_field(d.logged) + "," + csv_field(d.to) + "," +
             csv_field(engine::join(d.allowed, " ")) + "," + csv_field(rule_text(d.rule)) + "," + csv_field(d.detail) +
             "\n";
    }
  }
  return out;
}

}  // namespace docket::conform
