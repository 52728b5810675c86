#include "tests/support/fault_vfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace docket::testing {
namespace {

using Op = FaultVfs::Op;
using FileKind = FaultVfs::FileKind;

constexpr std::size_t kOpCount = 3;    // kWrite, kSync, kTruncate
constexpr std::size_t kKindCount = 4;  // kMainDb, kWal, kJournal, kOther

constexpr int kFileTypeFlags = SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_TEMP_DB | SQLITE_OPEN_TRANSIENT_DB |
                               SQLITE_OPEN_MAIN_JOURNAL | SQLITE_OPEN_TEMP_JOURNAL | SQLITE_OPEN_SUBJOURNAL |
                               SQLITE_OPEN_SUPER_JOURNAL | SQLITE_OPEN_WAL;

FileKind kind_of(int open_flags) {
  if (open_flags & SQLITE_OPEN_MAIN_DB) return FileKind::kMainDb;
  if (open_flags & SQLITE_OPEN_WAL) return FileKind::kWal;
  if (open_flags & SQLITE_OPEN_MAIN_JOURNAL) return FileKind::kJournal;
  return FileKind::kOther;
}

bool matches(Op wanted, Op op) { return wanted == Op::kAny || wanted == op; }
bool matches(FileKind wanted, FileKind kind) { return wanted == FileKind::kAny || wanted == kind; }

// A pending injected fault and how many matching calls it has seen.
struct Fault {
  Op op;
  FileKind kind;
  int nth;
  int error;        // SQLITE_OK for a power cut
  bool sticky;      // fail_from: every call from the nth on
  bool cuts_power;  // cut_power_at
  int seen = 0;
};

// The bytes of a durable region that one write or truncate was about to destroy.
struct PreImage {
  sqlite3_int64 offset;
  std::vector<unsigned char> bytes;
};

// What the shim knows about one path: enough to put it back to its last synced state.
struct History {
  int open_flags = 0;
  sqlite3_int64 durable_size = 0;
  std::vector<PreImage> pre_images;  // oldest first
  bool dirty = false;                // written or truncated since the last sync
};

// The shim's sqlite3_file: SQLite allocates vfs.szOsFile bytes; the wrapped file lives after it.
struct FaultFile {
  sqlite3_file base;  // first, so that sqlite3_file* and FaultFile* convert
  FaultVfsState* state;
  sqlite3_file* real;
  FileKind kind;
  const char* path;  // nullptr for anonymous files; SQLite keeps it valid until xClose
};

constexpr std::size_t kRealFileOffset =
    (sizeof(FaultFile) + alignof(std::max_align_t) - 1) / alignof(std::max_align_t) * alignof(std::max_align_t);

FaultFile* fault_file(sqlite3_file* file) { return reinterpret_cast<FaultFile*>(file); }

int read_region(sqlite3_file* real, sqlite3_int64 from, sqlite3_int64 to, std::vector<PreImage>& out) {
  if (from >= to) return SQLITE_OK;
  PreImage image{from, std::vector<unsigned char>(static_cast<std::size_t>(to - from))};
  int rc = real->pMethods->xRead(real, image.bytes.data(), static_cast<int>(to - from), from);
  if (rc != SQLITE_OK) return rc;
  out.push_back(std::move(image));
  return SQLITE_OK;
}

}  // namespace

class FaultVfsState {
 public:
  FaultVfsState(std::string name, sqlite3_vfs* real) : name_(std::move(name)), real_(real) {}

  const std::string& name() const { return name_; }
  sqlite3_vfs* real() const { return real_; }
  sqlite3_vfs& vfs() { return vfs_; }  // what SQLite sees; its pAppData points back here
  bool registered() const { return registered_; }
  void set_registered(bool registered) { registered_ = registered; }
  std::mutex& mutex() const { return mutex_; }

  // --- Called with mutex() held, from the VFS methods -------------------------------------

  // Counts one mutating call and decides its fate: true to perform it; false to return *result
  // instead (SQLITE_OK while the power is off, the injected error when a fault fires).
  bool admit(Op op, FileKind kind, int* result) {
    ++counts_[static_cast<std::size_t>(op)][static_cast<std::size_t>(kind)];
    *result = SQLITE_OK;
    if (!power_on_) return false;
    int chosen = SQLITE_OK;
    bool cut = false;
    for (Fault& fault : faults_) {
      if (!matches(fault.op, op) || !matches(fault.kind, kind)) continue;
      ++fault.seen;
      bool fires = fault.seen == fault.nth || (fault.sticky && fault.seen > fault.nth);
      if (!fires) continue;
      if (fault.cuts_power) {
        cut = true;
      } else if (chosen == SQLITE_OK) {
        chosen = fault.error;
      }
    }
    std::erase_if(faults_, [](const Fault& f) { return !f.sticky && f.seen >= f.nth; });
    if (cut) {
      cut_locked();
      return false;
    }
    if (chosen != SQLITE_OK) {
      ++faults_fired_;
      *result = chosen;
      return false;
    }
    return true;
  }

