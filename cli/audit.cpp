// docket audit verify|show|export|witness: what an auditor runs.
//
//   docket audit verify STORE|BUNDLE [--key PUB]... [--checkpoint FILE]... [--witness PUB]...
//                       [--witness-quorum N] [--no-rules] [--format text|json]
//   docket audit show STORE TICKET
//   docket audit export STORE --out DIR [--format jsonl|csv]
//   docket audit witness BUNDLE --key WITNESS.key --trust PUB... [--out FILE] [--no-rules]
//
// verify exits 0 when the journal is complete, unaltered, signed and legal,
// 1 with the first bad seq and why (engine/audit/audit_verify.h), 2 for usage.
// witness countersigns a bundle's checkpoints (engine/audit/cosignature.h)
// only after verifying it as verify --key does.

#include <CLI/CLI.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/store_access.h"
#include "cli/table.h"
#include "engine/audit/audit_bundle.h"
#include "engine/audit/audit_verify.h"
#include "engine/audit/cosignature.h"
#include "engine/codec/journal_json.h"
#include "engine/codec/journal_text.h"
#include "engine/codec/json_text.h"
#include "engine/codec/ticket_codec.h"
#include "engine/store/checkpoint.h"
#include "engine/store/open_store.h"
#include "engine/store/signing.h"

