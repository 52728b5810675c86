// Several engines on one PostgreSQL store (engine/store/store.h: "several
// engines on one store").
//
// The chain's head row counts the units every node wrote (`changes`) and the
// deploys (`rules`); each ticket row keeps the count of the unit that last
// wrote it. A node that last looked at count N reads the tickets written
// since (change > N) and, when `rules` moved, the current versions. Under
// the write lock (the head row locked FOR UPDATE) what it reads is
// complete: nobody else can write until it commits.

#include <utility>

#include "engine/store/postgres_connection.h"
#include "engine/store/postgres_store.h"

namespace docket::engine {

Result<StoreChanges> PostgresStore::read_changes(bool lock) {
  using R = Result<StoreChanges>;
  auto head = db_->run(lock ? "SELECT seq, hash, at, changes, rules FROM chain_head FOR UPDATE"
                            : "SELECT seq, hash, at, changes, rules FROM chain_head",
                       {}, lock ? "locking the chain's head" : "reading the chain's head");
  if (!head) return R::failure(head.error());
  if (head->empty()) return R::failure(location_ + ": the chain's head row is missing");
  StoreChanges result;
  result.last_seq = static_cast<std::uint64_t>(head->integer(0, 0));
  result.last_at = head->integer(0, 2);
  auto changes = static_cast<std::uint64_t>(head->integer(0, 3));
  auto rules = static_cast<std::uint64_t>(head->integer(0, 4));
  if (changes != changes_) {
    auto tickets =
        db_->run("SELECT id, version, state, snapshot, row_version FROM tickets WHERE change > $1 ORDER BY change",
                 {changes_}, "reading changed tickets");
    if (!tickets) return R::failure(tickets.error());
    auto keys = db_->run(
        "SELECT i.ticket, i.key, i.accepted, i.reason, i.first_seq, i.last_seq, i.state FROM idempotency i "
        "JOIN tickets t ON t.id = i.ticket WHERE t.change > $1 ORDER BY i.ticket, i.first_seq",
        {changes_}, "reading changed tickets");
    if (!keys) return R::failure(keys.error());
    std::map<std::string, std::size_t, std::less<>> index;
    for (int row = 0; row < tickets->size(); ++row) {
      StoredTicket& ticket = result.tickets.emplace_back();
      ticket.id = tickets->text(row, 0);
      ticket.version = tickets->text(row, 1);
      ticket.state = tickets->text(row, 2);
      ticket.snapshot = tickets->text(row, 3);
      ticket.row_version = static_cast<std::uint64_t>(tickets->integer(row, 4));
      index.emplace(ticket.id, result.tickets.size() - 1);
    }
    for (int row = 0; row < keys->size(); ++row) {
      auto owner = index.find(keys->text(row, 0));
      if (owner == index.end()) continue;
      Outcome outcome;
      outcome.accepted = keys->text(row, 2) == "t";
      outcome.reason = keys->text(row, 3);
      outcome.first_seq = static_cast<std::uint64_t>(keys->integer(row, 4));
      outcome.last_seq = static_cast<std::uint64_t>(keys->integer(row, 5));
      outcome.state = keys->text(row, 6);
      result.tickets[owner->second].keys.emplace_back(keys->text(row, 1), std::move(outcome));
    }
  }
  if (rules != rules_) {
    auto current = db_->run("SELECT version FROM rules_current ORDER BY ordinal", {}, "reading the current rules");
    if (!current) return R::failure(current.error());
    std::vector<std::string> ids;
    ids.reserve(static_cast<std::size_t>(current->size()));
    for (int row = 0; row < current->size(); ++row) ids.push_back(current->text(row, 0));
    result.rules = std::move(ids);
  }
  // Only now that everything was read: this store's idea of the head moves.
  last_seq_ = result.last_seq;
  last_hash_ = head->text(0, 1);
  last_at_ = result.last_at;
  changes_ = changes;
  rules_ = rules;
  for (const StoredTicket& ticket : result.tickets) row_versions_[ticket.id] = ticket.row_version;
  return R::success(std::move(result));
}

Result<StoreChanges> PostgresStore::changes() {
  using R = Result<StoreChanges>;
  // Inside an open write transaction nobody else wrote: nothing to read.
  if (in_batch_ || write_locked_) return R::success(StoreChanges::none(last_seq_, last_at_));
  if (Status s = db_->connect(); !s) return R::failure(s.error());
  Result<StoreChanges> changed = read_changes(false);
  if (changed || db_->failure() != PgFailure::kConnection) return changed;
  // A connection the server dropped (a restart) is found dead only when used: once more on a new one.
  db_->drop();
  if (Status s = db_->connect(); !s) return R::failure(s.error());
  return read_changes(false);
}

Result<StoreChanges> PostgresStore::lock_for_write() {
  using R = Result<StoreChanges>;
  if (Status s = refuse_writes(); !s) return R::failure(s.error());
  if (in_batch_ || write_locked_) return R::success(StoreChanges::none(last_seq_, last_at_));
  if (Status s = db_->begin(); !s) return R::failure(s.error());
  Result<StoreChanges> changed = read_changes(true);
  if (!changed) {
    (void)rollback();
    return changed;
  }
  if (options_.batch_units == 1) {
    write_locked_ = true;
  } else {
    in_batch_ = true;
  }
  return changed;
}

Status PostgresStore::release_write() {
  // A batch that no unit joined yet would hold the lock until the next flush.
  if (in_batch_ && batch_size_ == 0) return commit_batch();
  if (!write_locked_) return Status::success();
  write_locked_ = false;
  return db_->exec("COMMIT");
}

Status PostgresStore::publish_rules(std::span<const std::shared_ptr<const Workflow>> workflows, std::int64_t now) {
  if (Status s = refuse_writes(); !s) return s;
  if (in_batch_) {
    if (Status s = commit_batch(); !s) return s;
  }
  if (Status s = release_write(); !s) return s;
  Status published = in_transaction([&]() -> Status {
    // In line with the appends: a deploy is ordered among the units.
    auto head = db_->run("SELECT rules FROM chain_head FOR UPDATE", {}, "locking the chain's head");
    if (!head) return Status::failure(head.error());
    for (const std::shared_ptr<const Workflow>& workflow : workflows) {
      if (Status s = insert_version(*workflow, now); !s) return s;
    }
    auto cleared = db_->run("DELETE FROM rules_current", {}, "publishing the rules");
    if (!cleared) return Status::failure(cleared.error());
    for (std::size_t i = 0; i < workflows.size(); ++i) {
      auto added = db_->run("INSERT INTO rules_current(ordinal, version) VALUES($1, $2)",
                            {static_cast<std::int64_t>(i), workflows[i]->version_id()}, "publishing the rules");
      if (!added) return Status::failure(added.error());
    }
    auto moved = db_->run("UPDATE chain_head SET rules = rules + 1 RETURNING rules", {}, "publishing the rules");
    if (!moved) return Status::failure(moved.error());
    rules_ = static_cast<std::uint64_t>(moved->integer(0, 0));
    return Status::success();
  });
  if (!published) return published;
  for (const std::shared_ptr<const Workflow>& workflow : workflows) known_versions_.insert(workflow->version_id());
  return Status::success();
}

}  // namespace docket::engine
