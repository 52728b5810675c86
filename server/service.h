// The live service behind `docket serve`: one engine, its store, and the
// background work that keeps time.
//
//   Result<std::unique_ptr<Service>> service = Service::open(options, loader, clock);
//   service->start();                      // timer and rules-watch thread
//   service->apply(event);                 // from any thread
//   service->stop();                       // on shutdown: joins, flushes
//
// Threads. The engine and the store are single-threaded by contract
// (engine/runtime/engine.h, engine/store/sqlite_store.h): every call into them happens
// under one mutex, so requests are serialised at the engine. A unit of work
// is durable before its request is answered (store sync "full"), but units
// share commits (group commit): apply() puts its unit in the store's open
// transaction and waits; a committer thread commits whatever has gathered
// while the previous commit was syncing, and wakes the requests it covered.
// One client waits for one sync as before; many clients share each sync, so
// throughput grows with concurrency instead of stopping at the disk's sync
// rate. Reads may see a unit whose commit is still under way (not the
// journal feed, feed(), which shows only durable records). If a commit
// fails, its units are lost although the engine applied them: the requests
// waiting on it get the error (503), and the service rebuilds the engine
// from the store before it takes another event. The
// background thread sleeps on a condition variable until the engine's next
// due item (Engine::next_due, converted to real time by the ServiceClock),
// or until the rules are due to be checked for changes, and then calls
// Engine::advance: SLA warnings, breaches, escalations and timers fire with
// no request arriving.
//
// Recovery. open() rebuilds the engine from the store (engine/store/recovery.h):
// every stored version is compiled again through the RulesLoader, tickets
// and their timers come back as they were, and anything that fell due while
// the service was down fires at the first advance.
//
// Reload. The rules directory (or a rule text sent to the API) is compiled
// through the RulesLoader. Only when every workflow compiles cleanly are
// they installed, all under the mutex at once: new tickets start on the new
// versions, tickets in flight keep theirs. Otherwise nothing changes and the
// diagnostics are kept for GET /v1/versions.
//
// The service never sees the dsl: the RulesLoader (given by the cli) does
// the compiling, like recovery's CompileVersion.

#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "designer/report.h"
#include "designer/report_rules.h"
#include "engine/model/result.h"
#include "engine/runtime/engine.h"
#include "engine/store/checkpoint.h"
#include "engine/store/open_store.h"
#include "engine/store/recovery.h"
#include "server/audit_job.h"
#include "server/config.h"
#include "server/service_clock.h"
#include "server/webhook_sender.h"

namespace docket::engine {
class SpdlogJournal;
}

