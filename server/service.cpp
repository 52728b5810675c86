#include "server/service.h"

#include <spdlog/spdlog.h>

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <filesystem>

#include "designer/report_input.h"
#include "designer/report_render.h"
#include "engine/audit/audit_bundle.h"
#include "engine/codec/journal_json.h"
#include "engine/codec/journal_spdlog.h"
#include "engine/codec/json_text.h"
#include "engine/runtime/approval.h"
#include "engine/store/audit_chain.h"
#include "engine/store/signing.h"
#include "server/tar_archive.h"
#include "server/ticket_actions.h"
#include "server/webhooks.h"

namespace docket::server {
namespace {

// This process, as the outbox's claims name it: nodes sharing a PostgreSQL
// store tell their claims apart by it.
std::string node_name() {
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) != 0) return "docket:" + std::to_string(getpid());
  return std::string(host.data()) + ":" + std::to_string(getpid());
}

FieldInfo field_info(const engine::Workflow& workflow, const engine::Field& field, const engine::Value& value) {
  FieldInfo info;
  info.name = field.name;
  info.label = field.label;
  info.type = engine::to_string(field.type);
  if (value.type() == engine::ValueType::kEnum && value.ordinal() < field.enum_labels.size())
    info.value_label = field.enum_labels[value.ordinal()];
  switch (value.type()) {
    case engine::ValueType::kUnset:
      break;
    case engine::ValueType::kText:
      info.kind = FieldInfo::Kind::kText;
      info.text = value.as_text();
      break;
    case engine::ValueType::kNumber:
      info.kind = FieldInfo::Kind::kNumber;
      info.text = value.as_number().to_string();
      break;
    case engine::ValueType::kBool:
      info.kind = FieldInfo::Kind::kBool;
      info.text = value.as_bool() ? "true" : "false";
      break;
    case engine::ValueType::kTimestamp:
      info.kind = FieldInfo::Kind::kText;
      info.text = engine::format_timestamp(value.seconds());
      break;
    default:
      info.kind = FieldInfo::Kind::kText;
      info.text = workflow.format_value(value);
      break;
  }
  return info;
}

// Whether `haystack` holds `needle`, ASCII letters in any case.
bool contains_folded(std::string_view haystack, std::string_view needle) {
  auto fold = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  auto found = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                           [&](char a, char b) { return fold(a) == fold(b); });
  return found != haystack.end();
}

// The ticket's id or one of its text fields holds `text`.
bool mentions(const engine::Ticket& ticket, std::string_view text) {
  if (contains_folded(ticket.id, text)) return true;
  return std::any_of(ticket.fields.begin(), ticket.fields.end(), [&](const engine::Value& value) {
    return value.type() == engine::ValueType::kText && contains_folded(value.as_text(), text);
  });
}

bool matches(const engine::Ticket& ticket, const TicketQuery& query, std::int64_t now) {
  const engine::Workflow& workflow = *ticket.workflow;
  if (!query.workflow.empty() && workflow.name() != query.workflow) return false;
  if (!query.state.empty() && ticket.state_name() != query.state) return false;
  if (!query.priority.empty()) {
    auto priority = ticket.priority();
    if (!priority || *priority >= workflow.priorities().size() ||
        workflow.priorities()[*priority].name != query.priority)
      return false;
  }
  if (!query.department.empty()) {
    bool in = ticket.assignee.department < workflow.departments().size() &&
              workflow.departments()[ticket.assignee.department].name == query.department;
    for (engine::DepartmentIndex d : ticket.departments)
      in = in || (d < workflow.departments().size() && workflow.departments()[d].name == query.department);
    if (!in) return false;
  }
  if (!query.category.empty()) {
    auto category = ticket.category();
    if (!category || *category >= workflow.categories().size() ||
        workflow.categories()[*category].name != query.category)
      return false;
  }
  if (!query.text.empty() && !mentions(ticket, query.text)) return false;
  if (query.breached_only &&
      std::none_of(ticket.clocks.begin(), ticket.clocks.end(), [](const auto& c) { return c.breached; }))
    return false;
  if (query.due_within) {
    bool soon = std::any_of(ticket.clocks.begin(), ticket.clocks.end(), [&](const engine::SlaClock& c) {
      return c.status == engine::SlaClock::Status::kRunning && c.due != engine::kNever &&
             c.due - now <= *query.due_within;
    });
    if (!soon) return false;
  }
  return true;
}

// A FeedQuery's workflow and kinds as records are encoded, to compare with
// each row's head (engine::encoded_head) instead of parsing whole records:
// a scan looks at thousands of rows while it holds the service's mutex.
struct EncodedFilter {
  explicit EncodedFilter(const FeedQuery& query) : ticket(query.ticket) {
    if (!query.workflow.empty()) workflow = engine::json_string(query.workflow);
    for (engine::RecordKind kind : query.kinds) kinds.push_back(engine::json_string(engine::to_string(kind)));
  }

  // Whether `row` passes; an error when its record is not encoded as the store writes records.
  engine::Result<bool> matches(const engine::JournalRow& row) const {
    using R = engine::Result<bool>;
    if (!ticket.empty() && row.ticket != ticket) return R::success(false);
    if (workflow.empty() && kinds.empty()) return R::success(true);
    std::optional<engine::EncodedHead> head = engine::encoded_head(row.body);
    if (!head) return R::failure("journal record " + std::to_string(row.seq) + " is not in the canonical encoding");
    if (!workflow.empty() && head->workflow != workflow) return R::success(false);
    return R::success(kinds.empty() || std::find(kinds.begin(), kinds.end(), head->kind) != kinds.end());
  }

  std::string ticket;
  std::string workflow;
  std::vector<std::string> kinds;
};

// The ids of the workflows' current versions, for messages.
std::vector<std::string> ids_of(const std::vector<WorkflowPtr>& workflows) {
  std::vector<std::string> ids;
  ids.reserve(workflows.size());
  for (const WorkflowPtr& workflow : workflows) ids.push_back(workflow->version_id());
  return ids;
}

}  // namespace

Service::Service(ServiceOptions options, RulesLoader loader, ServiceClock& clock)
    : options_(std::move(options)), loader_(std::move(loader)), clock_(clock) {}

Service::~Service() { stop(); }

engine::Result<std::unique_ptr<Service>> Service::open(ServiceOptions options, RulesLoader loader,
                                                       ServiceClock& clock) {
  using R = engine::Result<std::unique_ptr<Service>>;
  std::unique_ptr<Service> service(new Service(std::move(options), std::move(loader), clock));
  std::lock_guard<std::mutex> lock(service->mutex_);
  engine::Status opened = service->open_store();
  if (!opened) return R::failure(opened.error());

  service->engine_ = std::make_unique<engine::Engine>(clock, *service->store_);
  engine::Result<engine::Recovered> recovered =
      engine::recover(*service->engine_, *service->store_, service->loader_.compile_stored);
  if (!recovered) return R::failure(service->store_->location() + ": " + recovered.error());
  service->versions_ = recovered->versions;
  // Time never runs back across a restart, whatever clock is configured.
  clock.not_before(service->engine_->now());
  spdlog::info("recovered {} tickets from {} (journal seq {})", recovered->tickets, service->store_->location(),
               recovered->last_seq);
  service->seed_recent();

  service->rules_signature_ = service->rules_signature();
  ReloadReport report = service->install(service->loader_.load_directory(service->options_.rules_directory), "startup");
  if (!report.ok) return R::failure(report.diagnostics);
  return R::success(std::move(service));
}

