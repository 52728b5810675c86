// Invariants of the engine under random event streams, for every shipped
// rule file (tests/support/random_events.h generates the streams).
//
// After every event, on the tickets it touched (the event's own, and any
// whose timers or SLA thresholds fired before it), and every few thousand
// events on all tickets:
// - a ticket is in exactly one state: a valid state index whose name is its
//   `state` attribute, timers armed only for that state, an approval only in
//   an `await approval` state; a final state has no running SLA clock, no
//   armed timer and no approval in progress;
// - SLA clocks never run backwards: the time measured (closed stretches plus
//   the running one up to the engine's time) never decreases, stretches are
//   only appended, a stopped clock stays stopped with its time, a breach is
//   never forgotten, and the next mark never goes back under one priority;
// - a refused event changes nothing: the ticket is the very same value, no
//   ticket appears, exactly one kRejection record is written; an event meant
//   to be refused (Intent) is refused; a repeated idempotency key is answered
//   with the first delivery's outcome and writes nothing;
// - every record the rules caused cites the rule that decided, and every
//   effect of an action written in the rules cites its position (only what
//   the engine does to a clock on its own has none);
// - the journal's seq numbers are consecutive, and every record passes
//   JournalAudit::check (it is an edge of the state graph, enabled at that
//   moment, by an actor holding its roles).
// At the end, with the stream written through a SqliteStore: an engine
// recovered from the store holds byte-identical tickets (encode_ticket) and
// answers every idempotency key the engine kept as the original did; the
// store's journal has a row per record, in order, whose line decodes to the
// record the engine wrote and encodes to the same bytes again (every line
// for the first seed of a file; every eighth, and the first of each kind and
// cause, for the others); and both engines, advanced a few more days, write
// the same records and end with the same tickets.
// Each case also expects the stream to have reached every state, moved
// tickets (a fifth of the plausible events accepted), closed some and
// breached some SLA limits, so that a generator gone blind fails.
//
// A failure names the rule file, the seed and the index of the event, so
// the case reruns exactly (the stream depends on nothing else).

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "engine/audit/journal_audit.h"
#include "engine/codec/journal_json.h"
#include "engine/codec/ticket_codec.h"
#include "engine/runtime/engine.h"
#include "engine/runtime/journal.h"
#include "engine/runtime/ticket.h"
#include "engine/store/recovery.h"
#include "engine/store/sqlite_store.h"
#include "tests/support/engine_harness.h"
#include "tests/support/event_streams.h"
#include "tests/support/random_events.h"
#include "tests/support/stored_rules.h"
#include "tests/support/test_scale.h"

namespace docket::engine {
namespace {

using docket::testing::Intent;
using docket::testing::RandomEvent;
using docket::testing::RandomEventOptions;
using docket::testing::RandomEventStream;
using docket::testing::TempDir;

// Four seeds: 100,000 events per shipped rule file (fewer under the sanitizers).
constexpr std::uint64_t kSeedsPerFile = 4;
constexpr std::size_t kEventsPerCase = docket::testing::scaled(25'000, 3'000);
// Decoding lines is the costliest check, so only the first seed of each file
// decodes every line of the journal again; the others decode every eighth
// line, and the first record of each kind and cause.
constexpr std::uint64_t kDecodeSample = 8;
constexpr std::size_t kSweepEvery = 2'500;  // events between checks of every ticket
constexpr std::int64_t kTailSeconds = 5 * testing::kDay;

// Passes every unit on to the store and keeps its records until the checks
// have read them.
class TeeJournal final : public JournalSink {
 public:
  explicit TeeJournal(Store& store) : store_(store) {}

  Status write(std::span<const Record> records) override { return keep(store_.write(records), records); }
  Status commit(const Unit& unit) override { return keep(store_.commit(unit), unit.records); }

  // The records written since the last call, in seq order.
  std::vector<Record> take() { return std::exchange(pending_, {}); }

 private:
  Status keep(Status status, std::span<const Record> records) {
    if (status.ok()) pending_.insert(pending_.end(), records.begin(), records.end());
    return status;
  }