namespace docket::server {

using WorkflowPtr = std::shared_ptr<const engine::Workflow>;

// How the service gets compiled workflows. Errors carry the diagnostics as
// text, one per line, "rules/after_sales.docket:12:3: error: ...".
struct RulesLoader {
  // Every `*.docket` file directly in `directory`, in name order, each one workflow.
  std::function<engine::Result<std::vector<WorkflowPtr>>(const std::string& directory)> load_directory;
  // One rule file held in memory; `name` names it in diagnostics and rule positions.
  std::function<engine::Result<WorkflowPtr>(const std::string& name, const std::string& text)> compile_text;
  // A version the store kept (recovery).
  engine::CompileVersion compile_stored;
};

struct ServiceOptions {
  std::string store_path;
  bool sync_full = true;
  std::string checkpoint_key;  // empty: checkpoints unsigned
  std::uint64_t checkpoint_every = 1000;
  std::string rules_directory;
  bool watch = true;  // reload when the directory's files change
  std::int64_t watch_interval_ms = 2000;
  // A change is installed once the directory has not changed for this long
  // (a file saved in several writes is never installed half written).
  std::int64_t settle_ms = 5000;
  bool group_commit = true;  // false: every unit commits on its own
  std::string journal_file;  // optional JSON-lines copy of every durable record
  // Webhooks: each unit's outbox items are written with it; a sender
  // thread per target delivers them (server/webhook_sender.h).
  OutboxConfig outbox;
  std::vector<WebhookConfig> webhooks;
};

// ---------------------------------------------------------------- read models (plain values)

struct FieldInfo {
  enum class Kind : std::uint8_t { kNull, kText, kNumber, kBool };
  std::string name;
  std::string label;  // the rules' label ("" when none)
  std::string type;   // "text", "int", "money", "enum", ...
  Kind kind = Kind::kNull;
  std::string text;         // kText: the text; kNumber: the exact decimal; kBool: "true"/"false"
  std::string value_label;  // an enum value's label, "" when none
};

struct ClockInfo {
  std::string metric;
  std::string status;  // "idle", "running", "paused", "stopped"
  bool breached = false;
  std::optional<std::int64_t> next_due;  // the next threshold (warning, escalation, limit)
  std::string explanation;               // Engine::explain
};

struct ApprovalInfo {
  std::string chain;  // "" when none is needed
  std::uint32_t level = 0;
  std::string level_name;             // "head_signoff.head"
  std::vector<std::string> roles;     // the level's roles
  std::vector<std::string> excluded;  // who may not vote: the requester, and the plan's people where excluded
  std::vector<std::string> eligible;  // of the configured actors (Service::set_people), who may vote now
  std::string requester;              // may not vote (four-eyes)
  std::vector<std::pair<std::string, std::uint32_t>> votes;  // approver, level
  std::optional<std::int64_t> deadline;
};

struct TicketInfo {
  std::string id;
  std::string workflow;
  std::string version;  // version id
  std::string state;
  std::string state_label;
  bool closed = false;  // in a final state
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
  std::string requester;
  std::string priority;  // "" when not yet set
  std::string category;
  std::string assignee;
  std::vector<std::string> departments;
  std::vector<FieldInfo> fields;
  std::vector<ClockInfo> clocks;
  std::optional<ApprovalInfo> approval;
};

struct TicketQuery {
  std::string state;
  std::string department;  // routed to, or assigned to
  std::string priority;
  std::string category;
  std::string workflow;
  // Matches the id or any text field's value, ASCII letters in any case.
  std::string text;
  bool breached_only = false;
  // Only tickets with an SLA threshold due within this many seconds.
  std::optional<std::int64_t> due_within;
  std::string after;  // a cursor: start after this ticket (creation order)
  std::size_t limit = 100;
};

struct TicketPage {
  std::vector<TicketInfo> tickets;
  std::string next;       // the cursor of the next page; "" on the last page
  std::size_t total = 0;  // tickets that match, on every page
};

// ---------------------------------------------------------------- the console's read models

// A field as an event may set it: the rules' declaration.
struct FieldSpec {
  std::string name;
  std::string label;
  std::string type;
  bool required = false;
  std::vector<std::pair<std::string, std::string>> choices;  // enum: value, label
  std::string min;                                           // range, as the rules write it; "" when none
  std::string max;
};

struct OfferedAction {
  std::string event;
  std::string to;  // "" when it stays
  std::string to_label;
  std::vector<std::string> guards;
  std::string rule;
  std::vector<std::string> suggested;  // field names
};

// GET /v1/tickets/{id}/actions: what the actor may send now (server/ticket_actions.h).
struct TicketActions {
  std::string state;
  std::vector<OfferedAction> events;
  std::vector<FieldSpec> fields;  // the workflow's, in declaration order
  std::vector<FieldInfo> values;  // the ticket's current values, same order
};

struct StateCount {
  std::string name;
  std::string label;
  std::string kind;  // "initial", "normal", "final"
  std::size_t count = 0;
  std::size_t breached = 0;
  std::size_t due = 0;
};

struct DueTicket {
  std::string id;
  std::string state;
  std::string state_label;
  std::string priority;
  std::string metric;
  std::int64_t due_at = 0;
  bool breached = false;
};

// A breach or escalation of the last day, from the journal.
struct RecentEvent {
  std::uint64_t seq = 0;
  std::int64_t at = 0;
  std::string ticket;
  std::string workflow;
  std::string kind;  // "breach", "escalation"
  std::string metric;
  std::string rule;
};

// GET /v1/overview: one workflow's tickets by state and department, what
// is breached or due within a window, and the last day's breaches and escalations.
struct Overview {
  std::int64_t now = 0;
  std::string workflow;
  std::string version;  // the current version
  std::vector<std::string> workflows;
  std::size_t open = 0;
  std::size_t closed = 0;
  std::size_t breached = 0;  // open tickets with a breached clock
  std::size_t due = 0;       // open tickets with a threshold due within the window, not breached
  std::vector<StateCount> states;
  std::vector<StateCount> departments;  // kind unused
  std::vector<DueTicket> due_tickets;   // breached first, then soonest; at most kMaxOverviewDue
  std::int64_t recent_since = 0;
  std::size_t recent_breaches = 0;
  std::size_t recent_escalations = 0;
  std::vector<RecentEvent> recent;  // newest first, at most kMaxOverviewRecent
};

// GET /v1/workflows: what the installed workflows name, with their labels.
struct NamedItem {
  std::string name;
  std::string label;
  std::string kind;  // states: "initial", "normal", "final"; else ""
};

struct WorkflowInfo {
  std::string name;
  std::string label;
  std::string version;  // the current version
  std::vector<NamedItem> states;
  std::vector<NamedItem> departments;
  std::vector<NamedItem> categories;
  std::vector<NamedItem> priorities;  // most urgent first
  std::vector<NamedItem> fields;
};

inline constexpr std::size_t kMaxOverviewDue = 50;
inline constexpr std::size_t kMaxOverviewRecent = 50;
// Breaches and escalations remembered for the overview: a day's worth, at most this many.
inline constexpr std::size_t kMaxRecentEvents = 10'000;
// Journal rows read at start to remember the last day's breaches and escalations.
inline constexpr std::uint64_t kRecentSeedRows = 100'000;

struct VersionInfo {
  std::string id;
  std::string workflow;
  std::string declared;
  std::int64_t added_at = 0;
  std::size_t tickets = 0;
  bool current = false;  // new tickets of its workflow start on it
};

struct ReloadReport {
  bool ok = false;
  std::string source;                  // "startup", "watch", "signal", "api"
  std::int64_t at = 0;                 // engine time
  std::vector<std::string> installed;  // version ids now current
  std::string diagnostics;             // !ok: why not
  bool store_failed = false;           // !ok because the store could not keep them (try again), not the rules
};

// GET /v1/journal: a page of the journal after a cursor, for consumers that
// follow it (docs/api.md). Filters are combined with "and"; empty ones match all.
struct FeedQuery {
  std::uint64_t after = 0;  // the cursor: records with a greater seq
  std::size_t limit = 100;  // at most this many records
  std::string workflow;
  std::string ticket;
  std::vector<engine::RecordKind> kinds;  // any of these
  // When nothing matches: how long to wait for new durable records (a long
  // poll). The caller holds a thread meanwhile, so callers bound how many
  // wait at once.
  std::chrono::milliseconds wait{0};
};

struct FeedPage {
  std::vector<std::string> records;  // canonical JSON lines (engine/codec/journal_json.h), in seq order
  // The seq of the last record scanned, matched or not (`after` when none):
  // the next `after`. A filter that matches nothing still moves it on.
  std::uint64_t next = 0;
  std::uint64_t last_seq = 0;  // the durable head
};

// Rows one feed() call reads at most, its long poll's wake-ups included, so
// that a filter that matches nothing costs a bounded time under the
// service's mutex; the page's `next` says where it stopped.
inline constexpr std::uint64_t kFeedScanRows = 10'000;

struct ServiceStats {
  std::uint64_t events_accepted = 0;
  std::uint64_t events_rejected = 0;
  std::uint64_t events_duplicate = 0;
  std::uint64_t events_unknown = 0;  // for no ticket: refused, not journaled
  std::uint64_t commits = 0;         // group commits (units share them)
  std::uint64_t timers_fired = 0;    // units run by the clock (timers, SLA thresholds, approval limits)
  std::uint64_t reload_successes = 0;
  std::uint64_t reload_failures = 0;
  std::size_t tickets_open = 0;
  std::size_t tickets_total = 0;
  std::uint64_t tickets_caught_up = 0;  // tickets another node changed, read back from a shared store
  std::uint64_t last_seq = 0;
  std::size_t long_polls = 0;  // feed() calls waiting for new records now
  std::int64_t now = 0;
  std::string background_error;  // the last failure of the timer thread, if any
  std::string store_error;       // why the store takes no writes now, if it does not
  // The outbox: items not delivered by target and status, the sender's counts.
  engine::OutboxSummary outbox;
  std::vector<TargetStats> webhooks;
  std::int64_t wall_ms = 0;  // the wall clock, for the age of the oldest item
};

// One outbox item with its attempts (GET /v1/outbox/{id}).
struct DeliveryInfo {
  engine::Delivery delivery;
  std::vector<engine::AttemptRow> attempts;
};

// ---------------------------------------------------------------- audit, reports, version sources

// GET /v1/audit: the journal's head, its latest checkpoint, the verification.
struct AuditStatus {
  std::uint64_t last_seq = 0;                    // the last record written (its commit may be under way)
  std::uint64_t durable_seq = 0;                 // the last record committed
  std::string chain_head;                        // the hash of the record at durable_seq (the genesis hash for none)
  bool signing = false;                          // the service signs checkpoints
  std::optional<engine::Checkpoint> checkpoint;  // the latest
  bool checkpoint_verifies = false;              // with a public key the store holds
  AuditProgress verify;
};

// GET /v1/audit/export: the audit bundle (engine/audit/audit_bundle.h) as one tar file.
struct AuditExport {
  std::uint64_t last_seq = 0;  // the bundle's last record
  std::string tar;             // a folder docket-audit-<last_seq>/ with the bundle's files
  bool too_large = false;      // the archive would pass the bound: `tar` is empty
};

// GET /v1/report: the figures as `docket report --format json` writes them.
struct ReportAnswer {
  std::string json;
  std::optional<designer::ReportProblem> problem;  // set: no report
};

class Service {
 public:
  // Opens (or creates) the store, recovers it and installs the rules
  // directory's workflows. Fails when the store cannot be opened or
  // recovered or the rules do not compile. `clock` must outlive the service.
  static engine::Result<std::unique_ptr<Service>> open(ServiceOptions options, RulesLoader loader, ServiceClock& clock);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Starts the background thread (timers, rules watch).
  void start();
  // Stops it and flushes the store. Idempotent.
  void stop();

