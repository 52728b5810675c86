// docket keys new --out PREFIX: a new Ed25519 key pair for signing the audit
// trail's checkpoints, written to PREFIX.key (private, PKCS#8 PEM, mode 0600)
// and PREFIX.pub (public, PEM, for auditors).
// docket keys id FILE: the key id of a public or private key file.
//
// `keys new` never overwrites: a key that signed checkpoints must not be
// lost, so an existing PREFIX.key or PREFIX.pub is an error (exit 1) and
// nothing is written. Exit codes: 0 done, 1 a file could not be written or
// read as a key, 2 usage errors.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>

#include "cli/commands.h"
#include "cli/output.h"
#include "engine/store/signing.h"

namespace docket::cli {
namespace {

// Creates `path` with `mode` (less what the umask removes), failing if it exists (O_EXCL: also when it is a
// dangling symbolic link), writes `text` and flushes it to the disk. Returns
// an error message, empty on success. On failure after creating the file,
// the file is removed again.
std::string create_new_file(const std::string& path, std::string_view text, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    if (errno == EEXIST) return path + ": already exists; docket does not overwrite key files";
    return path + ": cannot create: " + std::strerror(errno);
  }
  std::string error;
  while (!text.empty()) {
    ssize_t written = ::write(fd, text.data(), text.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) {
      error = path + ": cannot write: " + std::strerror(errno);
      break;
    }
    text.remove_prefix(static_cast<std::size_t>(written));
  }
  if (error.empty() && ::fsync(fd) != 0) error = path + ": cannot write: " + std::strerror(errno);
  if (::close(fd) != 0 && error.empty()) error = path + ": cannot write: " + std::strerror(errno);
  if (!error.empty()) ::unlink(path.c_str());
  return error;
}

struct KeysNewOptions {
  std::string prefix;
};

struct KeysIdOptions {
  std::string file;
};

int run_keys_new(const KeysNewOptions& options) {
  std::string private_path = options.prefix + ".key";
  std::string public_path = options.prefix + ".pub";
  // Checked first so that an existing public key does not leave a fresh
  // private key behind; create_new_file still refuses if one appears since.
  struct stat existing {};
  for (const std::string& path : {private_path, public_path}) {
    if (::lstat(path.c_str(), &existing) == 0) {
      return fail(path + ": already exists; docket does not overwrite key files");
    }
  }
  engine::Result<engine::SigningKey> key = engine::SigningKey::generate();
  if (!key) return fail(key.error());
  std::string private_pem = key->to_pem();
  std::string public_pem = key->verify_key().to_pem();
  if (private_pem.empty() || public_pem.empty()) return fail("cannot encode the key as PEM");
  std::string error = create_new_file(private_path, private_pem, 0600);
  if (error.empty()) {
    error = create_new_file(public_path, public_pem, 0644);
    if (!error.empty()) ::unlink(private_path.c_str());
  }
  if (!error.empty()) return fail(error);
  std::cout << "key id " << key->key_id() << '\n'
            << "private key " << private_path << " (keep it secret: the store signs with it)\n"
            << "public key " << public_path << " (give it to auditors)\n";
  return kExitOk;
}

int run_keys_id(const KeysIdOptions& options) {
  engine::Result<engine::VerifyKey> key = engine::load_public_half(options.file);
  if (!key) return fail(key.error());
  std::cout << key->key_id() << '\n';
  return kExitOk;
}

}  // namespace

void add_keys_command(CLI::App& app, int& exit_code) {
  CLI::App* keys = app.add_subcommand("keys", "Create and identify the keys that sign the audit trail");
  keys->require_subcommand(1);

  auto new_options = std::make_shared<KeysNewOptions>();
  CLI::App* create = keys->add_subcommand("new", "Write a new Ed25519 key pair to PREFIX.key and PREFIX.pub");
  create
      ->add_option("--out", new_options->prefix,
                   "Path prefix of the two files (keys/audit: keys/audit.key, keys/audit.pub)")
      ->required();
  create->callback([new_options, &exit_code] { exit_code = run_keys_new(*new_options); });

  auto id_options = std::make_shared<KeysIdOptions>();
  CLI::App* identify = keys->add_subcommand("id", "Print the key id of a public or private key file");
  identify->add_option("file", id_options->file, "A PEM key file (PREFIX.pub or PREFIX.key)")->required();
  identify->callback([id_options, &exit_code] { exit_code = run_keys_id(*id_options); });
}

}  // namespace docket::cli