  Store& store_;
  std::vector<Record> pending_;
};

// What one SLA clock looked like when last observed.
struct ClockSeen {
  std::optional<PriorityIndex> priority;
  SlaClock::Status status = SlaClock::Status::kIdle;
  std::int64_t measured = 0;
  std::size_t stretches = 0;
  TimeSpan last_stretch;
  std::uint32_t next_mark = 0;
  bool breached = false;
};

// The first outcome of an idempotency key, as a later delivery must see it.
struct KeptOutcome {
  bool accepted = false;
  std::string reason;
  std::uint64_t first_seq = 0;
  std::uint64_t last_seq = 0;
  std::string state;
};

KeptOutcome kept(const Outcome& outcome) {
  return {outcome.accepted, outcome.reason, outcome.first_seq, outcome.last_seq, outcome.state};
}

bool same_outcome(const KeptOutcome& first, const Outcome& again) {
  return first.accepted == again.accepted && first.reason == again.reason && first.first_seq == again.first_seq &&
         first.last_seq == again.last_seq && first.state == again.state;
}

std::string describe(const KeptOutcome& outcome) {
  std::ostringstream text;
  text << (outcome.accepted ? "accepted" : "refused (" + outcome.reason + ")") << ", seq " << outcome.first_seq << ".."
       << outcome.last_seq << ", state `" << outcome.state << "`";
  return text.str();
}

// Wall-clock seconds the clock has run up to `now`.
std::int64_t measured(const SlaClock& clock, std::int64_t now) {
  std::int64_t total = 0;
  for (const TimeSpan& stretch : clock.counted) total += stretch.to - stretch.from;
  if (clock.status == SlaClock::Status::kRunning) total += now - clock.running_since;
  return total;
}

struct Figures {
  std::size_t events = 0;
  std::size_t accepted = 0;
  std::size_t refused = 0;
  std::size_t duplicates = 0;
  std::size_t plausible = 0;           // kPlausible and kVote events
  std::size_t plausible_accepted = 0;  // of those
  std::size_t records = 0;
  std::size_t breaches = 0;
  std::size_t warnings = 0;
  std::size_t escalations = 0;
  std::size_t timer_records = 0;
  std::size_t closed = 0;
  std::size_t decoded = 0;  // lines decoded again
};

class InvariantRun {
 public:
  InvariantRun(std::string rules_file, std::uint64_t seed, bool decode_every_line)
      : rules_file_(std::move(rules_file)),
        seed_(seed),
        decode_every_line_(decode_every_line),
        clock_(testing::kMonday) {}

