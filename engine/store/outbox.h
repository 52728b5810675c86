// The outbox: what the journal asked of the outside world, waiting to be delivered.
//
// A unit of work that notifies, escalates, assigns, emits or crosses an SLA
// threshold asks something of other systems. The store keeps one delivery
// item per action and target in the same transaction as the unit's journal
// records: a unit that is rolled back or refused leaves no item, a unit that
// is durable leaves every item it asked for. Which actions go to which
// targets, and what a delivery says, is the router's business (the service
// builds one from its configuration: server/webhooks.h); the store only
// keeps what the router returned.
//
// A sender claims the items that are due, delivers them and records each
// attempt. Items of one ticket for one target are handed out in journal
// order (seq, then part), one at a time: an item is not due while an earlier
// one of its ticket and target is undelivered, unless that one is dead.
//
// Delivery state lives beside the journal, not in its hash chain: a
// receiver that is down for a week would otherwise grow the chain by every
// failed attempt. The journal proves that an action was asked for; the
// attempts show what was done about it (docs/webhooks.md).

#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace docket::engine {

struct Record;
struct Ticket;

// One delivery the router asks for.
struct OutboxItem {
  // "<seq>.<part>.<target>": stable across retries and restarts, so that a
  // receiver can discard duplicates.
  std::string id;
  std::uint64_t seq = 0;  // the journal record that asked for it
  // 1.. for the record's effects in order; 0 for the record itself (an SLA
  // warning or breach notice).
  std::uint32_t part = 0;
  std::string ticket;
  std::string target;
  std::string payload;  // sent as is on every attempt
};

// "<seq>.<part>.<target>".
std::string delivery_id(std::uint64_t seq, std::uint32_t part, std::string_view target);

// What a unit's records ask of the outside: called by the store for each
// record of a unit it writes, with the record's chain hash and the ticket as
// the unit left it (null for a rejected event), inside the unit's
// transaction. Appends to `items`.
using OutboxRouter = std::function<void(const Record& record, std::string_view hash, const Ticket* ticket,
                                        std::vector<OutboxItem>& items)>;

enum class DeliveryStatus : std::uint8_t {
  kPending,    // no attempt yet
  kFailed,     // attempts failed; another is scheduled (next_ms)
  kDelivered,  // a receiver answered 2xx
  kDead,       // given up (attempts or age): waits for a retry by an operator
};
const char* to_string(DeliveryStatus status);  // "pending", "failed", "delivered", "dead"
std::optional<DeliveryStatus> parse_delivery_status(std::string_view text);

// An outbox row. Times are wall-clock milliseconds since the epoch: delivery
// happens in real time, whatever clock the engine runs on.
struct Delivery {
  std::uint64_t position = 0;  // the row's place in the outbox (insertion order), a listing cursor
  OutboxItem item;
  DeliveryStatus status = DeliveryStatus::kPending;
  std::uint32_t attempts = 0;
  std::int64_t queued_ms = 0;    // when the unit wrote it
  std::int64_t next_ms = 0;      // pending / failed: not tried before this
  std::int64_t finished_ms = 0;  // delivered / dead: when; 0 otherwise
  int last_http_status = 0;      // 0 when the last attempt got no answer
  std::string last_error;        // the last attempt's problem; "" after a success
};

// One attempt, as a sender reports it.
struct DeliveryAttempt {
  std::string id;
  std::int64_t at_ms = 0;
  std::int64_t duration_ms = 0;
  int http_status = 0;  // 0: no answer (refused, timed out, TLS failed)
  std::string error;    // "" for a success
  // What the item becomes, and for kFailed, when it is tried again.
  DeliveryStatus status = DeliveryStatus::kDelivered;
  std::int64_t next_ms = 0;
};

// A kept attempt (DeliveryAttempt with its number).
struct AttemptRow {
  std::uint32_t number = 0;  // 1 for the first
  DeliveryAttempt attempt;
};

struct OutboxQuery {
  std::optional<DeliveryStatus> status;  // any when unset
  std::string target;                    // any when ""
  std::string ticket;                    // any when ""
  std::uint64_t after = 0;               // a cursor: rows after this position
  std::size_t limit = 100;
};

struct OutboxPage {
  std::vector<Delivery> items;
  std::uint64_t next = 0;  // the cursor of the next page; 0 on the last page
};

// Items not delivered, by target and status (delivered ones are only
// listed: counting them would read the whole table), for metrics and
// `docket outbox list`.
struct OutboxCount {
  std::string target;
  DeliveryStatus status = DeliveryStatus::kPending;
  std::uint64_t items = 0;
};
struct OutboxSummary {
  std::vector<OutboxCount> counts;  // pending, failed and dead, by target then status; no zeros
  // When the oldest item not delivered and not dead was queued; nullopt when none is.
  std::optional<std::int64_t> oldest_undelivered_ms;
};

}  // namespace docket::engine
