// docket versions STORE: the workflow versions a store holds.
// docket migrate STORE --to RULES [--map OLD=NEW]... [--from VERSION] [--dry-run] [--actor ID]:
// moves open tickets (not those in a final state) onto a new version of their
// workflow, all or none.
//
// A ticket stays on the version it started on; migrate is the only way it
// changes. Every ticket to move is checked first (engine/runtime/migration.h:
// migrate_ticket): one that would be stranded (its state gone without a
// mapping, a field value that no longer fits, no way to a final state) makes
// the whole migration refuse, naming each such ticket. Then every move is
// one journal record (kind `migration`) and all of them are committed in one
// transaction.

#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>
#include <limits>
#include <map>
#include <memory>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/replay.h"
#include "cli/store_access.h"
#include "cli/table.h"
#include "engine/codec/journal_text.h"
#include "engine/codec/json_text.h"
#include "engine/codec/ticket_codec.h"
#include "engine/runtime/migration.h"
#include "engine/store/open_store.h"

namespace docket::cli {
namespace {

// ------------------------------------------------------------ docket versions

struct VersionsOptions {
  std::string store;
  std::string format = "text";
};

// Text a version declares (`version "a\"b"`) and workflow names reach the
// output as they are: every string is escaped.
std::string versions_json(const std::vector<engine::StoredVersion>& versions) {
  std::string json = "[";
  for (const engine::StoredVersion& version : versions) {
    if (json.size() > 1) json += ',';
    json += "{\"id\":";
    engine::append_json_string(json, version.id);
    json += ",\"workflow\":";
    engine::append_json_string(json, version.workflow);
    json += ",\"declared\":";
    engine::append_json_string(json, version.declared);
    json += ",\"added_at\":";
    engine::append_json_string(json, engine::format_timestamp(version.added_at));
    json += ",\"tickets\":" + std::to_string(version.tickets) + ",\"files\":" + std::to_string(version.sources.size()) +
            "}";
  }
  return json + "]\n";
}

std::string versions_text(const std::vector<engine::StoredVersion>& versions) {
  const Table table("", {{12}, {18}, {8}, {20}, {7}, {}}, "  ");
  std::string text = table.row({"VERSION", "WORKFLOW", "DECLARED", "ADDED", "TICKETS", "FILES"});
  for (const engine::StoredVersion& version : versions) {
    std::string files;
    for (const engine::WorkflowSource& source : version.sources) files += (files.empty() ? "" : ", ") + source.path;
    text += table.row({version.id.substr(0, 12), version.workflow, version.declared.empty() ? "-" : version.declared,
                       engine::format_timestamp(version.added_at), std::to_string(version.tickets), files});
  }
  return text;
}

int run_versions(const VersionsOptions& options) {
  auto store = open_store_for_reading(options.store);
  if (!store) return kExitFailure;
  auto versions = store->versions();
  if (!versions) return fail(versions.error());
  std::cout << (options.format == "json" ? versions_json(versions.value()) : versions_text(versions.value()));
  return kExitOk;
}

// ------------------------------------------------------------ docket migrate

struct MigrateOptions {
  std::string store;
  std::string rules;
  std::vector<std::string> map;
  std::string from;
  std::string actor = "operator";
  bool dry_run = false;
};

// --map OLD=NEW... as old state name to new, each NEW a state of `target`.
// nullopt after printing why not.
std::optional<std::map<std::string, std::string>> state_map(const std::vector<std::string>& pairs,
                                                            const engine::Workflow& target) {
  std::map<std::string, std::string> map;
  for (const std::string& pair : pairs) {
    std::size_t equals = pair.find('=');
    if (equals == std::string::npos || equals == 0 || equals + 1 == pair.size()) {
      print_error("--map " + pair + ": expected OLD=NEW (state names)");
      return std::nullopt;
    }
    std::string to = pair.substr(equals + 1);
    if (!target.find_state(to)) {
      print_error("--map " + pair + ": the new version has no state `" + to + "`");
      return std::nullopt;
    }
    map[pair.substr(0, equals)] = to;
  }
  return map;
}

// Opened for writing, with every move to be committed in one transaction.
std::unique_ptr<engine::Store> open_store_for_migrating(const std::string& location) {
  std::error_code missing;
  if (!engine::is_postgres_url(location) && !std::filesystem::is_regular_file(location, missing)) {
    print_error(location + ": no such store");
    return nullptr;
  }
  engine::AnyStoreOptions store_options;
  store_options.batch_units = std::numeric_limits<std::size_t>::max();
  auto opened = engine::open_store(location, std::move(store_options));
  if (!opened) {
    print_error(opened.error());
    return nullptr;
  }
  return std::move(opened).value();
}

struct Move {
  std::string id;
  engine::Ticket ticket;  // as it will be on the new version
  std::string from_state;
  std::string from_version;
  std::vector<engine::Rebasing> rebased;  // the deadlines the move changes
};

// The moves of the open tickets of `target`'s workflow on other versions
// (only those on --from, when given); why each stranded one cannot move.
struct Plan {
  std::vector<Move> moves;
  std::vector<std::string> stranded;
};

Plan plan_moves(const engine::Engine& engine, const std::shared_ptr<const engine::Workflow>& target,
                const std::map<std::string, std::string>& states, const std::string& from) {
  Plan plan;
  // Calendars and SLA plans of each version, built once, to show the
  // deadlines each move changes as the migration record will list them.
  std::map<std::string, std::unique_ptr<engine::Version>> versions;
  auto version = [&versions](const std::shared_ptr<const engine::Workflow>& workflow) -> const engine::Version* {
    std::unique_ptr<engine::Version>& built = versions[workflow->version_id()];
    if (!built) {
      auto made = engine::Version::build(workflow);
      if (made) built = std::move(made).value();
    }
    return built.get();
  };
  for (std::size_t i = 0; i < engine.ticket_count(); ++i) {
    const engine::Ticket& ticket = engine.ticket_at(i);
    const engine::Workflow& workflow = *ticket.workflow;
    if (workflow.name() != target->name() || workflow.version_id() == target->version_id()) continue;
    if (workflow.is_final(ticket.state)) continue;  // closed: nothing left to run
    if (!from.empty() && workflow.version_id().rfind(from, 0) != 0) continue;
    auto migrated = engine::migrate_ticket(ticket, target, states);
    if (!migrated) {
      plan.stranded.push_back(migrated.error());
      continue;
    }
    Move& move = plan.moves.emplace_back(
        Move{ticket.id, std::move(migrated).value(), ticket.state_name(), workflow.version_id(), {}});
    const engine::Version* was = version(ticket.workflow);
    const engine::Version* now = version(target);
    if (was != nullptr && now != nullptr) move.rebased = engine::rebasings(ticket, *was, move.ticket, *now);
  }
  return plan;
}

std::string tickets_text(std::size_t count) { return std::to_string(count) + (count == 1 ? " ticket" : " tickets"); }

int refuse_stranded(const std::vector<std::string>& stranded, const engine::Workflow& target) {
  for (const std::string& reason : stranded) print_error(reason);
  std::cerr << "docket: nothing migrated: " << tickets_text(stranded.size()) << " would be stranded on version "
            << target.version_id().substr(0, 12) << " (map their states with --map OLD=NEW)\n";
  return kExitFailure;
}

void print_moves(const std::vector<Move>& moves, const engine::Workflow& target, bool dry_run) {
  for (const Move& move : moves) {
    std::cout << (dry_run ? "would move " : "moving ") << move.id << ": " << move.from_version.substr(0, 12) << " "
              << move.from_state << " -> " << target.version_id().substr(0, 12) << " " << move.ticket.state_name()
              << '\n';
    for (const engine::Rebasing& rebasing : move.rebased)
      std::cout << "  " << engine::format_rebasing(rebasing) << '\n';
  }
}

// Every move journalled, then all committed at once; nothing when one fails.
engine::Status commit_moves(std::vector<Move>& moves, engine::Engine& engine, engine::Store& store,
                            const std::string& actor_id) {
  engine::Actor actor{actor_id, {}};
  for (Move& move : moves) {
    auto moved = engine.migrate(move.id, std::move(move.ticket), actor);
    if (!moved) {
      store.discard();
      return engine::Status::failure(moved.error());
    }
  }
  return store.flush();
}

int migrate(const MigrateOptions& options, engine::Engine& engine, engine::Store& store,
            const std::shared_ptr<const engine::Workflow>& target, const std::map<std::string, std::string>& states) {
  Plan plan = plan_moves(engine, target, states, options.from);
  if (!plan.stranded.empty()) return refuse_stranded(plan.stranded, *target);
  if (plan.moves.empty()) {
    std::cout << "nothing to migrate: no ticket of " << target->name() << " is on another version"
              << (options.from.empty() ? std::string() : " matching " + options.from) << '\n';
    return kExitOk;
  }
  print_moves(plan.moves, *target, options.dry_run);
  if (options.dry_run) {
    std::cout << tickets_text(plan.moves.size()) << " would move; nothing written\n";
    return kExitOk;
  }
  if (engine::Status committed = commit_moves(plan.moves, engine, store, options.actor); !committed) {
    print_error(committed.error());
    std::cerr << "docket: nothing migrated\n";
    return kExitFailure;
  }
  std::cout << "migrated " << tickets_text(plan.moves.size()) << " to version " << target->version_id().substr(0, 12)
            << '\n';
  return kExitOk;
}

int run_migrate(const MigrateOptions& options) {
  std::vector<std::shared_ptr<const engine::Workflow>> compiled = compile_rule_files({options.rules});
  if (compiled.empty()) return kExitFailure;
  std::shared_ptr<const engine::Workflow> target = compiled.front();
  std::optional<std::map<std::string, std::string>> states = state_map(options.map, *target);
  if (!states) return kExitUsage;
  std::unique_ptr<engine::Store> store = open_store_for_migrating(options.store);
  if (!store) return kExitFailure;
  engine::VirtualClock clock;
  engine::Engine engine(clock, *store);
  auto recovered = engine::recover(engine, *store, compile_stored);
  if (!recovered) return fail(options.store + ": " + recovered.error());
  return migrate(options, engine, *store, target, *states);
}

}  // namespace

void add_versions_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<VersionsOptions>();
  CLI::App* command = app.add_subcommand("versions", "List the workflow versions a store holds, with ticket counts");
  command->add_option("store", options->store, "The store: a SQLite file or a postgresql:// URL")->required();
  command->add_option("--format", options->format, "text (default) or json")->check(CLI::IsMember({"text", "json"}));
  command->callback([options, &exit_code] { exit_code = run_versions(*options); });
}

void add_migrate_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<MigrateOptions>();
  CLI::App* command =
      app.add_subcommand("migrate", "Move open tickets onto a new version of their workflow (checked, all or none)");
  command->add_option("store", options->store, "The store: a SQLite file or a postgresql:// URL")->required();
  command->add_option("--to", options->rules, "The rule file of the new version")->required()->check(CLI::ExistingFile);
  command->add_option("--map", options->map, "A state renamed or removed: OLD=NEW (repeatable)");
  command->add_option("--from", options->from, "Only tickets on this version (an id or its prefix)");
  command->add_option("--actor", options->actor, "Who migrates, for the journal (default: operator)");
  command->add_flag("--dry-run", options->dry_run, "Check and show the moves without writing");
  command->callback([options, &exit_code] { exit_code = run_migrate(*options); });
}

}  // namespace docket::cli