  void run(std::size_t events) {
    workflow_ = testing::shipped_rules(rules_file_);
    ASSERT_NE(workflow_, nullptr);
    SqliteStoreOptions options;
    options.durability = SqliteStoreOptions::Durability::kNormal;
    options.batch_units = 1000;
    auto opened = SqliteStore::open(dir_.file("tickets.db"), options);
    ASSERT_TRUE(opened.ok()) << opened.error();
    store_ = std::move(opened).value();
    tee_ = std::make_unique<TeeJournal>(*store_);
    engine_ = std::make_unique<Engine>(clock_, *tee_);
    ASSERT_TRUE(engine_->install(workflow_).ok());
    audit_ = std::make_unique<JournalAudit>([this](std::string_view id) {
      return id == workflow_->version_id() ? workflow_ : std::shared_ptr<const Workflow>();
    });

    auto started = std::chrono::steady_clock::now();
    RandomEventStream stream(workflow_, RandomEventOptions{.seed = seed_, .start = testing::kMonday});
    for (index_ = 0; index_ < events; ++index_) {
      RandomEvent next = stream.next(*engine_);
      current_ = &next;
      if (!step(next)) return;
      if ((index_ + 1) % kSweepEvery == 0 && !sweep()) return;
    }
    current_ = nullptr;
    if (!sweep()) return;
    figures_.events = events;
    if (!finish()) return;
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    // Whether a stream reaches every state is a question of its length: the
    // full-size streams must; the shorter ones of the sanitizer build need not.
    for (const State& state : workflow_->states()) {
      if (state.kind == StateKind::kInitial || docket::testing::kSanitized) continue;
      EXPECT_TRUE(reached_.contains(state.name))
          << rules_file_ << " seed " << seed_ << ": no event of the stream reached state `" << state.name << "`";
    }
    for (std::size_t i = 0; i < engine_->ticket_count(); ++i) {
      if (workflow_->is_final(engine_->ticket_at(i).state)) ++figures_.closed;
    }
    std::printf(
        "[ invariants ] %s seed %llu: %zu events (%zu accepted, %zu refused, %zu duplicates; plausible %zu, "
        "%zu accepted), %zu records (%zu timer, %zu warnings, %zu escalations, %zu breaches; %zu decoded), %zu tickets "
        "(%zu closed), %zu states reached; %.1f s, %.0f events/s\n",
        rules_file_.c_str(), static_cast<unsigned long long>(seed_), figures_.events, figures_.accepted,
        figures_.refused, figures_.duplicates, figures_.plausible, figures_.plausible_accepted, figures_.records,
        figures_.timer_records, figures_.warnings, figures_.escalations, figures_.breaches, figures_.decoded,
        engine_->ticket_count(), figures_.closed, reached_.size(), seconds, static_cast<double>(events) / seconds);
    std::fflush(stdout);
    // A stream that moves no ticket would check nothing. The variants guard
    // more (ecommerce's return window refuses one plausible event in five).
    EXPECT_GT(figures_.plausible_accepted, figures_.plausible / 8) << "the stream hardly moves any ticket";
    EXPECT_GT(figures_.breaches, 0u);
    EXPECT_GT(figures_.closed, 0u);
  }

 private:
  // ------------------------------------------------------------ reporting

  // "after_sales.docket seed 3, event #1234 (plausible `registered` on T-12 at ...)".
  std::string where() const {
    std::ostringstream text;
    text << rules_file_ << " seed " << seed_;
    if (current_ == nullptr) return text.str() + ", after the stream";
    const Event& event = current_->event;
    text << ", event #" << index_ << " (" << docket::testing::to_string(current_->intent) << " `" << event.event
         << "` on " << event.ticket << " at " << format_timestamp(event.at.value_or(0)) << " by `" << event.actor.id
         << "`";
    if (event.idempotency_key) text << ", key " << *event.idempotency_key;
    text << ")";
    return text.str();
  }

  bool fail(const std::string& what) {
    ADD_FAILURE() << where() << ": " << what;
    return false;
  }

  // ------------------------------------------------------------ one event

