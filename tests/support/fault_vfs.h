// A SQLite VFS for tests that makes I/O fail on demand and simulates power cuts.
//
// FaultVfs wraps the process's default VFS (sqlite3_vfs_find(nullptr)) under a name of its own.
// A test opens its database with sqlite3_open_v2(path, &db, flags, vfs.name().c_str()); the
// main database file, its -wal and its -journal all pass through the shim (the -shm index is
// reached through the main file's xShm* methods, which are passed through, so WAL works).
//
// What it models, and what it does not:
//  * Failures: the nth xWrite / xSync / xTruncate from now returns a chosen SQLite error
//    (SQLITE_FULL, SQLITE_IOERR_WRITE, SQLITE_IOERR_FSYNC, ...) without being performed.
//  * Power cuts: a write is durable only once its file has been synced (xSync on any handle of
//    that path). power_cut() puts every file back to what its last sync made durable and then
//    ignores every write, sync, truncate and delete (they return SQLITE_OK and do nothing: the
//    machine is off). This is the clean case of a power loss: all unsynced writes are lost,
//    none is torn or half-kept, and writes are not reordered across a sync.
//  * A file deleted through the shim counts as durably deleted (SQLite deletes a -journal to
//    commit; a real disk needs the directory synced for that, which SQLite also asks for).
//  * A file created through the shim is durable at size 0 until its first sync.
//  * A file that already existed when first opened through the shim counts as durable as it is.
//
// Limits: the shim keeps a pre-image of every durable byte overwritten since a file's last sync,
// in memory, so it suits test-sized databases. It refuses SQLITE_FCNTL_SIZE_HINT and
// SQLITE_FCNTL_CHUNK_SIZE (the wrapped VFS would grow files behind its back) and offers no
// memory-mapped I/O (its io_methods are version 2, or 1 when the wrapped file has no xShm*), so
// every change of a file goes through xWrite or xTruncate. A tracked file must not be changed by
// anything else (another VFS, another process) until power_restored().
//
// How a power-cut test goes: open through the shim, work, power_cut() (or cut_power_at()),
// close every connection (their last writes are ignored), power_restored(), reopen (through
// the shim or the default VFS) and look at what survived.
//
// Thread-safe: SQLite may call the shim from any thread, and the control methods below may be
// called from any thread. Every operation on a file is serialised by one mutex per FaultVfs.

#pragma once

#include <memory>
#include <string>

namespace docket::testing {

class FaultVfsState;

class FaultVfs {
 public:
  // The operations that change a file. kAny stands for all three.
  enum class Op { kWrite, kSync, kTruncate, kAny };

  // Which file an operation touches, from the flags SQLite opens it with. kOther covers
  // temporary files, sub-journals and super-journals. kAny stands for all of them.
  enum class FileKind { kMainDb, kWal, kJournal, kOther, kAny };

  // Registers the shim under `name`; it is not made the default VFS.
  // REQUIRES: no other registered VFS is called `name`.
  explicit FaultVfs(std::string name);

  // Unregisters the shim. REQUIRES: every connection opened through it has been closed.
  ~FaultVfs();

  FaultVfs(const FaultVfs&) = delete;
  FaultVfs& operator=(const FaultVfs&) = delete;

  // The name to pass to sqlite3_open_v2.
  const std::string& name() const;

  // False if sqlite3_vfs_register refused the shim; nothing else works then.
  bool registered() const;

  // --- Counting -------------------------------------------------------------------------
  // The number of calls of `op` on files of `kind` since construction or reset_counts().
  // Calls that failed by injection and calls ignored while the power is off are counted.
  int count(Op op, FileKind kind = FileKind::kAny) const;
  void reset_counts();

  // --- Failures -------------------------------------------------------------------------
  // The nth call of `op` on a file of `kind` from now (1 = the next one) returns
  // `sqlite_error` instead of being performed. Fires once. REQUIRES: nth >= 1.
  void fail_at(Op op, int nth, int sqlite_error, FileKind kind = FileKind::kAny);

  // Like fail_at, but that call and every later matching one fail (a disk that stays full)
  // until clear_faults().
  void fail_from(Op op, int nth, int sqlite_error, FileKind kind = FileKind::kAny);

  // The nth matching call from now is not performed: the power goes off just before it, as
  // if power_cut() had been called at that moment. The call itself returns SQLITE_OK.
  void cut_power_at(Op op, int nth, FileKind kind = FileKind::kAny);

  // Forgets every pending fail_at, fail_from and cut_power_at.
  void clear_faults();

  // How many calls an injected fault has failed so far (cut_power_at does not count).
  int faults_fired() const;

  // --- Power ----------------------------------------------------------------------------
  // Reverts every file touched through the shim to its durable state (undoing, in reverse
  // order, every overwrite since the file's last sync, then truncating it to its size at that
  // sync) and switches the power off: from now on writes, syncs, truncates and deletes are
  // ignored and succeed. Reads and opens still work. Returns SQLITE_OK, or the first error met
  // while reverting (the power is off either way). Does nothing if the power is already off.
  int power_cut();

  // Switches the power back on and forgets what the shim knew about every file: each file
  // counts as durable as it now is, so connections on other VFSes may touch the files in
  // between. REQUIRES: the connections open during the cut have been closed.
  void power_restored();

  bool power_is_on() const;

 private:
  std::unique_ptr<FaultVfsState> state_;
};

}  // namespace docket::testing