  // Applies an event at the clock's time (`event.at` is ignored: a service
  // lives in real time). An error means the store refused the unit.
  engine::Result<engine::Outcome> apply(engine::Event event);

  // An event for a ticket that does not exist is refused without a journal
  // record ("unknown ticket ..."): a request that names no ticket leaves a
  // log line, not a record in a chain that cannot be pruned.

  std::optional<TicketInfo> ticket(std::string_view id);
  // One page of the tickets that match, in creation order; nullopt when
  // `query.after` names no ticket.
  std::optional<TicketPage> query(const TicketQuery& query);
  // The ticket's journal records, canonical JSON lines (engine/codec/journal_json.h); nullopt for an unknown ticket.
  engine::Result<std::optional<std::vector<std::string>>> journal(std::string_view id);
  // One page of the durable journal after `query.after`: only records whose
  // group commit has finished, since a unit still being committed may be
  // lost and its seqs used again. With `query.wait`, waits for new durable
  // records while nothing matched, or until end_waits(). An error: the store
  // could not be read.
  engine::Result<FeedPage> feed(const FeedQuery& query);
  // Wakes every feed() that waits, and later ones no longer wait: a server
  // that stops accepting ends its long polls at once instead of finishing
  // them. stop() does it too.
  void end_waits();
  // The seq of the last durable record (0 when none).
  std::uint64_t durable_seq();

