// What every benchmark shares: loading rules, reading and writing files,
// replicating an example's events onto many tickets, rule files of any size,
// memory figures, percentiles, and the one line per figure that scripts/bench
// gathers into its table.
//
// A figure line on stdout reads
//   FIGURE|name|value|unit|baseline|baseline value|ratio|target|met
// where `ratio` is value / baseline (or its inverse for costs, see Figure)
// and `met` is yes, no or - (no target). Everything else (Google
// Benchmark's own tables, progress) goes to stderr.
//
// Every absolute figure comes with a baseline measured in the same process
// and the same run: the machine is shared and noisy, a ratio is what
// carries over.

#pragma once

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "dsl/checker.h"
#include "dsl/compiler.h"
#include "dsl/diagnostics.h"
#include "dsl/loader.h"
#include "dsl/source.h"
#include "engine/codec/event_reader.h"
#include "engine/model/event.h"
#include "engine/model/workflow.h"
#include "engine/runtime/journal.h"

namespace docket::bench {

inline std::string source_dir() {
#ifdef DOCKET_SOURCE_DIR
  return DOCKET_SOURCE_DIR;
#else
  return ".";
#endif
}

// Stops the benchmark with a message: a figure measured on a broken setup is
// worse than none.
[[noreturn]] inline void die(const std::string& message) {
  std::fprintf(stderr, "bench: %s\n", message.c_str());
  std::exit(1);
}

// Loads, checks and compiles rule text; dies with the diagnostics on error.
inline std::shared_ptr<const engine::Workflow> compile_text(const std::string& name, std::string text) {
  dsl::SourceSet sources;
  dsl::Diagnostics diagnostics;
  std::optional<dsl::RuleFile> file = dsl::load_text(name, std::move(text), sources, diagnostics);
  if (file) dsl::check(*file, diagnostics);
  if (!file || diagnostics.has_errors()) die(name + ":\n" + dsl::render_text(diagnostics, sources));
  std::shared_ptr<const engine::Workflow> workflow = dsl::compile(*file, sources, diagnostics);
  if (!workflow) die(name + ": does not compile:\n" + dsl::render_text(diagnostics, sources));
  return workflow;
}

inline std::string error_text(int number) { return std::strerror(number); }

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) die("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) die("cannot write " + path);
}

inline std::shared_ptr<const engine::Workflow> compile_file(const std::string& path) {
  return compile_text(path, read_file(path));
}

inline std::vector<engine::Event> read_events(const std::string& path) {
  std::ifstream in(path);
  if (!in) die("cannot read " + path);
  engine::EventReader reader(in, path);
  std::vector<engine::Event> events;
  for (;;) {
    engine::Result<std::optional<engine::EventLine>> line = reader.next();
    if (!line) die(line.error());
    if (!line.value()) break;
    events.push_back(std::move(line.value()->event));
  }
  return events;
}

// The events of the templates for `tickets` tickets: ticket k follows
// template k % templates.size() under the id "T-k", shifted by k *
// spacing_seconds, merged in time order (a ticket's own events keep theirs).
inline std::vector<engine::Event> replicate(const std::vector<std::vector<engine::Event>>& templates,
                                            std::size_t tickets, std::int64_t spacing_seconds) {
  struct Keyed {
    std::int64_t at;
    std::size_t ticket;
    std::size_t index;
  };
  std::vector<Keyed> order;
  for (std::size_t k = 0; k < tickets; ++k) {
    const std::vector<engine::Event>& events = templates[k % templates.size()];
    for (std::size_t i = 0; i < events.size(); ++i) {
      order.push_back({*events[i].at + static_cast<std::int64_t>(k) * spacing_seconds, k, i});
    }
  }
  std::stable_sort(order.begin(), order.end(), [](const Keyed& a, const Keyed& b) { return a.at < b.at; });
  std::vector<engine::Event> out;
  out.reserve(order.size());
  for (const Keyed& keyed : order) {
    engine::Event event = templates[keyed.ticket % templates.size()][keyed.index];
    event.at = keyed.at;
    event.ticket = "T-" + std::to_string(keyed.ticket);
    out.push_back(std::move(event));
  }
  return out;
}

