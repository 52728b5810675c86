#include "engine/audit/audit_bundle.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>
#include <utility>

#include "engine/codec/journal_json.h"
#include "engine/model/value.h"
#include "engine/store/audit_chain.h"

namespace docket::engine {
namespace {

namespace fs = std::filesystem;

constexpr const char* kCsvHeader =
    "seq,at,ticket,kind,cause,from,to,event,actor,rule,rejected,reason,prev_hash,hash,body";

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + '"';
}

// The columns of a record before its chain links: a view for spreadsheets,
// checked against the body when a bundle is read.
std::vector<std::string> csv_view(const Record& r) {
  std::string actor = r.actor.id;
  for (std::size_t i = 0; i < r.actor.roles.size(); ++i) actor += (i == 0 ? " [" : ", ") + r.actor.roles[i];
  if (!r.actor.roles.empty()) actor += "]";
  std::string rule = r.rule.where.empty() ? "" : r.rule.where + ":" + std::to_string(r.rule.column);
  return {std::to_string(r.seq),
          format_timestamp(r.at),
          r.ticket,
          to_string(r.kind),
          to_string(r.cause),
          r.from,
          r.to,
          r.event,
          actor,
          rule,
          r.rejected ? "true" : "false",
          r.reason};
}

constexpr const char* kCsvColumns[] = {"seq", "at",    "ticket", "kind", "cause",    "from",
                                       "to",  "event", "actor",  "rule", "rejected", "reason"};

// Splits one CSV line (RFC 4180; fields hold no line breaks here).
std::optional<std::vector<std::string>> csv_fields(std::string_view line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"' && fields.back().empty()) {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  if (quoted) return std::nullopt;
  return fields;
}

Status write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Status::failure("cannot write " + path.string());
  return Status::success();
}

Result<std::string> read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Result<std::string>::failure("cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return Result<std::string>::success(text.str());
}

// One line of versions.jsonl: the only form read back.
std::string version_line(const StoredVersion& version) {
  nlohmann::ordered_json line;
  line["id"] = version.id;
  line["workflow"] = version.workflow;
  line["declared"] = version.declared;
  line["source_root"] = version.source_root;
  line["added_at"] = format_timestamp(version.added_at);
  nlohmann::ordered_json sources = nlohmann::ordered_json::array();
  for (const WorkflowSource& source : version.sources) {
    sources.push_back(nlohmann::ordered_json{{"path", source.path}, {"text", source.text}});
  }
  line["sources"] = std::move(sources);
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A line of versions.jsonl, read back only in the form version_line() writes.
Result<StoredVersion> parse_version_line(const std::string& line) {
  using R = Result<StoredVersion>;
  nlohmann::json parsed = nlohmann::json::parse(line, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) return R::failure("not a JSON object");
  StoredVersion version;
  try {
    version.id = parsed.at("id").get<std::string>();
    version.workflow = parsed.at("workflow").get<std::string>();
    version.declared = parsed.at("declared").get<std::string>();
    version.source_root = parsed.at("source_root").get<std::string>();
    std::optional<std::int64_t> added_at = parse_timestamp(parsed.at("added_at").get<std::string>());
    if (!added_at) return R::failure("`added_at` is not a time");
    version.added_at = *added_at;
    for (const auto& source : parsed.at("sources")) {
      version.sources.push_back({source.at("path").get<std::string>(), source.at("text").get<std::string>()});
    }
  } catch (const nlohmann::json::exception& e) {
    return R::failure(e.what());
  }
  if (version_line(version) != line) {
    return R::failure(
        "not in the canonical form (keys id, workflow, declared, source_root, added_at, sources; "
        "docs/audit-log.md)");
  }
  return R::success(std::move(version));
}

// Every file of witnesses/: nothing but <witness id>.jsonl files, at most
// kMaxWitnessFiles of them, read in the order of their names.
Result<std::vector<Cosignature>> load_witnesses(const fs::path& folder) {
  using R = Result<std::vector<Cosignature>>;
  std::error_code error;
  if (!fs::exists(folder, error)) return R::success({});
  if (!fs::is_directory(folder, error)) return R::failure(folder.string() + ": not a directory");
  std::vector<fs::path> files;
  for (const fs::directory_entry& entry : fs::directory_iterator(folder, error)) {
    std::string name = entry.path().filename().string();
    if (!entry.is_regular_file(error) || !name.ends_with(".jsonl") ||
        !is_key_id(std::string_view(name).substr(0, name.size() - 6))) {
      return R::failure(entry.path().string() + ": not a witness file (witnesses/<witness id>.jsonl)");
    }
    if (files.size() == kMaxWitnessFiles) return R::failure(folder.string() + ": more than the allowed witness files");
    files.push_back(entry.path());
  }
  if (error) return R::failure(folder.string() + ": " + error.message());
  std::sort(files.begin(), files.end());
  std::vector<Cosignature> all;
  for (const fs::path& file : files) {
    Result<std::vector<Cosignature>> one = load_witness_file(file, file.stem().string());
    if (!one) return R::failure(one.error());
    all.insert(all.end(), one->begin(), one->end());
  }
  return R::success(std::move(all));
}

}  // namespace