  // Compiles the rules directory again and installs it if clean.
  ReloadReport reload(const std::string& source);
  // Compiles one rule file sent by a client and installs it if clean. It
  // stays current until the next reload of the directory or restart.
  ReloadReport deploy_text(const std::string& name, const std::string& text);

  // The outbox, a page at a time; one item with its attempts (nullopt when
  // unknown); a dead or failed item put back to pending (the sender is woken).
  engine::Result<engine::OutboxPage> outbox(const engine::OutboxQuery& query);
  engine::Result<engine::OutboxSummary> outbox_summary();
  engine::Result<std::optional<DeliveryInfo>> delivery(std::string_view id);
  engine::Result<engine::Delivery> retry_delivery(std::string_view id);

  std::vector<VersionInfo> versions();

  // --- the console (docs/console.md)

  // The actors approvals are offered to (TicketInfo::approval->eligible):
  // the configured tokens' actors. Replaced on every token reload.
  void set_people(std::vector<engine::Actor> people);
  // What `actor` may send to ticket `id` now; nullopt for an unknown ticket.
  std::optional<TicketActions> actions(std::string_view id, const engine::Actor& actor);
  // Tickets of `workflow` ("": the first installed) by state and department,
  // with what falls due within `window` seconds; nullopt for an unknown workflow.
  std::optional<Overview> overview(const std::string& workflow, std::int64_t window);
  // The installed workflows' names and labels (no ticket is looked at).
  std::vector<WorkflowInfo> workflows();
  // The compiled workflow of version `id`: installed, held by a ticket, or
  // compiled again from the store; null when the store has no such version.
  WorkflowPtr version_workflow(std::string_view id);
  // The last reload attempt (startup included).
  ReloadReport last_reload();
  ServiceStats stats();

