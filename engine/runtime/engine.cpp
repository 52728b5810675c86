#include "engine/runtime/engine.h"

#include <algorithm>
#include <utility>

#include "engine/runtime/migration.h"
#include "engine/runtime/runner.h"
#include "engine/runtime/sla.h"

namespace docket::engine {

struct Engine::Slot {
  Ticket ticket;
  const Version* version = nullptr;
  std::uint64_t generation = 0;  // schedule entries of older generations are stale
  std::int64_t scheduled = kNever;
  std::map<std::string, Outcome, std::less<>> keys;  // idempotency key -> first outcome
};

bool Engine::Later::operator()(const Scheduled& a, const Scheduled& b) const {
  if (a.due != b.due) return a.due > b.due;
  const std::string& a_id = engine->slots_[a.slot]->ticket.id;
  const std::string& b_id = engine->slots_[b.slot]->ticket.id;
  if (a_id != b_id) return a_id > b_id;
  return a.generation > b.generation;
}

Engine::Engine(const Clock& clock, JournalSink& journal, EngineOptions options)
    : clock_(clock),
      journal_(journal),
      options_(options),
      schedule_(Later{this}),
      now_(clock.now()),
      buffers_(std::make_unique<UnitBuffers>()) {}

Engine::~Engine() = default;

Result<const Version*> Engine::version_of(const std::shared_ptr<const Workflow>& workflow) {
  auto existing = versions_.find(workflow.get());
  if (existing != versions_.end()) return Result<const Version*>::success(existing->second.get());
  // The same version loaded again (from another path, or after a restart)
  // runs as the copy already known, so that all its tickets cite the same
  // rule positions.
  for (const auto& [known, version] : versions_) {
    if (!workflow->version_id().empty() && known->version_id() == workflow->version_id()) {
      return Result<const Version*>::success(version.get());
    }
  }
  Result<std::unique_ptr<Version>> built = Version::build(workflow);
  if (!built) return Result<const Version*>::failure(built.error());
  const Version* version = built.value().get();
  versions_.emplace(workflow.get(), std::move(built).value());
  return Result<const Version*>::success(version);
}

Status Engine::install(std::shared_ptr<const Workflow> workflow) {
  if (!workflow) return Status::failure("no workflow to install");
  Result<const Version*> version = version_of(workflow);
  if (!version) return Status::failure(version.error());
  current_.insert_or_assign(workflow->name(), version.value());
  if (current_.size() == 1) default_name_ = workflow->name();
  return Status::success();
}

Status Engine::restore(Ticket ticket, std::vector<std::pair<std::string, Outcome>> keys) {
  if (!ticket.workflow) return Status::failure("ticket `" + ticket.id + "` has no workflow");
  if (by_id_.contains(ticket.id)) return Status::failure("ticket `" + ticket.id + "` is already open");
  Result<const Version*> version = version_of(ticket.workflow);
  if (!version) return Status::failure(version.error());
  auto index = static_cast<std::uint32_t>(slots_.size());
  auto slot = std::make_unique<Slot>();
  slot->ticket = std::move(ticket);
  slot->version = version.value();
  for (auto& [key, outcome] : keys) slot->keys.insert_or_assign(std::move(key), std::move(outcome));
  by_id_.emplace(slot->ticket.id, index);
  slots_.push_back(std::move(slot));
  reschedule(index);
  return Status::success();
}

Status Engine::refresh(Ticket ticket, std::vector<std::pair<std::string, Outcome>> keys) {
  auto it = by_id_.find(ticket.id);
  if (it == by_id_.end()) return restore(std::move(ticket), std::move(keys));
  if (!ticket.workflow) return Status::failure("ticket `" + ticket.id + "` has no workflow");
  Result<const Version*> version = version_of(ticket.workflow);
  if (!version) return Status::failure(version.error());
  Slot& slot = *slots_[it->second];
  slot.ticket = std::move(ticket);
  slot.version = version.value();
  slot.keys.clear();
  for (auto& [key, outcome] : keys) slot.keys.insert_or_assign(std::move(key), std::move(outcome));
  reschedule(it->second);
  return Status::success();
}

Result<Outcome> Engine::migrate(std::string_view id, Ticket migrated, const Actor& actor) {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return Result<Outcome>::failure("unknown ticket `" + std::string(id) + "`");
  std::uint32_t index = it->second;
  Slot& slot = *slots_[index];
  if (migrated.id != slot.ticket.id || !migrated.workflow ||
      migrated.workflow->name() != slot.ticket.workflow->name()) {
    return Result<Outcome>::failure("ticket `" + std::string(id) + "` can only move to a version of workflow " +
                                    slot.ticket.workflow->name());
  }
  Result<const Version*> version = version_of(migrated.workflow);
  if (!version) return Result<Outcome>::failure(version.error());
  migrated.workflow = version.value()->workflow;

  buffers_->begin_unit();
  Record& record = buffers_->append();
  record.at = std::max(now_, slot.ticket.updated_at);
  record.kind = RecordKind::kMigration;
  record.cause = Cause::kMigration;
  record.from = slot.ticket.state_name();
  record.to = migrated.state_name();
  record.actor = actor;
  Change& change = record.changes.emplace_back();
  change.field = "version";
  change.before = Value::text(slot.ticket.workflow->version_id());
  change.after = Value::text(migrated.workflow->version_id());
  change.before_text = slot.ticket.workflow->format_value(change.before);
  change.after_text = migrated.workflow->format_value(change.after);
  record.rebased = rebasings(slot.ticket, *slot.version, migrated, *version.value());
  migrated.updated_at = record.at;
  std::uint64_t first = next_seq_;
  Status written = write(migrated.workflow, migrated.id, std::nullopt, buffers_->records(), &migrated);
  if (!written) return Result<Outcome>::failure(written.error());
  now_ = std::max(now_, record.at);
  slot.ticket = std::move(migrated);
  slot.version = version.value();
  reschedule(index);
  return Result<Outcome>::success(accepted(slot, first));
}

void Engine::resume(std::uint64_t last_seq, std::int64_t now) {
  next_seq_ = last_seq + 1;
  now_ = std::max(now_, now);
}

const Version* Engine::current(std::string_view name) const {
  auto it = current_.find(name.empty() ? std::string_view(default_name_) : name);
  return it != current_.end() ? it->second : nullptr;
}

std::shared_ptr<const Workflow> Engine::workflow(std::string_view name) const {
  const Version* version = current(name);
  return version != nullptr ? version->workflow : nullptr;
}

const Ticket* Engine::find(std::string_view id) const {
  auto it = by_id_.find(id);
  return it != by_id_.end() ? &slots_[it->second]->ticket : nullptr;
}

const Ticket& Engine::ticket_at(std::size_t index) const { return slots_[index]->ticket; }

Result<std::string> Engine::explain(std::string_view ticket, std::string_view metric,
                                    const ZoneRules* wall_zone) const {
  auto it = by_id_.find(ticket);
  if (it == by_id_.end()) return Result<std::string>::failure("unknown ticket `" + std::string(ticket) + "`");
  const Slot& slot = *slots_[it->second];
  const Workflow& workflow = *slot.ticket.workflow;
  std::optional<MetricIndex> index = workflow.find_metric(metric);
  if (!index) {
    return Result<std::string>::failure("workflow " + workflow.name() + " has no SLA metric `" + std::string(metric) +
                                        "`");
  }
  return Result<std::string>::success(explain_clock(workflow, slot.ticket, slot.version->sla, slot.version->calendars,
                                                    *index, std::max(now_, slot.ticket.updated_at),
                                                    slot.version->origin_fields[*index], wall_zone));
}

// ---------------------------------------------------------------- events

Result<Outcome> Engine::apply(const Event& event) {
  std::int64_t at = event.at.value_or(clock_.now());
  if (event.event == kCreateEvent) return create(event, at);

  auto it = by_id_.find(event.ticket);
  if (it == by_id_.end())
    return reject(event, at, nullptr, {RejectionCode::kUnknownTicket, "unknown ticket `" + event.ticket + "`"});
  std::uint32_t index = it->second;
  if (event.idempotency_key) {
    const Slot& slot = *slots_[index];
    auto seen = slot.keys.find(*event.idempotency_key);
    if (seen != slot.keys.end()) {
      Outcome outcome = seen->second;
      outcome.duplicate = true;
      return Result<Outcome>::success(std::move(outcome));
    }
  }

  Result<std::size_t> advanced = advance_to(at);
  if (!advanced) return Result<Outcome>::failure(advanced.error());
  Slot& slot = *slots_[index];
  if (at < slot.ticket.updated_at) {
    return reject(
        event, at, &slot,
        {RejectionCode::kOutOfOrder, "out of order: the event is at " + format_timestamp(at) +
                                         ", the ticket last changed at " + format_timestamp(slot.ticket.updated_at)});
  }

  if (slot.ticket.events >= options_.max_events_per_ticket) {
    return reject(
        event, at, &slot,
        {RejectionCode::kEventLimit, "ticket `" + slot.ticket.id + "` has taken " + std::to_string(slot.ticket.events) +
                                         " events, the most one ticket may (EngineOptions::max_events_per_ticket)"});
  }

  work_ = slot.ticket;
  Runner runner(*slot.version, options_, work_, *buffers_);
  if (!runner.handle(event, at)) {
    return reject(event, at, &slot, {runner.code(), runner.reason()}, runner.rule(), runner.data_changes());
  }
  work_.updated_at = at;
  ++work_.events;
  std::uint64_t first = next_seq_;
  Status written = write(slot.ticket.workflow, slot.ticket.id, event.idempotency_key, buffers_->records(), &work_);
  if (!written) return Result<Outcome>::failure(written.error());
  std::swap(slot.ticket, work_);
  now_ = std::max(now_, at);
  reschedule(index);

  Outcome outcome = accepted(slot, first);
  if (event.idempotency_key) slot.keys.emplace(*event.idempotency_key, outcome);
  Result<std::size_t> follow_up = advance_to(at);
  if (!follow_up) outcome.follow_up_error = follow_up.error();
  return Result<Outcome>::success(std::move(outcome));
}

Result<Outcome> Engine::create(const Event& event, std::int64_t at) {
  if (event.ticket.empty())
    return reject(event, at, nullptr, {RejectionCode::kNoTicketId, "a new ticket needs an id"}, {}, {}, Cause::kCreate);
  auto existing = by_id_.find(event.ticket);
  if (existing != by_id_.end()) {
    Slot& slot = *slots_[existing->second];
    if (event.idempotency_key) {
      auto seen = slot.keys.find(*event.idempotency_key);
      if (seen != slot.keys.end()) {
        Outcome outcome = seen->second;
        outcome.duplicate = true;
        return Result<Outcome>::success(std::move(outcome));
      }
    }
    return reject(event, at, &slot, {RejectionCode::kTicketExists, "ticket `" + event.ticket + "` already exists"}, {},
                  {}, Cause::kCreate);
  }
  const Version* version = current(event.workflow);
  if (version == nullptr) {
    return reject(
        event, at, nullptr,
        {RejectionCode::kUnknownWorkflow, event.workflow.empty() ? std::string("no workflow is installed")
                                                                 : "no workflow `" + event.workflow + "` is installed"},
        {}, {}, Cause::kCreate);
  }

  Result<std::size_t> advanced = advance_to(at);
  if (!advanced) return Result<Outcome>::failure(advanced.error());

  work_ = Ticket{};
  Runner runner(*version, options_, work_, *buffers_);
  if (!runner.create(event, at)) {
    std::vector<Record> rejection(1);
    Record& record = rejection.front();
    record.at = at;
    record.kind = RecordKind::kRejection;
    record.cause = Cause::kCreate;
    record.event = event.event;
    record.actor = event.actor;
    record.sent = SentData::kRecorded;
    record.data = event.data;
    record.rule = runner.rule();
    record.changes = runner.data_changes();
    record.rejected = true;
    record.reason = runner.reason();
    record.reason_code = runner.code();
    std::uint64_t seq = next_seq_;
    Status written = write(version->workflow, event.ticket, event.idempotency_key, rejection, nullptr);
    if (!written) return Result<Outcome>::failure(written.error());
    Outcome outcome;
    outcome.reason = runner.reason();
    outcome.code = runner.code();
    outcome.first_seq = outcome.last_seq = seq;
    return Result<Outcome>::success(std::move(outcome));
  }
  work_.events = 1;
  std::uint64_t first = next_seq_;
  Status written = write(version->workflow, event.ticket, event.idempotency_key, buffers_->records(), &work_);
  if (!written) return Result<Outcome>::failure(written.error());

  auto index = static_cast<std::uint32_t>(slots_.size());
  auto slot = std::make_unique<Slot>();
  slot->ticket = std::move(work_);
  slot->version = version;
  work_ = Ticket{};
  slots_.push_back(std::move(slot));
  by_id_.emplace(event.ticket, index);
  now_ = std::max(now_, at);
  reschedule(index);

  Slot& created = *slots_[index];
  Outcome outcome = accepted(created, first);
  if (event.idempotency_key) created.keys.emplace(*event.idempotency_key, outcome);
  Result<std::size_t> follow_up = advance_to(at);
  if (!follow_up) outcome.follow_up_error = follow_up.error();
  return Result<Outcome>::success(std::move(outcome));
}

Result<Outcome> Engine::reject(const Event& event, std::int64_t at, Slot* slot, Rejection rejection, RulePosition rule,
                               std::vector<Change> changes, Cause cause) {
  buffers_->begin_unit();
  Record& record = buffers_->append();
  record.at = at;
  record.kind = RecordKind::kRejection;
  record.cause = cause;
  if (slot != nullptr) record.from = slot->ticket.state_name();
  record.event = event.event;
  record.actor = event.actor;
  record.sent = SentData::kRecorded;  // all of it, also what was refused
  record.data = event.data;
  record.rule = std::move(rule);
  record.changes = std::move(changes);
  record.rejected = true;
  record.reason = rejection.reason;
  record.reason_code = rejection.code;
  std::uint64_t seq = next_seq_;
  const Ticket* counted = nullptr;
  if (slot != nullptr) {
    // A refused event counts toward the ticket's limit of events too, so
    // that refusals cannot grow its journal without end.
    work_ = slot->ticket;
    ++work_.events;
    counted = &work_;
  }
  Status written = write(slot != nullptr ? slot->ticket.workflow : std::shared_ptr<const Workflow>(), event.ticket,
                         event.idempotency_key, buffers_->records(), counted);
  if (!written) return Result<Outcome>::failure(written.error());
  if (slot != nullptr) std::swap(slot->ticket, work_);

  Outcome outcome;
  outcome.reason = std::move(rejection.reason);
  outcome.code = rejection.code;
  outcome.first_seq = outcome.last_seq = seq;
  if (slot != nullptr) {
    outcome.state = slot->ticket.state_name();
    if (event.idempotency_key) slot->keys.emplace(*event.idempotency_key, outcome);
  }
  return Result<Outcome>::success(std::move(outcome));
}

Outcome Engine::accepted(const Slot& slot, std::uint64_t first_seq) const {
  Outcome outcome;
  outcome.accepted = true;
  if (next_seq_ > first_seq) {
    outcome.first_seq = first_seq;
    outcome.last_seq = next_seq_ - 1;
  }
  outcome.state = slot.ticket.state_name();
  return outcome;
}

Status Engine::write(const std::shared_ptr<const Workflow>& workflow, std::string_view ticket,
                     const std::optional<std::string>& key, std::span<Record> records, const Ticket* after) {
  // A unit that wrote no record may still have changed the ticket (a timer
  // whose `when` was false disarms itself): the store must keep that too.
  if (records.empty()) {
    if (after == nullptr) return Status::success();
    Status kept = journal_.commit(Unit{records, after});
    return kept ? kept : Status::failure("journal refused the ticket: " + kept.error());
  }
  for (std::size_t i = 0; i < records.size(); ++i) {
    Record& record = records[i];
    record.seq = next_seq_ + i;
    record.ticket.assign(ticket);
    if (workflow) {
      record.workflow = workflow->name();
      record.version = workflow->version_id();
    }
    record.idempotency_key = key;
  }
  Status written = journal_.commit(Unit{records, after});
  if (!written) return Status::failure("journal refused records: " + written.error());
  next_seq_ += records.size();
  return Status::success();
}

// ---------------------------------------------------------------- time

void Engine::reschedule(std::uint32_t index) {
  Slot& slot = *slots_[index];
  std::optional<DueItem> item = earliest_due(slot.ticket);
  std::int64_t due = item ? item->due : kNever;
  if (due == slot.scheduled) return;
  slot.scheduled = due;
  ++slot.generation;
  if (due != kNever) schedule_.push(Scheduled{due, index, slot.generation});
  // Entries made stale by a reschedule leave the queue only when their time
  // comes: a ticket whose timer moves on with every event would leave one
  // behind per event, for as long as the timer's delay.
  if (schedule_.size() > 2 * slots_.size() + kScheduleSlack) compact_schedule();
}

void Engine::compact_schedule() {
  std::vector<Scheduled> live;
  for (std::uint32_t index = 0; index < slots_.size(); ++index) {
    const Slot& slot = *slots_[index];
    if (slot.scheduled != kNever) live.push_back(Scheduled{slot.scheduled, index, slot.generation});
  }
  schedule_ = std::priority_queue<Scheduled, std::vector<Scheduled>, Later>(Later{this}, std::move(live));
}

std::size_t Engine::schedule_entries() const { return schedule_.size(); }

Result<bool> Engine::fire_next(std::int64_t instant) {
  while (!schedule_.empty()) {
    Scheduled top = schedule_.top();
    if (top.due > instant) return Result<bool>::success(false);
    schedule_.pop();
    Slot& slot = *slots_[top.slot];
    if (top.generation != slot.generation) continue;  // stale: rescheduled since
    slot.scheduled = kNever;

    std::int64_t at = std::max(top.due, slot.ticket.updated_at);
    std::optional<DueItem> item = earliest_due(slot.ticket);
    work_ = slot.ticket;
    Runner runner(*slot.version, options_, work_, *buffers_);
    if (!runner.fire_due(at)) {
      Record rejection;
      rejection.at = at;
      rejection.kind = RecordKind::kRejection;
      rejection.cause = item && item->kind == DueItem::Kind::kSla ? Cause::kSla : Cause::kTimer;
      rejection.sent = SentData::kNone;
      rejection.from = slot.ticket.state_name();
      rejection.rule = runner.rule();
      rejection.rejected = true;
      rejection.reason = runner.reason();
      rejection.reason_code = runner.code();
      work_ = slot.ticket;
      Runner skipper(*slot.version, options_, work_, *buffers_);
      skipper.skip_due();
      buffers_->begin_unit();
      buffers_->append() = std::move(rejection);
    }
    work_.updated_at = at;
    Status written = write(slot.ticket.workflow, slot.ticket.id, std::nullopt, buffers_->records(), &work_);
    if (!written) {
      slot.scheduled = top.due;
      ++slot.generation;
      schedule_.push(Scheduled{top.due, top.slot, slot.generation});
      return Result<bool>::failure(written.error());
    }
    std::swap(slot.ticket, work_);
    now_ = std::max(now_, at);
    reschedule(top.slot);
    return Result<bool>::success(true);
  }
  return Result<bool>::success(false);
}

Result<std::size_t> Engine::advance_to(std::int64_t instant) {
  std::size_t fired = 0;
  while (true) {
    Result<bool> next = fire_next(instant);
    if (!next) return Result<std::size_t>::failure(next.error());
    if (!next.value()) break;
    ++fired;
  }
  now_ = std::max(now_, instant);
  return Result<std::size_t>::success(fired);
}

Result<std::size_t> Engine::advance() { return advance_to(clock_.now()); }

std::int64_t Engine::next_due() {
  while (!schedule_.empty()) {
    const Scheduled& top = schedule_.top();
    if (top.generation == slots_[top.slot]->generation) return top.due;
    schedule_.pop();
  }
  return kNever;
}

}  // namespace docket::engine
