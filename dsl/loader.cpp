#include "dsl/loader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace docket::dsl {
namespace {

namespace fs = std::filesystem;

// Replaces the base declaration that an `override` names, in place, so that
// the merged file keeps the base's order; reports E027 when there is none.
template <typename Decl, typename KeyOf>
void merge(std::vector<Decl>& base, std::vector<Decl>& derived, KeyOf key_of, const char* what,
           Diagnostics& diagnostics) {
  for (Decl& decl : derived) {
    if (!decl.is_override) {
      base.push_back(std::move(decl));
      continue;
    }
    auto same_name = [&](const Decl& b) { return key_of(b).text == key_of(decl).text; };
    auto it = std::find_if(base.begin(), base.end(), same_name);
    if (it != base.end()) {
      *it = std::move(decl);
      continue;
    }
    std::vector<std::string> names;
    for (const Decl& b : base) names.push_back(key_of(b).text);
    std::string suggestion = closest_match(key_of(decl).text, names);
    diagnostics.error(
        "E027", key_of(decl).loc,
        std::string("`override` of ") + what + " `" + key_of(decl).text + "`, which the base workflow does not declare",
        suggestion.empty() ? "remove `override` to add it as a new " + std::string(what)
                           : "did you mean `" + suggestion + "`?");
  }
}

// Appends `items` to `into`, or puts them in front with `first`.
template <typename Item>
void add_items(std::vector<Item>& into, std::vector<Item>& items, bool first) {
  into.insert(first ? into.begin() : into.end(), std::make_move_iterator(items.begin()),
              std::make_move_iterator(items.end()));
}

// `extend state NAME { ... }`: the items go into the base's state; E052 when
// the base has no such state.
void extend_state(std::vector<StateDecl>& base, StateDecl& extension, Diagnostics& diagnostics) {
  auto same_name = [&](const StateDecl& b) { return b.name.text == extension.name.text; };
  auto it = std::find_if(base.begin(), base.end(), same_name);
  if (it == base.end()) {
    std::vector<std::string> names;
    for (const StateDecl& b : base) names.push_back(b.name.text);
    std::string suggestion = closest_match(extension.name.text, names);
    diagnostics.error("E052", extension.name.loc,
                      "`extend state " + extension.name.text + "`, which the base workflow does not declare",
                      suggestion.empty() ? "declare a new state with `state " + extension.name.text + " { ... }`"
                                         : "did you mean `" + suggestion + "`?");
    return;
  }
  StateDecl& state = *it;
  bool first = extension.extension_first;
  if (extension.awaits_approval && !state.awaits_approval) {
    state.awaits_approval = true;
    state.await_loc = extension.await_loc;
  }
  add_items(state.paused_clocks, extension.paused_clocks, first);
  add_items(state.on_enter, extension.on_enter, first);
  add_items(state.on_exit, extension.on_exit, first);
  add_items(state.transitions, extension.transitions, first);
  add_items(state.timers, extension.timers, first);
}

// Removes the file's `extend state` declarations from its states and
// returns them.
std::vector<StateDecl> take_extensions(RuleFile& file) {
  std::vector<StateDecl> extensions;
  std::vector<StateDecl> states;
  for (StateDecl& state : file.states) (state.is_extension ? extensions : states).push_back(std::move(state));
  file.states = std::move(states);
  return extensions;
}

// `approval first` goes before the base's rules, the others after them;
// `override approval` drops the base's rules first.
void merge_approvals(RuleFile& base, RuleFile& derived) {
  std::vector<ApprovalChoice> merged;
  for (ApprovalChoice& choice : derived.approvals) {
    if (choice.first) merged.push_back(std::move(choice));
  }
  if (!derived.approvals_override) add_items(merged, base.approvals, false);
  for (ApprovalChoice& choice : derived.approvals) {
    if (!choice.first) merged.push_back(std::move(choice));
  }
  base.approvals = std::move(merged);
}

// `approval first` needs base rules to come before: E053 in a file that
// extends nothing or that overrides the approval rules.
void reject_misplaced_first(const RuleFile& file, Diagnostics& diagnostics) {
  for (const ApprovalChoice& choice : file.approvals) {
    if (!choice.first) continue;
    if (file.extends_path.empty()) {
      diagnostics.error("E053", choice.first_loc, "`approval first` in a file that extends nothing",
                        "remove `first`: the rules of one file are tried in the order written");
    } else if (file.approvals_override) {
      diagnostics.error("E053", choice.first_loc, "`approval first` in a file that overrides the approval rules",
                        "`override approval` drops the base's rules, so there is nothing to come first; remove "
                        "`first` and write the rules in the order they are tried");
    }
    return;
  }
}

// A variant keeps its base's `report` unless it overrides it; a second one
// without `override` is E011, an `override` with nothing to replace E027.
void merge_report(RuleFile& base, RuleFile& derived, Diagnostics& diagnostics) {
  if (!derived.report) return;
  ReportDecl& report = *derived.report;
  if (report.is_override && !base.report) {
    diagnostics.error("E027", report.loc, "`override report`, which the base workflow does not declare",
                      "remove `override` to declare the report settings");
  } else if (!report.is_override && base.report) {
    diagnostics.error("E011", report.loc, "`report` declared by the base workflow too",
                      "write `override report { ... }` to replace the base's settings");
    return;
  }
  base.report = std::move(report);
}

void merge_into(RuleFile& base, RuleFile& derived, Diagnostics& diagnostics) {
  if (derived.workflow) base.workflow = derived.workflow;
  base.extends_path = derived.extends_path;
  base.extends_loc = derived.extends_loc;
  auto by_name = [](const auto& d) -> const Name& { return d.name; };
  merge(base.fields, derived.fields, by_name, "field", diagnostics);
  merge(base.notices, derived.notices, by_name, "holidays", diagnostics);
  merge(base.calendars, derived.calendars, by_name, "calendar", diagnostics);
  merge(base.departments, derived.departments, by_name, "department", diagnostics);
  merge(base.categories, derived.categories, by_name, "category", diagnostics);
  merge(base.priorities, derived.priorities, by_name, "priority", diagnostics);
  merge(
      base.classifications, derived.classifications, [](const ClassifyDecl& c) -> const Name& { return c.target; },
      "classification of", diagnostics);
  merge(base.chains, derived.chains, by_name, "chain", diagnostics);
  std::vector<StateDecl> extensions = take_extensions(derived);
  merge(base.states, derived.states, by_name, "state", diagnostics);
  merge(base.groups, derived.groups, by_name, "group", diagnostics);
  // Each `first` block goes in front of what is there: the last one first,
  // so that they keep their written order.
  for (StateDecl& extension : extensions) {
    if (!extension.extension_first) extend_state(base.states, extension, diagnostics);
  }
  for (auto it = extensions.rbegin(); it != extensions.rend(); ++it) {
    if (it->extension_first) extend_state(base.states, *it, diagnostics);
  }
  merge_approvals(base, derived);
  merge_report(base, derived, diagnostics);
  for (auto& constraint : derived.constraints) base.constraints.push_back(std::move(constraint));
}

// Overrides in a file that extends nothing replace nothing.
void reject_stray_overrides(const RuleFile& file, Diagnostics& diagnostics) {
  auto report = [&](bool is_override, const Name& name) {
    if (!is_override) return;
    diagnostics.error("E027", name.loc, "`override` of `" + name.text + "` in a file that extends nothing",
                      "add `extends \"base.docket\"` or remove `override`");
  };
  for (const auto& d : file.fields) report(d.is_override, d.name);
  for (const auto& d : file.notices) report(d.is_override, d.name);
  for (const auto& d : file.calendars) report(d.is_override, d.name);
  for (const auto& d : file.departments) report(d.is_override, d.name);
  for (const auto& d : file.categories) report(d.is_override, d.name);
  for (const auto& d : file.priorities) report(d.is_override, d.name);
  for (const auto& d : file.classifications) report(d.is_override, d.target);
  for (const auto& d : file.chains) report(d.is_override, d.name);
  for (const auto& d : file.states) report(d.is_override, d.name);
  for (const auto& d : file.groups) report(d.is_override, d.name);
  if (file.report && file.report->is_override) {
    diagnostics.error("E027", file.report->loc, "`override report` in a file that extends nothing",
                      "add `extends \"base.docket\"` or remove `override`");
  }
  if (file.approvals_override && !file.approvals.empty()) {
    diagnostics.error("E027", file.approvals.front().loc, "`override approval` in a file that extends nothing",
                      "add `extends \"base.docket\"` or remove `override`");
  }
}

// `extend state` in a file that extends nothing has no base to extend: E052,
// and the extension is dropped.
void reject_stray_extensions(RuleFile& file, Diagnostics& diagnostics) {
  for (const StateDecl& extension : take_extensions(file)) {
    diagnostics.error(
        "E052", extension.name.loc, "`extend state " + extension.name.text + "` in a file that extends nothing",
        "add `extends \"base.docket\"`, or write the items in `state " + extension.name.text + "` itself");
  }
}

// `path` made absolute and lexically normal, without a trailing separator.
fs::path lexically_absolute(const fs::path& path, std::error_code& ec) {
  fs::path out = fs::absolute(path, ec).lexically_normal();
  if (!out.has_filename() && out.has_relative_path()) out = out.parent_path();
  return out;
}

// Whether `path` names something strictly below `directory`; both absolute
// and lexically normal.
bool is_below(const fs::path& path, const fs::path& directory) {
  fs::path relative = path.lexically_relative(directory);
  return !relative.empty() && relative != "." && *relative.begin() != "..";
}

// The directory of LoadOptions::confine_to, outside which nothing is read.
class Confinement {
 public:
  explicit Confinement(const std::string& directory) {
    std::error_code ec;
    lexical_ = lexically_absolute(directory, ec);
    resolved_ = fs::weakly_canonical(lexical_, ec);
    if (ec) resolved_ = lexical_;
  }