namespace docket::cli {
namespace {

namespace fs = std::filesystem;

using CompiledVersions = std::map<std::string, std::shared_ptr<const engine::Workflow>, std::less<>>;

// ------------------------------------------------------------ docket audit verify

struct AuditVerifyOptions {
  std::string source;
  std::vector<std::string> keys;
  std::vector<std::string> checkpoints;
  std::vector<std::string> witnesses;
  std::size_t witness_quorum = 0;  // 0: every witness named
  bool no_rules = false;
  std::string format = "text";
};

// What verify reads its journal from; `input.rows` reads through it, so it
// outlives the verification.
struct AuditSource {
  std::unique_ptr<engine::Store> store;
  std::optional<engine::Bundle> bundle;
  std::vector<engine::StoredVersion> versions;
  std::vector<engine::VerifyKey> shipped_keys;  // the source's own: trusted only when the auditor names none
};

int read_bundle(const std::string& path, AuditSource& source, engine::AuditInput& input) {
  auto opened = engine::open_bundle(path);
  if (!opened) return fail(opened.error());
  source.bundle = std::move(opened).value();
  input.checkpoints = source.bundle->checkpoints;
  input.cosignatures = source.bundle->cosignatures;
  source.versions = source.bundle->versions;
  source.shipped_keys = source.bundle->keys;
  input.rows = [&source](const std::function<engine::Status(const engine::JournalRow&)>& each) {
    return source.bundle->read_rows(each);
  };
  return kExitOk;
}

int read_store(const std::string& path, AuditSource& source, engine::AuditInput& input) {
  source.store = open_store_for_reading(path);
  if (!source.store) return kExitFailure;
  auto checkpoints = source.store->checkpoints();
  auto versions = source.store->versions();
  auto keys = source.store->public_keys();
  if (!checkpoints) return fail(checkpoints.error());
  if (!versions) return fail(versions.error());
  if (!keys) return fail(keys.error());
  input.checkpoints = std::move(checkpoints).value();
  source.versions = std::move(versions).value();
  for (const std::string& pem : keys.value()) {
    auto key = engine::VerifyKey::from_pem(pem, path);
    if (key) source.shipped_keys.push_back(std::move(key).value());
  }
  input.rows = [&source](const std::function<engine::Status(const engine::JournalRow&)>& each) {
    return source.store->read_journal(1, each);
  };
  return kExitOk;
}

// Trusts the keys the auditor names; only without any, the source's own.
int trust_keys(const std::vector<std::string>& named, std::vector<engine::VerifyKey>& shipped,
               engine::AuditInput& input) {
  input.require_signature = !named.empty();
  if (named.empty()) {
    for (engine::VerifyKey& key : shipped) (void)input.keys.add(std::move(key));
    return kExitOk;
  }
  auto ring = engine::KeyRing::load(std::vector<fs::path>(named.begin(), named.end()));
  if (!ring) return fail(ring.error());
  input.keys = std::move(ring).value();
  return kExitOk;
}

// The witnesses the auditor names, and how many of them must have
// countersigned; a store carries no cosignatures, so it never meets a quorum.
int trust_witnesses(const AuditVerifyOptions& options, engine::AuditInput& input) {
  if (options.witnesses.empty()) {
    if (options.witness_quorum > 0) return fail("--witness-quorum: name the witnesses with --witness", kExitUsage);
    return kExitOk;
  }
  auto ring = engine::KeyRing::load(std::vector<fs::path>(options.witnesses.begin(), options.witnesses.end()));
  if (!ring) return fail(ring.error());
  input.witnesses = std::move(ring).value();
  input.witness_quorum = options.witness_quorum == 0 ? input.witnesses.size() : options.witness_quorum;
  if (input.witness_quorum > input.witnesses.size()) {
    return fail("--witness-quorum " + std::to_string(input.witness_quorum) + ": only " +
                    std::to_string(input.witnesses.size()) + " distinct witness keys named",
                kExitUsage);
  }
  return kExitOk;
}

int add_held_checkpoints(const std::vector<std::string>& files, engine::AuditInput& input) {
  for (const std::string& file : files) {
    auto held = engine::load_checkpoints(file);
    if (!held) return fail(held.error());
    input.held.insert(input.held.end(), held->begin(), held->end());
  }
  return kExitOk;
}

// Compiles stored versions, each checked against its id; nullopt after
// printing why not.
std::optional<CompiledVersions> compile_all(const std::vector<engine::StoredVersion>& versions,
                                            const std::string& origin) {
  CompiledVersions compiled;
  for (const engine::StoredVersion& version : versions) {
    auto workflow = compile_stored(version);
    if (!workflow) {
      print_error(origin + ": version " + version.id.substr(0, 12) + " of " + version.workflow +
                  " does not compile: " + workflow.error());
      return std::nullopt;
    }
    if (workflow.value()->version_id() != version.id) {
      print_error(origin + ": the sources of version " + version.id.substr(0, 12) + " were altered (they compile to " +
                  workflow.value()->version_id().substr(0, 12) + ")");
      return std::nullopt;
    }
    compiled.emplace(version.id, std::move(workflow).value());
  }
  return compiled;
}

// Everything verify_journal needs from the options and the source.
int prepare_audit(const AuditVerifyOptions& options, AuditSource& source, engine::AuditInput& input) {
  input.check_rules = !options.no_rules;
  std::error_code error;
  int read = fs::is_directory(options.source, error) ? read_bundle(options.source, source, input)
                                                     : read_store(options.source, source, input);
  if (read != kExitOk) return read;
  if (int failed = trust_keys(options.keys, source.shipped_keys, input); failed != kExitOk) return failed;
  if (int failed = add_held_checkpoints(options.checkpoints, input); failed != kExitOk) return failed;
  if (int failed = trust_witnesses(options, input); failed != kExitOk) return failed;
  if (!input.check_rules) return kExitOk;
  std::optional<CompiledVersions> compiled = compile_all(source.versions, options.source);
  if (!compiled) return kExitFailure;
  input.versions = std::move(*compiled);
  return kExitOk;
}

std::string verify_json(const engine::AuditReport& report, const engine::AuditInput& input) {
  std::ostringstream json;
  json << "{\"ok\":" << (report.ok() ? "true" : "false") << ",\"records\":" << report.records
       << ",\"last_seq\":" << report.last_seq << ",\"checkpoints\":" << input.checkpoints.size()
       << ",\"checkpoints_verified\":" << report.checkpoints_verified << ",\"signed_through\":" << report.signed_through
       << ",\"cosignatures_verified\":" << report.cosignatures_verified
       << ",\"witnessed_through\":" << report.witnessed_through << ",\"tickets\":" << report.tickets
       << ",\"rules_checked\":" << (input.check_rules ? "true" : "false");
  if (report.finding) {
    std::string finding = ",\"finding\":{\"seq\":" + std::to_string(report.finding->seq) + ",\"problem\":";
    engine::append_json_string(finding, report.finding->problem);
    finding += ",\"detail\":";
    engine::append_json_string(finding, report.finding->detail);
    json << finding << "}";
  } else {
    json << ",\"finding\":null";
  }
  json << "}\n";
  return json.str();
}

std::string checkpoints_text(const engine::AuditInput& input) {
  std::string keys;
  for (const std::string& id : input.keys.key_ids()) keys += (keys.empty() ? "" : ", ") + id;
  std::string text = std::to_string(input.checkpoints.size()) + " signed checkpoints verified";
  if (!keys.empty()) text += " (key " + keys + ")";
  if (!input.require_signature && !input.checkpoints.empty()) {
    text += "; with the source's own public key: pass --key for one you trust";
  }
  return text;
}

std::string rules_text(const engine::AuditReport& report, const engine::AuditInput& input) {
  if (!input.check_rules) return "not checked (--no-rules)";
  return "every record legal under its pinned version (" + std::to_string(input.versions.size()) +
         (input.versions.size() == 1 ? " version, " : " versions, ") + std::to_string(report.tickets) + " tickets)";
}

void print_verified(const std::string& source, const engine::AuditReport& report, const engine::AuditInput& input) {
  const Table rows("  ", {{12}, {}});
  std::cout << "verified " << engine::redact_postgres_url(source) << '\n';
  std::cout << rows.row(
      {"journal", std::to_string(report.records) + " records" +
                      (report.records > 0 ? ", seq 1-" + std::to_string(report.last_seq) : std::string()) +
                      ", hash chain intact"});
  std::cout << rows.row({"checkpoints", checkpoints_text(input)});
  if (!input.held.empty()) {
    std::cout << rows.row({"held", std::to_string(input.held.size()) + " held checkpoints match"});
  }
  if (input.witness_quorum > 0) {
    std::cout << rows.row(
        {"witnesses", std::to_string(report.cosignatures_verified) + " cosignatures verified; a quorum of " +
                          std::to_string(input.witness_quorum) + " of " + std::to_string(input.witnesses.size()) +
                          " countersigned seq " + std::to_string(report.witnessed_through)});
  }
  std::cout << rows.row({"rules", rules_text(report, input)});
  if (input.witness_quorum > 0 && report.witnessed_through < report.last_seq) {
    std::cout << "note: seq " << report.witnessed_through + 1 << "-" << report.last_seq
              << " come after the last witnessed checkpoint: the key holder alone vouches for them\n";
  }
  if (input.checkpoints.empty() && input.held.empty()) {
    std::cout << "note: no signed checkpoint: a journal cut short at its end cannot be told from a shorter one\n";
  } else if (report.signed_through > 0 && report.signed_through < report.last_seq) {
    std::cout << "note: seq " << report.signed_through + 1 << "-" << report.last_seq
              << " come after the last signed checkpoint: only the hash chain vouches for them\n";
  }
}

int run_audit_verify(const AuditVerifyOptions& options) {
  AuditSource source;
  engine::AuditInput input;
  if (int failed = prepare_audit(options, source, input); failed != kExitOk) return failed;
  engine::AuditReport report = engine::verify_journal(input);
  if (!report.error.empty()) return fail(report.error);
  if (options.format == "json") {
    std::cout << verify_json(report, input);
    return report.ok() ? kExitOk : kExitFailure;
  }
  if (report.finding) {
    std::cout << engine::redact_postgres_url(options.source) << ": seq " << report.finding->seq << ": "
              << report.finding->problem << ": " << report.finding->detail << '\n';
    return kExitFailure;
  }
  print_verified(options.source, report, input);
  return kExitOk;
}

// ------------------------------------------------------------ docket audit show

struct AuditShowOptions {
  std::string store;
  std::string ticket;
};

using VersionsById = std::map<std::string, const engine::StoredVersion*, std::less<>>;

// "+1h50m    2026-11-23 02:50:00Z #9 ...": a record, after the time since the first.
const Table kTimeline("  ", {{9}, {}});
// "  obstacle                 1d10m": a state and the time spent in it; an SLA clock and its status.
const Table kDurations("  ", {{24}, {}});

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

// Whether the rule position's `file` names `source_path`: the same path, or
// one ending in "/" + it.
bool names_source(const std::string& file, const std::string& source_path) {
  if (file == source_path) return true;
  return file.size() > source_path.size() && file.ends_with(source_path) &&
         file[file.size() - source_path.size() - 1] == '/';
}

// The text of the rule line at `where` ("path:line") among a version's
// sources, without its indentation; "" when absent.
std::string source_line(const engine::StoredVersion& version, const std::string& where) {
  std::size_t colon = where.rfind(':');
  if (colon == std::string::npos) return {};
  std::string file = where.substr(0, colon);
  int line = std::atoi(where.c_str() + colon + 1);
  for (const engine::WorkflowSource& source : version.sources) {
    if (!names_source(file, source.path)) continue;
    std::istringstream text(source.text);
    std::string current;
    for (int n = 1; std::getline(text, current); ++n) {
      if (n != line) continue;
      std::size_t start = current.find_first_not_of(" \t");
      return start == std::string::npos ? std::string() : current.substr(start);
    }
  }
  return {};
}

// The ticket's records, oldest first; nullopt after printing why not.
std::optional<std::vector<engine::Record>> ticket_records(engine::Store& store, const AuditShowOptions& options) {
  std::vector<engine::Record> records;
  engine::Status read = store.read_ticket_journal(options.ticket, [&](const engine::JournalRow& row) {
    auto record = engine::decode_record(row.body);
    if (!record) return engine::Status::failure("seq " + std::to_string(row.seq) + ": " + record.error());
    records.push_back(std::move(record).value());
    return engine::Status::success();
  });
  if (!read) {
    print_error(options.store + ": " + read.error());
    return std::nullopt;
  }
  if (records.empty()) {
    print_error(options.store + ": no ticket `" + options.ticket + "` in the journal");
    return std::nullopt;
  }
  return records;
}

// Every record with the rule line that wrote it, then the time spent in
// each state the ticket left, and the state it is in.
void print_timeline(const std::vector<engine::Record>& records, const VersionsById& versions) {
  const engine::Record& first = records.front();
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
    std::cout << kTimeline.row({"+" + duration_text(record.at - first.at), engine::format_record_line(record)});
    auto version = versions.find(record.version);
    if (!record.rule.where.empty() && version != versions.end()) {
      std::string text = source_line(*version->second, record.rule.where);
      if (!text.empty()) std::cout << kTimeline.row({"", " | " + text});
    }
    if (moves) {
      state = record.to;
      entered = record.at;
    }
  }
  std::cout << "time in states\n";
  for (const std::string& name : order) std::cout << kDurations.row({name, duration_text(time_in_state[name])});
  std::cout << kDurations.row({state, "since " + engine::format_timestamp(entered)});
}

std::string clock_status(const engine::SlaClock& clock) {
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
  return status;
}

// The SLA clocks as the ticket stands now, from its snapshot under the rules of its version.
void print_sla(const engine::StoredTicket& stored, const engine::StoredVersion& version) {
  auto workflow = compile_stored(version);
  if (!workflow) {
    std::cout << "SLA\n  (not shown: the stored rules of version " << stored.version.substr(0, 12)
              << " do not compile; run `docket audit verify`)\n";
    return;
  }
  auto ticket = engine::decode_ticket(stored.snapshot, workflow.value());
  if (!ticket) {
    std::cout << "SLA\n  (not shown: " << ticket.error() << ")\n";
    return;
  }
  std::cout << "SLA\n";
  for (std::size_t metric = 0; metric < ticket->clocks.size(); ++metric) {
    std::cout << kDurations.row({workflow.value()->metrics()[metric], clock_status(ticket->clocks[metric])});
  }
}

void print_current_sla(engine::Store& store, const std::string& ticket_id, const VersionsById& versions) {
  auto tickets = store.tickets();
  if (!tickets) return;
  for (const engine::StoredTicket& stored : tickets.value()) {
    if (stored.id != ticket_id) continue;
    auto version = versions.find(stored.version);
    if (version != versions.end()) print_sla(stored, *version->second);
    return;
  }
}

int run_audit_show(const AuditShowOptions& options) {
  auto store = open_store_for_reading(options.store);
  if (!store) return kExitFailure;
  auto versions = store->versions();
  if (!versions) return fail(versions.error());
  VersionsById by_id;
  for (const engine::StoredVersion& version : versions.value()) by_id.emplace(version.id, &version);
  std::optional<std::vector<engine::Record>> records = ticket_records(*store, options);
  if (!records) return kExitFailure;
  const engine::Record& first = records->front();
  std::cout << "ticket " << options.ticket << "  workflow " << first.workflow << "  version "
            << first.version.substr(0, 12) << '\n';
  print_timeline(*records, by_id);
  print_current_sla(*store, options.ticket, by_id);
  return kExitOk;
}

// ------------------------------------------------------------ docket audit export

struct AuditExportOptions {
  std::string store;
  std::string out;
  std::string format = "jsonl";
};

int run_audit_export(const AuditExportOptions& options) {
  auto store = open_store_for_reading(options.store);
  if (!store) return kExitFailure;
  auto written = engine::write_bundle(
      *store, options.out, options.format == "csv" ? engine::BundleFormat::kCsv : engine::BundleFormat::kJsonl);
  if (!written) return fail(written.error());
  std::cout << "exported " << written->records << " records, " << written->checkpoints << " checkpoints, "
            << written->versions << " versions and " << written->keys << " public keys to " << options.out << '\n';
  return kExitOk;
}

// ------------------------------------------------------------ docket audit witness

struct AuditWitnessOptions {
  std::string bundle;
  std::string key;
  std::vector<std::string> trust;
  std::string out;
  bool no_rules = false;
};

// Writes through a temporary file, so that a witness file is never half
// written.
int write_witness_file(const fs::path& out, const std::vector<engine::Cosignature>& cosignatures) {
  std::error_code error;
  if (out.has_parent_path()) fs::create_directories(out.parent_path(), error);
  if (error) return fail(out.parent_path().string() + ": " + error.message());
  fs::path temporary = out;
  temporary += ".tmp";
  {
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    file << engine::encode_witness_file(cosignatures);
    file.close();
    if (!file) return fail("cannot write " + temporary.string());
  }
  fs::rename(temporary, out, error);
  if (error) return fail("cannot write " + out.string() + ": " + error.message());
  return kExitOk;
}

// The bundle verified with the operator's keys and the witness's own earlier
// cosignatures (what it saw before must still hold); nullopt after printing
// why it is not countersigned.
std::optional<AuditSource> verify_for_witness(const AuditWitnessOptions& options, const engine::SigningKey& witness,
                                              const std::vector<engine::Cosignature>& earlier) {
  AuditVerifyOptions verify;
  verify.source = options.bundle;
  verify.keys = options.trust;
  verify.no_rules = options.no_rules;
  std::optional<AuditSource> source(std::in_place);
  engine::AuditInput input;
  if (prepare_audit(verify, *source, input) != kExitOk) return std::nullopt;
  input.cosignatures.insert(input.cosignatures.end(), earlier.begin(), earlier.end());
  (void)input.witnesses.add(witness.verify_key());
  engine::AuditReport report = engine::verify_journal(input);
  if (!report.error.empty()) {
    print_error(report.error);
    return std::nullopt;
  }
  if (report.finding) {
    print_error(options.bundle + ": not countersigned: seq " + std::to_string(report.finding->seq) + ": " +
                report.finding->problem + ": " + report.finding->detail);
    return std::nullopt;
  }
  return source;
}

int run_audit_witness(const AuditWitnessOptions& options) {
  std::error_code error;
  if (!fs::is_directory(options.bundle, error)) return fail(options.bundle + ": not a bundle directory");
  auto witness = engine::SigningKey::load(options.key);
  if (!witness) return fail(witness.error());
  fs::path out = options.out.empty() ? fs::path(options.bundle) / "witnesses" / (witness->key_id() + ".jsonl")
                                     : fs::path(options.out);
  auto earlier = engine::load_witness_file(out, witness->key_id());
  if (!earlier) return fail(earlier.error());
  std::optional<AuditSource> source = verify_for_witness(options, witness.value(), earlier.value());
  if (!source) return kExitFailure;

  std::map<std::uint64_t, engine::Cosignature> by_seq;
  for (const engine::Cosignature& cosignature : earlier.value()) by_seq.emplace(cosignature.seq, cosignature);
  std::size_t added = 0;
  for (const engine::Checkpoint& checkpoint : source->bundle->checkpoints) {
    if (by_seq.emplace(checkpoint.seq, engine::countersign(witness.value(), checkpoint)).second) ++added;
  }
  std::vector<engine::Cosignature> all;
  for (auto& [seq, cosignature] : by_seq) all.push_back(std::move(cosignature));
  if (int failed = write_witness_file(out, all); failed != kExitOk) return failed;
  std::cout << "countersigned " << added << " checkpoints of " << options.bundle << " as witness " << witness->key_id()
            << " (" << all.size() << " in all";
  if (!all.empty()) std::cout << ", through seq " << all.back().seq;
  std::cout << ") in " << out.string() << '\n';
  return kExitOk;
}

void add_witness_command(CLI::App& audit, int& exit_code) {
  auto options = std::make_shared<AuditWitnessOptions>();
  CLI::App* witness = audit.add_subcommand(
      "witness", "Verify a bundle, then countersign its checkpoints with your own key, as a witness");
  witness->add_option("bundle", options->bundle, "An exported bundle directory")->required();
  witness->add_option("--key", options->key, "Your private key, the witness's (docket keys new)")
      ->required()
      ->check(CLI::ExistingFile);
  witness
      ->add_option("--trust", options->trust, "The operator's public key (repeatable): the bundle must verify with it")
      ->required()
      ->check(CLI::ExistingFile);
  witness->add_option("--out", options->out,
                      "The witness file to extend (default: BUNDLE/witnesses/<your key id>.jsonl); its earlier "
                      "cosignatures must still agree with the chain");
  witness->add_flag("--no-rules", options->no_rules, "Skip replaying the records against their rules");
  witness->callback([options, &exit_code] { exit_code = run_audit_witness(*options); });
}

void add_verify_command(CLI::App& audit, int& exit_code) {
  auto options = std::make_shared<AuditVerifyOptions>();
  CLI::App* verify =
      audit.add_subcommand("verify", "Check that the journal is complete, unaltered, signed and legal under its rules");
  verify
      ->add_option("source", options->source,
                   "A store (a SQLite file or a postgresql:// URL) or an exported bundle directory")
      ->required();
  verify->add_option("--key", options->keys, "A public key you trust (repeatable); default: the source's own")
      ->check(CLI::ExistingFile);
  verify
      ->add_option("--checkpoint", options->checkpoints,
                   "Checkpoints you held on to (JSON lines); the journal must reach and match them")
      ->check(CLI::ExistingFile);
  verify
      ->add_option("--witness", options->witnesses,
                   "A witness's public key (repeatable): the journal must be covered by a checkpoint the witnesses "
                   "countersigned")
      ->check(CLI::ExistingFile);
  verify
      ->add_option("--witness-quorum", options->witness_quorum,
                   "How many of the named witnesses must have countersigned (default: all)")
      ->check(CLI::PositiveNumber);
  verify->add_flag("--no-rules", options->no_rules, "Skip replaying the records against their rules");
  verify->add_option("--format", options->format, "text (default) or json")->check(CLI::IsMember({"text", "json"}));
  verify->callback([options, &exit_code] { exit_code = run_audit_verify(*options); });
}

void add_show_command(CLI::App& audit, int& exit_code) {
  auto options = std::make_shared<AuditShowOptions>();
  CLI::App* show = audit.add_subcommand("show", "A ticket's timeline: every record, durations, rule lines, SLA");
  show->add_option("store", options->store, "The store: a SQLite file or a postgresql:// URL")->required();
  show->add_option("ticket", options->ticket, "The ticket id")->required();
  show->callback([options, &exit_code] { exit_code = run_audit_show(*options); });
}

void add_export_command(CLI::App& audit, int& exit_code) {
  auto options = std::make_shared<AuditExportOptions>();
  CLI::App* exporter = audit.add_subcommand(
      "export", "Write a bundle (journal, checkpoints, versions, public keys) that verifies offline");
  exporter->add_option("store", options->store, "The store: a SQLite file or a postgresql:// URL")->required();
  exporter->add_option("--out", options->out, "The bundle directory to create")->required();
  exporter->add_option("--format", options->format, "jsonl (default) or csv")->check(CLI::IsMember({"jsonl", "csv"}));
  exporter->callback([options, &exit_code] { exit_code = run_audit_export(*options); });
}

}  // namespace

void add_audit_command(CLI::App& app, int& exit_code) {
  CLI::App* audit = app.add_subcommand("audit", "Verify, read, export and witness the journal of a store");
  audit->require_subcommand(1);
  add_verify_command(*audit, exit_code);
  add_show_command(*audit, exit_code);
  add_export_command(*audit, exit_code);
  add_witness_command(*audit, exit_code);
}

}  // namespace docket::cli