  // Starts tracking a path the first time it is opened.
  void track(const char* path, sqlite3_file* real, int open_flags) {
    if (path == nullptr || histories_.contains(path)) return;
    History history;
    history.open_flags = open_flags;
    if (real->pMethods->xFileSize(real, &history.durable_size) != SQLITE_OK) history.durable_size = 0;
    histories_.emplace(path, std::move(history));
  }

  History* history_of(const FaultFile& file) {
    if (file.path == nullptr) return nullptr;
    auto found = histories_.find(file.path);
    return found == histories_.end() ? nullptr : &found->second;
  }

  void forget(const char* path) { histories_.erase(std::string(path)); }

  bool power_is_on_locked() const { return power_on_; }

  // --- The public API ---------------------------------------------------------------------

  int count(Op op, FileKind kind) const {
    std::lock_guard lock(mutex_);
    int total = 0;
    for (std::size_t o = 0; o < kOpCount; ++o) {
      for (std::size_t k = 0; k < kKindCount; ++k) {
        if (matches(op, static_cast<Op>(o)) && matches(kind, static_cast<FileKind>(k))) total += counts_[o][k];
      }
    }
    return total;
  }

  void reset_counts() {
    std::lock_guard lock(mutex_);
    counts_ = {};
  }

  void add_fault(Fault fault) {
    std::lock_guard lock(mutex_);
    faults_.push_back(fault);
  }

  void clear_faults() {
    std::lock_guard lock(mutex_);
    faults_.clear();
  }

  int faults_fired() const {
    std::lock_guard lock(mutex_);
    return faults_fired_;
  }

  int power_cut() {
    std::lock_guard lock(mutex_);
    return cut_locked();
  }

  void power_restored() {
    std::lock_guard lock(mutex_);
    power_on_ = true;
    histories_.clear();
  }

  bool power_is_on() const {
    std::lock_guard lock(mutex_);
    return power_on_;
  }

 private:
  int cut_locked() {
    if (!power_on_) return SQLITE_OK;
    power_on_ = false;
    int first_error = SQLITE_OK;
    for (auto& [path, history] : histories_) {
      if (!history.dirty) continue;
      int rc = revert(path, history);
      if (rc != SQLITE_OK && first_error == SQLITE_OK) first_error = rc;
      history.pre_images.clear();
      history.dirty = false;
    }
    return first_error;
  }

  // Opens `path` afresh through the wrapped VFS (the handles SQLite holds may be closed) and
  // undoes every change since its last sync.
  int revert(const std::string& path, const History& history) {
    std::vector<std::max_align_t> storage(static_cast<std::size_t>(real_->szOsFile) / sizeof(std::max_align_t) + 1);
    sqlite3_file* file = reinterpret_cast<sqlite3_file*>(storage.data());
    std::string name = path;
    name.push_back('\0');  // SQLite hands VFSes double-NUL-terminated names; so do we
    int flags = SQLITE_OPEN_READWRITE | (history.open_flags & kFileTypeFlags);
    int rc = real_->xOpen(real_, name.c_str(), file, flags, nullptr);
    if (rc != SQLITE_OK) {
      if (file->pMethods != nullptr) file->pMethods->xClose(file);
      return rc;
    }
    for (auto image = history.pre_images.rbegin(); image != history.pre_images.rend() && rc == SQLITE_OK; ++image) {
      rc = file->pMethods->xWrite(file, image->bytes.data(), static_cast<int>(image->bytes.size()), image->offset);
    }
    sqlite3_int64 size = 0;
    if (rc == SQLITE_OK) rc = file->pMethods->xFileSize(file, &size);
    if (rc == SQLITE_OK && size > history.durable_size) rc = file->pMethods->xTruncate(file, history.durable_size);
    int close_rc = file->pMethods->xClose(file);
    return rc != SQLITE_OK ? rc : close_rc;
  }