  // --- audit, reports, version sources

  // The version the store kept under `id`, with its sources; nullopt when
  // it has none. An error: the store could not be read.
  engine::Result<std::optional<engine::StoredVersion>> stored_version(std::string_view id);
  // Stored version `id` compiled (RulesLoader::compile_stored, outside the
  // mutex, the first time; kept for later calls); nullopt when the store has
  // no such version. An error: it could not be read or does not compile to its id.
  engine::Result<std::optional<WorkflowPtr>> compiled_version(std::string_view id);
  // The journal's head, its latest checkpoint and the verification's
  // progress: a few rows read under the mutex.
  engine::Result<AuditStatus> audit_status();
  // Starts a verification of the durable journal in the background
  // (server/audit_job.h); false when one is running. The progress is in audit_status().
  bool start_audit_verification();
  // The audit bundle of the store, read through a read-only connection of
  // its own in one read transaction (never under the mutex), as a tar of at
  // most `max_bytes`.
  engine::Result<AuditExport> export_audit(std::size_t max_bytes);
  // The report of the tickets created in `period` (its from, to, labels and
  // zone) of `workflow` ("" : the journal's only one), as `docket report
  // STORE --format json` computes it (designer/report_rules.h): the whole
  // journal is read through a read-only connection of its own, never under
  // the mutex.
  ReportAnswer report(const designer::ReportOptions& period, const std::string& workflow);

