// Built by the install_and_find_package test with nothing but the flags of
// `pkg-config --cflags --libs docket`, and run in an empty directory: rules
// with a mistake give structured diagnostics; good rules run a ticket into a
// SQLite store; a second engine recovers the ticket from the store.

#include <docket/docket.h>

#include <cstdint>
#include <initializer_list>
#include <iostream>
#include <memory>
#include <string>

namespace {

constexpr std::int64_t kMonday = 1795392000;  // 2026-11-23T00:00:00Z

int fail(const std::string& what) {
  std::cerr << what << '\n';
  return 1;
}

}  // namespace

int main() {
  docket::Compilation broken =
      docket::compile_text("broken.docket", "workflow w\ninitial state a { on go -> nowhere }\n");
  if (broken.ok() || broken.error_count() == 0 || broken.rendered.empty()) return fail("broken rules compiled");
  for (const docket::Diagnostic& diagnostic : broken.diagnostics) {
    std::cout << diagnostic.file << ':' << diagnostic.line << ':' << diagnostic.column << ": "
              << (diagnostic.severity == docket::Severity::kError ? "error" : "warning") << '[' << diagnostic.code
              << "]: " << diagnostic.message << '\n';
  }

  docket::Compilation rules = docket::compile_text("desk.docket", R"(workflow desk version "1"
department support { roles agent }
initial state open { on close by agent -> closed }
final state closed
)");
  if (!rules.ok()) return fail(rules.rendered);

  {
    docket::Result<std::unique_ptr<docket::SqliteStore>> opened = docket::SqliteStore::open("tickets.db");
    if (!opened) return fail(opened.error());
    docket::SqliteStore& store = *opened.value();
    docket::VirtualClock clock(kMonday);
    docket::Engine engine(clock, store);
    if (docket::Status installed = engine.install(rules.workflow); !installed) return fail(installed.error());
    const docket::Actor agent{"li", {"agent"}};
    for (const char* event : {"create", "close"}) {
      docket::Result<docket::Outcome> outcome = engine.apply({.ticket = "D-1", .event = event, .actor = agent});
      if (!outcome) return fail(outcome.error());
      std::cout << event << " -> " << outcome->state << '\n';
    }
  }

  docket::Result<std::unique_ptr<docket::SqliteStore>> opened = docket::SqliteStore::open("tickets.db");
  if (!opened) return fail(opened.error());
  docket::SqliteStore& store = *opened.value();
  docket::VirtualClock clock(kMonday);
  docket::Engine engine(clock, store);
  docket::Result<docket::Recovered> recovered = docket::recover(engine, store);
  if (!recovered) return fail(recovered.error());
  std::cout << "recovered " << recovered->tickets << " ticket(s), journal up to #" << recovered->last_seq << "; D-1 is "
            << engine.find("D-1")->state_name() << '\n';
  docket::Status read = store.read_journal(1, [](const docket::JournalRow& row) {
    docket::Result<docket::Record> record = docket::decode_record(row.body);
    if (!record) return docket::Status::failure(record.error());
    std::cout << record->seq << ' ' << to_string(record->kind) << ' ' << (record->from.empty() ? "-" : record->from)
              << " -> " << record->to << '\n';
    return docket::Status::success();
  });
  if (!read) return fail(read.error());
  return 0;
}