engine::Status Service::open_store() {
  engine::AnyStoreOptions store_options;
  store_options.durability = options_.sync_full ? engine::SqliteStoreOptions::Durability::kFull
                                                : engine::SqliteStoreOptions::Durability::kNormal;
  store_options.node = node_name();
  store_options.checkpoint_every = options_.checkpoint_every;
  // The committer decides when a batch commits (flush()); the cap only
  // bounds one transaction when requests arrive faster than syncs.
  store_options.batch_units = options_.group_commit ? 10'000 : 1;
  if (!options_.checkpoint_key.empty()) {
    engine::Result<engine::SigningKey> key = engine::SigningKey::load(options_.checkpoint_key);
    if (!key) return engine::Status::failure(key.error());
    store_options.signing_key = std::move(key).value();
  }
  if (!options_.journal_file.empty()) {
    engine::Result<engine::LogSink> file = engine::open_json_log_file(options_.journal_file, /*append=*/true);
    if (!file) return engine::Status::failure(options_.journal_file + ": " + file.error());
    journal_log_ = std::make_unique<engine::SpdlogJournal>(engine::SpdlogJournalSinks{.json = {file.value()}});
  }
  // Called under mutex_ (the engine commits while the caller holds it).
  store_options.on_durable = [this](std::span<const engine::Record> records) { count_durable(records); };
  store_options.outbox_router = webhook_router(options_.webhooks);
  auto store = engine::open_store(options_.store_path, std::move(store_options));
  if (!store) return engine::Status::failure(store.error());
  store_ = std::move(store).value();
  // Whatever an opened store holds was committed: all of it is durable.
  durable_seq_ = store_->last_seq();
  return engine::Status::success();
}

void Service::count_durable(std::span<const engine::Record> records) {
  for (const engine::Record& record : records) {
    remember_recent(record);
    bool by_time = record.cause == engine::Cause::kTimer || record.cause == engine::Cause::kSla;
    if (by_time && !record.rejected) ++stats_.timers_fired;
  }
  if (journal_log_) {
    engine::Status logged = journal_log_->write(records);
    if (!logged) spdlog::error("journal copy: {}", logged.error());
  }
  if (!records.empty()) {
    durable_seq_ = records.back().seq;
    journal_grew_.notify_all();
    if (sender_) sender_->wake();
  }
}

void Service::start() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (background_.joinable() || stopped_) return;
  background_ = std::thread([this] { run_background(); });
  if (options_.group_commit) committer_ = std::thread([this] { run_committer(); });
  if (!options_.webhooks.empty()) {
    sender_ = std::make_unique<WebhookSender>(options_.outbox, options_.webhooks, outbox_access());
    sender_->start();
  }
  warn_of_orphaned_items();
}

void Service::warn_of_orphaned_items() {
  engine::Result<engine::OutboxSummary> summary = store_->outbox_summary();
  if (!summary) return;
  for (const engine::OutboxCount& count : summary->counts) {
    bool configured = std::any_of(options_.webhooks.begin(), options_.webhooks.end(),
                                  [&](const WebhookConfig& hook) { return hook.name == count.target; });
    if (!configured && count.status != engine::DeliveryStatus::kDead) {
      spdlog::warn("outbox: {} {} items for `{}`, which docket.toml no longer names: they wait until it does",
                   count.items, engine::to_string(count.status), engine::printable(count.target));
    }
  }
}

OutboxAccess Service::outbox_access() {
  OutboxAccess access;
  access.due = [this](std::string_view target, std::int64_t now_ms, std::size_t limit) {
    std::lock_guard<std::mutex> lock(mutex_);
    return store_->due_deliveries(target, durable_seq_, now_ms, limit);
  };
  access.record = [this](std::span<const engine::DeliveryAttempt> attempts) {
    std::unique_lock<std::mutex> lock(mutex_);
    engine::Status kept = store_->record_attempts(attempts);
    if (!kept) return kept;
    // In a group commit the attempts join the open batch: have it committed.
    ++staged_;
    return wait_durable(lock, staged_);
  };
  return access;
}

void Service::run_committer() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    commit_wanted_.wait(lock, [this] { return staged_ > durable_ || stopping_; });
    if (staged_ == durable_) break;  // stopping, nothing left
    std::uint64_t upto = staged_;
    engine::Status flushed = store_->flush();
    ++stats_.commits;
    if (!flushed && lost_after_ == UINT64_MAX) {
      lost_after_ = durable_;
      store_error_ = flushed.error();
      spdlog::error("group commit failed, {} units lost; the engine is rebuilt from the store: {}", upto - durable_,
                    store_error_);
    }
    durable_ = upto;
    committed_.notify_all();
  }
}

engine::Status Service::wait_durable(std::unique_lock<std::mutex>& lock, std::uint64_t generation) {
  if (!committer_.joinable()) {
    // Not started (tests, recovery) or no group commit: commit here.
    engine::Status flushed = store_->flush();
    durable_ = staged_;
    return flushed;
  }
  commit_wanted_.notify_one();
  committed_.wait(lock, [this, generation] { return durable_ >= generation; });
  if (generation > lost_after_) return engine::Status::failure(store_error_);
  return engine::Status::success();
}

engine::Status Service::rebuild() {
  spdlog::warn("rebuilding the engine from {}", engine::redact_postgres_url(options_.store_path));
  // The old engine and store stay until new ones are ready: a store that
  // cannot be opened now (a database still down) is tried again later.
  std::unique_ptr<engine::Store> old_store = std::move(store_);
  if (engine::Status opened = open_store(); !opened) {
    store_ = std::move(old_store);
    return opened;
  }
  auto engine = std::make_unique<engine::Engine>(clock_, *store_);
  engine::Result<engine::Recovered> recovered = engine::recover(*engine, *store_, loader_.compile_stored);
  if (!recovered) {
    engine::Status failed = engine::Status::failure(store_->location() + ": " + recovered.error());
    store_ = std::move(old_store);
    return failed;
  }
  engine_ = std::move(engine);
  old_store.reset();
  versions_ = recovered->versions;
  // The versions that were current are current again.
  ReloadReport report = install(loader_.load_directory(options_.rules_directory), "rebuild");
  if (!report.ok) return engine::Status::failure(report.diagnostics);
  staged_ = durable_ = 0;
  lost_after_ = UINT64_MAX;
  store_error_.clear();
  return engine::Status::success();
}

