// A tar archive (POSIX ustar) built in memory: a folder handed out as one
// download (GET /v1/audit/export sends an audit bundle this way).
//
//   TarArchive tar(mtime, max_bytes);
//   Status added = tar.add_directory("bundle");
//   added = tar.add_file("bundle/journal.jsonl", text);
//   std::string bytes = std::move(tar).finish();
//
// Entries are written as added: a 512-byte header, then the content padded
// to 512 bytes; finish() appends the two zero blocks that end an archive.
// Every entry has mode 0644 (files) or 0755 (folders), owner 0, the given
// modification time, and no user or group name, so the same files give the
// same bytes. Names are '/'-separated relative paths of at most 255 bytes
// (split into ustar's prefix and name fields at a '/'), without "..", NUL
// or a leading '/'. An archive never grows past `max_bytes`: an entry that
// would make it larger is refused, and the archive stays as it was.

#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "engine/model/result.h"

namespace docket::server {

inline constexpr std::size_t kTarBlock = 512;

class TarArchive {
 public:
  TarArchive(std::int64_t mtime, std::size_t max_bytes);

  engine::Status add_directory(std::string_view path);
  engine::Status add_file(std::string_view path, std::string_view content);
  // The archive so far and its end. The archive is empty afterwards.
  std::string finish() &&;
  // Bytes written so far (headers and padded contents).
  std::size_t size() const { return bytes_.size(); }

 private:
  engine::Status add(std::string_view path, char type, std::string_view content);

  std::int64_t mtime_;
  std::size_t max_bytes_;
  std::string bytes_;
};

// The size of tar_directory's archive of `directory` (its files may not
// change meanwhile), without reading any file.
engine::Result<std::uint64_t> tar_directory_size(const std::filesystem::path& directory);

// Every folder and regular file under `directory`, in name order (folders
// before their contents), named `top`/<relative path>; other kinds of files
// are refused. Fails when a file cannot be read or the archive would pass
// `max_bytes`.
engine::Result<std::string> tar_directory(const std::filesystem::path& directory, const std::string& top,
                                          std::int64_t mtime, std::size_t max_bytes);

}  // namespace docket::server