  bool step(const RandomEvent& next) {
    const Event& event = next.event;
    std::int64_t at = *event.at;
    // Whatever falls due before the event fires first, on its own, so that
    // what the event itself did can be told apart.
    if (at > engine_->now()) {
      Result<std::size_t> fired = engine_->advance_to(at);
      if (!fired) return fail("advancing to the event: " + fired.error());
      if (!read_records() || !check_touched()) return false;
    }

    const Ticket* found = engine_->find(event.ticket);
    std::optional<Ticket> before;
    if (found != nullptr) before = *found;
    std::size_t tickets_before = engine_->ticket_count();
    std::uint64_t seq_before = engine_->last_seq();
    std::optional<KeptOutcome> remembered;
    if (event.idempotency_key) {
      auto it = keys_.find({event.ticket, *event.idempotency_key});
      if (it != keys_.end()) remembered = it->second;
    }

    Result<Outcome> applied = engine_->apply(event);
    if (!applied) return fail("the journal refused: " + applied.error());
    const Outcome& outcome = applied.value();
    if (!outcome.follow_up_error.empty()) return fail("follow-up: " + outcome.follow_up_error);
    std::vector<Record> written = tee_->take();
    bool plausible = next.intent == Intent::kPlausible || next.intent == Intent::kVote;
    figures_.plausible += plausible ? 1 : 0;

    if (remembered.has_value() != outcome.duplicate) {
      return fail(remembered ? "the key was used before (" + describe(*remembered) + ") but the event was applied"
                             : std::string("answered as a duplicate of a key this ticket never kept"));
    }
    if (outcome.duplicate) {
      ++figures_.duplicates;
      if (!same_outcome(*remembered, outcome)) {
        return fail("a duplicate got " + describe(kept(outcome)) + ", the first delivery " + describe(*remembered));
      }
      if (!written.empty() || engine_->last_seq() != seq_before) return fail("a duplicate wrote records");
      return unchanged(before, tickets_before, "a duplicate");
    }

    if (!outcome.accepted) {
      ++figures_.refused;
      if (outcome.first_seq != seq_before + 1 || outcome.last_seq != seq_before + 1 ||
          engine_->last_seq() != seq_before + 1 || written.size() != 1) {
        return fail("a refusal wrote " + std::to_string(written.size()) + " records (outcome seq " +
                    std::to_string(outcome.first_seq) + ".." + std::to_string(outcome.last_seq) + ", journal " +
                    std::to_string(seq_before) + " -> " + std::to_string(engine_->last_seq()) + ")");
      }
      const Record& record = written.front();
      if (record.kind != RecordKind::kRejection || !record.rejected || record.ticket != event.ticket ||
          record.reason != outcome.reason || record.event != event.event) {
        return fail("a refusal wrote a " + std::string(to_string(record.kind)) + " record for `" + record.ticket +
                    "` on `" + record.event + "`: " + encode_record(record));
      }
      // A refused event counts toward the ticket's limit of events, and changes nothing else.
      std::optional<Ticket> counted = before;
      if (counted) ++counted->events;
      if (!unchanged(counted, tickets_before, "a refused event")) return false;
    } else {
      ++figures_.accepted;
      figures_.plausible_accepted += plausible ? 1 : 0;
      if (docket::testing::must_be_refused(next.intent)) {
        return fail("an event meant to be refused was accepted; it wrote seq " + std::to_string(outcome.first_seq) +
                    ".." + std::to_string(outcome.last_seq));
      }
      const Ticket* after = engine_->find(event.ticket);
      if (after == nullptr) return fail("accepted, but the ticket does not exist");
      if (outcome.state != after->state_name()) {
        return fail("the outcome says state `" + outcome.state + "`, the ticket is in `" + after->state_name() + "`");
      }
      if (outcome.first_seq != seq_before + 1 || outcome.last_seq < outcome.first_seq ||
          outcome.last_seq - seq_before > written.size()) {
        return fail("accepted with records " + std::to_string(outcome.first_seq) + ".." +
                    std::to_string(outcome.last_seq) + " after seq " + std::to_string(seq_before));
      }
      for (std::uint64_t seq = outcome.first_seq; seq <= outcome.last_seq; ++seq) {
        const Record& record = written[seq - seq_before - 1];
        if (record.ticket != event.ticket || record.rejected) {
          return fail("the event's own record seq " + std::to_string(seq) + " is " + encode_record(record));
        }
      }
    }
    if (event.idempotency_key && (outcome.accepted || before.has_value())) {
      keys_.emplace(std::pair{event.ticket, *event.idempotency_key}, kept(outcome));
    }
    touched_.insert(event.ticket);
    if (!read_records(std::move(written))) return false;
    return check_touched();
  }

  // A refused or duplicate event left every ticket as it was.
  bool unchanged(const std::optional<Ticket>& before, std::size_t tickets_before, const std::string& what) {
    if (engine_->ticket_count() != tickets_before) return fail(what + " created a ticket");
    const Ticket* after = engine_->find(current_->event.ticket);
    if (!before) return after == nullptr ? true : fail(what + " created ticket " + current_->event.ticket);
    if (after == nullptr) return fail(what + " removed the ticket");
    if (!(*after == *before)) {
      return fail(what + " changed the ticket:\n  before " + encode_ticket(*before) + "\n  after  " +
                  encode_ticket(*after));
    }
    return true;
  }