void Service::catch_up_for_reading() {
  // A database that cannot be reached now leaves the answer as of the last
  // look; writes say so (503).
  if (engine::Status caught = catch_up(/*for_write=*/false); !caught) spdlog::warn("reading: {}", caught.error());
}

engine::Status Service::catch_up(bool for_write) {
  if (!store_->shared()) return engine::Status::success();
  engine::Result<engine::StoreChanges> changes = for_write ? store_->lock_for_write() : store_->changes();
  if (!changes) return engine::Status::failure(changes.error());
  if (changes->tickets.empty() && !changes->rules && changes->last_seq == engine_->last_seq())
    return engine::Status::success();
  auto current = engine::catch_up(*engine_, *store_, changes.value(), versions_, loader_.compile_stored);
  if (!current) {
    if (for_write) (void)store_->release_write();
    return engine::Status::failure(store_->location() + ": " + current.error());
  }
  stats_.tickets_caught_up += changes->tickets.size();
  for (const WorkflowPtr& workflow : current.value()) {
    if (std::find(workflow_names_.begin(), workflow_names_.end(), workflow->name()) == workflow_names_.end())
      workflow_names_.push_back(workflow->name());
    spdlog::info("another node deployed: workflow {} version {} is current", workflow->name(),
                 workflow->version_id().substr(0, 12));
  }
  if (!current->empty()) {
    last_reload_ = ReloadReport{};
    last_reload_.ok = true;
    last_reload_.source = "another node";
    last_reload_.at = engine_->now();
    last_reload_.installed = ids_of(current.value());
  }
  // Every row another node committed is durable: the feed and the sender may show and send it.
  if (changes->last_seq > durable_seq_) {
    durable_seq_ = changes->last_seq;
    journal_grew_.notify_all();
    if (sender_) sender_->wake();
  }
  return engine::Status::success();
}

void Service::stop() {
  // The sender first, while the committer still commits what it records.
  if (sender_) sender_->stop();
  end_waits();
  stop_audit_job();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopped_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  commit_wanted_.notify_all();
  if (background_.joinable()) background_.join();
  if (committer_.joinable()) committer_.join();
  std::lock_guard<std::mutex> lock(mutex_);
  stopped_ = true;
  if (store_) {
    // A clean stop signs the journal's last records (when the store signs).
    engine::Status flushed = store_->seal();
    if (!flushed) spdlog::error("flushing the store: {}", flushed.error());
  }
}

void Service::run_background() {
  using namespace std::chrono;
  auto next_watch = steady_clock::now() + milliseconds(options_.watch_interval_ms);
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    std::int64_t due = engine_->next_due();
    // Wake for the next due item, the next look at the rules, and at least
    // once a second (a system clock may be stepped forward). Nothing fires
    // while the engine awaits its rebuild (a lost commit): then a second,
    // with the mutex free for the event that rebuilds it (no busy loop).
    auto wait = milliseconds(1000);
    if (due != engine::kNever && lost_after_ == UINT64_MAX) wait = std::min(wait, clock_.real_wait_until(due));
    if (options_.watch) {
      wait = std::min(wait, duration_cast<milliseconds>(next_watch - steady_clock::now()));
    }
    if (wait > milliseconds(0)) {
      wake_.wait_for(lock, wait);
      if (stopping_) break;
    }
    // Other nodes' tickets and timers, and their deploys (a shared store).
    if (engine::Status caught = catch_up(/*for_write=*/false); !caught) {
      if (stats_.background_error != caught.error()) spdlog::error("catching up: {}", caught.error());
      stats_.background_error = caught.error();
    } else if (engine_->next_due() > clock_.now()) {
      stats_.background_error.clear();  // the store answers again; nothing due waits on it
    }
    // Whichever node takes the write lock first fires a due item; the
    // others then find it fired (catch_up) and fire nothing.
    if (engine_->next_due() <= clock_.now() && lost_after_ == UINT64_MAX) {
      engine::Result<std::size_t> fired = engine::Result<std::size_t>::success(0);
      if (engine::Status caught = catch_up(/*for_write=*/true); !caught) {
        fired = engine::Result<std::size_t>::failure(caught.error());
      } else {
        fired = engine_->advance();
        if (engine::Status released = store_->release_write(); !released && fired) {
          fired = engine::Result<std::size_t>::failure(released.error());
        }
      }
      if (!fired) {
        if (stats_.background_error != fired.error()) spdlog::error("timers: {}", fired.error());
        stats_.background_error = fired.error();
        // Units fired before the failure wait in the open batch, or were lost
        // with it (the store then refuses every write): the committer commits
        // them or finds the batch lost, and the next event rebuilds the engine.
        ++staged_;
        commit_wanted_.notify_one();
        // Do not spin on a store that refuses: try again a second later.
        wake_.wait_for(lock, milliseconds(1000));
      } else {
        stats_.background_error.clear();
        if (fired.value() > 0) {
          ++staged_;
          commit_wanted_.notify_one();
        }
      }
    }
    if (options_.watch && steady_clock::now() >= next_watch) {
      next_watch = steady_clock::now() + milliseconds(options_.watch_interval_ms);
      watch_rules(lock);
    }
  }
}

void Service::watch_rules(std::unique_lock<std::mutex>& lock) {
  using namespace std::chrono;
  std::string signature = rules_signature();
  if (signature == rules_signature_) {
    pending_signature_.clear();
    return;
  }
  if (signature != pending_signature_) {
    // Changed since the last look: a save may still be under way.
    pending_signature_ = signature;
    pending_since_ = steady_clock::now();
    return;
  }
  if (steady_clock::now() - pending_since_ < milliseconds(options_.settle_ms)) return;
  rules_signature_ = signature;
  pending_signature_.clear();
  spdlog::info("rules changed in {}: reloading", options_.rules_directory);
  // Compile without the lock: requests go on meanwhile.
  lock.unlock();
  engine::Result<std::vector<WorkflowPtr>> compiled = loader_.load_directory(options_.rules_directory);
  lock.lock();
  if (!stopping_) install(std::move(compiled), "watch");
}

std::string Service::rules_signature() const {
  std::string signature;
  std::error_code error;
  std::vector<std::string> entries;
  for (const auto& entry : std::filesystem::directory_iterator(options_.rules_directory, error)) {
    if (entry.path().extension() != ".docket") continue;
    std::error_code ignored;
    auto size = std::filesystem::file_size(entry.path(), ignored);
    auto time = std::filesystem::last_write_time(entry.path(), ignored).time_since_epoch().count();
    entries.push_back(entry.path().filename().string() + ":" + std::to_string(size) + ":" + std::to_string(time));
  }
  std::sort(entries.begin(), entries.end());
  for (const std::string& entry : entries) signature += entry + "\n";
  return signature;
}

