#include "engine/runtime/journal.h"

namespace docket::engine {

const char* to_string(RecordKind kind) {
  switch (kind) {
    case RecordKind::kTransition:
      return "transition";
    case RecordKind::kTimer:
      return "timer";
    case RecordKind::kApproval:
      return "approval";
    case RecordKind::kApprovalTimeout:
      return "approval_timeout";
    case RecordKind::kWarning:
      return "warning";
    case RecordKind::kEscalation:
      return "escalation";
    case RecordKind::kBreach:
      return "breach";
    case RecordKind::kRejection:
      return "rejection";
    case RecordKind::kMigration:
      return "migration";
  }
  return "?";
}

const char* to_string(Cause cause) {
  switch (cause) {
    case Cause::kCreate:
      return "create";
    case Cause::kEvent:
      return "event";
    case Cause::kAutomatic:
      return "automatic";
    case Cause::kTimer:
      return "timer";
    case Cause::kApproval:
      return "approval";
    case Cause::kSla:
      return "sla";
    case Cause::kMigration:
      return "migration";
  }
  return "?";
}

const char* to_string(EffectKind kind) {
  switch (kind) {
    case EffectKind::kSet:
      return "set";
    case EffectKind::kAssign:
      return "assign";
    case EffectKind::kRoute:
      return "route";
    case EffectKind::kNotify:
      return "notify";
    case EffectKind::kEscalate:
      return "escalate";
    case EffectKind::kRaisePriority:
      return "raise_priority";
    case EffectKind::kEmit:
      return "emit";
    case EffectKind::kClassify:
      return "classify";
    case EffectKind::kClock:
      return "clock";
    case EffectKind::kApprovalChain:
      return "approval_chain";
    case EffectKind::kApprovalVote:
      return "approval_vote";
    case EffectKind::kApprovalLevel:
      return "approval_level";
  }
  return "?";
}

namespace {

bool same_position(const RulePosition& a, const RulePosition& b) {
  return a.where == b.where && a.line == b.line && a.column == b.column;
}

}  // namespace

ClockChange parse_clock_change(std::string_view value) {
  auto starts = [value](std::string_view prefix) { return value.substr(0, prefix.size()) == prefix; };
  if (value == "started" || starts("started from ")) return ClockChange::kStarted;
  if (starts("extended by ")) return ClockChange::kExtended;
  if (value == "paused") return ClockChange::kPaused;
  if (value == "resumed") return ClockChange::kResumed;
  if (value == "stopped") return ClockChange::kStopped;
  if (starts("stopped: met, ")) return ClockChange::kStoppedMet;
  if (starts("stopped: breached, ")) return ClockChange::kStoppedBreached;
  if (starts("unchanged: ")) return ClockChange::kUnchanged;
  return ClockChange::kNone;
}

bool operator==(const Effect& a, const Effect& b) {
  return a.kind == b.kind && a.action == b.action && a.target == b.target && a.value == b.value &&
         same_position(a.rule, b.rule) && a.detail == b.detail && a.clock == b.clock;
}

bool operator==(const Rebasing& a, const Rebasing& b) {
  return a.clock == b.clock && same_position(a.timer, b.timer) && a.calendar == b.calendar && a.notices == b.notices &&
         a.due_before == b.due_before && a.due_after == b.due_after && a.percent_before == b.percent_before &&
         a.percent_after == b.percent_after && a.ran == b.ran && a.running_since == b.running_since &&
         a.extended_workdays == b.extended_workdays && a.extended_seconds == b.extended_seconds;
}

bool operator==(const Record& a, const Record& b) {
  return a.seq == b.seq && a.at == b.at && a.ticket == b.ticket && a.workflow == b.workflow && a.version == b.version &&
         a.kind == b.kind && a.cause == b.cause && a.from == b.from && a.to == b.to && a.event == b.event &&
         a.actor == b.actor && a.sent == b.sent && a.data == b.data && same_position(a.rule, b.rule) &&
         a.changes == b.changes && a.effects == b.effects && a.sla == b.sla && a.rebased == b.rebased &&
         a.rejected == b.rejected && a.reason == b.reason && a.reason_code == b.reason_code &&
         a.idempotency_key == b.idempotency_key;
}

Status MemoryJournal::write(std::span<const Record> records) {
  records_.insert(records_.end(), records.begin(), records.end());
  return Status::success();
}

}  // namespace docket::engine