// A rule file with `states` states in a ring: s0 -> s1 -> ... -> s{n-2} ->
// s0 on `next` (guarded by a counter field, so every state also has a
// `back` transition), and `finish` from any state into the final one. Each
// state carries a timer and an entry action, as real states do, so the text
// per state is about what a designer writes (~250 bytes).
inline std::string generated_rules(std::size_t states) {
  std::string text;
  text += "workflow generated \"generated\" version \"1\"\n\n";
  text += "field count \"count\": int = 0\n";
  text += "field note \"note\": text\n\n";
  text += "department desk \"desk\" { roles agent, lead }\n\n";
  for (std::size_t i = 0; i + 1 < states; ++i) {
    std::string name = "s" + std::to_string(i);
    std::string next = "s" + std::to_string(i + 2 < states ? i + 1 : 0);
    std::string back = "s" + std::to_string(i == 0 ? 0 : i - 1);
    text += (i == 0 ? "initial state " : "state ") + name + " \"state " + std::to_string(i) + "\" {\n";
    text += "  on enter do assign desk.agent\n";
    text += "  after 4h do notify lead \"" + name + "_waiting\"\n";
    text += "  on next when count >= 0 by agent -> " + next + " do notify customer \"" + name + "_done\"\n";
    text += "  on back when count < 100 by lead -> " + back + "\n";
    text += "  on finish -> done\n";
    text += "}\n\n";
  }
  text += "final state done \"done\" {\n  on enter do emit finished\n}\n";
  return text;
}

// Peak resident set of the process so far, bytes.
inline std::uint64_t peak_rss_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;
}

// Current resident set, bytes (/proc/self/statm).
inline std::uint64_t current_rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t size = 0;
  std::uint64_t resident = 0;
  statm >> size >> resident;
  return resident * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

// A fresh directory under `parent` (the disk being measured), removed at the end.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& parent) {
    std::string pattern = parent + "/docket-bench-XXXXXX";
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (mkdtemp(buffer.data()) == nullptr) die("cannot create a directory under " + parent);
    path_ = buffer.data();
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Keeps the last unit's records in a buffer that is reused: assignment into
// existing Records reuses their strings' and vectors' capacity, so a steady
// stream of similar units allocates nothing here.
class ReusedBufferJournal final : public engine::JournalSink {
 public:
  engine::Status write(std::span<const engine::Record> records) override {
    if (buffer_.size() < records.size()) buffer_.resize(records.size());
    for (std::size_t i = 0; i < records.size(); ++i) buffer_[i] = records[i];
    used_ = records.size();
    written_ += records.size();
    return engine::Status::success();
  }
  std::uint64_t written() const { return written_; }
  std::span<const engine::Record> last() const { return {buffer_.data(), used_}; }

 private:
  std::vector<engine::Record> buffer_;
  std::size_t used_ = 0;
  std::uint64_t written_ = 0;
};

// One row of the table. For a rate (higher is better) ratio = value /
// baseline; for a cost (time, bytes; lower is better) ratio = value /
// baseline too, and the target is an upper bound. `target` is text for the
// table ("<= 3x", ">= 0.8x"); `met` is decided by the caller.
struct Figure {
  std::string name;
  double value = 0;
  std::string unit;
  std::string baseline;  // what it is compared with
  double baseline_value = 0;
  std::string baseline_unit;
  std::string target;  // "" when the figure has no target
  bool met = false;
};

inline std::string format_number(double value) {
  char text[64];
  double magnitude = value < 0 ? -value : value;
  if (magnitude >= 1e6) {
    std::snprintf(text, sizeof text, "%.3g", value);
  } else if (magnitude >= 100 || magnitude == 0) {
    std::snprintf(text, sizeof text, "%.0f", value);
  } else if (magnitude >= 1) {
    std::snprintf(text, sizeof text, "%.2f", value);
  } else {
    std::snprintf(text, sizeof text, "%.3g", value);
  }
  return text;
}

inline void print_figure(const Figure& figure) {
  std::string ratio = figure.baseline_value != 0 ? format_number(figure.value / figure.baseline_value) + "x" : "-";
  std::printf("FIGURE|%s|%s %s|%s: %s %s|%s|%s|%s\n", figure.name.c_str(), format_number(figure.value).c_str(),
              figure.unit.c_str(), figure.baseline.c_str(), format_number(figure.baseline_value).c_str(),
              figure.baseline_unit.c_str(), ratio.c_str(), figure.target.empty() ? "-" : figure.target.c_str(),
              figure.target.empty() ? "-" : (figure.met ? "yes" : "NO"));
  std::fflush(stdout);
}

// The nearest-rank percentile of sorted values.
inline double percentile(const std::vector<double>& sorted, double fraction) {
  std::size_t rank = static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

// --quick anywhere on the command line (removed from argv).
inline bool take_quick_flag(int& argc, char** argv) {
  bool quick = false;
  int out = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--quick") {
      quick = true;
    } else {
      argv[out++] = argv[i];
    }
  }
  argc = out;
  return quick;
}

}  // namespace docket::bench