ReloadReport Service::install(engine::Result<std::vector<WorkflowPtr>> compiled, const std::string& source) {
  ReloadReport report;
  report.source = source;
  report.at = engine_->now();
  if (compiled && compiled->empty()) {
    compiled = engine::Result<std::vector<WorkflowPtr>>::failure(options_.rules_directory +
                                                                 ": no rule files (*.docket) to load");
  }
  if (!compiled) {
    report.diagnostics = compiled.error();
    ++stats_.reload_failures;
    // One log line, whatever the diagnostics hold (they quote rule text).
    spdlog::error("reload ({}) refused, the current versions stay: {}", source, engine::printable(report.diagnostics));
    last_reload_ = report;
    return report;
  }
  // Everything compiled: install all of it while holding the mutex, so no
  // request sees half a deployment.
  auto refuse = [&](const std::string& diagnostics) {
    report.diagnostics = diagnostics;
    ++stats_.reload_failures;
    spdlog::error("reload ({}) failed: {}", source, engine::printable(report.diagnostics));
    last_reload_ = report;
    return report;
  };
  // Kept in the store first (and, on a shared store, made the current rules
  // of every node, with the workflows this deploy leaves as they are), then
  // installed here.
  std::vector<WorkflowPtr> current = compiled.value();
  for (const std::string& name : workflow_names_) {
    bool replaced =
        std::any_of(current.begin(), current.end(), [&](const WorkflowPtr& w) { return w->name() == name; });
    if (!replaced && engine_->workflow(name)) current.push_back(engine_->workflow(name));
  }
  if (engine::Status kept = store_->publish_rules(current, engine_->now()); !kept) {
    report.store_failed = true;
    return refuse(kept.error());
  }
  // A version the store holds under another folder (kept first by another
  // node, or before the rules directory moved) runs as the store's copy, so
  // that every record of it cites the rule positions `docket audit verify`
  // replays (the version id leaves the folder out; Engine::version_of).
  engine::Result<std::vector<engine::StoredVersion>> stored = store_->versions();
  if (!stored) return refuse(stored.error());
  for (WorkflowPtr& workflow : compiled.value()) {
    auto same = std::find_if(stored->begin(), stored->end(),
                             [&](const engine::StoredVersion& v) { return v.id == workflow->version_id(); });
    if (same == stored->end() || same->source_root == workflow->source_root()) continue;
    auto known = versions_.find(same->id);
    if (known != versions_.end() && known->second->source_root() == same->source_root) {
      workflow = known->second;
      continue;
    }
    engine::Result<WorkflowPtr> copy = loader_.compile_stored(*same);
    if (!copy || copy.value()->version_id() != same->id)
      return refuse("stored version " + same->id.substr(0, 12) + " does not compile to itself");
    workflow = copy.value();
    versions_.insert_or_assign(same->id, workflow);
  }
  for (const WorkflowPtr& workflow : compiled.value()) {
    engine::Status installed = engine_->install(workflow);
    if (!installed) return refuse(workflow->name() + ": " + installed.error());
    versions_.emplace(workflow->version_id(), workflow);
    if (std::find(workflow_names_.begin(), workflow_names_.end(), workflow->name()) == workflow_names_.end())
      workflow_names_.push_back(workflow->name());
  }
  report.ok = true;
  report.installed = ids_of(compiled.value());
  ++stats_.reload_successes;
  for (const WorkflowPtr& workflow : compiled.value())
    spdlog::info("reload ({}): workflow {} version {} is current", source, workflow->name(),
                 workflow->version_id().substr(0, 12));
  last_reload_ = report;
  return report;
}

ReloadReport Service::reload(const std::string& source) {
  // Compile outside the lock: requests and timers go on meanwhile.
  engine::Result<std::vector<WorkflowPtr>> compiled = loader_.load_directory(options_.rules_directory);
  std::lock_guard<std::mutex> lock(mutex_);
  rules_signature_ = rules_signature();
  return install(std::move(compiled), source);
}

ReloadReport Service::deploy_text(const std::string& name, const std::string& text) {
  engine::Result<WorkflowPtr> compiled = loader_.compile_text(name, text);
  std::lock_guard<std::mutex> lock(mutex_);
  if (!compiled) return install(engine::Result<std::vector<WorkflowPtr>>::failure(compiled.error()), "api");
  return install(engine::Result<std::vector<WorkflowPtr>>::success({compiled.value()}), "api");
}

engine::Result<engine::Outcome> Service::apply(engine::Event event) {
  using R = engine::Result<engine::Outcome>;
  std::unique_lock<std::mutex> lock(mutex_);
  if (lost_after_ != UINT64_MAX) {
    if (engine::Status rebuilt = rebuild(); !rebuilt) {
      store_error_ = rebuilt.error();
      return R::failure(store_error_);
    }
  }
  if (engine::Status caught = catch_up(/*for_write=*/true); !caught) {
    store_error_ = caught.error();
    // A batch the store lost elsewhere (it refuses every write since) is
    // found by the committer; the next event then rebuilds the engine.
    ++staged_;
    commit_wanted_.notify_one();
    return R::failure(caught.error());
  }
  // Never before the journal's latest time: another node's clock may be ahead.
  event.at = std::max(clock_.now(), engine_->now());
  if (event.event != engine::kCreateEvent && engine_->find(event.ticket) == nullptr) {
    (void)store_->release_write();
    engine::Outcome unknown;
    unknown.code = engine::RejectionCode::kUnknownTicket;
    unknown.reason = "unknown ticket `" + event.ticket + "`";
    ++stats_.events_unknown;
    return R::success(std::move(unknown));
  }
  engine::Result<engine::Outcome> outcome = engine_->apply(event);
  if (outcome) {
    if (outcome->duplicate) {
      ++stats_.events_duplicate;
    } else if (outcome->accepted) {
      ++stats_.events_accepted;
    } else {
      ++stats_.events_rejected;
    }
    if (!outcome->follow_up_error.empty()) spdlog::error("after {}: {}", event.ticket, outcome->follow_up_error);
  } else {
    store_error_ = outcome.error();
  }
  // A duplicate wrote nothing: the write lock it took goes.
  if (engine::Status released = store_->release_write(); !released && outcome) {
    return R::failure(released.error());
  }
  // The background thread's next wake-up may now be earlier.
  wake_.notify_all();
  // A duplicate's first delivery may still be on its way to the disk: it waits too.
  engine::Status durable = wait_durable(lock, ++staged_);
  if (!durable) return R::failure(durable.error());
  // A unit went to disk: whatever refused writes before is over.
  if (outcome && lost_after_ == UINT64_MAX) store_error_.clear();
  return outcome;
}