  const std::string name_;
  sqlite3_vfs* const real_;
  sqlite3_vfs vfs_{};
  bool registered_ = false;
  mutable std::mutex mutex_;
  std::array<std::array<int, kKindCount>, kOpCount> counts_{};
  std::vector<Fault> faults_;
  int faults_fired_ = 0;
  bool power_on_ = true;
  std::map<std::string, History, std::less<>> histories_;
};

namespace {

// --- sqlite3_io_methods ---------------------------------------------------------------------

int file_close(sqlite3_file* file) {
  FaultFile* self = fault_file(file);
  int rc = self->real->pMethods->xClose(self->real);
  self->base.pMethods = nullptr;
  return rc;
}

int file_read(sqlite3_file* file, void* out, int amount, sqlite3_int64 offset) {
  sqlite3_file* real = fault_file(file)->real;
  return real->pMethods->xRead(real, out, amount, offset);
}

int file_write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  FaultFile* self = fault_file(file);
  FaultVfsState& state = *self->state;
  std::lock_guard lock(state.mutex());
  int refused = SQLITE_OK;
  if (!state.admit(Op::kWrite, self->kind, &refused)) return refused;
  if (History* history = state.history_of(*self)) {
    sqlite3_int64 size = 0;
    int rc = self->real->pMethods->xFileSize(self->real, &size);
    if (rc != SQLITE_OK) return rc;
    sqlite3_int64 durable_end = std::min(size, history->durable_size);
    rc = read_region(self->real, offset, std::min(offset + amount, durable_end), history->pre_images);
    if (rc != SQLITE_OK) return rc;
    history->dirty = true;
  }
  return self->real->pMethods->xWrite(self->real, data, amount, offset);
}

int file_truncate(sqlite3_file* file, sqlite3_int64 size) {
  FaultFile* self = fault_file(file);
  FaultVfsState& state = *self->state;
  std::lock_guard lock(state.mutex());
  int refused = SQLITE_OK;
  if (!state.admit(Op::kTruncate, self->kind, &refused)) return refused;
  if (History* history = state.history_of(*self)) {
    sqlite3_int64 current = 0;
    int rc = self->real->pMethods->xFileSize(self->real, &current);
    if (rc != SQLITE_OK) return rc;
    rc = read_region(self->real, size, std::min(current, history->durable_size), history->pre_images);
    if (rc != SQLITE_OK) return rc;
    history->dirty = true;
  }
  return self->real->pMethods->xTruncate(self->real, size);
}

int file_sync(sqlite3_file* file, int flags) {
  FaultFile* self = fault_file(file);
  FaultVfsState& state = *self->state;
  std::lock_guard lock(state.mutex());
  int refused = SQLITE_OK;
  if (!state.admit(Op::kSync, self->kind, &refused)) return refused;
  int rc = self->real->pMethods->xSync(self->real, flags);
  if (rc != SQLITE_OK) return rc;
  if (History* history = state.history_of(*self)) {
    sqlite3_int64 size = 0;
    rc = self->real->pMethods->xFileSize(self->real, &size);
    if (rc != SQLITE_OK) return rc;
    history->durable_size = size;
    history->pre_images.clear();
    history->dirty = false;
  }
  return SQLITE_OK;
}

int file_size(sqlite3_file* file, sqlite3_int64* size) {
  sqlite3_file* real = fault_file(file)->real;
  return real->pMethods->xFileSize(real, size);
}

int file_lock(sqlite3_file* file, int level) {
  sqlite3_file* real = fault_file(file)->real;
  return real->pMethods->xLock(real, level);
}

int file_unlock(sqlite3_file* file, int level) {
  sqlite3_file* real = fault_file(file)->real;
  return real->pMethods->xUnlock(real, level);
}

int file_check_reserved_lock(sqlite3_file* file, int* reserved) {
  sqlite3_file* real = fault_file(file)->real;
  return real->pMethods->xCheckReservedLock(real, reserved);
}

int file_control(sqlite3_file* file, int op, void* arg) {
  // Size hints and chunked growth let the wrapped VFS extend the file by itself, behind the
  // shim's back; without them every change of size goes through xWrite or xTruncate.
  if (op == SQLITE_FCNTL_SIZE_HINT || op == SQLITE_FCNTL_CHUNK_SIZE) return SQLITE_NOTFOUND;
  sqlite3_file* real = fault_file(file)->real;
  return real->pMethods->xFileControl(real, op, arg);
}

int file_sector_size(sqlite3_file* file) {
  sqlite3_file* real = fault_file(file)->real;
  return real->pMethods->xSectorSize(real);
}

