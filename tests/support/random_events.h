// Random event streams for property tests: a seeded generator of events
// that keeps many tickets of one workflow busy at once.
//
//   RandomEventStream stream(workflow, {.seed = 7, .start = kMonday});
//   for (int i = 0; i < 25000; ++i) {
//     RandomEvent next = stream.next(engine);   // reads the tickets as they are now
//     engine.apply(next.event);
//   }
//
// Everything is derived from the compiled Workflow (states, the transitions
// leaving them, their roles and guards, the fields with their types, enum
// values and ranges, the approval chains), so the same generator runs any
// rule file. Most events are plausible: one the ticket's current state
// handles, by someone holding one of the transition's roles (sometimes as a
// `department.role` scoped to some department), with values for the fields
// its guard, its actions and the target state read, drawn from the declared
// domains and often from the constants the rules compare the field with,
// or either side of them (so that `overall >= 4` holds about as often as
// not). In an `await approval` state they are `approve` / `reject` votes by
// holders of the open level's roles, the requester among them. The rest are
// meant to be refused (Intent says which): a value that does not fit its
// field, an unknown event, the wrong role, an unknown ticket, a second
// `create`, an event earlier than the ticket's last change, `approved` sent
// from outside, a vote where none is awaited, an event for a closed ticket.
// Some events reuse an idempotency key the ticket saw before.
//
// What the stream does not do: migrations, events without `at`, and
// anything that depends on EngineOptions (the caller chooses those).
//
// Time moves forward by random steps from seconds to days, so that timers,
// SLA warnings, escalations and breaches all fire; only kOutOfOrder events
// go back. The stream is a function of the seed and of the engine's tickets,
// which are themselves a function of the events: the same seed gives the
// same events on every machine (std::mt19937_64 and integer arithmetic only).

#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "engine/model/event.h"
#include "engine/model/value.h"
#include "engine/model/workflow.h"
#include "engine/runtime/engine.h"

namespace docket::testing {

struct RandomEventOptions {
  std::uint64_t seed = 1;
  std::int64_t start = 0;  // the time of the first event, epoch seconds
  // Tickets kept in play: a new one is created while fewer are open.
  std::size_t open_tickets = 12;
  // Out of 1000 events: how many are meant to be refused, and how many
  // plausible ones carry one value that does not fit.
  int nonsense_per_mille = 100;
  int bad_data_per_mille = 30;
  // Out of 1000 events: how many reuse one of the ticket's earlier keys.
  int repeated_key_per_mille = 20;
};

// What an event was generated to be.
enum class Intent : std::uint8_t {
  kCreate,       // a new ticket with its form filled in
  kPlausible,    // an event the ticket's state handles, by a holder of a role it needs
  kVote,         // `approve` / `reject` while the ticket awaits approval
  kRepeatedKey,  // a plausible event carrying an idempotency key the ticket had before
  // Meant to be refused:
  kBadData,         // one value does not fit its field (type, enum value, range, null
                    // for a required field, unknown field), or a required field is missing
  kUnknownEvent,    // an event name the workflow does not handle
  kWrongRole,       // the actor holds none of the roles any candidate transition needs
  kUnknownTicket,   // a ticket id never created
  kSecondCreate,    // `create` for an id that exists
  kOutOfOrder,      // earlier than the ticket's last change
  kDecidedByChain,  // `approved` / `rejected` sent from outside in an `await approval` state
  kMisplacedVote,   // `approve` / `reject` in a state that awaits no approval
  kClosedTicket,    // an event for a ticket in a final state
};

const char* to_string(Intent intent);
// True for the intents that the engine must refuse.
bool must_be_refused(Intent intent);

struct RandomEvent {
  engine::Event event;
  Intent intent = Intent::kPlausible;
};

class RandomEventStream {
 public:
  // REQUIRES: workflow is not null.
  RandomEventStream(std::shared_ptr<const engine::Workflow> workflow, RandomEventOptions options);

  // The next event for the tickets `engine` holds now. Its `at` is always set.
  RandomEvent next(const engine::Engine& engine);

  // The time of the latest event generated (kOutOfOrder ones aside).
  std::int64_t now() const { return now_; }
  // Tickets this stream created (the ids it sent `create` for, accepted or not).
  std::size_t tickets_created() const { return next_ticket_ - 1; }

 private:
  struct TransitionHints {
    std::vector<engine::FieldIndex> fields;  // what its guard, actions and target read
  };

  // Draws.
  std::uint64_t below(std::uint64_t bound);  // uniform in [0, bound); 0 when bound is 0
  bool chance(int per_mille);
  template <typename T>
  const T& pick(const std::vector<T>& items) {
    return items[below(items.size())];
  }

  void step_time();
  std::string fresh_key();
  void maybe_key(engine::Event& event, const std::string& ticket);

  // Values for the fields of a new ticket: every required one without a
  // default, the others now and then.
  std::vector<engine::DataItem> form();
  RandomEvent create();
  RandomEvent for_ticket(const engine::Ticket& ticket);
  RandomEvent plausible(const engine::Ticket& ticket, engine::TransitionIndex transition);
  RandomEvent vote(const engine::Ticket& ticket);
  RandomEvent nonsense(const engine::Engine& engine);

  // Who does it: someone holding `role` (plain, or scoped to one of its
  // departments, preferably one handling `ticket`), sometimes with another
  // role besides.
  engine::Actor holder_of(engine::RoleIndex role, const engine::Ticket* ticket);
  engine::Actor anyone();
  std::string person();

  // Values: valid ones from the field's domain or the rules' constants for
  // it; invalid ones that the engine must refuse.
  engine::FieldInput valid_value(engine::FieldIndex field);
  engine::FieldInput invalid_value(engine::FieldIndex field);
  engine::FieldInput random_in_domain(engine::FieldIndex field);
  std::vector<engine::DataItem> data_for(const std::vector<engine::FieldIndex>& wanted);
  void spoil(std::vector<engine::DataItem>& data, engine::FieldIndex preferred);

  void collect_hints();
  // The fields an expression reads; its constants become hints for them.
  void scan_expr(const engine::CompiledExpr& expr, std::vector<engine::FieldIndex>* reads);
  void scan_actions(const std::vector<engine::Action>& actions, std::vector<engine::FieldIndex>* reads);

  std::shared_ptr<const engine::Workflow> workflow_;
  RandomEventOptions options_;
  std::mt19937_64 random_;
  std::int64_t now_;

  std::vector<TransitionHints> transition_hints_;        // by TransitionIndex
  std::vector<std::vector<engine::Value>> field_hints_;  // by FieldIndex: constants compared with it
  std::vector<engine::FieldIndex> constraint_fields_;    // what `require` reads

  std::size_t next_ticket_ = 1;
  std::size_t next_key_ = 1;
  std::size_t next_unknown_ = 1;
  std::vector<std::string> in_play_;                      // tickets being worked on, by id
  std::vector<std::string> closed_;                       // tickets seen in a final state
  std::map<std::string, std::vector<std::string>> keys_;  // ticket -> keys it was sent (latest few)
};

}  // namespace docket::testing
