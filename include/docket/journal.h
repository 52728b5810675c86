// The journal: one record for everything that happens to a ticket, handed to
// a JournalSink the caller chooses.
//
//   docket::MemoryJournal memory;            // keeps the records: tests, reading back at once
//
//   // JSON lines to a file (the audit format, docs/audit-log.md), human lines to the console:
//   docket::Result<docket::LogSink> file = docket::open_json_log_file("journal.jsonl", /*append=*/true);
//   docket::SpdlogJournal logged({.json = {file.value()}, .human = {docket::human_console_sink()}});
//
//   // A sink of one's own:
//   class Forward final : public docket::JournalSink {
//     docket::Status write(std::span<const docket::Record> records) override;
//   };
//
// Contracts:
// - The engine hands a sink the records of one unit of work at a time
//   (consecutive seq numbers), before it changes the ticket. write() stores
//   them all or none. A sink that fails makes the engine abandon the unit as
//   if it had not been attempted: the ticket stays as it was, the sequence
//   numbers are not used, and the caller of Engine::apply() or advance() gets
//   the sink's error. So a journal never misses a change the engine made.
// - Records are self-contained values: names, not indices into the workflow.
//   Record::seq counts 1, 2, 3, ... over all tickets, without gaps.
// - SpdlogJournal writes synchronously and flushes each unit to the
//   operating system before write() returns (fflush, not fsync). After a
//   failed write it refuses every later one. The sinks are spdlog's
//   (`spdlog::sinks::sink`); this header does not include spdlog, whose own
//   headers a caller includes to build other sinks (rotating files, syslog).
// - encode_record() is the canonical JSON line of a record, the same bytes
//   for the same record; decode_record() reads one back, strictly.
//   format_record_line() is the human form, for people; its layout may
//   change.
// - to_string() of a RecordKind, Cause or EffectKind gives its name in the
//   JSON lines ("transition", "event", "notify").

#pragma once

#include "engine/codec/journal_json.h"
#include "engine/codec/journal_spdlog.h"
#include "engine/codec/journal_text.h"
#include "engine/runtime/journal.h"

namespace docket {

using engine::Cause;   // why a record happened: an event, a timer, an SLA clock, ...
using engine::Change;  // a field or attribute that changed, before and after
using engine::Effect;  // one thing an action did: notify, assign, escalate, ...
using engine::EffectKind;
using engine::Record;        // one entry of the journal
using engine::RecordKind;    // transition, timer, approval, warning, escalation, breach, rejection, ...
using engine::RulePosition;  // where in the rules a record was decided ("rules/x.docket:42")
using engine::SlaMark;       // the SLA clock behind a warning, escalation or breach

using engine::JournalSink;    // the interface the engine writes to
using engine::MemoryJournal;  // every record kept in memory
using engine::Unit;           // the records of one unit of work with the ticket it left

// JSON lines and human lines through spdlog sinks.
using engine::human_console_sink;
using engine::LogSink;
using engine::open_json_log_file;
using engine::SpdlogJournal;
using engine::SpdlogJournalSinks;

using engine::decode_record;
using engine::encode_record;
using engine::format_record_line;

}  // namespace docket
