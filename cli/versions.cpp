// docket versions STORE: the workflow versions a store holds.
// docket migrate STORE --to RULES [--map OLD=NEW]... [--from VERSION] [--dry-run] [--actor ID]:
// moves open tickets (not those in a final state) onto a new version of their
// workflow, all or none.
//
// A ticket stays on the version it started on; migrate is the only way it
// changes. Every ticket to move is checked first (engine/ticket_codec.h:
// migrate_ticket): one that would be stranded (its state gone without a
// mapping, a field value that no longer fits, no way to a final state) makes
// the whole migration refuse, naming each such ticket. Then every move is
// one journal record (kind `migration`) and all of them are committed in one
// transaction.

#include <CLI/CLI.hpp>

#include <filesystem>
#include <iomanip>
#include <iostream>
#include <limits>
#include <map>
#include <memory>

#include "cli/commands.h"
#include "cli/replay.h"
#include "cli/store_access.h"
#include "engine/codec/ticket_codec.h"

namespace docket::cli {
namespace {

int run_versions(const std::string& path, const std::string& format) {
  auto store = open_store_for_reading(path);
  if (!store) return kExitFailure;
  auto versions = store->versions();
  if (!versions) {
    std::cerr << "docket: error: " << versions.error() << '\n';
    return kExitFailure;
  }
  if (format == "json") {
    std::cout << "[";
    bool first = true;
    for (const engine::StoredVersion& version : versions.value()) {
      std::cout << (first ? "" : ",") << "{\"id\":\"" << version.id << "\",\"workflow\":\"" << version.workflow
                << "\",\"declared\":\"" << version.declared << "\",\"added_at\":\""
                << engine::format_timestamp(version.added_at) << "\",\"tickets\":" << version.tickets
                << ",\"files\":" << version.sources.size() << "}";
      first = false;
    }
    std::cout << "]\n";
    return kExitOk;
  }
  std::cout << std::left << std::setw(14) << "VERSION" << std::setw(20) << "WORKFLOW" << std::setw(10) << "DECLARED"
            << std::setw(22) << "ADDED" << std::setw(9) << "TICKETS"
            << "FILES\n";
  for (const engine::StoredVersion& version : versions.value()) {
    std::string files;
    for (const engine::WorkflowSource& source : version.sources) files += (files.empty() ? "" : ", ") + source.path;
    std::cout << std::left << std::setw(14) << version.id.substr(0, 12) << std::setw(20) << version.workflow
              << std::setw(10) << (version.declared.empty() ? "-" : version.declared) << std::setw(22)
              << engine::format_timestamp(version.added_at) << std::setw(9) << version.tickets << files << '\n';
  }
  return kExitOk;
}

struct MigrateOptions {
  std::string store;
  std::string rules;
  std::vector<std::string> map;
  std::string from;
  std::string actor = "operator";
  bool dry_run = false;
};

int run_migrate(const MigrateOptions& options) {
  std::vector<std::shared_ptr<const engine::Workflow>> compiled = compile_rule_files({options.rules});
  if (compiled.empty()) return kExitFailure;
  std::shared_ptr<const engine::Workflow> target = compiled.front();

  std::map<std::string, std::string> state_map;
  for (const std::string& pair : options.map) {
    std::size_t equals = pair.find('=');
    if (equals == std::string::npos || equals == 0 || equals + 1 == pair.size()) {
      std::cerr << "docket: error: --map " << pair << ": expected OLD=NEW (state names)\n";
      return kExitUsage;
    }
    std::string to = pair.substr(equals + 1);
    if (!target->find_state(to)) {
      std::cerr << "docket: error: --map " << pair << ": the new version has no state `" << to << "`\n";
      return kExitUsage;
    }
    state_map[pair.substr(0, equals)] = to;
  }

  std::error_code missing;
  if (!std::filesystem::is_regular_file(options.store, missing)) {
    std::cerr << "docket: error: " << options.store << ": no such store\n";
    return kExitFailure;
  }
  engine::SqliteStoreOptions store_options;
  store_options.batch_units = std::numeric_limits<std::size_t>::max();  // one transaction for all
  auto opened = engine::SqliteStore::open(options.store, std::move(store_options));
  if (!opened) {
    std::cerr << "docket: error: " << opened.error() << '\n';
    return kExitFailure;
  }
  engine::SqliteStore& store = *opened.value();
  engine::VirtualClock clock;
  engine::Engine engine(clock, store);
  auto recovered = engine::recover(engine, store, compile_stored);
  if (!recovered) {
    std::cerr << "docket: error: " << options.store << ": " << recovered.error() << '\n';
    return kExitFailure;
  }

  struct Move {
    std::string id;
    engine::Ticket ticket;
    std::string from_state;
    std::string from_version;
  };
  std::vector<Move> moves;
  std::vector<std::string> stranded;
  for (std::size_t i = 0; i < engine.ticket_count(); ++i) {
    const engine::Ticket& ticket = engine.ticket_at(i);
    const engine::Workflow& workflow = *ticket.workflow;
    if (workflow.name() != target->name() || workflow.version_id() == target->version_id()) continue;
    if (workflow.is_final(ticket.state)) continue;  // closed: nothing left to run
    if (!options.from.empty() && workflow.version_id().rfind(options.from, 0) != 0) continue;
    auto migrated = engine::migrate_ticket(ticket, target, state_map);
    if (!migrated) {
      stranded.push_back(migrated.error());
      continue;
    }
    moves.push_back({ticket.id, std::move(migrated).value(), ticket.state_name(), workflow.version_id()});
  }
  if (!stranded.empty()) {
    for (const std::string& reason : stranded) std::cerr << "docket: error: " << reason << '\n';
    std::cerr << "docket: nothing migrated: " << stranded.size() << (stranded.size() == 1 ? " ticket" : " tickets")
              << " would be stranded on version " << target->version_id().substr(0, 12)
              << " (map their states with --map OLD=NEW)\n";
    return kExitFailure;
  }
  if (moves.empty()) {
    std::cout << "nothing to migrate: no ticket of " << target->name() << " is on another version"
              << (options.from.empty() ? std::string() : " matching " + options.from) << '\n';
    return kExitOk;
  }
  for (const Move& move : moves) {
    std::cout << (options.dry_run ? "would move " : "moving ") << move.id << ": " << move.from_version.substr(0, 12)
              << " " << move.from_state << " -> " << target->version_id().substr(0, 12) << " "
              << move.ticket.state_name() << '\n';
  }
  if (options.dry_run) {
    std::cout << moves.size() << (moves.size() == 1 ? " ticket" : " tickets") << " would move; nothing written\n";
    return kExitOk;
  }
  engine::Actor actor{options.actor, {}};
  for (Move& move : moves) {
    auto moved = engine.migrate(move.id, std::move(move.ticket), actor);
    if (!moved) {
      store.discard();
      std::cerr << "docket: error: " << moved.error() << "\ndocket: nothing migrated\n";
      return kExitFailure;
    }
  }
  engine::Status flushed = store.flush();
  if (!flushed) {
    std::cerr << "docket: error: " << flushed.error() << "\ndocket: nothing migrated\n";
    return kExitFailure;
  }
  std::cout << "migrated " << moves.size() << (moves.size() == 1 ? " ticket" : " tickets") << " to version "
            << target->version_id().substr(0, 12) << '\n';
  return kExitOk;
}

}  // namespace

void add_versions_command(CLI::App& app, int& exit_code) {
  auto path = std::make_shared<std::string>();
  auto format = std::make_shared<std::string>("text");
  CLI::App* command = app.add_subcommand("versions", "List the workflow versions a store holds, with ticket counts");
  command->add_option("store", *path, "The store file")->required();
  command->add_option("--format", *format, "text (default) or json")->check(CLI::IsMember({"text", "json"}));
  command->callback([path, format, &exit_code] { exit_code = run_versions(*path, *format); });
}

void add_migrate_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<MigrateOptions>();
  CLI::App* command =
      app.add_subcommand("migrate", "Move open tickets onto a new version of their workflow (checked, all or none)");
  command->add_option("store", options->store, "The store file")->required();
  command->add_option("--to", options->rules, "The rule file of the new version")->required()->check(CLI::ExistingFile);
  command->add_option("--map", options->map, "A state renamed or removed: OLD=NEW (repeatable)");
  command->add_option("--from", options->from, "Only tickets on this version (an id or its prefix)");
  command->add_option("--actor", options->actor, "Who migrates, for the journal (default: operator)");
  command->add_flag("--dry-run", options->dry_run, "Check and show the moves without writing");
  command->callback([options, &exit_code] { exit_code = run_migrate(*options); });
}

}  // namespace docket::cli