 private:
  Service(ServiceOptions options, RulesLoader loader, ServiceClock& clock);
  engine::Status open_store();
  // REQUIRES: mutex_ held.
  ReloadReport install(engine::Result<std::vector<WorkflowPtr>> compiled, const std::string& source);
  TicketInfo describe(const engine::Ticket& ticket) const;
  void describe_level(const engine::Workflow& workflow, const engine::Ticket& ticket, ApprovalInfo& approval) const;
  void run_background();
  void run_committer();
  // Waits until the units staged up to `generation` are durable. REQUIRES: lock holds mutex_.
  engine::Status wait_durable(std::unique_lock<std::mutex>& lock, std::uint64_t generation);
  // After a failed group commit: the store and engine opened again from disk. REQUIRES: mutex_ held.
  engine::Status rebuild();
  // On a shared store (several nodes, engine/store/store.h): brings the
  // engine up to what other nodes wrote, taking the store's write lock
  // first when `for_write`. A no-op on a store only this node writes.
  // REQUIRES: mutex_ held.
  engine::Status catch_up(bool for_write);
  // catch_up(false) before a read; a failure is logged. REQUIRES: mutex_ held.
  void catch_up_for_reading();
  // Watches the rules directory; reloads once a change has settled. REQUIRES: lock holds mutex_.
  void watch_rules(std::unique_lock<std::mutex>& lock);
  // A signature of the rules directory (names, sizes, modification times).
  std::string rules_signature() const;
  void count_durable(std::span<const engine::Record> records);
  // Remembers a durable breach or escalation for the overview. REQUIRES: mutex_ held.
  void remember_recent(const engine::Record& record);
  // Reads the journal's tail for the last day's breaches and escalations. REQUIRES: mutex_ held.
  void seed_recent();
  // The sender's way into the store, under mutex_.
  OutboxAccess outbox_access();
  // Logs items waiting for a target the configuration no longer names. REQUIRES: mutex_ held.
  void warn_of_orphaned_items();
  // Adds to `page` the matching records after page.next, reading at most
  // `budget` rows (and counting them off) up to durable_seq_ and query.limit;
  // moves page.next on. REQUIRES: mutex_ held.
  engine::Status scan_feed(const FeedQuery& query, FeedPage& page, std::uint64_t& budget);
  // Stops the verification job, if any, outside the mutex.
  void stop_audit_job();

  ServiceOptions options_;
  RulesLoader loader_;
  ServiceClock& clock_;

  std::mutex mutex_;  // guards everything below, the engine and the store
  std::unique_ptr<engine::SpdlogJournal> journal_log_;
  std::unique_ptr<engine::Store> store_;
  std::unique_ptr<engine::Engine> engine_;
  engine::CompiledVersions versions_;        // every version the engine has met, by id (catch_up)
  std::vector<std::string> workflow_names_;  // installed, in order
  ReloadReport last_reload_;
  ServiceStats stats_;
  std::string rules_signature_;

  std::string pending_signature_;  // a change not yet settled
  std::chrono::steady_clock::time_point pending_since_;

  // Group commit: units staged in the store's open transaction, and how many are durable.
  std::uint64_t staged_ = 0;
  std::uint64_t durable_ = 0;
  std::uint64_t lost_after_ = UINT64_MAX;  // units after this generation were lost by a failed commit
  std::string store_error_;
  std::condition_variable commit_wanted_;
  std::condition_variable committed_;
  std::thread committer_;
  // The last record of a committed unit: what feed() may show and the
  // sender may deliver. Records past it are in the open transaction and may
  // still be lost.
  std::uint64_t durable_seq_ = 0;
  std::condition_variable journal_grew_;  // durable_seq_ grew, or waits ended
  bool waits_ended_ = false;
  std::unique_ptr<WebhookSender> sender_;  // null without webhooks
  std::vector<engine::Actor> people_;      // set_people
  std::deque<RecentEvent> recent_;         // breaches and escalations, oldest first

  std::condition_variable wake_;
  bool stopping_ = false;
  bool stopped_ = false;
  std::thread background_;

  // --- audit, reports, version sources
  std::map<std::string, WorkflowPtr, std::less<>> compiled_versions_;  // compiled_version()'s, by id
  std::unique_ptr<AuditJob> audit_job_;                                // made by the first verification
};

}  // namespace docket::server