  // Whether `path`, as the loader would open it, lies below the directory,
  // both as written and with every symbolic link followed. The answer is
  // the same for a file that exists and one that does not.
  bool contains(const std::string& path) const {
    if (path.find('\0') != std::string::npos) return false;
    std::error_code ec;
    fs::path lexical = lexically_absolute(path, ec);
    if (ec || !is_below(lexical, lexical_)) return false;
    // weakly_canonical keeps the name of a link it cannot follow (dangling,
    // or a loop), whose target may lie anywhere: refuse such links.
    fs::path prefix;
    for (const fs::path& part : lexical) {
      prefix /= part;
      fs::file_status link = fs::symlink_status(prefix, ec);
      if (ec || !fs::exists(link)) break;
      if (fs::is_symlink(link) && !fs::exists(fs::status(prefix, ec))) return false;
    }
    fs::path resolved = fs::weakly_canonical(lexical, ec);
    return !ec && is_below(resolved, resolved_);
  }

 private:
  fs::path lexical_;   // absolute, lexically normal
  fs::path resolved_;  // the same with symbolic links followed
};

class Loader {
 public:
  Loader(SourceSet& sources, Diagnostics& diagnostics, const LoadOptions& options)
      : sources_(sources), diagnostics_(diagnostics), options_(options) {
    if (!options.confine_to.empty()) confinement_.emplace(options.confine_to);
  }