// The open level of an approval: its roles, who may not vote, and who of
// the configured people may.
void Service::describe_level(const engine::Workflow& workflow, const engine::Ticket& ticket,
                             ApprovalInfo& approval) const {
  const engine::ApprovalProgress& progress = *ticket.approval;
  if (progress.chain >= workflow.chains().size() || progress.level >= workflow.chains()[progress.chain].levels.size())
    return;
  const engine::ApprovalLevel& level = workflow.chains()[progress.chain].levels[progress.level];
  approval.level_name = engine::level_name(workflow, progress);
  for (engine::RoleIndex role : level.roles) approval.roles.push_back(workflow.roles()[role].name);
  engine::PlanPeople people = engine::plan_people(ticket);
  if (!progress.requester.empty()) approval.excluded.push_back(progress.requester);
  if (level.excludes_participants) {
    for (const std::string& person : people.participants) {
      if (std::find(approval.excluded.begin(), approval.excluded.end(), person) == approval.excluded.end())
        approval.excluded.push_back(person);
    }
  }
  approval.eligible = eligible_voters(workflow, ticket, people_);
}

TicketInfo Service::describe(const engine::Ticket& ticket) const {
  const engine::Workflow& workflow = *ticket.workflow;
  TicketInfo info;
  info.id = ticket.id;
  info.workflow = workflow.name();
  info.version = workflow.version_id();
  info.state = ticket.state_name();
  if (ticket.state < workflow.states().size()) {
    info.state_label = workflow.states()[ticket.state].label;
    info.closed = workflow.states()[ticket.state].kind == engine::StateKind::kFinal;
  }
  info.created_at = ticket.created_at;
  info.updated_at = ticket.updated_at;
  info.requester = ticket.requester();
  if (auto priority = ticket.priority(); priority && *priority < workflow.priorities().size())
    info.priority = workflow.priorities()[*priority].name;
  if (auto category = ticket.category(); category && *category < workflow.categories().size())
    info.category = workflow.categories()[*category].name;
  info.assignee = engine::assignment_text(workflow, ticket.assignee);
  for (engine::DepartmentIndex department : ticket.departments) {
    if (department < workflow.departments().size()) info.departments.push_back(workflow.departments()[department].name);
  }
  for (std::size_t i = 0; i < workflow.fields().size() && i < ticket.fields.size(); ++i)
    info.fields.push_back(field_info(workflow, workflow.fields()[i], ticket.fields[i]));
  for (std::size_t m = 0; m < workflow.metrics().size() && m < ticket.clocks.size(); ++m) {
    const engine::SlaClock& clock = ticket.clocks[m];
    ClockInfo sla;
    sla.metric = workflow.metrics()[m];
    sla.status = engine::to_string(clock.status);
    sla.breached = clock.breached;
    if (clock.due != engine::kNever) sla.next_due = clock.due;
    engine::Result<std::string> explained = engine_->explain(ticket.id, sla.metric);
    sla.explanation = explained ? explained.value() : explained.error();
    info.clocks.push_back(std::move(sla));
  }
  if (ticket.approval) {
    const engine::ApprovalProgress& progress = *ticket.approval;
    ApprovalInfo approval;
    if (progress.chain < workflow.chains().size()) approval.chain = workflow.chains()[progress.chain].name;
    approval.level = progress.level;
    approval.requester = progress.requester;
    for (const engine::ApprovalVote& vote : progress.votes) approval.votes.emplace_back(vote.approver, vote.level);
    if (progress.deadline != engine::kNever) approval.deadline = progress.deadline;
    describe_level(workflow, ticket, approval);
    info.approval = std::move(approval);
  }
  return info;
}

std::optional<TicketInfo> Service::ticket(std::string_view id) {
  std::lock_guard<std::mutex> lock(mutex_);
  catch_up_for_reading();
  const engine::Ticket* ticket = engine_->find(id);
  if (ticket == nullptr) return std::nullopt;
  return describe(*ticket);
}

std::optional<TicketPage> Service::query(const TicketQuery& query) {
  std::lock_guard<std::mutex> lock(mutex_);
  catch_up_for_reading();
  std::size_t start = 0;
  if (!query.after.empty()) {
    const engine::Ticket* after = engine_->find(query.after);
    if (after == nullptr) return std::nullopt;
    while (start < engine_->ticket_count() && &engine_->ticket_at(start) != after) ++start;
    ++start;
  }
  TicketPage page;
  std::int64_t now = clock_.now();
  for (std::size_t i = 0; i < engine_->ticket_count(); ++i) {
    const engine::Ticket& ticket = engine_->ticket_at(i);
    if (!matches(ticket, query, now)) continue;
    ++page.total;
    if (i < start) continue;
    if (page.tickets.size() == query.limit) {
      if (page.next.empty()) page.next = page.tickets.back().id;
      continue;
    }
    page.tickets.push_back(describe(ticket));
  }
  return page;
}

engine::Result<std::optional<std::vector<std::string>>> Service::journal(std::string_view id) {
  using R = engine::Result<std::optional<std::vector<std::string>>>;
  std::lock_guard<std::mutex> lock(mutex_);
  catch_up_for_reading();
  if (engine_->find(id) == nullptr) return R::success(std::nullopt);
  std::vector<std::string> lines;
  engine::Status read = store_->read_ticket_journal(id, [&lines](const engine::JournalRow& row) {
    lines.push_back(row.body);
    return engine::Status::success();
  });
  if (!read) return R::failure(read.error());
  return R::success(std::move(lines));
}

engine::Result<FeedPage> Service::feed(const FeedQuery& query) {
  using R = engine::Result<FeedPage>;
  auto deadline = std::chrono::steady_clock::now() + query.wait;
  std::unique_lock<std::mutex> lock(mutex_);
  FeedPage page;
  page.next = query.after;
  std::uint64_t budget = kFeedScanRows;
  engine::Status scanned = scan_feed(query, page, budget);
  bool waited = false;
  // Only a page that found nothing and reached the head waits: one cut
  // short by the budget answers, and its `next` lets the client go on.
  while (scanned && page.records.empty() && page.next >= durable_seq_ && !waits_ended_ &&
         std::chrono::steady_clock::now() < deadline) {
    if (!waited) ++stats_.long_polls;
    waited = true;
    journal_grew_.wait_until(lock, deadline, [&] { return durable_seq_ > page.next || waits_ended_; });
    scanned = scan_feed(query, page, budget);
  }
  if (waited) --stats_.long_polls;
  if (!scanned) return R::failure(scanned.error());
  page.last_seq = durable_seq_;
  return R::success(std::move(page));
}

engine::Status Service::scan_feed(const FeedQuery& query, FeedPage& page, std::uint64_t& budget) {
  if (page.next >= durable_seq_ || budget == 0) return engine::Status::success();
  EncodedFilter filter(query);
  bool done = false;
  engine::Status read = store_->read_journal(page.next + 1, [&](const engine::JournalRow& row) {
    // Rows past the durable head belong to a commit still under way.
    done = row.seq > durable_seq_;
    if (done) return engine::Status::failure("");
    engine::Result<bool> matched = filter.matches(row);
    if (!matched) return engine::Status::failure(matched.error());
    page.next = row.seq;
    if (matched.value()) page.records.push_back(row.body);
    done = --budget == 0 || page.records.size() >= query.limit || row.seq >= durable_seq_;
    // A failure is the one way to end read_journal early.
    return done ? engine::Status::failure("") : engine::Status::success();
  });
  if (!read && !done) return read;
  return engine::Status::success();
}

