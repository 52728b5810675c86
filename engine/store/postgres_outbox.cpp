// The PostgreSQL store's outbox tables (engine/store/outbox.h), shared by
// every node: a sender claims the items it is about to deliver for
// PostgresStoreOptions::claim_ms, so that two nodes never send one item at
// once, and another node takes them over when the claim lapses.

#include <chrono>
#include <string>
#include <utility>

#include "engine/runtime/journal.h"
#include "engine/store/postgres_connection.h"
#include "engine/store/postgres_store.h"

namespace docket::engine {

namespace {

constexpr const char* kColumns =
    "position, id, seq, part, ticket, target, payload, status, attempts, queued_ms, next_ms, finished_ms, "
    "last_http_status, last_error";

std::vector<Delivery> read_deliveries(const PgRows& rows) {
  std::vector<Delivery> result;
  result.reserve(static_cast<std::size_t>(rows.size()));
  for (int row = 0; row < rows.size(); ++row) {
    Delivery& delivery = result.emplace_back();
    delivery.position = static_cast<std::uint64_t>(rows.integer(row, 0));
    delivery.item.id = rows.text(row, 1);
    delivery.item.seq = static_cast<std::uint64_t>(rows.integer(row, 2));
    delivery.item.part = static_cast<std::uint32_t>(rows.integer(row, 3));
    delivery.item.ticket = rows.text(row, 4);
    delivery.item.target = rows.text(row, 5);
    delivery.item.payload = rows.text(row, 6);
    delivery.status = parse_delivery_status(rows.text(row, 7)).value_or(DeliveryStatus::kPending);
    delivery.attempts = static_cast<std::uint32_t>(rows.integer(row, 8));
    delivery.queued_ms = rows.integer(row, 9);
    delivery.next_ms = rows.integer(row, 10);
    delivery.finished_ms = rows.integer(row, 11);
    delivery.last_http_status = static_cast<int>(rows.integer(row, 12));
    delivery.last_error = rows.text(row, 13);
  }
  return result;
}

}  // namespace

std::int64_t PostgresStore::wall_clock_ms() const {
  if (options_.wall_clock_ms) return options_.wall_clock_ms();
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

Status PostgresStore::write_apart(const std::function<Status()>& write) {
  if (Status s = refuse_writes(); !s) return s;
  if (!in_batch_) return in_transaction(write);
  // Inside the open batch, as one unit of it: committed with the batch.
  if (Status s = db_->exec("SAVEPOINT apart"); !s) return s;
  Status written = write();
  if (written) return db_->exec("RELEASE SAVEPOINT apart");
  if (Status s = db_->exec("ROLLBACK TO SAVEPOINT apart"); !s) {
    in_batch_ = false;
    head_moved_ = false;
    batch_size_ = 0;
    batch_records_.clear();
    failed_ = location_ + ": a group commit was rolled back by an error: rebuild the engine from the store";
    return written;
  }
  (void)db_->exec("RELEASE SAVEPOINT apart");
  return written;
}

Status PostgresStore::write_outbox(const Record& record, const std::string& hash, const Ticket* ticket) {
  std::vector<OutboxItem> items;
  options_.outbox_router(record, hash, ticket, items);
  std::int64_t now = wall_clock_ms();
  for (const OutboxItem& item : items) {
    auto inserted = db_->run(
        "INSERT INTO outbox(id, seq, part, ticket, target, payload, status, attempts, queued_ms, next_ms, "
        "finished_ms, last_http_status, last_error) VALUES($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7, 0, 0, '')",
        {item.id, item.seq, item.part, item.ticket, item.target, item.payload, now},
        "writing delivery " + item.id + " to the outbox");
    if (!inserted) return Status::failure(inserted.error());
  }
  return Status::success();
}

Result<std::vector<Delivery>> PostgresStore::due_deliveries(std::string_view target, std::uint64_t max_seq,
                                                            std::int64_t now_ms, std::size_t limit) {
  using R = Result<std::vector<Delivery>>;
  // An item waits while an earlier one of its ticket and target is open; an
  // item another node claimed waits until its claim lapses. The claim is
  // taken in the same statement (rows another transaction is claiming now
  // are skipped, not waited for).
  static const std::string sql =
      std::string(
          "UPDATE outbox SET claimed_by = $5, claimed_until = $3::bigint + $6::bigint WHERE position IN ("
          "SELECT o.position FROM outbox o WHERE o.target = $1 AND o.status IN ('pending', 'failed') "
          "AND o.seq <= $2 AND o.next_ms <= $3 AND (o.claimed_until <= $3 OR o.claimed_by = $5) "
          "AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.target = o.target AND e.ticket = o.ticket "
          "AND e.status IN ('pending', 'failed') AND (e.seq < o.seq OR (e.seq = o.seq AND e.part < o.part))) "
          "ORDER BY o.seq, o.part LIMIT $4 FOR UPDATE SKIP LOCKED) RETURNING ") +
      kColumns;
  std::vector<Delivery> result;
  Status claimed = write_apart([&]() -> Status {
    auto due = db_->run(
        sql.c_str(),
        {std::string(target), max_seq, now_ms, static_cast<std::uint64_t>(limit), options_.node, options_.claim_ms},
        "claiming deliveries");
    if (!due) return Status::failure(due.error());
    result = read_deliveries(due.value());
    return Status::success();
  });
  if (!claimed) return R::failure(claimed.error());
  std::sort(result.begin(), result.end(), [](const Delivery& a, const Delivery& b) {
    return a.item.seq != b.item.seq ? a.item.seq < b.item.seq : a.item.part < b.item.part;
  });
  return R::success(std::move(result));
}

Status PostgresStore::record_attempts(std::span<const DeliveryAttempt> attempts) {
  if (attempts.empty()) return Status::success();
  return write_apart([&]() -> Status {
    for (const DeliveryAttempt& attempt : attempts) {
      bool finished = attempt.status == DeliveryStatus::kDelivered || attempt.status == DeliveryStatus::kDead;
      auto updated = db_->run(
          "UPDATE outbox SET status = $2, attempts = attempts + 1, next_ms = $3, finished_ms = $4, "
          "last_http_status = $5, last_error = $6, claimed_by = '', claimed_until = 0 WHERE id = $1",
          {attempt.id, to_string(attempt.status), attempt.next_ms,
           finished ? attempt.at_ms + attempt.duration_ms : std::int64_t{0}, attempt.http_status, attempt.error},
          "recording an attempt at " + attempt.id);
      if (!updated) return Status::failure(updated.error());
      if (updated->affected() == 0) return Status::failure(location_ + ": the outbox has no delivery " + attempt.id);
      auto kept = db_->run(
          "INSERT INTO outbox_attempts(id, number, at_ms, duration_ms, http_status, error, outcome) "
          "VALUES($1, (SELECT coalesce(max(number), 0) + 1 FROM outbox_attempts WHERE id = $1), $2, $3, $4, $5, $6)",
          {attempt.id, attempt.at_ms, attempt.duration_ms, attempt.http_status, attempt.error,
           to_string(attempt.status)},
          "recording an attempt at " + attempt.id);
      if (!kept) return Status::failure(kept.error());
    }
    return Status::success();
  });
}

Result<OutboxPage> PostgresStore::outbox(const OutboxQuery& query) {
  using R = Result<OutboxPage>;
  static const std::string sql = std::string("SELECT ") + kColumns +
                                 " FROM outbox WHERE position > $1 AND ($2 = '' OR status = $2) AND ($3 = '' OR "
                                 "target = $3) AND ($4 = '' OR ticket = $4) ORDER BY position LIMIT $5";
  if (Status s = db_->connect(); !s) return R::failure(s.error());
  auto page = db_->run(sql.c_str(),
                       {query.after, query.status ? to_string(*query.status) : "", query.target, query.ticket,
                        static_cast<std::uint64_t>(query.limit + 1)},
                       "reading the outbox");
  if (!page) return R::failure(page.error());
  OutboxPage result;
  result.items = read_deliveries(page.value());
  if (result.items.size() > query.limit) {
    result.items.resize(query.limit);
    result.next = result.items.back().position;
  }
  return R::success(std::move(result));
}

Result<std::optional<Delivery>> PostgresStore::delivery(std::string_view id) {
  using R = Result<std::optional<Delivery>>;
  static const std::string sql = std::string("SELECT ") + kColumns + " FROM outbox WHERE id = $1";
  if (Status s = db_->connect(); !s) return R::failure(s.error());
  auto one = db_->run(sql.c_str(), {std::string(id)}, "reading the outbox");
  if (!one) return R::failure(one.error());
  std::vector<Delivery> rows = read_deliveries(one.value());
  if (rows.empty()) return R::success(std::nullopt);
  return R::success(std::move(rows.front()));
}

Result<std::vector<AttemptRow>> PostgresStore::delivery_attempts(std::string_view id) {
  using R = Result<std::vector<AttemptRow>>;
  if (Status s = db_->connect(); !s) return R::failure(s.error());
  auto list = db_->run(
      "SELECT number, at_ms, duration_ms, http_status, error, outcome FROM outbox_attempts WHERE id = $1 ORDER BY "
      "number",
      {std::string(id)}, "reading the attempts at " + std::string(id));
  if (!list) return R::failure(list.error());
  std::vector<AttemptRow> result;
  for (int row = 0; row < list->size(); ++row) {
    AttemptRow& attempt = result.emplace_back();
    attempt.number = static_cast<std::uint32_t>(list->integer(row, 0));
    attempt.attempt.id = std::string(id);
    attempt.attempt.at_ms = list->integer(row, 1);
    attempt.attempt.duration_ms = list->integer(row, 2);
    attempt.attempt.http_status = static_cast<int>(list->integer(row, 3));
    attempt.attempt.error = list->text(row, 4);
    attempt.attempt.status = parse_delivery_status(list->text(row, 5)).value_or(DeliveryStatus::kFailed);
  }
  return R::success(std::move(result));
}

Result<Delivery> PostgresStore::retry_delivery(std::string_view id, std::int64_t now_ms) {
  using R = Result<Delivery>;
  Result<std::optional<Delivery>> found = delivery(id);
  if (!found) return R::failure(found.error());
  if (!found.value()) return R::failure(location_ + ": the outbox has no delivery " + std::string(id));
  Delivery item = std::move(*found.value());
  if (item.status == DeliveryStatus::kDelivered || item.status == DeliveryStatus::kPending) {
    return R::failure(location_ + ": delivery " + item.item.id + " is " + to_string(item.status) +
                      ": only a dead or failed one is retried");
  }
  Status written = write_apart([&]() -> Status {
    auto updated = db_->run(
        "UPDATE outbox SET status = 'pending', attempts = 0, next_ms = $2, finished_ms = 0, claimed_by = '', "
        "claimed_until = 0 WHERE id = $1",
        {std::string(id), now_ms}, "retrying delivery " + item.item.id);
    return updated ? Status::success() : Status::failure(updated.error());
  });
  if (!written) return R::failure(written.error());
  item.status = DeliveryStatus::kPending;
  item.attempts = 0;
  item.next_ms = now_ms;
  item.finished_ms = 0;
  return R::success(std::move(item));
}

Result<OutboxSummary> PostgresStore::outbox_summary() {
  using R = Result<OutboxSummary>;
  if (Status s = db_->connect(); !s) return R::failure(s.error());
  auto counts = db_->run(
      "SELECT target, status, count(*) FROM outbox WHERE status IN ('pending', 'failed', 'dead') GROUP BY target, "
      "status ORDER BY target, status",
      {}, "counting the outbox");
  if (!counts) return R::failure(counts.error());
  auto oldest =
      db_->run("SELECT min(queued_ms) FROM outbox WHERE status IN ('pending', 'failed')", {}, "reading the outbox");
  if (!oldest) return R::failure(oldest.error());
  OutboxSummary summary;
  for (int row = 0; row < counts->size(); ++row) {
    OutboxCount& count = summary.counts.emplace_back();
    count.target = counts->text(row, 0);
    count.status = parse_delivery_status(counts->text(row, 1)).value_or(DeliveryStatus::kPending);
    count.items = static_cast<std::uint64_t>(counts->integer(row, 2));
  }
  if (!oldest->is_null(0, 0)) summary.oldest_undelivered_ms = oldest->integer(0, 0);
  return R::success(std::move(summary));
}

}  // namespace docket::engine