  // The directory that a relative `extends` of a text in memory names from.
  fs::path text_directory() const { return confinement_ ? fs::path(options_.confine_to) : fs::current_path(); }

  // The main file of load(): when confined, it must lie inside too.
  std::optional<RuleFile> load_main(const std::string& path) {
    if (confinement_ && !confinement_->contains(path)) {
      std::uint32_t file = sources_.add(path, "");
      diagnostics_.error("E035", {file, 0, 0}, "rule file lies outside the rules directory",
                         "a symbolic link in the rules directory must point at a file inside it");
      return std::nullopt;
    }
    return load_file(path, SourceLoc{});
  }

  // Files to read from memory instead of the disk, by normalised path.
  void use_files(std::map<std::string, std::string> files) { files_ = std::move(files); }

  std::optional<RuleFile> load_file(const std::string& path, SourceLoc requested_at) {
    if (files_) return load_stored(path, requested_at);
    std::error_code ec;
    fs::path canonical = fs::weakly_canonical(path, ec);
    if (ec) canonical = path;
    if (std::find(chain_.begin(), chain_.end(), canonical) != chain_.end()) {
      diagnostics_.error("E008", requested_at, "`" + path + "` extends itself through a cycle of `extends`",
                         "a workflow may extend a base, which may not extend it back");
      return std::nullopt;
    }
    if (static_cast<int>(chain_.size()) >= options_.max_extends_depth) {
      diagnostics_.error("E008", requested_at,
                         "`extends` chain is deeper than " + std::to_string(options_.max_extends_depth) + " files");
      return std::nullopt;
    }
    if (fs::is_directory(path, ec)) {
      diagnostics_.error("E007", requested_at, "cannot read `" + path + "`: it is a directory");
      return std::nullopt;
    }
    // Devices and pipes (`extends "/dev/zero"`) have no size to check and may
    // never end: only regular files are rule files.
    if (fs::exists(path, ec) && !fs::is_regular_file(path, ec)) {
      diagnostics_.error("E007", requested_at, "cannot read `" + path + "`: it is not a regular file");
      return std::nullopt;
    }
    auto size = fs::file_size(path, ec);
    if (!ec && size > options_.limits.max_file_bytes) {
      std::uint32_t file = sources_.add(path, "");
      diagnostics_.error("E003", {file, 0, 0},
                         "rule file is " + std::to_string(size) + " bytes (limit " +
                             std::to_string(options_.limits.max_file_bytes) + ")");
      return std::nullopt;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      diagnostics_.error("E007", requested_at, "cannot read `" + path + "`: " + std::strerror(errno));
      return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    chain_.push_back(canonical);
    auto result = load_source(path, text.str(), fs::path(path).parent_path());
    chain_.pop_back();
    return result;
  }

  std::optional<RuleFile> load_source(const std::string& name, std::string text, const fs::path& directory) {
    std::uint32_t file = sources_.add(name, std::move(text));
    auto parsed = parse(file, sources_.text(file), diagnostics_, options_.limits);
    if (!parsed) return std::nullopt;
    reject_misplaced_first(*parsed, diagnostics_);
    if (parsed->extends_path.empty()) {
      reject_stray_overrides(*parsed, diagnostics_);
      reject_stray_extensions(*parsed, diagnostics_);
      return parsed;
    }
    fs::path base_path = fs::path(parsed->extends_path);
    bool absolute = !base_path.is_relative();
    if (!absolute) base_path = directory / base_path;
    std::string base_name = base_path.lexically_normal().string();
    // Checked before the file is looked at, so that the diagnostic tells
    // nothing about it, not even whether it exists.
    if (confinement_ && !files_ && (absolute || !confinement_->contains(base_name))) {
      diagnostics_.error(
          "E035", parsed->extends_loc,
          "`extends` may only name a file inside the rules directory, not `" + parsed->extends_path + "`",
          "name a file in the rules directory or a folder below it, relative to the extending file");
      return std::nullopt;
    }
    auto base = load_file(base_name, parsed->extends_loc);
    if (!base) return std::nullopt;
    merge_into(*base, *parsed, diagnostics_);
    return base;
  }

 private:
  std::optional<RuleFile> load_stored(const std::string& path, SourceLoc requested_at) {
    std::string key = fs::path(path).lexically_normal().generic_string();
    auto it = files_->find(key);
    if (it == files_->end()) {
      diagnostics_.error("E007", requested_at, "cannot read `" + path + "`: it is not among the stored sources");
      return std::nullopt;
    }
    if (std::find(chain_.begin(), chain_.end(), fs::path(key)) != chain_.end()) {
      diagnostics_.error("E008", requested_at, "`" + path + "` extends itself through a cycle of `extends`");
      return std::nullopt;
    }
    if (static_cast<int>(chain_.size()) >= options_.max_extends_depth) {
      diagnostics_.error("E008", requested_at,
                         "`extends` chain is deeper than " + std::to_string(options_.max_extends_depth) + " files");
      return std::nullopt;
    }
    chain_.emplace_back(key);
    auto result = load_source(key, it->second, fs::path(key).parent_path());
    chain_.pop_back();
    return result;
  }

  SourceSet& sources_;
  Diagnostics& diagnostics_;
  const LoadOptions& options_;
  std::vector<fs::path> chain_;
  std::optional<std::map<std::string, std::string>> files_;
  std::optional<Confinement> confinement_;
};

}  // namespace

std::optional<RuleFile> load(const std::string& path, SourceSet& sources, Diagnostics& diagnostics,
                             const LoadOptions& options) {
  return Loader(sources, diagnostics, options).load_main(path);
}

std::optional<RuleFile> load_text(const std::string& name, std::string text, SourceSet& sources,
                                  Diagnostics& diagnostics, const LoadOptions& options) {
  Loader loader(sources, diagnostics, options);
  // Confined, the text is named as a file of the rules directory, so that
  // the sources it extends are kept relative to it and the version compiles
  // again from the store (load_sources) as a file saved there would.
  std::string named = name;
  if (!options.confine_to.empty() && fs::path(name).is_relative())
    named = (fs::path(options.confine_to) / name).lexically_normal().string();
  return loader.load_source(named, std::move(text), loader.text_directory());
}

}  // namespace docket::dsl

namespace docket::dsl {

std::optional<RuleFile> load_sources(const std::vector<engine::WorkflowSource>& files, const std::string& root,
                                     SourceSet& sources, Diagnostics& diagnostics, const LoadOptions& options) {
  if (files.empty()) {
    diagnostics.error("E007", SourceLoc{}, "no rule source to load");
    return std::nullopt;
  }
  auto under_root = [&root](const std::string& path) {
    fs::path joined = root.empty() ? fs::path(path) : fs::path(root) / path;
    return joined.lexically_normal().generic_string();
  };
  std::map<std::string, std::string> by_path;
  for (const engine::WorkflowSource& file : files) by_path[under_root(file.path)] = file.text;
  Loader loader(sources, diagnostics, options);
  loader.use_files(std::move(by_path));
  return loader.load_file(under_root(files.front().path), SourceLoc{});
}

}  // namespace docket::dsl