int file_device_characteristics(sqlite3_file* file) {
  sqlite3_file* real = fault_file(file)->real;
  return real->pMethods->xDeviceCharacteristics(real);
}

int file_shm_map(sqlite3_file* file, int region, int region_size, int extend, void volatile** out) {
  sqlite3_file* real = fault_file(file)->real;
  return real->pMethods->xShmMap(real, region, region_size, extend, out);
}

int file_shm_lock(sqlite3_file* file, int offset, int n, int flags) {
  sqlite3_file* real = fault_file(file)->real;
  return real->pMethods->xShmLock(real, offset, n, flags);
}

void file_shm_barrier(sqlite3_file* file) {
  sqlite3_file* real = fault_file(file)->real;
  real->pMethods->xShmBarrier(real);
}

int file_shm_unmap(sqlite3_file* file, int delete_flag) {
  sqlite3_file* real = fault_file(file)->real;
  return real->pMethods->xShmUnmap(real, delete_flag);
}

// Version 1 for wrapped files without shared memory, version 2 (xShm*) for the others. No
// version 3: xFetch/xUnfetch (memory-mapped I/O) would read around the shim.
constexpr sqlite3_io_methods io_methods(int version) {
  sqlite3_io_methods methods{};
  methods.iVersion = version;
  methods.xClose = file_close;
  methods.xRead = file_read;
  methods.xWrite = file_write;
  methods.xTruncate = file_truncate;
  methods.xSync = file_sync;
  methods.xFileSize = file_size;
  methods.xLock = file_lock;
  methods.xUnlock = file_unlock;
  methods.xCheckReservedLock = file_check_reserved_lock;
  methods.xFileControl = file_control;
  methods.xSectorSize = file_sector_size;
  methods.xDeviceCharacteristics = file_device_characteristics;
  if (version >= 2) {
    methods.xShmMap = file_shm_map;
    methods.xShmLock = file_shm_lock;
    methods.xShmBarrier = file_shm_barrier;
    methods.xShmUnmap = file_shm_unmap;
  }
  return methods;
}

constexpr sqlite3_io_methods kIoMethodsWithoutShm = io_methods(1);
constexpr sqlite3_io_methods kIoMethodsWithShm = io_methods(2);

// --- sqlite3_vfs ----------------------------------------------------------------------------

FaultVfsState& state_of(sqlite3_vfs* vfs) { return *static_cast<FaultVfsState*>(vfs->pAppData); }
sqlite3_vfs* real_of(sqlite3_vfs* vfs) { return state_of(vfs).real(); }

int vfs_open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  FaultVfsState& state = state_of(vfs);
  FaultFile* self = fault_file(file);
  sqlite3_file* real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kRealFileOffset);
  std::memset(self, 0, sizeof(FaultFile));
  real->pMethods = nullptr;
  int rc = state.real()->xOpen(state.real(), name, real, flags, out_flags);
  if (rc != SQLITE_OK) {
    if (real->pMethods != nullptr) real->pMethods->xClose(real);
    return rc;
  }
  self->state = &state;
  self->real = real;
  self->kind = kind_of(flags);
  self->path = (flags & SQLITE_OPEN_DELETEONCLOSE) ? nullptr : name;
  self->base.pMethods = real->pMethods->iVersion >= 2 ? &kIoMethodsWithShm : &kIoMethodsWithoutShm;
  std::lock_guard lock(state.mutex());
  state.track(self->path, real, flags);
  return SQLITE_OK;
}

int vfs_delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  FaultVfsState& state = state_of(vfs);
  std::lock_guard lock(state.mutex());
  if (!state.power_is_on_locked()) return SQLITE_OK;
  int rc = state.real()->xDelete(state.real(), name, sync_dir);
  if (rc == SQLITE_OK || rc == SQLITE_IOERR_DELETE_NOENT) state.forget(name);
  return rc;
}

int vfs_access(sqlite3_vfs* vfs, const char* name, int flags, int* result) {
  return real_of(vfs)->xAccess(real_of(vfs), name, flags, result);
}

int vfs_full_pathname(sqlite3_vfs* vfs, const char* name, int size, char* out) {
  return real_of(vfs)->xFullPathname(real_of(vfs), name, size, out);
}

void* vfs_dl_open(sqlite3_vfs* vfs, const char* name) { return real_of(vfs)->xDlOpen(real_of(vfs), name); }

