// docket outbox list STORE [--status S] [--target T] [--ticket ID] [--limit N] [--after CURSOR] [--format text|json]
// docket outbox show STORE ID
// docket outbox retry STORE ID... | --dead [--target T]
//
// The outbox of a store that `docket serve` delivers to webhooks
// (docs/webhooks.md). list and show only read; retry puts dead or failed
// items back to pending, and a running `docket serve` sends them within a
// second (its sender looks at the outbox at least that often).

#include <CLI/CLI.hpp>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/store_access.h"
#include "cli/table.h"
#include "engine/model/text.h"
#include "engine/store/open_store.h"
#include "server/outbox_json.h"

namespace docket::cli {
namespace {

struct OutboxOptions {
  std::string store;
  std::string status;
  std::string target;
  std::string ticket;
  std::size_t limit = 100;
  std::uint64_t after = 0;
  std::string format = "text";
  std::vector<std::string> ids;
  bool dead = false;
};

std::int64_t wall_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string summary_text(const engine::OutboxSummary& summary) {
  if (summary.counts.empty()) return "every item is delivered\n";
  std::string text;
  for (const engine::OutboxCount& count : summary.counts) {
    text += count.target + ": " + std::to_string(count.items) + " " + engine::to_string(count.status) + "\n";
  }
  if (summary.oldest_undelivered_ms) {
    text += "oldest undelivered: queued " + server::iso_milliseconds(*summary.oldest_undelivered_ms) + "\n";
  }
  return text;
}

std::string page_text(const engine::OutboxPage& page) {
  const Table table("", {{18}, {10}, {10}, {9}, {8}, {24}, {}}, "  ");
  std::string text = table.row({"DELIVERY", "TICKET", "TARGET", "STATUS", "ATTEMPTS", "QUEUED", "LAST ERROR"});
  for (const engine::Delivery& item : page.items) {
    text += table.row({item.item.id, engine::printable(item.item.ticket), item.item.target,
                       engine::to_string(item.status), std::to_string(item.attempts),
                       server::iso_milliseconds(item.queued_ms), engine::printable(item.last_error)});
  }
  if (page.next > 0) text += "more: --after " + std::to_string(page.next) + "\n";
  return text;
}

int run_outbox_list(const OutboxOptions& options) {
  engine::OutboxQuery query;
  if (!options.status.empty()) query.status = engine::parse_delivery_status(options.status);
  query.target = options.target;
  query.ticket = options.ticket;
  query.limit = options.limit;
  query.after = options.after;
  auto store = open_store_for_reading(options.store);
  if (!store) return kExitFailure;
  auto page = store->outbox(query);
  if (!page) return fail(page.error());
  auto summary = store->outbox_summary();
  if (!summary) return fail(summary.error());
  if (options.format == "json") {
    std::cout << server::outbox_page_json(page.value(), summary.value()) << '\n';
  } else {
    std::cout << summary_text(summary.value()) << '\n' << page_text(page.value());
  }
  return kExitOk;
}

int run_outbox_show(const OutboxOptions& options) {
  auto store = open_store_for_reading(options.store);
  if (!store) return kExitFailure;
  auto found = store->delivery(options.ids.front());
  if (!found) return fail(found.error());
  if (!found.value()) return fail(options.store + ": the outbox has no delivery " + options.ids.front());
  auto attempts = store->delivery_attempts(options.ids.front());
  if (!attempts) return fail(attempts.error());
  std::cout << server::delivery_json({*found.value(), attempts.value()}) << '\n';
  return kExitOk;
}

// The ids to retry: those given, or with --dead every dead item (of --target).
engine::Result<std::vector<std::string>> ids_to_retry(engine::Store& store, const OutboxOptions& options) {
  using R = engine::Result<std::vector<std::string>>;
  if (!options.dead) return R::success(options.ids);
  std::vector<std::string> ids;
  engine::OutboxQuery query;
  query.status = engine::DeliveryStatus::kDead;
  query.target = options.target;
  query.limit = 1000;
  do {
    auto page = store.outbox(query);
    if (!page) return R::failure(page.error());
    for (const engine::Delivery& item : page->items) ids.push_back(item.item.id);
    query.after = page->next;
  } while (query.after > 0);
  return R::success(std::move(ids));
}

int run_outbox_retry(const OutboxOptions& options) {
  if (options.ids.empty() == !options.dead) {
    print_error("docket outbox retry: name the deliveries to retry, or --dead for every dead one");
    return kExitUsage;
  }
  std::error_code missing;
  if (!engine::is_postgres_url(options.store) && !std::filesystem::is_regular_file(options.store, missing)) {
    return fail(options.store + ": no such store");
  }
  auto opened = engine::open_store(options.store);
  if (!opened) return fail(opened.error());
  engine::Store& store = *opened.value();
  auto ids = ids_to_retry(store, options);
  if (!ids) return fail(ids.error());
  int exit_code = kExitOk;
  for (const std::string& id : ids.value()) {
    auto retried = store.retry_delivery(id, wall_clock_ms());
    if (!retried) {
      print_error(retried.error());
      exit_code = kExitFailure;
      continue;
    }
    std::cout << "retrying " << id << " (" << retried->item.target << ", ticket "
              << engine::printable(retried->item.ticket) << ")\n";
  }
  if (ids->empty()) std::cout << "no dead delivery to retry\n";
  return exit_code;
}

}  // namespace

void add_outbox_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<OutboxOptions>();
  CLI::App* outbox = app.add_subcommand("outbox", "Webhook deliveries waiting, failed or dead, and retrying them");
  outbox->require_subcommand(1);

  CLI::App* list = outbox->add_subcommand("list", "The items, with counts of those not delivered by target");
  list->add_option("store", options->store, "The store: a SQLite file or a postgresql:// URL")->required();
  list->add_option("--status", options->status, "pending, failed, delivered or dead")
      ->check(CLI::IsMember({"pending", "failed", "delivered", "dead"}));
  list->add_option("--target", options->target, "Only this webhook");
  list->add_option("--ticket", options->ticket, "Only this ticket's items");
  list->add_option("--limit", options->limit, "Items per page (default 100)")->check(CLI::Range(1, 10000));
  list->add_option("--after", options->after, "The cursor a previous page printed");
  list->add_option("--format", options->format, "text (default) or json")->check(CLI::IsMember({"text", "json"}));
  list->callback([options, &exit_code] { exit_code = run_outbox_list(*options); });

  CLI::App* show = outbox->add_subcommand("show", "One item as JSON: its payload and every attempt");
  show->add_option("store", options->store, "The store: a SQLite file or a postgresql:// URL")->required();
  show->add_option("id", options->ids, "The delivery id (seq.part.target)")->required()->expected(1);
  show->callback([options, &exit_code] { exit_code = run_outbox_show(*options); });

  CLI::App* retry = outbox->add_subcommand("retry", "Put dead or failed items back to pending");
  retry->add_option("store", options->store, "The store: a SQLite file or a postgresql:// URL")->required();
  retry->add_option("ids", options->ids, "Delivery ids (seq.part.target)");
  retry->add_flag("--dead", options->dead, "Every dead item (of --target, if given)");
  retry->add_option("--target", options->target, "With --dead: only this webhook's");
  retry->callback([options, &exit_code] { exit_code = run_outbox_retry(*options); });
}

}  // namespace docket::cli
