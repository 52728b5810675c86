// What a `classify` decides for a ticket, without changing it: the engine
// applies the result (engine/runtime/runner.cpp), `docket conform` compares it
// with the value another system recorded (conform/conformance.cpp).
#pragma once

#include <cstdint>
#include <string>

#include "engine/model/expr.h"
#include "engine/model/workflow.h"

namespace docket::engine {

struct Classified {
  // The ordinal in the target's domain (a priority, a category, an enum
  // value of the field); kNoIndex when the classification gives none.
  std::uint32_t result = kNoIndex;
  // The ordered rule that matched; unset (line 0) for a decision table.
  RulePosition rule;
  // How: "impact x urgency: 2, 1" for a table cell, "when vip" or
  // "otherwise" for a rule.
  std::string detail;
  // Why there is no result, to follow "classify priority: ": "`impact` has
  // no value", "no table cell for impact x urgency: 4, 1", "no rule
  // matched (missing value of `amount`)".
  std::string error;
};

// Decides `classification` on `ticket` at `now` (what the rules' conditions
// read as `now`). Never fails: a missing value is a Classified without result.
Classified classify(const Workflow& workflow, const Classification& classification, const TicketView& ticket,
                    std::int64_t now);

// The name of `result` in the target's domain: `P1`, a category's name, the
// field's enum value. REQUIRES: result is in range.
const std::string& classified_name(const Workflow& workflow, const Classification& classification,
                                   std::uint32_t result);

}  // namespace docket::engine
