// A ticket: one case moving through one version of a workflow.
//
// The Engine (engine/runtime/engine.h) owns tickets and is the only writer; callers
// read them through Engine::find(). A Ticket is a plain value: the engine
// works on a copy while an event runs and keeps the copy only if the event
// is accepted, so a rejected event leaves the ticket exactly as it was.
//
// Field values live in a vector indexed by FieldIndex and the built-in
// attributes in an array indexed by Attribute, which is exactly what rule
// expressions read (view()): evaluating a guard builds nothing.

#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model/event.h"
#include "engine/model/expr.h"
#include "engine/model/result.h"
#include "engine/model/value.h"
#include "engine/model/workflow.h"

namespace docket::engine {

// "Not scheduled": a due time that never comes.
inline constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

// Who works on the ticket: a department, a role in it, or both.
struct Assignment {
  DepartmentIndex department = kNoIndex;
  RoleIndex role = kNoIndex;

  bool empty() const { return department == kNoIndex && role == kNoIndex; }
  friend bool operator==(const Assignment&, const Assignment&) = default;
};

// A stretch of time [from, to), epoch seconds.
struct TimeSpan {
  std::int64_t from = 0;
  std::int64_t to = 0;
  friend bool operator==(const TimeSpan&, const TimeSpan&) = default;
};

// One SLA metric's clock. It measures time whether or not the ticket has a
// priority yet: the priority only decides the limit (and its calendar) that
// the measured time is compared with. The time is kept as the stretches the
// clock ran, so it can be re-measured in any calendar (a priority change can
// switch between business and wall-clock limits) with pauses honoured.
struct SlaClock {
  enum class Status : std::uint8_t {
    kIdle,     // not started (the metric starts with an explicit `start`)
    kRunning,  // counting since running_since
    kPaused,   // in a state that pauses it, or after `pause M`
    kStopped,  // `stop M` or a final state; the outcome is final
  };
  Status status = Status::kIdle;
  std::vector<TimeSpan> counted;   // closed stretches it ran, oldest first
  std::int64_t running_since = 0;  // kRunning: start of the open stretch
  std::int64_t changed_at = 0;     // when the status last changed
  // How many thresholds (marks) of the current priority's limit for this
  // metric have been reached; the engine's SlaPlan lists them in order.
  std::uint32_t next_mark = 0;
  bool breached = false;      // it ran past a limit at some point
  std::int64_t due = kNever;  // when the next mark is due (kRunning only)
  // `extend M by ...`: how often, and by how much in all (working days of
  // the limit's calendar, or measured seconds).
  std::uint32_t extensions = 0;
  std::int64_t extended_workdays = 0;
  std::int64_t extended_seconds = 0;

  friend bool operator==(const SlaClock&, const SlaClock&) = default;
};

const char* to_string(SlaClock::Status status);  // "idle", "running", "paused", "stopped"

// An `after` / `every` timer of the current state, armed on entry.
struct ArmedTimer {
  TimerIndex timer = kNoIndex;
  std::int64_t due = kNever;
  friend bool operator==(const ArmedTimer&, const ArmedTimer&) = default;
};

struct ApprovalVote {
  std::string approver;  // the actor id
  std::uint32_t level = 0;
  RoleIndex role = kNoIndex;  // the level role the vote counts for
  friend bool operator==(const ApprovalVote&, const ApprovalVote&) = default;
};

// The approval running in an `await approval` state.
struct ApprovalProgress {
  ChainIndex chain = kNoIndex;      // kNoIndex: `none`, no approval required
  std::uint32_t choice = kNoIndex;  // the ApprovalChoice that picked it
  std::uint32_t level = 0;          // the level waiting for votes
  std::string requester;            // the proposer: may not vote (four-eyes), see engine.h
  std::vector<ApprovalVote> votes;  // every level, in order
  std::int64_t level_started_at = 0;
  std::int64_t deadline = kNever;  // the level's `within` limit; kNever: none or expired

  friend bool operator==(const ApprovalProgress&, const ApprovalProgress&) = default;
};

// The plan a transition marked `as proposer` handed on for approval: who
// proposed it, and everyone who fired a transition of the ticket or voted on
// it since (the proposer first), see engine.h. A later `as proposer`
// transition replaces it.
struct Proposal {
  std::string proposer;
  std::vector<std::string> participants;

  friend bool operator==(const Proposal&, const Proposal&) = default;
};

struct Ticket {
  std::string id;
  std::shared_ptr<const Workflow> workflow;  // the version it started on, for its whole life
  StateIndex state = kNoIndex;
  std::int64_t created_at = 0;
  std::int64_t entered_at = 0;  // when the current state was entered
  // The time of the latest event or timer that changed the ticket. Events
  // with an earlier time are rejected as out of order.
  std::int64_t updated_at = 0;
  // Events accepted since creation, the `create` included
  // (EngineOptions::max_events_per_ticket).
  std::uint64_t events = 0;

  std::vector<Value> fields;                      // by FieldIndex; unset: no value
  std::array<Value, kAttributeCount> attributes;  // by Attribute
  std::vector<DepartmentIndex> departments;       // from `route`, in route order
  Assignment assignee;                            // from `assign` / `route`
  std::vector<SlaClock> clocks;                   // by MetricIndex
  std::vector<ArmedTimer> timers;                 // of the current state
  std::optional<ApprovalProgress> approval;       // in an `await approval` state
  std::optional<Proposal> proposal;               // since the last `as proposer` transition

  // What rule expressions read.
  TicketView view() const { return TicketView{fields, attributes}; }

  std::optional<PriorityIndex> priority() const;
  std::optional<CategoryIndex> category() const;
  const std::string& state_name() const;
  // The creator's actor id (the `requester` attribute).
  const std::string& requester() const;
  // Null when the workflow has no field of that name.
  const Value* field(std::string_view name) const;
  // The value as the rules write it: `angry`, `P0`, `"text"`, `12.5`; "" when
  // unset or unknown.
  std::string format(std::string_view field_name) const;

  friend bool operator==(const Ticket&, const Ticket&) = default;
};

// "tech.engineer", "tech", "engineer"; "" when empty. The `assignee`
// attribute holds this text.
std::string assignment_text(const Workflow& workflow, const Assignment& assignment);

// "ticket `T-1`: ", how messages about one ticket begin (the id escaped as
// in JSON, between backquotes); "ticket snapshot: " when the id is empty.
std::string message_prefix(std::string_view ticket_id);

// Whether `ticket` fits its workflow as the engine keeps tickets: a
// workflow set, every index in range and every vector of its size. ""
// when it does, otherwise what is wrong ("field 3 holds an enum of
// field 5"). Does not check values against ranges or requires.
std::string shape_error(const Ticket& ticket);

// Converts received data for field `field` into the value to store, or says
// why it does not fit, naming the field: "`overall` expects int, got
// \"five\"". Checks the type, the enum values and the declared range; null
// clears the field unless it is required.
// REQUIRES: field < workflow.fields().size().
Result<Value> field_value(const Workflow& workflow, FieldIndex field, const FieldInput& input);

// nullopt when `value` lies in the field's declared range (or it has none, or
// the value is unset); otherwise "`overall` = 7 is out of range 1..5".
std::optional<std::string> range_violation(const Workflow& workflow, FieldIndex field, const Value& value);

}  // namespace docket::engine