  // ------------------------------------------------------------ the journal

  bool read_records() { return read_records(tee_->take()); }

  // What the engine does to a clock on its own, which no rule position
  // names: "pause M on entering S", "resume M on leaving S", "stop M in final
  // state S", "start on creation", "start on the first priority".
  static bool engines_own(const std::string& action) {
    return action.find(" on entering ") != std::string::npos || action.find(" on leaving ") != std::string::npos ||
           action.find(" in final state ") != std::string::npos || action == "start on creation" ||
           action == "start on the first priority";
  }

  bool read_records(std::vector<Record> records) {
    for (const Record& record : records) {
      if (record.seq != next_seq_) {
        return fail("seq " + std::to_string(record.seq) + " follows seq " + std::to_string(next_seq_ - 1));
      }
      ++next_seq_;
      if (std::optional<std::string> problem = audit_->check(record)) return fail("audit: " + *problem);
      // The store's line for it is read back at the end (finish()).
      written_.push_back({record.ticket, record.at, index_});
      bool new_kind = decoded_kinds_.insert({record.kind, record.cause}).second;
      if (new_kind || record.seq % kDecodeSample == 0) kept_.emplace(record.seq, record);

      ++figures_.records;
      switch (record.kind) {
        case RecordKind::kBreach:
          ++figures_.breaches;
          break;
        case RecordKind::kWarning:
          ++figures_.warnings;
          break;
        case RecordKind::kEscalation:
          ++figures_.escalations;
          break;
        case RecordKind::kTimer:
          ++figures_.timer_records;
          break;
        default:
          break;
      }
      if (record.rule.where.empty() && !record.rejected) {
        return fail("a record that the rules caused cites no rule: " + encode_record(record));
      }
      for (const Effect& effect : record.effects) {
        if (effect.rule.where.empty() && !engines_own(effect.action)) {
          return fail("an effect of the rules cites no rule: " + encode_record(record));
        }
      }
      if (!record.rejected && !record.to.empty()) reached_.insert(record.to);
      if (!record.rejected) {
        for (const Change& change : record.changes) {
          if (change.field == "priority") priority_moved_.insert(record.ticket);
        }
      }
      if (!record.ticket.empty()) touched_.insert(record.ticket);
    }
    return true;
  }

  // ------------------------------------------------------------ tickets

  bool check_touched() {
    for (const std::string& id : touched_) {
      const Ticket* ticket = engine_->find(id);
      if (ticket != nullptr && !check_ticket(*ticket)) return false;
    }
    touched_.clear();
    return true;
  }

  bool sweep() {
    for (std::size_t i = 0; i < engine_->ticket_count(); ++i) {
      if (!check_ticket(engine_->ticket_at(i))) return false;
    }
    return true;
  }

  bool check_ticket(const Ticket& ticket) {
    const Workflow& workflow = *workflow_;
    auto who = [&] { return "ticket " + ticket.id + ": "; };
    if (ticket.workflow != workflow_) return fail(who() + "runs on another workflow");
    if (ticket.state >= workflow.states().size()) return fail(who() + "state index " + std::to_string(ticket.state));
    const State& state = workflow.states()[ticket.state];
    if (ticket.state_name().empty() || ticket.state_name() != state.name) {
      return fail(who() + "state name `" + ticket.state_name() + "` for state " + state.name);
    }
    if (!(ticket.attributes[static_cast<std::size_t>(Attribute::kState)] == Value::state(ticket.state))) {
      return fail(who() + "its `state` attribute is not its state `" + state.name + "`");
    }
    for (const ArmedTimer& armed : ticket.timers) {
      if (armed.timer >= workflow.timers().size() || workflow.timers()[armed.timer].state != ticket.state) {
        return fail(who() + "a timer of another state is armed in `" + state.name + "`");
      }
    }
    if (ticket.approval && !state.awaits_approval) {
      return fail(who() + "an approval is in progress in `" + state.name + "`, which awaits none");
    }
    if (workflow.is_final(ticket.state)) {
      if (!ticket.timers.empty()) return fail(who() + "timers armed in final state `" + state.name + "`");
      for (std::size_t m = 0; m < ticket.clocks.size(); ++m) {
        if (ticket.clocks[m].status == SlaClock::Status::kRunning) {
          return fail(who() + "clock `" + workflow.metrics()[m] + "` runs in final state `" + state.name + "`");
        }
      }
    }
    if (ticket.clocks.size() != workflow.metrics().size()) return fail(who() + "wrong number of clocks");
    return check_clocks(ticket);
  }