Result<std::vector<Cosignature>> load_witness_file(const fs::path& file, std::string_view witness_id) {
  using R = Result<std::vector<Cosignature>>;
  std::error_code error;
  if (!fs::exists(file, error)) return R::success({});
  std::uintmax_t size = fs::file_size(file, error);
  if (error) return R::failure(file.string() + ": " + error.message());
  if (size > kMaxWitnessFileBytes) return R::failure(file.string() + ": larger than a witness file can be");
  Result<std::string> text = read_text(file);
  if (!text) return R::failure(text.error());
  return decode_witness_file(text.value(), witness_id, file.string());
}

Result<BundleStats> write_bundle(Store& store, const fs::path& directory, BundleFormat format) {
  using R = Result<BundleStats>;
  std::error_code error;
  if (fs::exists(directory, error) && !fs::is_empty(directory, error)) {
    return R::failure(directory.string() + ": exists and is not empty");
  }
  fs::create_directories(directory / "keys", error);
  if (error) return R::failure(directory.string() + ": " + error.message());
  BundleStats stats;

  const bool csv = format == BundleFormat::kCsv;
  fs::path journal_path = directory / (csv ? "journal.csv" : "journal.jsonl");
  std::ofstream journal(journal_path, std::ios::binary | std::ios::trunc);
  if (csv) journal << kCsvHeader << '\n';
  Status read = store.read_journal(1, [&](const JournalRow& row) {
    if (csv) {
      Result<Record> record = decode_record(row.body);
      if (!record) return Status::failure("seq " + std::to_string(row.seq) + ": " + record.error());
      std::vector<std::string> fields = csv_view(record.value());
      fields.insert(fields.end(), {row.prev_hash, row.hash, row.body});
      for (std::size_t i = 0; i < fields.size(); ++i) journal << (i > 0 ? "," : "") << csv_field(fields[i]);
      journal << '\n';
    } else {
      journal << chained_line(row.body, row.prev_hash, row.hash) << '\n';
    }
    ++stats.records;
    return journal ? Status::success() : Status::failure("cannot write " + journal_path.string());
  });
  if (!read) return R::failure(read.error());
  journal.close();
  if (!journal) return R::failure("cannot write " + journal_path.string());

  Result<std::vector<Checkpoint>> checkpoints = store.checkpoints();
  if (!checkpoints) return R::failure(checkpoints.error());
  std::string checkpoint_lines;
  for (const Checkpoint& checkpoint : checkpoints.value()) checkpoint_lines += encode_checkpoint(checkpoint) + "\n";
  if (Status s = write_text(directory / "checkpoints.jsonl", checkpoint_lines); !s) return R::failure(s.error());
  stats.checkpoints = checkpoints->size();

  Result<std::vector<StoredVersion>> versions = store.versions();
  if (!versions) return R::failure(versions.error());
  std::string version_lines;
  for (const StoredVersion& version : versions.value()) version_lines += version_line(version) + "\n";
  if (Status s = write_text(directory / "versions.jsonl", version_lines); !s) return R::failure(s.error());
  stats.versions = versions->size();

  Result<std::vector<std::string>> keys = store.public_keys();
  if (!keys) return R::failure(keys.error());
  for (const std::string& pem : keys.value()) {
    Result<VerifyKey> key = VerifyKey::from_pem(pem, store.location());
    if (!key) return R::failure(key.error());
    if (Status s = write_text(directory / "keys" / (key->key_id() + ".pub"), pem); !s) return R::failure(s.error());
    ++stats.keys;
  }
  return R::success(stats);
}

