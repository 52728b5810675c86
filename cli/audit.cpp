// docket audit verify|show|export: what an auditor runs.
//
//   docket audit verify STORE|BUNDLE [--key PUB]... [--checkpoint FILE]... [--no-rules] [--format text|json]
//   docket audit show STORE TICKET
//   docket audit export STORE --out DIR [--format jsonl|csv]
//
// verify exits 0 when the journal is complete, unaltered, signed and legal,
// 1 with the first bad seq and why (engine/audit_verify.h), 2 for usage.

#include <CLI/CLI.hpp>

#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "cli/commands.h"
#include "cli/store_access.h"
#include "engine/audit/audit_bundle.h"
#include "engine/audit/audit_verify.h"
#include "engine/codec/journal_json.h"
#include "engine/codec/journal_text.h"
#include "engine/codec/json_text.h"
#include "engine/codec/ticket_codec.h"
#include "engine/store/checkpoint.h"
#include "engine/store/signing.h"

namespace docket::cli {
namespace {

namespace fs = std::filesystem;

std::string json_string(const std::string& text) {
  std::string quoted;
  engine::append_json_string(quoted, text);
  return quoted;
}

// Compiles stored versions; prints why not and returns nullopt.
std::optional<std::map<std::string, std::shared_ptr<const engine::Workflow>, std::less<>>> compile_all(
    const std::vector<engine::StoredVersion>& versions, const std::string& origin) {
  std::map<std::string, std::shared_ptr<const engine::Workflow>, std::less<>> compiled;
  for (const engine::StoredVersion& version : versions) {
    auto workflow = compile_stored(version);
    if (!workflow) {
      std::cerr << "docket: error: " << origin << ": version " << version.id.substr(0, 12) << " of " << version.workflow
                << " does not compile: " << workflow.error() << '\n';
      return std::nullopt;
    }
    if (workflow.value()->version_id() != version.id) {
      std::cerr << "docket: error: " << origin << ": the sources of version " << version.id.substr(0, 12)
                << " were altered (they compile to " << workflow.value()->version_id().substr(0, 12) << ")\n";
      return std::nullopt;
    }
    compiled.emplace(version.id, std::move(workflow).value());
  }
  return compiled;
}

struct VerifyOptions {
  std::string source;
  std::vector<std::string> keys;
  std::vector<std::string> checkpoints;
  bool no_rules = false;
  std::string format = "text";
};

int run_verify(const VerifyOptions& options) {
  engine::AuditInput input;
  input.check_rules = !options.no_rules;
  std::vector<engine::StoredVersion> versions;
  std::vector<engine::VerifyKey> shipped_keys;
  std::unique_ptr<engine::SqliteStore> store;
  std::optional<engine::Bundle> bundle;

  std::error_code error;
  if (fs::is_directory(options.source, error)) {
    auto opened = engine::open_bundle(options.source);
    if (!opened) {
      std::cerr << "docket: error: " << opened.error() << '\n';
      return kExitFailure;
    }
    bundle = std::move(opened).value();
    input.checkpoints = bundle->checkpoints;
    versions = bundle->versions;
    shipped_keys = bundle->keys;
    input.rows = [&bundle](const std::function<engine::Status(const engine::JournalRow&)>& each) {
      return bundle->read_rows(each);
    };
  } else {
    store = open_store_for_reading(options.source);
    if (!store) return kExitFailure;
    auto checkpoints = store->checkpoints();
    auto stored_versions = store->versions();
    auto keys = store->public_keys();
    for (const std::string* problem :
         {checkpoints ? nullptr : &checkpoints.error(), stored_versions ? nullptr : &stored_versions.error(),
          keys ? nullptr : &keys.error()}) {
      if (problem != nullptr) {
        std::cerr << "docket: error: " << *problem << '\n';
        return kExitFailure;
      }
    }
    input.checkpoints = std::move(checkpoints).value();
    versions = std::move(stored_versions).value();
    for (const std::string& pem : keys.value()) {
      auto key = engine::VerifyKey::from_pem(pem, options.source);
      if (key) shipped_keys.push_back(std::move(key).value());
    }
    input.rows = [&store](const std::function<engine::Status(const engine::JournalRow&)>& each) {
      return store->read_journal(1, each);
    };
  }

  // Trust the keys the auditor names; only without any, the source's own.
  bool own_keys = options.keys.empty();
  if (!own_keys) {
    std::vector<fs::path> paths(options.keys.begin(), options.keys.end());
    auto ring = engine::KeyRing::load(paths);
    if (!ring) {
      std::cerr << "docket: error: " << ring.error() << '\n';
      return kExitFailure;
    }
    input.keys = std::move(ring).value();
  } else {
    for (engine::VerifyKey& key : shipped_keys) (void)input.keys.add(std::move(key));
  }
  for (const std::string& file : options.checkpoints) {
    auto held = engine::load_checkpoints(file);
    if (!held) {
      std::cerr << "docket: error: " << held.error() << '\n';
      return kExitFailure;
    }
    input.held.insert(input.held.end(), held->begin(), held->end());
  }
  input.require_signature = !own_keys;
  if (input.check_rules) {
    auto compiled = compile_all(versions, options.source);
    if (!compiled) return kExitFailure;
    input.versions = std::move(*compiled);
  }

  engine::AuditReport report = engine::verify_journal(input);
  if (!report.error.empty()) {
    std::cerr << "docket: error: " << report.error << '\n';
    return kExitFailure;
  }
  if (options.format == "json") {
    std::cout << "{\"ok\":" << (report.ok() ? "true" : "false") << ",\"records\":" << report.records
              << ",\"last_seq\":" << report.last_seq << ",\"checkpoints\":" << input.checkpoints.size()
              << ",\"checkpoints_verified\":" << report.checkpoints_verified
              << ",\"signed_through\":" << report.signed_through << ",\"tickets\":" << report.tickets
              << ",\"rules_checked\":" << (input.check_rules ? "true" : "false");
    if (report.finding) {
      std::cout << ",\"finding\":{\"seq\":" << report.finding->seq
                << ",\"problem\":" << json_string(report.finding->problem)
                << ",\"detail\":" << json_string(report.finding->detail) << "}";
    } else {
      std::cout << ",\"finding\":null";
    }
    std::cout << "}\n";
    return report.ok() ? kExitOk : kExitFailure;
  }
  if (report.finding) {
    std::cout << options.source << ": seq " << report.finding->seq << ": " << report.finding->problem << ": "
              << report.finding->detail << '\n';
    return kExitFailure;
  }
  auto row = [](const std::string& label, const std::string& text) {
    std::cout << "  " << std::left << std::setw(12) << label << ' ' << text << '\n';
  };
  std::cout << "verified " << options.source << '\n';
  row("journal", std::to_string(report.records) + " records" +
                     (report.records > 0 ? ", seq 1-" + std::to_string(report.last_seq) : std::string()) +
                     ", hash chain intact");
  std::string keys_text;
  for (const std::string& id : input.keys.key_ids()) keys_text += (keys_text.empty() ? "" : ", ") + id;
  row("checkpoints",
      std::to_string(input.checkpoints.size()) + " signed checkpoints verified" +
          (keys_text.empty() ? std::string() : " (key " + keys_text + ")") +
          (own_keys && !input.checkpoints.empty() ? "; with the source's own public key: pass --key for one you trust"
                                                  : std::string()));
  if (!input.held.empty()) row("held", std::to_string(input.held.size()) + " held checkpoints match");
  if (input.check_rules) {
    row("rules", "every record legal under its pinned version (" + std::to_string(input.versions.size()) +
                     (input.versions.size() == 1 ? " version, " : " versions, ") + std::to_string(report.tickets) +
                     " tickets)");
  } else {
    row("rules", "not checked (--no-rules)");
  }
  if (input.checkpoints.empty() && input.held.empty()) {
    std::cout << "note: no signed checkpoint: a journal cut short at its end cannot be told from a shorter one\n";
  } else if (report.signed_through > 0 && report.signed_through < report.last_seq) {
    std::cout << "note: seq " << report.signed_through + 1 << "-" << report.last_seq
              << " come after the last signed checkpoint: only the hash chain vouches for them\n";
  }
  return kExitOk;
}

std::string duration_text(std::int64_t seconds) {
  if (seconds < 0) seconds = 0;
  std::int64_t days = seconds / 86400;
  std::int64_t hours = seconds % 86400 / 3600;
  std::int64_t minutes = seconds % 3600 / 60;
  std::string text;
  if (days > 0) text += std::to_string(days) + "d";
  if (hours > 0) text += std::to_string(hours) + "h";
  if (minutes > 0 || text.empty()) text += std::to_string(minutes) + "m";
  return text;
}

// The text of line `line` of `path` among a version's sources; "" when absent.
std::string source_line(const engine::StoredVersion& version, const std::string& where) {
  std::size_t colon = where.rfind(':');
  if (colon == std::string::npos) return {};
  std::string file = where.substr(0, colon);
  int line = std::atoi(where.c_str() + colon + 1);
  for (const engine::WorkflowSource& source : version.sources) {
    if (file != source.path && !(file.size() > source.path.size() &&
                                 file.compare(file.size() - source.path.size(), source.path.size(), source.path) == 0 &&
                                 file[file.size() - source.path.size() - 1] == '/')) {
      continue;
    }
    std::istringstream text(source.text);
    std::string current;
    for (int n = 1; std::getline(text, current); ++n) {
      if (n == line) {
        std::size_t start = current.find_first_not_of(" \t");
        return start == std::string::npos ? std::string() : current.substr(start);
      }
    }
  }
  return {};
}

int run_show(const std::string& path, const std::string& ticket_id) {
  auto store = open_store_for_reading(path);
  if (!store) return kExitFailure;
  auto versions = store->versions();
  if (!versions) {
    std::cerr << "docket: error: " << versions.error() << '\n';
    return kExitFailure;
  }
  std::map<std::string, const engine::StoredVersion*, std::less<>> by_id;
  for (const engine::StoredVersion& version : versions.value()) by_id.emplace(version.id, &version);

  std::vector<engine::Record> records;
  engine::Status read = store->read_ticket_journal(ticket_id, [&](const engine::JournalRow& row) {
    auto record = engine::decode_record(row.body);
    if (!record) return engine::Status::failure("seq " + std::to_string(row.seq) + ": " + record.error());
    records.push_back(std::move(record).value());
    return engine::Status::success();
  });
  if (!read) {
    std::cerr << "docket: error: " << path << ": " << read.error() << '\n';
    return kExitFailure;
  }
  if (records.empty()) {
    std::cerr << "docket: error: " << path << ": no ticket `" << ticket_id << "` in the journal\n";
    return kExitFailure;
  }

  const engine::Record& first = records.front();
  std::cout << "ticket " << ticket_id << "  workflow " << first.workflow << "  version " << first.version.substr(0, 12)
            << '\n';
  std::int64_t entered = first.at;
  std::string state;
  std::map<std::string, std::int64_t> time_in_state;
  std::vector<std::string> order;
  for (const engine::Record& record : records) {
    bool moves = !record.rejected && !record.to.empty() && record.to != state;
    if (moves && !state.empty()) {
      if (!time_in_state.contains(state)) order.push_back(state);
      time_in_state[state] += record.at - entered;
    }
    std::cout << "  +" << std::left << std::setw(8) << duration_text(record.at - first.at) << ' '
              << engine::format_record_line(record) << '\n';
    if (!record.rule.where.empty()) {
      auto version = by_id.find(record.version);
      std::string text = version != by_id.end() ? source_line(*version->second, record.rule.where) : std::string();
      if (!text.empty()) std::cout << "             | " << text << '\n';
    }
    if (moves) {
      state = record.to;
      entered = record.at;
    }
  }

  std::cout << "time in states\n";
  for (const std::string& name : order) {
    std::cout << "  " << std::left << std::setw(24) << name << ' ' << duration_text(time_in_state[name]) << '\n';
  }
  std::cout << "  " << std::left << std::setw(24) << state << ' ' << "since " << engine::format_timestamp(entered)
            << '\n';

  // SLA clocks as the ticket stands now.
  auto tickets = store->tickets();
  if (tickets) {
    for (const engine::StoredTicket& stored : tickets.value()) {
      if (stored.id != ticket_id) continue;
      auto version = by_id.find(stored.version);
      if (version == by_id.end()) break;
      auto workflow = compile_stored(*version->second);
      if (!workflow) {
        std::cout << "SLA\n  (not shown: the stored rules of version " << stored.version.substr(0, 12)
                  << " do not compile; run `docket audit verify`)\n";
        break;
      }
      auto ticket = engine::decode_ticket(stored.snapshot, workflow.value());
      if (!ticket) {
        std::cout << "SLA\n  (not shown: " << ticket.error() << ")\n";
        break;
      }
      std::cout << "SLA\n";
      for (std::size_t metric = 0; metric < ticket->clocks.size(); ++metric) {
        const engine::SlaClock& clock = ticket->clocks[metric];
        std::string status;
        switch (clock.status) {
          case engine::SlaClock::Status::kIdle:
            status = "not started";
            break;
          case engine::SlaClock::Status::kRunning:
            status = clock.due == engine::kNever ? "running"
                                                 : "running, next threshold due " + engine::format_timestamp(clock.due);
            break;
          case engine::SlaClock::Status::kPaused:
            status = "paused";
            break;
          case engine::SlaClock::Status::kStopped:
            status = "stopped";
            break;
        }
        if (clock.breached) status += ", breached";
        std::cout << "  " << std::left << std::setw(24) << workflow.value()->metrics()[metric] << ' ' << status << '\n';
      }
      break;
    }
  }
  return kExitOk;
}

int run_export(const std::string& path, const std::string& out, const std::string& format) {
  auto store = open_store_for_reading(path);
  if (!store) return kExitFailure;
  auto written =
      engine::write_bundle(*store, out, format == "csv" ? engine::BundleFormat::kCsv : engine::BundleFormat::kJsonl);
  if (!written) {
    std::cerr << "docket: error: " << written.error() << '\n';
    return kExitFailure;
  }
  std::cout << "exported " << written->records << " records, " << written->checkpoints << " checkpoints, "
            << written->versions << " versions and " << written->keys << " public keys to " << out << '\n';
  return kExitOk;
}

}  // namespace

void add_audit_command(CLI::App& app, int& exit_code) {
  CLI::App* audit = app.add_subcommand("audit", "Verify, read and export the journal of a store");
  audit->require_subcommand(1);

  auto verify_options = std::make_shared<VerifyOptions>();
  CLI::App* verify = audit->add_subcommand(
      "verify", "Check that the journal is complete, unaltered, signed and legal under its rules");
  verify->add_option("source", verify_options->source, "A store file or an exported bundle directory")->required();
  verify->add_option("--key", verify_options->keys, "A public key you trust (repeatable); default: the source's own")
      ->check(CLI::ExistingFile);
  verify
      ->add_option("--checkpoint", verify_options->checkpoints,
                   "Checkpoints you held on to (JSON lines); the journal must reach and match them")
      ->check(CLI::ExistingFile);
  verify->add_flag("--no-rules", verify_options->no_rules, "Skip replaying the records against their rules");
  verify->add_option("--format", verify_options->format, "text (default) or json")
      ->check(CLI::IsMember({"text", "json"}));
  verify->callback([verify_options, &exit_code] { exit_code = run_verify(*verify_options); });

  auto show_store = std::make_shared<std::string>();
  auto show_ticket = std::make_shared<std::string>();
  CLI::App* show = audit->add_subcommand("show", "A ticket's timeline: every record, durations, rule lines, SLA");
  show->add_option("store", *show_store, "The store file")->required();
  show->add_option("ticket", *show_ticket, "The ticket id")->required();
  show->callback([show_store, show_ticket, &exit_code] { exit_code = run_show(*show_store, *show_ticket); });

  auto export_store = std::make_shared<std::string>();
  auto export_out = std::make_shared<std::string>();
  auto export_format = std::make_shared<std::string>("jsonl");
  CLI::App* exporter = audit->add_subcommand(
      "export", "Write a bundle (journal, checkpoints, versions, public keys) that verifies offline");
  exporter->add_option("store", *export_store, "The store file")->required();
  exporter->add_option("--out", *export_out, "The bundle directory to create")->required();
  exporter->add_option("--format", *export_format, "jsonl (default) or csv")->check(CLI::IsMember({"jsonl", "csv"}));
  exporter->callback([export_store, export_out, export_format, &exit_code] {
    exit_code = run_export(*export_store, *export_out, *export_format);
  });
}

}  // namespace docket::cli