void Service::end_waits() {
  std::lock_guard<std::mutex> lock(mutex_);
  waits_ended_ = true;
  journal_grew_.notify_all();
}

std::uint64_t Service::durable_seq() {
  std::lock_guard<std::mutex> lock(mutex_);
  return durable_seq_;
}

std::vector<VersionInfo> Service::versions() {
  std::lock_guard<std::mutex> lock(mutex_);
  catch_up_for_reading();
  std::vector<VersionInfo> list;
  engine::Result<std::vector<engine::StoredVersion>> stored = store_->versions();
  if (!stored) return list;
  for (const engine::StoredVersion& version : stored.value()) {
    VersionInfo info{version.id, version.workflow, version.declared, version.added_at, version.tickets, false};
    WorkflowPtr current = engine_->workflow(version.workflow);
    info.current = current && current->version_id() == version.id;
    list.push_back(std::move(info));
  }
  return list;
}

ReloadReport Service::last_reload() {
  std::lock_guard<std::mutex> lock(mutex_);
  return last_reload_;
}

ServiceStats Service::stats() {
  std::lock_guard<std::mutex> lock(mutex_);
  catch_up_for_reading();
  ServiceStats stats = stats_;
  stats.tickets_total = engine_->ticket_count();
  stats.tickets_open = 0;
  for (std::size_t i = 0; i < engine_->ticket_count(); ++i) {
    const engine::Ticket& ticket = engine_->ticket_at(i);
    const auto& states = ticket.workflow->states();
    if (ticket.state < states.size() && states[ticket.state].kind != engine::StateKind::kFinal) ++stats.tickets_open;
  }
  stats.last_seq = engine_->last_seq();
  stats.now = clock_.now();
  stats.store_error = store_error_;
  engine::Result<engine::OutboxSummary> outbox = store_->outbox_summary();
  if (outbox) stats.outbox = std::move(outbox).value();
  if (sender_) stats.webhooks = sender_->stats();
  stats.wall_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  return stats;
}

engine::Result<engine::OutboxPage> Service::outbox(const engine::OutboxQuery& query) {
  std::lock_guard<std::mutex> lock(mutex_);
  return store_->outbox(query);
}

engine::Result<engine::OutboxSummary> Service::outbox_summary() {
  std::lock_guard<std::mutex> lock(mutex_);
  return store_->outbox_summary();
}

engine::Result<std::optional<DeliveryInfo>> Service::delivery(std::string_view id) {
  using R = engine::Result<std::optional<DeliveryInfo>>;
  std::lock_guard<std::mutex> lock(mutex_);
  engine::Result<std::optional<engine::Delivery>> found = store_->delivery(id);
  if (!found) return R::failure(found.error());
  if (!found.value()) return R::success(std::nullopt);
  engine::Result<std::vector<engine::AttemptRow>> attempts = store_->delivery_attempts(id);
  if (!attempts) return R::failure(attempts.error());
  return R::success(DeliveryInfo{std::move(*found.value()), std::move(attempts).value()});
}

engine::Result<engine::Delivery> Service::retry_delivery(std::string_view id) {
  std::unique_lock<std::mutex> lock(mutex_);
  std::int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  engine::Result<engine::Delivery> retried = store_->retry_delivery(id, now_ms);
  if (!retried) return retried;
  ++staged_;
  if (engine::Status durable = wait_durable(lock, staged_); !durable)
    return engine::Result<engine::Delivery>::failure(durable.error());
  if (sender_) sender_->wake();
  return retried;
}

// ---------------------------------------------------------------- the console

void Service::set_people(std::vector<engine::Actor> people) {
  std::lock_guard<std::mutex> lock(mutex_);
  people_ = std::move(people);
}

namespace {

FieldSpec field_spec(const engine::Workflow& workflow, const engine::Field& field) {
  FieldSpec spec{field.name, field.label, engine::to_string(field.type), field.required, {}, "", ""};
  for (std::size_t i = 0; i < field.enum_values.size(); ++i)
    spec.choices.emplace_back(field.enum_values[i], i < field.enum_labels.size() ? field.enum_labels[i] : "");
  if (field.range_min) spec.min = workflow.format_value(*field.range_min);
  if (field.range_max) spec.max = workflow.format_value(*field.range_max);
  return spec;
}

// The threshold of `ticket` due soonest among its running clocks: metric and time.
std::optional<std::pair<std::string, std::int64_t>> next_threshold(const engine::Ticket& ticket) {
  std::optional<std::pair<std::string, std::int64_t>> next;
  const engine::Workflow& workflow = *ticket.workflow;
  for (std::size_t m = 0; m < ticket.clocks.size() && m < workflow.metrics().size(); ++m) {
    const engine::SlaClock& clock = ticket.clocks[m];
    if (clock.status != engine::SlaClock::Status::kRunning || clock.due == engine::kNever) continue;
    if (!next || clock.due < next->second) next = std::make_pair(workflow.metrics()[m], clock.due);
  }
  return next;
}

std::optional<std::string> breached_metric(const engine::Ticket& ticket) {
  for (std::size_t m = 0; m < ticket.clocks.size() && m < ticket.workflow->metrics().size(); ++m) {
    if (ticket.clocks[m].breached) return ticket.workflow->metrics()[m];
  }
  return std::nullopt;
}

}  // namespace

std::optional<TicketActions> Service::actions(std::string_view id, const engine::Actor& actor) {
  std::lock_guard<std::mutex> lock(mutex_);
  catch_up_for_reading();
  const engine::Ticket* ticket = engine_->find(id);
  if (ticket == nullptr) return std::nullopt;
  const engine::Workflow& workflow = *ticket->workflow;
  TicketActions actions;
  actions.state = ticket->state_name();
  for (OfferedEvent& offered : offered_events(workflow, *ticket, actor)) {
    OfferedAction action{offered.event, offered.to, offered.to_label, std::move(offered.guards), offered.rule, {}};
    for (engine::FieldIndex field : offered.suggested) action.suggested.push_back(workflow.fields()[field].name);
    actions.events.push_back(std::move(action));
  }
  for (std::size_t i = 0; i < workflow.fields().size(); ++i) {
    actions.fields.push_back(field_spec(workflow, workflow.fields()[i]));
    if (i < ticket->fields.size())
      actions.values.push_back(field_info(workflow, workflow.fields()[i], ticket->fields[i]));
  }
  return actions;
}