Result<Bundle> open_bundle(const fs::path& directory) {
  using R = Result<Bundle>;
  Bundle bundle;
  bundle.directory = directory;
  std::error_code error;
  if (!fs::is_directory(directory, error)) return R::failure(directory.string() + ": not a bundle directory");
  if (!fs::exists(directory / "journal.jsonl", error) && !fs::exists(directory / "journal.csv", error)) {
    return R::failure(directory.string() + ": no journal.jsonl or journal.csv");
  }

  fs::path checkpoints_path = directory / "checkpoints.jsonl";
  if (fs::exists(checkpoints_path, error)) {
    Result<std::vector<Checkpoint>> checkpoints = load_checkpoints(checkpoints_path);
    if (!checkpoints) return R::failure(checkpoints.error());
    // The file as write_bundle() writes it: one line each, LF, nothing else.
    std::string canonical;
    for (const Checkpoint& checkpoint : checkpoints.value()) canonical += encode_checkpoint(checkpoint) + "\n";
    Result<std::string> text = read_text(checkpoints_path);
    if (!text) return R::failure(text.error());
    if (text.value() != canonical) {
      return R::failure(checkpoints_path.string() +
                        ": not in the canonical form: one line per checkpoint, each ended "
                        "by LF, no blank lines");
    }
    bundle.checkpoints = std::move(checkpoints).value();
  }

  Result<std::string> versions = read_text(directory / "versions.jsonl");
  if (!versions) return R::failure(versions.error());
  std::istringstream lines(versions.value());
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    std::string where = (directory / "versions.jsonl").string() + ":" + std::to_string(number);
    if (lines.eof()) return R::failure(where + ": the last line has no line end");
    Result<StoredVersion> version = parse_version_line(line);
    if (!version) return R::failure(where + ": " + version.error());
    bundle.versions.push_back(std::move(version).value());
  }

  Result<std::vector<Cosignature>> cosignatures = load_witnesses(directory / "witnesses");
  if (!cosignatures) return R::failure(cosignatures.error());
  bundle.cosignatures = std::move(cosignatures).value();

  if (fs::is_directory(directory / "keys", error)) {
    for (const fs::directory_entry& entry : fs::directory_iterator(directory / "keys", error)) {
      if (entry.path().extension() != ".pub") continue;
      Result<VerifyKey> key = VerifyKey::load(entry.path());
      if (!key) return R::failure(key.error());
      bundle.keys.push_back(std::move(key).value());
    }
  }
  return R::success(std::move(bundle));
}

namespace {

// A row of journal.csv: the chain's columns, and the record's own columns
// checked against its body, the line in the one form write_bundle() writes.
JournalRow csv_row(const std::string& line) {
  JournalRow row;
  std::optional<std::vector<std::string>> fields = csv_fields(line);
  if (!fields || fields->size() != 15) {
    row.body = line;
    row.problem = "not a journal CSV row of 15 columns";
    return row;
  }
  row.prev_hash = (*fields)[12];
  row.hash = (*fields)[13];
  row.body = (*fields)[14];
  std::string canonical;
  for (std::size_t i = 0; i < fields->size(); ++i) canonical += (i > 0 ? "," : "") + csv_field((*fields)[i]);
  if (canonical != line) {
    row.problem =
        "the CSV line is not in its canonical form: a field is quoted only when it holds a comma, a quote "
        "or a line break";
    return row;
  }
  Result<Record> record = decode_record(row.body);
  if (!record) return row;  // the verifier says why
  std::vector<std::string> view = csv_view(record.value());
  for (std::size_t i = 0; i < view.size(); ++i) {
    if (view[i] != (*fields)[i]) {
      row.problem = std::string("the CSV column `") + kCsvColumns[i] + "` says \"" + (*fields)[i] +
                    "\", the record's body says \"" + view[i] + "\"";
      break;
    }
  }
  return row;
}

JournalRow jsonl_row(const std::string& line) {
  JournalRow row;
  Result<ChainedLine> chained = split_chained_line(line);
  if (!chained) {
    row.body = line;
    row.problem = "the line has no hash suffix: " + chained.error();
    return row;
  }
  row.body = std::move(chained->body);
  row.prev_hash = std::move(chained->prev_hash);
  row.hash = std::move(chained->hash);
  return row;
}

}  // namespace

Status Bundle::read_rows(const std::function<Status(const JournalRow&)>& each) const {
  std::error_code error;
  const bool csv = !fs::exists(directory / "journal.jsonl", error);
  fs::path path = directory / (csv ? "journal.csv" : "journal.jsonl");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::failure("cannot read " + path.string());
  // RFC 4180 ends CSV lines with CRLF; a JSON line ends with LF alone.
  // Every line ends so: one without an end was cut off.
  bool ended = true;
  auto next_line = [&](std::string& into) {
    if (!std::getline(in, into)) return false;
    ended = !in.eof();
    if (csv && !into.empty() && into.back() == '\r') into.pop_back();
    return true;
  };
  std::string line;
  std::uint64_t previous = 0;
  bool header = csv;
  while (next_line(line)) {
    // A quoted field may hold a line break: read on until the quotes close.
    if (csv) {
      std::string more;
      while (std::count(line.begin(), line.end(), '"') % 2 == 1 && next_line(more)) line += "\n" + more;
    }
    if (header) {
      header = false;
      if (line != kCsvHeader) return Status::failure(path.string() + ":1: not a docket journal CSV header");
      continue;
    }
    JournalRow row;
    if (line.empty()) {
      // Every line is a record: a blank one stands where the next should.
      row.problem = "a blank line where the next record should be";
    } else {
      row = csv ? csv_row(line) : jsonl_row(line);
      if (!ended && row.problem.empty()) row.problem = "the last line has no line end: the file was cut while written";
    }
    // A line whose seq cannot be read is taken for the next one: the
    // verifier then finds it altered there.
    row.seq = encoded_seq(row.body).value_or(previous + 1);
    previous = row.seq;
    if (Status s = each(row); !s) return s;
  }
  return Status::success();
}

}  // namespace docket::engine