void vfs_dl_error(sqlite3_vfs* vfs, int size, char* out) { real_of(vfs)->xDlError(real_of(vfs), size, out); }

void (*vfs_dl_sym(sqlite3_vfs* vfs, void* handle, const char* symbol))(void) {
  return real_of(vfs)->xDlSym(real_of(vfs), handle, symbol);
}

void vfs_dl_close(sqlite3_vfs* vfs, void* handle) { real_of(vfs)->xDlClose(real_of(vfs), handle); }

int vfs_randomness(sqlite3_vfs* vfs, int size, char* out) { return real_of(vfs)->xRandomness(real_of(vfs), size, out); }

int vfs_sleep(sqlite3_vfs* vfs, int microseconds) { return real_of(vfs)->xSleep(real_of(vfs), microseconds); }

int vfs_current_time(sqlite3_vfs* vfs, double* julian_day) {
  return real_of(vfs)->xCurrentTime(real_of(vfs), julian_day);
}

int vfs_get_last_error(sqlite3_vfs* vfs, int size, char* out) {
  sqlite3_vfs* real = real_of(vfs);
  return real->xGetLastError != nullptr ? real->xGetLastError(real, size, out) : 0;
}

int vfs_current_time_int64(sqlite3_vfs* vfs, sqlite3_int64* julian_ms) {
  return real_of(vfs)->xCurrentTimeInt64(real_of(vfs), julian_ms);
}

}  // namespace

FaultVfs::FaultVfs(std::string name) {
  sqlite3_vfs* real = sqlite3_vfs_find(nullptr);
  state_ = std::make_unique<FaultVfsState>(std::move(name), real);
  if (real == nullptr) return;
  sqlite3_vfs& vfs = state_->vfs();
  vfs.iVersion = 2;
  vfs.szOsFile = static_cast<int>(kRealFileOffset) + real->szOsFile;
  vfs.mxPathname = real->mxPathname;
  vfs.zName = state_->name().c_str();
  vfs.pAppData = state_.get();
  vfs.xOpen = vfs_open;
  vfs.xDelete = vfs_delete;
  vfs.xAccess = vfs_access;
  vfs.xFullPathname = vfs_full_pathname;
  vfs.xDlOpen = real->xDlOpen != nullptr ? vfs_dl_open : nullptr;
  vfs.xDlError = real->xDlError != nullptr ? vfs_dl_error : nullptr;
  vfs.xDlSym = real->xDlSym != nullptr ? vfs_dl_sym : nullptr;
  vfs.xDlClose = real->xDlClose != nullptr ? vfs_dl_close : nullptr;
  vfs.xRandomness = vfs_randomness;
  vfs.xSleep = vfs_sleep;
  vfs.xCurrentTime = vfs_current_time;
  vfs.xGetLastError = vfs_get_last_error;
  vfs.xCurrentTimeInt64 = real->iVersion >= 2 && real->xCurrentTimeInt64 != nullptr ? vfs_current_time_int64 : nullptr;
  state_->set_registered(sqlite3_vfs_register(&vfs, 0) == SQLITE_OK);
}

FaultVfs::~FaultVfs() {
  if (state_->registered()) sqlite3_vfs_unregister(&state_->vfs());
}

const std::string& FaultVfs::name() const { return state_->name(); }
bool FaultVfs::registered() const { return state_->registered(); }

int FaultVfs::count(Op op, FileKind kind) const { return state_->count(op, kind); }
void FaultVfs::reset_counts() { state_->reset_counts(); }

void FaultVfs::fail_at(Op op, int nth, int sqlite_error, FileKind kind) {
  state_->add_fault(Fault{op, kind, nth, sqlite_error, /*sticky=*/false, /*cuts_power=*/false});
}

void FaultVfs::fail_from(Op op, int nth, int sqlite_error, FileKind kind) {
  state_->add_fault(Fault{op, kind, nth, sqlite_error, /*sticky=*/true, /*cuts_power=*/false});
}

void FaultVfs::cut_power_at(Op op, int nth, FileKind kind) {
  state_->add_fault(Fault{op, kind, nth, SQLITE_OK, /*sticky=*/false, /*cuts_power=*/true});
}

void FaultVfs::clear_faults() { state_->clear_faults(); }
int FaultVfs::faults_fired() const { return state_->faults_fired(); }

int FaultVfs::power_cut() { return state_->power_cut(); }
void FaultVfs::power_restored() { state_->power_restored(); }
bool FaultVfs::power_is_on() const { return state_->power_is_on(); }

}  // namespace docket::testing
