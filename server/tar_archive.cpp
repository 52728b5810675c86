#include "server/tar_archive.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

namespace docket::server {
namespace {

namespace fs = std::filesystem;
using engine::Result;
using engine::Status;

constexpr std::size_t kNameBytes = 100;
constexpr std::size_t kPrefixBytes = 155;
constexpr std::uint64_t kMaxEntryBytes = 077777777777;  // 11 octal digits

// `value` in octal, `width` - 1 digits and a NUL, into the header at `offset`.
void put_octal(std::string& header, std::size_t offset, std::size_t width, std::uint64_t value) {
  for (std::size_t i = width - 1; i-- > 0; value >>= 3) header[offset + i] = static_cast<char>('0' + (value & 7));
  header[offset + width - 1] = '\0';
}

void put_text(std::string& header, std::size_t offset, std::string_view text) {
  std::copy(text.begin(), text.end(), header.begin() + static_cast<std::ptrdiff_t>(offset));
}

std::size_t padded(std::size_t bytes) { return (bytes + kTarBlock - 1) / kTarBlock * kTarBlock; }

// Why `path` cannot name an entry, or "".
std::string path_problem(std::string_view path) {
  if (path.empty() || path.front() == '/') return "an entry needs a relative path";
  if (path.find('\0') != std::string_view::npos) return "an entry's path holds a NUL byte";
  for (std::size_t start = 0; start <= path.size();) {
    std::size_t end = std::min(path.find('/', start), path.size());
    std::string_view part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return "`" + std::string(path) + "` has an empty, . or .. part";
    start = end + 1;
  }
  return "";
}

// Where `path` splits into ustar's prefix and name: 0 for no prefix; npos
// when it cannot.
std::size_t split_point(std::string_view path) {
  if (path.size() <= kNameBytes) return 0;
  for (std::size_t slash = path.find('/'); slash != std::string_view::npos; slash = path.find('/', slash + 1)) {
    if (slash <= kPrefixBytes && path.size() - slash - 1 <= kNameBytes && slash + 1 < path.size()) return slash;
  }
  return std::string_view::npos;
}

Result<std::string> read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Result<std::string>::failure("cannot read " + file.string());
  std::ostringstream text;
  text << in.rdbuf();  // an empty file sets failbit on `text`: nothing to read is no error
  if (in.bad()) return Result<std::string>::failure("cannot read " + file.string());
  return Result<std::string>::success(text.str());
}

}  // namespace

TarArchive::TarArchive(std::int64_t mtime, std::size_t max_bytes)
    : mtime_(std::max<std::int64_t>(mtime, 0)), max_bytes_(max_bytes) {}

Status TarArchive::add_directory(std::string_view path) { return add(std::string(path) + "/", '5', {}); }

Status TarArchive::add_file(std::string_view path, std::string_view content) { return add(path, '0', content); }

Status TarArchive::add(std::string_view path, char type, std::string_view content) {
  std::string_view bare = type == '5' ? path.substr(0, path.size() - 1) : path;
  if (std::string problem = path_problem(bare); !problem.empty()) return Status::failure(problem);
  std::size_t split = split_point(path);
  if (split == std::string_view::npos)
    return Status::failure("`" + std::string(path) + "` is too long for a tar entry (ustar)");
  if (content.size() > kMaxEntryBytes) return Status::failure("`" + std::string(path) + "` is too large for ustar");
  std::size_t entry = kTarBlock + padded(content.size());
  // Room for the entry and the two blocks that end the archive.
  if (bytes_.size() + entry + 2 * kTarBlock > max_bytes_)
    return Status::failure("the archive would be larger than " + std::to_string(max_bytes_) + " bytes");

  std::string header(kTarBlock, '\0');
  put_text(header, 0, split == 0 ? path : path.substr(split + 1));
  if (split > 0) put_text(header, 345, path.substr(0, split));
  put_octal(header, 100, 8, type == '5' ? 0755 : 0644);
  put_octal(header, 108, 8, 0);
  put_octal(header, 116, 8, 0);
  put_octal(header, 124, 12, content.size());
  put_octal(header, 136, 12, static_cast<std::uint64_t>(mtime_));
  header[156] = type;
  put_text(header, 257,
           std::string_view("ustar\0"
                            "00",
                            8));
  put_octal(header, 329, 8, 0);
  put_octal(header, 337, 8, 0);
  // The checksum: the header's bytes summed with its own field as spaces.
  std::fill(header.begin() + 148, header.begin() + 156, ' ');
  std::uint64_t sum = 0;
  for (char c : header) sum += static_cast<unsigned char>(c);
  put_octal(header, 148, 7, sum);
  header[155] = ' ';

  bytes_ += header;
  bytes_.append(content.data(), content.size());
  bytes_.append(padded(content.size()) - content.size(), '\0');
  return Status::success();
}

std::string TarArchive::finish() && {
  bytes_.append(2 * kTarBlock, '\0');
  return std::exchange(bytes_, std::string());
}

Result<std::uint64_t> tar_directory_size(const fs::path& directory) {
  using R = Result<std::uint64_t>;
  std::error_code error;
  std::uint64_t bytes = 3 * kTarBlock;  // the top folder's header and the end
  for (fs::recursive_directory_iterator it(directory, error), end; !error && it != end; it.increment(error)) {
    bytes += kTarBlock;
    if (it->is_regular_file(error)) bytes += padded(it->file_size(error));
    if (error) break;
  }
  if (error) return R::failure(directory.string() + ": " + error.message());
  return R::success(bytes);
}

Result<std::string> tar_directory(const fs::path& directory, const std::string& top, std::int64_t mtime,
                                  std::size_t max_bytes) {
  using R = Result<std::string>;
  std::error_code error;
  std::vector<std::pair<std::string, fs::path>> entries;
  for (fs::recursive_directory_iterator it(directory, error), end; !error && it != end; it.increment(error)) {
    entries.emplace_back(it->path().lexically_relative(directory).generic_string(), it->path());
  }
  if (error) return R::failure(directory.string() + ": " + error.message());
  std::sort(entries.begin(), entries.end());
  TarArchive tar(mtime, max_bytes);
  if (Status added = tar.add_directory(top); !added) return R::failure(added.error());
  for (const auto& [name, path] : entries) {
    fs::file_status status = fs::symlink_status(path, error);
    Status added = Status::success();
    std::string inside = top;
    inside += '/';
    inside += name;
    if (fs::is_directory(status)) {
      added = tar.add_directory(inside);
    } else if (!fs::is_regular_file(status)) {
      added = Status::failure(path.string() + ": not a regular file");
    } else if (tar.size() + kTarBlock + padded(fs::file_size(path, error)) + 2 * kTarBlock > max_bytes) {
      // Refused before it is read.
      added = Status::failure("the archive would be larger than " + std::to_string(max_bytes) + " bytes");
    } else {
      Result<std::string> content = read_file(path);
      added = content ? tar.add_file(inside, content.value()) : Status::failure(content.error());
    }
    if (!added) return R::failure(added.error());
  }
  return R::success(std::move(tar).finish());
}

}  // namespace docket::server
