// Tickets taken from the shipped examples at chosen moments, and the
// shipped rules edited, for the snapshot and migration tests.

#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "tests/scenarios/scenario.h"
#include "tests/support/engine_harness.h"

namespace docket::engine::testing {

inline const char* const kAfterSales = "rules/after_sales.docket";
inline const char* const kComplaints = "rules/complaint_handling.docket";

inline std::string read_source(const std::string& relative) {
  std::ifstream in(source_path(relative));
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_FALSE(text.str().empty()) << "cannot read " << relative;
  return text.str();
}

// The shipped after-sales rules changed by `edit`, compiled.
inline std::shared_ptr<const Workflow> after_sales_variant(const std::function<std::string(std::string)>& edit) {
  return compile_rules(edit(read_source(kAfterSales)), "after_sales.docket");
}

// A copy of the first ticket of `example` (played against `rules`) that
// satisfies `wanted` after some event.
inline Ticket first_ticket(const std::string& rules, const std::string& example,
                           const std::function<bool(const Ticket&)>& wanted) {
  Replay replay(rules);
  Ticket found;
  bool stopped = replay.play_each(example, [&](const EventLine&, const Outcome* applied) {
    if (applied == nullptr) return false;
    for (std::size_t i = 0; i < replay.engine.ticket_count(); ++i) {
      if (wanted(replay.engine.ticket_at(i))) {
        found = replay.engine.ticket_at(i);
        return true;
      }
    }
    return false;
  });
  EXPECT_TRUE(stopped) << "no ticket of " << example << " as wanted";
  return found;
}

inline Ticket in_state(const std::string& rules, const std::string& example, const std::string& state) {
  return first_ticket(rules, example, [&](const Ticket& ticket) { return ticket.state_name() == state; });
}

// AS-101 (examples/after_sales/01) when it is closed, survey answered.
inline Ticket closed_product_fault() {
  return in_state(kAfterSales, "after_sales/01_product_fault_p0.jsonl", "closed");
}

// CP-401 (examples/complaint_handling/04) with the first of its two
// approval levels signed.
inline Ticket half_approved_complaint() {
  return first_ticket(kComplaints, "complaint_handling/04_pricing_important_customer.jsonl",
                      [](const Ticket& ticket) { return ticket.approval && !ticket.approval->votes.empty(); });
}

// The journals of `examples` (paths under examples/), each replayed against
// `rules` on its own engine with the clock run on to `until`, one after the
// other (each ticket's records stay in order). `workflow`, when given, gets
// the compiled rules.
inline std::vector<Record> example_journals(const std::string& rules, const std::vector<std::string>& examples,
                                            std::int64_t until, std::shared_ptr<const Workflow>* workflow = nullptr) {
  std::vector<Record> all;
  for (const std::string& example : examples) {
    Replay replay(rules);
    replay.play(example);
    replay.advance_to(until);
    all.insert(all.end(), replay.journal.records().begin(), replay.journal.records().end());
    if (workflow != nullptr) *workflow = replay.workflow;
  }
  return all;
}

}  // namespace docket::engine::testing
