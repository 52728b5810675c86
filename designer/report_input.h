// The journal a report reads, from whatever holds it: a SQLite store written
// by `docket run --store`, a JSON-lines journal written by `docket run --log`,
// the journal.jsonl of an audit bundle (chained lines), or an audit bundle's
// directory (engine/audit/audit_bundle.h).
//
// Which one is decided by content, not by the file name: a file that begins
// with SQLite's header is a store (opened read-only: nothing is written to
// it); any other file is read as JSON lines, each a journal record
// (engine/codec/journal_json.h) with or without the bundle's hash suffix; a
// directory is a bundle. Lines that are empty are skipped.
//
// Errors name the input and where: "day.jsonl:7: not a journal record:
// column 12: ...", "tickets.db: seq 40: not a journal record: ...",
// "notes.txt:1: not a journal record: ...", "x.db: no such file". The
// hash chain is not checked here (that is `docket audit verify`'s job).
//
// A store and a bundle (also its journal.jsonl read on its own) hold the
// rule files of every version their tickets ran on (read_journal gives
// them), so a report can take its settings from the rules
// (designer/report_settings.h); a --log journal has none: give the rule file.

#pragma once

#include <string>
#include <vector>

#include "engine/model/result.h"
#include "engine/runtime/journal.h"
#include "engine/store/store.h"

namespace docket::designer {

struct JournalInput {
  std::vector<engine::Record> records;
  std::vector<engine::StoredVersion> versions;  // empty for a JSON-lines journal
};

engine::Result<JournalInput> read_journal(const std::string& path);

}  // namespace docket::designer