std::optional<Overview> Service::overview(const std::string& name, std::int64_t window) {
  std::lock_guard<std::mutex> lock(mutex_);
  catch_up_for_reading();
  WorkflowPtr current = engine_->workflow(name);
  if (!current) return std::nullopt;
  Overview overview;
  overview.now = clock_.now();
  overview.workflow = current->name();
  overview.version = current->version_id();
  overview.workflows = workflow_names_;
  for (const engine::State& state : current->states())
    overview.states.push_back({state.name, state.label, engine::to_string(state.kind), 0, 0, 0});
  for (const engine::Department& department : current->departments())
    overview.departments.push_back({department.name, department.label, "", 0, 0, 0});
  auto count_in = [](std::vector<StateCount>& rows, std::string_view row_name, bool breached, bool due) {
    for (StateCount& row : rows) {
      if (row.name != row_name) continue;
      ++row.count;
      row.breached += breached ? 1 : 0;
      row.due += due ? 1 : 0;
    }
  };
  for (std::size_t i = 0; i < engine_->ticket_count(); ++i) {
    const engine::Ticket& ticket = engine_->ticket_at(i);
    if (ticket.workflow->name() != overview.workflow) continue;
    const engine::Workflow& workflow = *ticket.workflow;
    bool closed =
        ticket.state < workflow.states().size() && workflow.states()[ticket.state].kind == engine::StateKind::kFinal;
    if (closed) {
      ++overview.closed;
      count_in(overview.states, ticket.state_name(), false, false);
      continue;
    }
    ++overview.open;
    std::optional<std::string> breach = breached_metric(ticket);
    auto next = next_threshold(ticket);
    bool due = !breach && next && next->second - overview.now <= window;
    overview.breached += breach ? 1 : 0;
    overview.due += due ? 1 : 0;
    count_in(overview.states, ticket.state_name(), breach.has_value(), due);
    // As GET /v1/tickets?department= finds them: routed there, or assigned there.
    std::vector<engine::DepartmentIndex> departments = ticket.departments;
    if (ticket.assignee.department != engine::kNoIndex &&
        std::find(departments.begin(), departments.end(), ticket.assignee.department) == departments.end())
      departments.push_back(ticket.assignee.department);
    for (engine::DepartmentIndex d : departments)
      count_in(overview.departments, workflow.departments()[d].name, breach.has_value(), due);
    if (breach || due) {
      DueTicket item{
          ticket.id,         ticket.state_name(), "", "", breach ? *breach : next->first, next ? next->second : 0,
          breach.has_value()};
      if (ticket.state < workflow.states().size()) item.state_label = workflow.states()[ticket.state].label;
      if (auto priority = ticket.priority(); priority && *priority < workflow.priorities().size())
        item.priority = workflow.priorities()[*priority].name;
      overview.due_tickets.push_back(std::move(item));
    }
  }
  std::sort(overview.due_tickets.begin(), overview.due_tickets.end(), [](const DueTicket& a, const DueTicket& b) {
    if (a.breached != b.breached) return a.breached;
    return a.due_at != b.due_at ? a.due_at < b.due_at : a.id < b.id;
  });
  if (overview.due_tickets.size() > kMaxOverviewDue) overview.due_tickets.resize(kMaxOverviewDue);
  overview.recent_since = overview.now - 86'400;
  for (auto it = recent_.rbegin(); it != recent_.rend() && it->at >= overview.recent_since; ++it) {
    if (it->workflow != overview.workflow) continue;
    (it->kind == "breach" ? overview.recent_breaches : overview.recent_escalations) += 1;
    if (overview.recent.size() < kMaxOverviewRecent) overview.recent.push_back(*it);
  }
  return overview;
}

std::vector<WorkflowInfo> Service::workflows() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<WorkflowInfo> list;
  for (const std::string& name : workflow_names_) {
    WorkflowPtr workflow = engine_->workflow(name);
    if (!workflow) continue;
    WorkflowInfo info{workflow->name(), workflow->label(), workflow->version_id(), {}, {}, {}, {}, {}};
    for (const engine::State& state : workflow->states())
      info.states.push_back({state.name, state.label, engine::to_string(state.kind)});
    for (const engine::Department& d : workflow->departments()) info.departments.push_back({d.name, d.label, ""});
    for (const engine::Category& c : workflow->categories()) info.categories.push_back({c.name, c.label, ""});
    for (const engine::Priority& p : workflow->priorities()) info.priorities.push_back({p.name, p.label, ""});
    for (const engine::Field& f : workflow->fields()) info.fields.push_back({f.name, f.label, ""});
    list.push_back(std::move(info));
  }
  return list;
}

WorkflowPtr Service::version_workflow(std::string_view id) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const std::string& name : workflow_names_) {
    WorkflowPtr current = engine_->workflow(name);
    if (current && current->version_id() == id) return current;
  }
  for (std::size_t i = 0; i < engine_->ticket_count(); ++i) {
    const engine::Ticket& ticket = engine_->ticket_at(i);
    if (ticket.workflow->version_id() == id) return ticket.workflow;
  }
  engine::Result<std::vector<engine::StoredVersion>> stored = store_->versions();
  if (!stored) return nullptr;
  for (const engine::StoredVersion& version : stored.value()) {
    if (version.id != id) continue;
    auto compiled = loader_.compile_stored(version);
    if (compiled) return compiled.value();
  }
  return nullptr;
}

void Service::remember_recent(const engine::Record& record) {
  bool breach = record.kind == engine::RecordKind::kBreach;
  if (!breach && record.kind != engine::RecordKind::kEscalation) return;
  recent_.push_back({record.seq, record.at, record.ticket, record.workflow, breach ? "breach" : "escalation",
                     record.sla ? record.sla->metric : "", engine::rule_position_text(record.rule)});
  std::int64_t since = record.at - 86'400;
  while (!recent_.empty() && (recent_.size() > kMaxRecentEvents || recent_.front().at < since)) recent_.pop_front();
}

void Service::seed_recent() {
  std::uint64_t last = store_->last_seq();
  std::uint64_t from = last > kRecentSeedRows ? last - kRecentSeedRows + 1 : 1;
  engine::Status read = store_->read_journal(from, [this](const engine::JournalRow& row) {
    std::optional<engine::EncodedHead> head = engine::encoded_head(row.body);
    if (!head || (head->kind != "\"breach\"" && head->kind != "\"escalation\"")) return engine::Status::success();
    engine::Result<engine::Record> record = engine::decode_record(row.body);
    if (record) remember_recent(record.value());
    return engine::Status::success();
  });
  if (!read) spdlog::warn("reading the journal's last breaches: {}", read.error());
}

// ---------------------------------------------------------------- audit, reports, version sources