  bool check_clocks(const Ticket& ticket) {
    std::int64_t now = engine_->now();
    std::vector<ClockSeen>& seen = clocks_[ticket.id];
    bool first = seen.empty();
    // The priority may have changed and changed back since the last look.
    bool priority_moved = priority_moved_.erase(ticket.id) > 0;
    if (first) seen.resize(ticket.clocks.size());
    for (std::size_t m = 0; m < ticket.clocks.size(); ++m) {
      const SlaClock& clock = ticket.clocks[m];
      ClockSeen& last = seen[m];
      auto which = [&] { return "ticket " + ticket.id + ", clock `" + workflow_->metrics()[m] + "`: "; };
      if (clock.status == SlaClock::Status::kRunning && clock.running_since > now) {
        return fail(which() + "running since " + format_timestamp(clock.running_since) + ", after now");
      }
      for (std::size_t i = last.stretches == 0 ? 0 : last.stretches - 1; i < clock.counted.size(); ++i) {
        const TimeSpan& stretch = clock.counted[i];
        if (stretch.to <= stretch.from || (i > 0 && stretch.from < clock.counted[i - 1].to)) {
          return fail(which() + "stretch " + std::to_string(i) + " is not after the one before or empty");
        }
      }
      ClockSeen now_seen{ticket.priority(),
                         clock.status,
                         measured(clock, now),
                         clock.counted.size(),
                         clock.counted.empty() ? TimeSpan{} : clock.counted.back(),
                         clock.next_mark,
                         clock.breached};
      if (!first) {
        if (now_seen.measured < last.measured) {
          return fail(which() + "measured " + std::to_string(now_seen.measured) + " s, less than the " +
                      std::to_string(last.measured) + " s observed before (" + to_string(last.status) + " -> " +
                      to_string(clock.status) + ")");
        }
        if (now_seen.stretches < last.stretches ||
            (last.stretches > 0 && !(clock.counted[last.stretches - 1] == last.last_stretch))) {
          return fail(which() + "stretches it ran were rewritten");
        }
        if (last.status == SlaClock::Status::kStopped &&
            (clock.status != SlaClock::Status::kStopped || now_seen.measured != last.measured ||
             now_seen.next_mark != last.next_mark || now_seen.breached != last.breached)) {
          return fail(which() + "a stopped clock changed: now " + to_string(clock.status) + ", next mark " +
                      std::to_string(now_seen.next_mark) + " (was " + std::to_string(last.next_mark) + ")");
        }
        if (last.breached && !clock.breached) return fail(which() + "a breach was forgotten");
        if (!priority_moved && last.priority == now_seen.priority && now_seen.next_mark < last.next_mark) {
          return fail(which() + "next mark went back from " + std::to_string(last.next_mark) + " to " +
                      std::to_string(now_seen.next_mark) + " under the same priority");
        }
      }
      last = now_seen;
    }
    return true;
  }

  // ------------------------------------------------------------ recovery

