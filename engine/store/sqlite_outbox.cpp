// The SQLite store's outbox tables (engine/store/outbox.h).

#include <chrono>
#include <string>
#include <utility>

#include "engine/runtime/journal.h"
#include "engine/store/sqlite_statement.h"
#include "engine/store/sqlite_store.h"

namespace docket::engine {

std::string delivery_id(std::uint64_t seq, std::uint32_t part, std::string_view target) {
  return std::to_string(seq) + "." + std::to_string(part) + "." + std::string(target);
}

const char* to_string(DeliveryStatus status) {
  switch (status) {
    case DeliveryStatus::kPending:
      return "pending";
    case DeliveryStatus::kFailed:
      return "failed";
    case DeliveryStatus::kDelivered:
      return "delivered";
    case DeliveryStatus::kDead:
      return "dead";
  }
  return "pending";
}

std::optional<DeliveryStatus> parse_delivery_status(std::string_view text) {
  for (DeliveryStatus status :
       {DeliveryStatus::kPending, DeliveryStatus::kFailed, DeliveryStatus::kDelivered, DeliveryStatus::kDead}) {
    if (text == to_string(status)) return status;
  }
  return std::nullopt;
}

namespace {

constexpr const char* kColumns =
    "position, id, seq, part, ticket, target, payload, status, attempts, queued_ms, next_ms, finished_ms, "
    "last_http_status, last_error";

Delivery read_delivery(const SqliteStore::Statement& row) {
  Delivery delivery;
  delivery.position = static_cast<std::uint64_t>(row.integer(0));
  delivery.item.id = row.text(1);
  delivery.item.seq = static_cast<std::uint64_t>(row.integer(2));
  delivery.item.part = static_cast<std::uint32_t>(row.integer(3));
  delivery.item.ticket = row.text(4);
  delivery.item.target = row.text(5);
  delivery.item.payload = row.text(6);
  delivery.status = parse_delivery_status(row.text(7)).value_or(DeliveryStatus::kPending);
  delivery.attempts = static_cast<std::uint32_t>(row.integer(8));
  delivery.queued_ms = row.integer(9);
  delivery.next_ms = row.integer(10);
  delivery.finished_ms = row.integer(11);
  delivery.last_http_status = static_cast<int>(row.integer(12));
  delivery.last_error = row.text(13);
  return delivery;
}

// Every row a statement yields, as deliveries.
Result<std::vector<Delivery>> read_deliveries(SqliteStore::Statement& rows, const std::string& path) {
  std::vector<Delivery> result;
  int rc = SQLITE_ROW;
  while ((rc = rows.step()) == SQLITE_ROW) result.push_back(read_delivery(rows));
  if (rc != SQLITE_DONE) return Result<std::vector<Delivery>>::failure(path + ": reading the outbox");
  return Result<std::vector<Delivery>>::success(std::move(result));
}

}  // namespace

std::int64_t SqliteStore::wall_clock_ms() const {
  if (options_.wall_clock_ms) return options_.wall_clock_ms();
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

Status SqliteStore::write_outbox(const Record& record, const std::string& hash, const Ticket* ticket) {
  std::vector<OutboxItem> items;
  options_.outbox_router(record, hash, ticket, items);
  if (items.empty()) return Status::success();
  auto insert = prepare(
      "INSERT INTO outbox(id, seq, part, ticket, target, payload, status, attempts, queued_ms, next_ms, "
      "finished_ms, last_http_status, last_error) VALUES(?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, 0, 0, '')");
  if (!insert) return Status::failure(insert.error());
  std::int64_t now = wall_clock_ms();
  for (const OutboxItem& item : items) {
    Using using_it(insert.value());
    insert.value()
        ->bind(1, item.id)
        .bind(2, static_cast<std::int64_t>(item.seq))
        .bind(3, std::int64_t{item.part})
        .bind(4, item.ticket)
        .bind(5, item.target)
        .bind(6, item.payload)
        .bind(7, now)
        .bind(8, now);
    if (insert.value()->step() != SQLITE_DONE) return fail("writing delivery " + item.id + " to the outbox");
  }
  return Status::success();
}

Status SqliteStore::write_apart(const std::function<Status()>& write) {
  if (!failed_.empty()) return Status::failure(failed_);
  if (options_.read_only) return Status::failure(path_ + ": the store is open read-only");
  if (Status s = begin_unit(); !s) return s;
  Status written = write();
  Status ended = end_unit(static_cast<bool>(written));
  if (!written) return written;
  return ended;
}

Result<std::vector<Delivery>> SqliteStore::due_deliveries(std::string_view target, std::uint64_t max_seq,
                                                          std::int64_t now_ms, std::size_t limit) {
  using R = Result<std::vector<Delivery>>;
  // An item waits while an earlier one of its ticket and target is open.
  static const std::string sql = std::string("SELECT ") + kColumns +
                                 " FROM outbox o WHERE o.target = ?1 AND o.status IN ('pending', 'failed') "
                                 "AND o.seq <= ?2 AND o.next_ms <= ?3 AND NOT EXISTS (SELECT 1 FROM outbox e "
                                 "WHERE e.target = o.target AND e.ticket = o.ticket AND e.status IN ('pending', "
                                 "'failed') AND (e.seq < o.seq OR (e.seq = o.seq AND e.part < o.part))) "
                                 "ORDER BY o.seq, o.part LIMIT ?4";
  auto due = prepare(sql.c_str());
  if (!due) return R::failure(due.error());
  Using using_it(due.value());
  due.value()
      ->bind(1, target)
      .bind(2, static_cast<std::int64_t>(max_seq))
      .bind(3, now_ms)
      .bind(4, static_cast<std::int64_t>(limit));
  return read_deliveries(*due.value(), path_);
}

Status SqliteStore::record_attempts(std::span<const DeliveryAttempt> attempts) {
  if (attempts.empty()) return Status::success();
  return write_apart([&]() -> Status {
    auto update = prepare(
        "UPDATE outbox SET status = ?2, attempts = attempts + 1, next_ms = ?3, finished_ms = ?4, "
        "last_http_status = ?5, last_error = ?6 WHERE id = ?1");
    auto keep = prepare(
        "INSERT INTO outbox_attempts(id, number, at_ms, duration_ms, http_status, error, outcome) "
        "VALUES(?, (SELECT coalesce(max(number), 0) + 1 FROM outbox_attempts WHERE id = ?1), ?, ?, ?, ?, ?)");
    if (!update) return Status::failure(update.error());
    if (!keep) return Status::failure(keep.error());
    for (const DeliveryAttempt& attempt : attempts) {
      bool finished = attempt.status == DeliveryStatus::kDelivered || attempt.status == DeliveryStatus::kDead;
      {
        Using using_it(update.value());
        update.value()
            ->bind(1, attempt.id)
            .bind(2, to_string(attempt.status))
            .bind(3, attempt.next_ms)
            .bind(4, finished ? attempt.at_ms + attempt.duration_ms : std::int64_t{0})
            .bind(5, std::int64_t{attempt.http_status})
            .bind(6, attempt.error);
        if (update.value()->step() != SQLITE_DONE) return fail("recording an attempt at " + attempt.id);
        if (update.value()->changes() == 0)
          return Status::failure(path_ + ": the outbox has no delivery " + attempt.id);
      }
      Using using_it(keep.value());
      keep.value()
          ->bind(1, attempt.id)
          .bind(2, attempt.at_ms)
          .bind(3, attempt.duration_ms)
          .bind(4, std::int64_t{attempt.http_status})
          .bind(5, attempt.error)
          .bind(6, to_string(attempt.status));
      if (keep.value()->step() != SQLITE_DONE) return fail("recording an attempt at " + attempt.id);
    }
    return Status::success();
  });
}

Result<OutboxPage> SqliteStore::outbox(const OutboxQuery& query) {
  using R = Result<OutboxPage>;
  static const std::string sql = std::string("SELECT ") + kColumns +
                                 " FROM outbox WHERE position > ?1 AND (?2 = '' OR status = ?2) AND (?3 = '' OR "
                                 "target = ?3) AND (?4 = '' OR ticket = ?4) ORDER BY position LIMIT ?5";
  auto page = prepare(sql.c_str());
  if (!page) return R::failure(page.error());
  Using using_it(page.value());
  page.value()
      ->bind(1, static_cast<std::int64_t>(query.after))
      .bind(2, query.status ? to_string(*query.status) : "")
      .bind(3, query.target)
      .bind(4, query.ticket)
      .bind(5, static_cast<std::int64_t>(query.limit + 1));
  Result<std::vector<Delivery>> rows = read_deliveries(*page.value(), path_);
  if (!rows) return R::failure(rows.error());
  OutboxPage result;
  result.items = std::move(rows).value();
  if (result.items.size() > query.limit) {
    result.items.resize(query.limit);
    result.next = result.items.back().position;
  }
  return R::success(std::move(result));
}

Result<std::optional<Delivery>> SqliteStore::delivery(std::string_view id) {
  using R = Result<std::optional<Delivery>>;
  static const std::string sql = std::string("SELECT ") + kColumns + " FROM outbox WHERE id = ?";
  auto one = prepare(sql.c_str());
  if (!one) return R::failure(one.error());
  Using using_it(one.value());
  one.value()->bind(1, id);
  Result<std::vector<Delivery>> rows = read_deliveries(*one.value(), path_);
  if (!rows) return R::failure(rows.error());
  if (rows->empty()) return R::success(std::nullopt);
  return R::success(std::move(rows->front()));
}

Result<std::vector<AttemptRow>> SqliteStore::delivery_attempts(std::string_view id) {
  using R = Result<std::vector<AttemptRow>>;
  auto list = prepare(
      "SELECT number, at_ms, duration_ms, http_status, error, outcome FROM outbox_attempts WHERE id = ? ORDER BY "
      "number");
  if (!list) return R::failure(list.error());
  Using using_it(list.value());
  list.value()->bind(1, id);
  std::vector<AttemptRow> result;
  int rc = SQLITE_ROW;
  while ((rc = list.value()->step()) == SQLITE_ROW) {
    const Statement& row = *list.value();
    AttemptRow attempt;
    attempt.number = static_cast<std::uint32_t>(row.integer(0));
    attempt.attempt.id = std::string(id);
    attempt.attempt.at_ms = row.integer(1);
    attempt.attempt.duration_ms = row.integer(2);
    attempt.attempt.http_status = static_cast<int>(row.integer(3));
    attempt.attempt.error = row.text(4);
    attempt.attempt.status = parse_delivery_status(row.text(5)).value_or(DeliveryStatus::kFailed);
    result.push_back(std::move(attempt));
  }
  if (rc != SQLITE_DONE) return R::failure(fail("reading the attempts at " + std::string(id)).error());
  return R::success(std::move(result));
}

Result<Delivery> SqliteStore::retry_delivery(std::string_view id, std::int64_t now_ms) {
  using R = Result<Delivery>;
  Result<std::optional<Delivery>> found = delivery(id);
  if (!found) return R::failure(found.error());
  if (!found.value()) return R::failure(path_ + ": the outbox has no delivery " + std::string(id));
  Delivery item = std::move(*found.value());
  if (item.status == DeliveryStatus::kDelivered || item.status == DeliveryStatus::kPending) {
    return R::failure(path_ + ": delivery " + item.item.id + " is " + to_string(item.status) +
                      ": only a dead or failed one is retried");
  }
  Status written = write_apart([&]() -> Status {
    auto update =
        prepare("UPDATE outbox SET status = 'pending', attempts = 0, next_ms = ?2, finished_ms = 0 WHERE id = ?1");
    if (!update) return Status::failure(update.error());
    Using using_it(update.value());
    update.value()->bind(1, id).bind(2, now_ms);
    if (update.value()->step() != SQLITE_DONE) return fail("retrying delivery " + item.item.id);
    return Status::success();
  });
  if (!written) return R::failure(written.error());
  item.status = DeliveryStatus::kPending;
  item.attempts = 0;
  item.next_ms = now_ms;
  item.finished_ms = 0;
  return R::success(std::move(item));
}

Result<OutboxSummary> SqliteStore::outbox_summary() {
  using R = Result<OutboxSummary>;
  auto counts = prepare(
      "SELECT target, status, count(*) FROM outbox WHERE status IN ('pending', 'failed', 'dead') GROUP BY target, "
      "status ORDER BY target, status");
  auto oldest = prepare("SELECT min(queued_ms) FROM outbox WHERE status IN ('pending', 'failed')");
  if (!counts) return R::failure(counts.error());
  if (!oldest) return R::failure(oldest.error());
  OutboxSummary summary;
  {
    Using using_it(counts.value());
    int rc = SQLITE_ROW;
    while ((rc = counts.value()->step()) == SQLITE_ROW) {
      const Statement& row = *counts.value();
      OutboxCount count;
      count.target = row.text(0);
      count.status = parse_delivery_status(row.text(1)).value_or(DeliveryStatus::kPending);
      count.items = static_cast<std::uint64_t>(row.integer(2));
      summary.counts.push_back(std::move(count));
    }
    if (rc != SQLITE_DONE) return R::failure(fail("counting the outbox").error());
  }
  Using using_it(oldest.value());
  if (oldest.value()->step() != SQLITE_ROW) return R::failure(fail("reading the outbox").error());
  if (!oldest.value()->is_null(0)) summary.oldest_undelivered_ms = oldest.value()->integer(0);
  return R::success(std::move(summary));
}

}  // namespace docket::engine
