// Replaying is deterministic: the same rules and the same events give the
// same journal, record for record (sequence numbers, times, versions, changes
// and effects included), for every example shipped; and the tickets of one
// file do not influence each other.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "tests/scenarios/scenario.h"

namespace docket::engine::testing {
namespace {

struct Example {
  std::string rules;
  std::string events;  // under examples/
};

// Every event file of examples/<folder>, in name order.
std::vector<Example> examples_in(const std::string& folder, const std::string& rules) {
  std::vector<Example> found;
  for (const auto& entry : std::filesystem::directory_iterator(source_path("examples/" + folder))) {
    if (entry.path().extension() == ".jsonl") found.push_back({rules, folder + "/" + entry.path().filename().string()});
  }
  std::sort(found.begin(), found.end(), [](const Example& a, const Example& b) { return a.events < b.events; });
  return found;
}

std::vector<Example> all_examples() {
  std::vector<Example> all = examples_in("after_sales", "rules/after_sales.docket");
  std::vector<Example> complaints = examples_in("complaint_handling", "rules/complaint_handling.docket");
  all.insert(all.end(), complaints.begin(), complaints.end());
  all.push_back({"examples/after_sales/p2_office_hours.docket", "after_sales/08_national_day_p2.jsonl"});
  return all;
}

TEST(ReplayDeterminismTest, EveryExampleReplaysToTheSameJournalTwice) {
  std::vector<Example> examples = all_examples();
  ASSERT_GE(examples.size(), 16u);
  for (const Example& example : examples) {
    SCOPED_TRACE(example.events + " with " + example.rules);
    Replay first(example.rules);
    first.play(example.events);
    Replay second(example.rules);
    second.play(example.events);
    ASSERT_FALSE(first.journal.records().empty());
    EXPECT_EQ(join_lines(first.trace()), join_lines(second.trace()));
    EXPECT_TRUE(first.journal.records() == second.journal.records());
    EXPECT_EQ(first.journal.records().back().seq, first.journal.records().size());
    for (const Record& record : first.journal.records()) EXPECT_EQ(record.version, first.workflow->version_id());
  }
}

// A ticket's journal is the same whether its events are replayed alone or
// among the other tickets' events.
TEST(ReplayDeterminismTest, TicketsOfOneFileDoNotInfluenceEachOther) {
  for (const Example& example : {Example{"rules/after_sales.docket", "after_sales/walkthrough.jsonl"},
                                 Example{"rules/complaint_handling.docket", "complaint_handling/walkthrough.jsonl"}}) {
    Replay together(example.rules);
    together.play(example.events);
    std::set<std::string> tickets;
    for (const Record& record : together.journal.records()) tickets.insert(record.ticket);
    ASSERT_GE(tickets.size(), 3u);
    for (const std::string& ticket : tickets) {
      SCOPED_TRACE(example.events + ": " + ticket);
      Replay alone(example.rules);
      alone.play(example.events, kNever, ticket);
      EXPECT_EQ(join_lines(alone.trace()), join_lines(together.trace(ticket)));
    }
  }
}

}  // namespace
}  // namespace docket::engine::testing