  bool finish() {
    Status flushed = store_->flush();
    if (!flushed) return fail("flush: " + flushed.error());

    auto opened = SqliteStore::open(dir_.file("tickets.db"), read_only_options());
    if (!opened) return fail("reopening the store: " + opened.error());
    std::unique_ptr<SqliteStore> reader = std::move(opened).value();
    VirtualClock clock(testing::kMonday);
    MemoryJournal journal;
    Engine recovered(clock, journal);
    Result<Recovered> result = recover(recovered, *reader, docket::testing::compile_stored_version);
    if (!result) return fail("recovery: " + result.error());
    if (result->last_seq != engine_->last_seq())
      return fail("the store ends at seq " + std::to_string(result->last_seq));
    if (!same_tickets(recovered, "after recovery")) return false;

    // Every idempotency key the engine kept, answered from the store's copy.
    for (const auto& [key, first] : keys_) {
      Event again{engine_->now(), key.first, "no_such_event", {"u0", {}}, {}, key.second, {}};
      Result<Outcome> outcome = recovered.apply(again);
      if (!outcome || !outcome->duplicate || !same_outcome(first, outcome.value())) {
        return fail("after recovery, key " + key.second + " of " + key.first + " is not answered as " +
                    describe(first) + (outcome ? "; got " + describe(kept(outcome.value())) : outcome.error()));
      }
    }
    if (!journal.records().empty()) return fail("answering kept keys wrote records");

    // The store's journal holds the engine's records in order; its lines
    // decode to the very records the engine wrote, and encode to the same
    // bytes again.
    std::uint64_t rows = 0;
    Status read = reader->read_journal(1, [&](const JournalRow& row) {
      ++rows;
      std::string which = "journal seq " + std::to_string(row.seq);
      if (row.seq != rows || rows > written_.size())
        return Status::failure(which + " is not row " + std::to_string(rows));
      const Written& expected = written_[rows - 1];
      which += " (written during event #" + std::to_string(expected.event) + ")";
      if (row.ticket != expected.ticket || row.at != expected.at) {
        return Status::failure(which + " is of ticket `" + row.ticket + "` at " + format_timestamp(row.at) +
                               ", the engine wrote one of `" + expected.ticket + "` at " +
                               format_timestamp(expected.at));
      }
      auto kept = kept_.find(row.seq);
      if (!decode_every_line_ && kept == kept_.end()) return Status::success();
      ++figures_.decoded;
      Result<Record> decoded = decode_record(row.body, workflow_.get());
      if (!decoded) return Status::failure(which + " does not decode: " + decoded.error() + "\n  " + row.body);
      std::string again = encode_record(decoded.value());
      if (again != row.body) return Status::failure(which + " re-encodes as\n  " + again + "\n  not\n  " + row.body);
      if (kept != kept_.end() && !(decoded.value() == kept->second)) {
        return Status::failure(which + " decodes to another record than the engine wrote:\n  " +
                               encode_record(kept->second) + "\n  " + row.body);
      }
      return Status::success();
    });
    if (!read) return fail(read.error());
    if (rows != engine_->last_seq()) return fail("the store holds " + std::to_string(rows) + " records");

    // Both go on the same way: timers, approval limits and SLA thresholds
    // were scheduled again exactly as they were.
    std::int64_t until = engine_->now() + kTailSeconds;
    Result<std::size_t> original = engine_->advance_to(until);
    Result<std::size_t> copy = recovered.advance_to(until);
    if (!original || !copy) return fail("advancing after recovery: " + original.error() + copy.error());
    std::vector<Record> tail = tee_->take();
    if (tail.size() != journal.records().size()) {
      return fail("advancing " + format_duration(kTailSeconds) + " wrote " + std::to_string(tail.size()) +
                  " records, the recovered engine " + std::to_string(journal.records().size()));
    }
    for (std::size_t i = 0; i < tail.size(); ++i) {
      if (encode_record(tail[i]) != encode_record(journal.records()[i])) {
        return fail("after recovery the engines differ at seq " + std::to_string(tail[i].seq) + ":\n  " +
                    encode_record(tail[i]) + "\n  " + encode_record(journal.records()[i]));
      }
    }
    if (!read_records(std::move(tail)) || !sweep()) return false;
    return same_tickets(recovered, "after advancing both");
  }

