// A journal that refuses writes when a test tells it to, for the tests of
// what the engine does when its journal refuses a unit of work (the ticket
// stays as it was, no sequence number is used, a timer stays due).
//
// Kept out of engine/runtime/journal.h: production sinks never refuse on
// request, so the hook belongs to the tests alone.

#pragma once

#include <span>
#include <vector>

#include "engine/model/result.h"
#include "engine/runtime/journal.h"

namespace docket::engine::testing {

// Keeps what it accepts in a MemoryJournal.
class FailingJournal final : public JournalSink {
 public:
  Status write(std::span<const Record> records) override {
    if (refusals_left_ > 0) {
      --refusals_left_;
      return Status::failure("journal: write refused (FailingJournal)");
    }
    return kept_.write(records);
  }

  // Refuses the next `count` writes, then accepts again.
  void fail_next_writes(int count) { refusals_left_ = count; }

  const std::vector<Record>& records() const { return kept_.records(); }
  void clear() { kept_.clear(); }

 private:
  MemoryJournal kept_;
  int refusals_left_ = 0;
};

}  // namespace docket::engine::testing
