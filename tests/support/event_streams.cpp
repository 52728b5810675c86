#include "tests/support/event_streams.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <tuple>

#include "engine/codec/event_reader.h"
#include "engine/model/event.h"
#include "engine/model/value.h"

namespace docket::testing {

std::vector<std::string> replicate_events(const std::string& path, std::size_t copies, std::int64_t spacing_seconds) {
  std::ifstream in(path);
  if (!in) {
    ADD_FAILURE() << "cannot read " << path;
    return {};
  }
  std::vector<nlohmann::json> originals;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    originals.push_back(nlohmann::json::parse(line));
  }
  struct Timed {
    std::int64_t at;
    std::size_t copy;
    std::size_t index;
    std::string text;
  };
  std::vector<Timed> events;
  for (std::size_t copy = 0; copy < copies; ++copy) {
    for (std::size_t i = 0; i < originals.size(); ++i) {
      nlohmann::json event = originals[i];
      std::optional<std::int64_t> at = engine::parse_timestamp(event["at"].get<std::string>());
      if (!at) {
        ADD_FAILURE() << path << ": bad time in event " << i;
        return {};
      }
      std::int64_t shifted = *at + static_cast<std::int64_t>(copy) * spacing_seconds;
      std::string ticket = event["ticket"].get<std::string>() + "-" + std::to_string(copy);
      event["ticket"] = ticket;
      event["at"] = engine::format_timestamp(shifted);
      event["idempotency_key"] = ticket + "#" + std::to_string(i);
      events.push_back({shifted, copy, i, event.dump()});
    }
  }
  std::stable_sort(events.begin(), events.end(), [](const Timed& a, const Timed& b) {
    return std::tie(a.at, a.copy, a.index) < std::tie(b.at, b.copy, b.index);
  });
  std::vector<std::string> lines;
  lines.reserve(events.size());
  for (Timed& event : events) lines.push_back(std::move(event.text));
  return lines;
}

std::vector<engine::Event> parse_events(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  std::istringstream in(text);
  engine::EventReader reader(in, "events");
  std::vector<engine::Event> events;
  while (true) {
    auto next = reader.next();
    if (!next) {
      ADD_FAILURE() << next.error();
      return events;
    }
    if (!next.value()) return events;
    events.push_back(std::move(next.value()->event));
  }
}

std::size_t apply_events(engine::Engine& engine, engine::VirtualClock& clock, const std::vector<engine::Event>& events,
                         std::size_t from, std::size_t to) {
  std::size_t failures = 0;
  for (std::size_t i = from; i < std::min(to, events.size()); ++i) {
    const engine::Event& event = events[i];
    if (event.at && *event.at > clock.now()) (void)clock.set(*event.at);
    if (!engine.apply(event)) ++failures;
  }
  return failures;
}

void write_lines(const std::string& path, const std::vector<std::string>& lines) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  for (const std::string& line : lines) out << line << '\n';
  if (!out) ADD_FAILURE() << "cannot write " << path;
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "docket-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace docket::testing