  bool same_tickets(const Engine& recovered, const std::string& when) {
    if (recovered.ticket_count() != engine_->ticket_count()) {
      return fail(when + ": " + std::to_string(recovered.ticket_count()) + " tickets, not " +
                  std::to_string(engine_->ticket_count()));
    }
    for (std::size_t i = 0; i < engine_->ticket_count(); ++i) {
      const Ticket& ticket = engine_->ticket_at(i);
      const Ticket* copy = recovered.find(ticket.id);
      if (copy == nullptr) return fail(when + ": ticket " + ticket.id + " is missing");
      std::string expected = encode_ticket(ticket);
      std::string actual = encode_ticket(*copy);
      if (actual != expected) return fail(when + ": ticket differs:\n  " + expected + "\n  " + actual);
    }
    return true;
  }

  std::string rules_file_;
  std::uint64_t seed_;
  bool decode_every_line_;
  TempDir dir_;
  VirtualClock clock_;
  std::shared_ptr<const Workflow> workflow_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<TeeJournal> tee_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<JournalAudit> audit_;

  std::size_t index_ = 0;
  const RandomEvent* current_ = nullptr;
  std::uint64_t next_seq_ = 1;
  // What the store's journal must hold, by seq - 1, and the records whose
  // lines are decoded again: every eighth, and the first of each kind.
  struct Written {
    std::string ticket;
    std::int64_t at = 0;
    std::size_t event = 0;  // the index of the event being handled when it was written
  };
  std::vector<Written> written_;
  std::map<std::uint64_t, Record> kept_;
  std::set<std::string> touched_;         // tickets changed since they were last checked
  std::set<std::string> priority_moved_;  // tickets whose priority changed since their clocks were checked
  std::map<std::string, std::vector<ClockSeen>> clocks_;
  std::map<std::pair<std::string, std::string>, KeptOutcome> keys_;  // (ticket, key) the engine keeps
  std::set<std::string> reached_;                                    // states entered
  std::set<std::pair<RecordKind, Cause>> decoded_kinds_;
  Figures figures_;
};

// One case: a shipped rule file and a seed of the stream.
struct InvariantCase {
  const char* rules_file;  // under rules/
  const char* name;        // the rule file in the test's name
  std::uint64_t seed;
};

// How gtest shows a case that failed.
void PrintTo(const InvariantCase& param, std::ostream* out) { *out << param.rules_file << " seed " << param.seed; }

std::vector<InvariantCase> every_case() {
  // The industry variants ship too: the same 100,000 events each.
  const std::pair<const char*, const char*> kRuleFiles[] = {
      {"after_sales.docket", "AfterSales"},         {"complaint_handling.docket", "ComplaintHandling"},
      {"industries/ecommerce.docket", "Ecommerce"}, {"industries/home_appliances.docket", "HomeAppliances"},
      {"industries/saas.docket", "Saas"},           {"industries/healthcare.docket", "Healthcare"},
      {"industries/education.docket", "Education"},
  };
  std::vector<InvariantCase> cases;
  for (const auto& [rules_file, name] : kRuleFiles) {
    for (std::uint64_t seed = 1; seed <= kSeedsPerFile; ++seed) cases.push_back({rules_file, name, seed});
  }
  return cases;
}

class InvariantsTest : public ::testing::TestWithParam<InvariantCase> {};

TEST_P(InvariantsTest, HoldAfterEveryEventOfARandomStream) {
  const InvariantCase& param = GetParam();
  InvariantRun run(param.rules_file, param.seed, /*decode_every_line=*/param.seed == 1);
  run.run(kEventsPerCase);
}

// Named after the rule file and the seed: AfterSalesSeed1, ..., EducationSeed4.
INSTANTIATE_TEST_SUITE_P(ShippedRules, InvariantsTest, ::testing::ValuesIn(every_case()),
                         [](const ::testing::TestParamInfo<InvariantCase>& info) {
                           return std::string(info.param.name) + "Seed" + std::to_string(info.param.seed);
                         });

}  // namespace
}  // namespace docket::engine
