// The human-readable form of a journal record: one line each, for consoles
// and for people reading along while a run goes by. It shows the same facts
// as the JSON line (engine/codec/journal_json.h), shortened: the rule without its
// column, the workflow and version left out (they are the same for a ticket's
// whole life).
//
//   2026-11-23 09:05:00Z #12 T-1001 registering -> classifying on registered by alice [intake_specialist]
//     (rules/after_sales.docket:187) set problem_confirmed=true (was false); notify customer "x"
//   2026-11-23 10:30:00Z #14 T-1001 timer in registering (rules/after_sales.docket:171) notify ...
//   2026-11-23 09:30:00Z #20 T-1001 WARNING first_response 50% of 1h under P0 in dispatched (...)
//   2026-11-23 10:00:00Z #22 T-1001 BREACH first_response 1h under P0 in dispatched (...) escalate to dept_head
//   2026-10-01 04:00:00Z #30 T-1001 MIGRATED open -> open to version 3f2a... by ops set version=...; rebased
//     decide 50% due 2026-10-13 05:45:00Z -> 2026-10-14 05:45:00Z (notice cn_2026)
//   2026-11-23 09:06:00Z #13 T-1001 REJECTED registered in registering by bob [engineer] (...): `bob` lacks
//     the role for `registered` in `registering`: needs one of intake_specialist; not applied: ...
//
// (each shown wrapped; a line never contains a newline: control characters in
// texts are escaped as in JSON). The layout is for people and may change;
// tools read the JSON lines.

#pragma once

#include <string>

#include "engine/runtime/journal.h"

namespace docket::engine {

std::string format_record_line(const Record& record);

// One deadline a migration moved, as the record line shows it:
// "rebased decide 50% due 2026-10-13 05:45:00Z -> 2026-10-14 05:45:00Z (notice cn_2026)".
std::string format_rebasing(const Rebasing& rebasing);

}  // namespace docket::engine
