// The durable store: tickets, the journal and every workflow version used,
// in one SQLite file or a PostgreSQL database, and an engine rebuilt from
// it after a restart.
//
//   docket::SqliteStoreOptions options;                   // durability, group commit, signing
//   docket::Result<std::unique_ptr<docket::SqliteStore>> opened =
//       docket::SqliteStore::open("tickets.db", options);
//   if (!opened) fail(opened.error());
//   docket::SqliteStore& store = *opened.value();
//   docket::Engine engine(clock, store);                  // the store is the engine's journal
//   docket::Result<docket::Recovered> recovered = docket::recover(engine, store);
//   engine.install(rules.workflow);                       // new tickets start on these rules
//
//   // Either backend by location: a file path, or postgresql://user@host/db.
//   docket::Result<std::unique_ptr<docket::Store>> any = docket::open_store(location, docket::AnyStoreOptions{});
//
// Contracts (docs/store.md is the operator's guide):
// - A Store is a JournalSink that also keeps tickets: each unit of work (its
//   records, the ticket as the unit left it, its pending due items and the
//   event's idempotency key) is written in one transaction. With the default
//   options, when the engine's call returns the unit is on disk; with group
//   commit (batch_units > 1) once flush() returns.
// - The journal is a SHA-256 hash chain; with a signing key the store signs
//   checkpoints of it, so an auditor can prove nothing was altered, dropped
//   or reordered.
// - Recovery compiles every stored version again from the sources the store
//   kept, and refuses a store whose sources no longer give the version id
//   they were stored under. Then every ticket is restored onto its own
//   version, with its clocks, timers and idempotency keys, and the journal
//   continues after the last stored record. Anything that fell due while the
//   process was down fires on the next advance, in order.
// - A SqliteStore is used by one thread at a time; it must outlive the
//   engine that writes to it. After a failed commit it refuses every later
//   write: rebuild the engine from the store.
// - The file's schema is versioned; an older file is upgraded when opened, a
//   newer one refused.

#pragma once

#include <memory>

#include "docket/engine.h"
#include "engine/model/result.h"
#include "engine/model/workflow.h"
#include "engine/runtime/engine.h"
#include "engine/store/open_store.h"
#include "engine/store/postgres_store.h"
#include "engine/store/recovery.h"
#include "engine/store/signing.h"
#include "engine/store/sqlite_store.h"
#include "engine/store/store.h"

namespace docket {

using engine::JournalRow;     // one row of the stored journal: the record's JSON line and its hash links
using engine::Store;          // the interface a store backend provides
using engine::StoredTicket;   // a ticket as the store keeps it
using engine::StoredVersion;  // a workflow version as the store keeps it: its sources

using engine::AnyStoreOptions;
using engine::open_store;     // either backend, by location
using engine::PostgresStore;  // the shared store: one PostgreSQL database, one or several engines
using engine::PostgresStoreOptions;
using engine::read_only_options;
using engine::SigningKey;  // an Ed25519 key for signed checkpoints (SigningKey::load, ::generate)
using engine::SqliteStore;
using engine::SqliteStoreOptions;

using engine::compile_versions;
using engine::CompileVersion;
using engine::recover;
using engine::Recovered;

// Compiles the sources a store kept for a version (StoredVersion::sources)
// with the rule language, as they were compiled when the version was first
// used: the CompileVersion that recover() takes. The error holds the
// rendered diagnostics.
Result<std::shared_ptr<const Workflow>> compile_version(const StoredVersion& version);

// recover(engine, store, compile_version). REQUIRES: `engine` has no tickets
// and has written nothing yet.
Result<Recovered> recover(Engine& engine, Store& store);

}  // namespace docket