namespace {

// A folder of its own under the system's temporary folder (mode 0700),
// removed with its contents when the object goes.
class TemporaryFolder {
 public:
  static engine::Result<std::unique_ptr<TemporaryFolder>> make(const std::string& prefix) {
    using R = engine::Result<std::unique_ptr<TemporaryFolder>>;
    std::error_code error;
    std::string pattern = (std::filesystem::temp_directory_path(error) / (prefix + "XXXXXX")).string();
    if (error || ::mkdtemp(pattern.data()) == nullptr) return R::failure("cannot make a temporary folder");
    return R::success(std::unique_ptr<TemporaryFolder>(new TemporaryFolder(pattern)));
  }
  ~TemporaryFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TemporaryFolder(const TemporaryFolder&) = delete;
  TemporaryFolder& operator=(const TemporaryFolder&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  explicit TemporaryFolder(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
};

// The seq of the last row of `store` from `from` on (`from` - 1 when none).
engine::Result<std::uint64_t> last_row(engine::Store& store, std::uint64_t from) {
  std::uint64_t last = from == 0 ? 0 : from - 1;
  engine::Status read = store.read_journal(from, [&last](const engine::JournalRow& row) {
    last = row.seq;
    return engine::Status::success();
  });
  if (!read) return engine::Result<std::uint64_t>::failure(read.error());
  return engine::Result<std::uint64_t>::success(last);
}

}  // namespace

void Service::stop_audit_job() {
  AuditJob* job = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    job = audit_job_.get();
  }
  // Outside the mutex: the run never takes it, and joining it may take a batch's time.
  if (job != nullptr) job->stop();
}

engine::Result<std::optional<engine::StoredVersion>> Service::stored_version(std::string_view id) {
  using R = engine::Result<std::optional<engine::StoredVersion>>;
  std::lock_guard<std::mutex> lock(mutex_);
  engine::Result<std::vector<engine::StoredVersion>> stored = store_->versions();
  if (!stored) return R::failure(stored.error());
  for (engine::StoredVersion& version : stored.value()) {
    if (version.id == id) return R::success(std::move(version));
  }
  return R::success(std::nullopt);
}

engine::Result<std::optional<WorkflowPtr>> Service::compiled_version(std::string_view id) {
  using R = engine::Result<std::optional<WorkflowPtr>>;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto kept = compiled_versions_.find(id);
    if (kept != compiled_versions_.end()) return R::success(kept->second);
  }
  engine::Result<std::optional<engine::StoredVersion>> stored = stored_version(id);
  if (!stored) return R::failure(stored.error());
  if (!stored.value()) return R::success(std::nullopt);
  const engine::StoredVersion& version = *stored.value();
  engine::Result<WorkflowPtr> compiled = loader_.compile_stored(version);
  if (!compiled) return R::failure("stored version " + version.id + " does not compile: " + compiled.error());
  if (compiled.value()->version_id() != version.id) {
    return R::failure("the stored sources of version " + version.id + " compile to version " +
                      compiled.value()->version_id() + ": they were altered");
  }
  std::lock_guard<std::mutex> lock(mutex_);
  compiled_versions_.emplace(version.id, compiled.value());
  return R::success(compiled.value());
}

engine::Result<AuditStatus> Service::audit_status() {
  using R = engine::Result<AuditStatus>;
  std::lock_guard<std::mutex> lock(mutex_);
  AuditStatus status;
  status.last_seq = engine_->last_seq();
  status.durable_seq = durable_seq_;
  status.signing = !options_.checkpoint_key.empty();
  status.chain_head = std::string(engine::kGenesisHash);
  if (durable_seq_ > 0) {
    engine::Status read = store_->read_journal(durable_seq_, [&status](const engine::JournalRow& row) {
      status.chain_head = row.hash;
      return engine::Status::failure("");  // the first row is the one
    });
    if (!read && !read.error().empty()) return R::failure(read.error());
  }
  engine::Result<std::optional<engine::Checkpoint>> checkpoint = store_->last_checkpoint();
  if (!checkpoint) return R::failure(checkpoint.error());
  status.checkpoint = std::move(checkpoint).value();
  if (status.checkpoint) {
    engine::Result<std::vector<std::string>> keys = store_->public_keys();
    if (!keys) return R::failure(keys.error());
    engine::KeyRing ring;
    for (const std::string& pem : keys.value()) {
      auto key = engine::VerifyKey::from_pem(pem, options_.store_path);
      if (key) (void)ring.add(std::move(key).value());
    }
    status.checkpoint_verifies = engine::verify_checkpoint(*status.checkpoint, ring).ok();
  }
  if (audit_job_) status.verify = audit_job_->progress();
  return R::success(std::move(status));
}

bool Service::start_audit_verification() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stopping_ || stopped_) return false;
  if (!audit_job_) audit_job_ = std::make_unique<AuditJob>(options_.store_path, loader_.compile_stored, clock_);
  return audit_job_->start(durable_seq_);
}

engine::Result<AuditExport> Service::export_audit(std::size_t max_bytes) {
  using R = engine::Result<AuditExport>;
  auto folder = TemporaryFolder::make("docket-export-");
  if (!folder) return R::failure(folder.error());
  auto reader = engine::open_store_for_reading(options_.store_path);
  if (!reader) return R::failure(reader.error());
  engine::Store& store = *reader.value();
  AuditExport exported;
  std::filesystem::path bundle = folder.value()->path() / "bundle";
  engine::Status written = store.read_snapshot([&] {
    // The head as of this transaction: rows since the store was opened are read too.
    engine::Result<std::uint64_t> last = last_row(store, store.last_seq());
    if (!last) return engine::Status::failure(last.error());
    exported.last_seq = last.value();
    auto stats = engine::write_bundle(store, bundle, engine::BundleFormat::kJsonl);
    return stats ? engine::Status::success() : engine::Status::failure(stats.error());
  });
  if (!written) return R::failure(written.error());
  engine::Result<std::uint64_t> size = tar_directory_size(bundle);
  if (!size) return R::failure(size.error());
  exported.too_large = size.value() > max_bytes;
  if (exported.too_large) return R::success(std::move(exported));
  std::string top = "docket-audit-" + std::to_string(exported.last_seq);
  engine::Result<std::string> tar = tar_directory(bundle, top, clock_.now(), max_bytes);
  if (!tar) return R::failure(tar.error());
  exported.tar = std::move(tar).value();
  return R::success(std::move(exported));
}

ReportAnswer Service::report(const designer::ReportOptions& period, const std::string& workflow) {
  ReportAnswer answer;
  // A connection of its own: the whole journal is read, but not under the mutex.
  engine::Result<designer::JournalInput> input = designer::read_journal(options_.store_path);
  if (!input) {
    answer.problem = designer::ReportProblem{false, input.error()};
    return answer;
  }
  engine::Result<std::string> chosen = designer::choose_report_workflow(input->records, workflow, "`workflow`");
  if (!chosen) {
    answer.problem = designer::ReportProblem{true, chosen.error()};
    return answer;
  }
  designer::ReportRequest request;
  request.workflow = chosen.value();
  request.input = engine::is_postgres_url(options_.store_path)
                      ? engine::redact_postgres_url(options_.store_path)
                      : std::filesystem::path(options_.store_path).filename().string();
  designer::ReportOptions options = period;
  answer.problem = designer::settle_report(input.value(), request, loader_.compile_stored, options);
  if (answer.problem) return answer;
  answer.json = designer::render_report_json(designer::compute_report(input->records, options));
  return answer;
}

}  // namespace docket::server
