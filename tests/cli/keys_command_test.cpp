// `docket keys`: making the key pair that signs the audit trail, and naming
// key files by their key id.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "engine/store/signing.h"
#include "tests/cli/command_harness.h"

namespace docket::cli::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// A fresh, empty directory for one test's key files.
std::string fresh_directory(const std::string& name) {
  std::filesystem::path directory = ::testing::TempDir() + std::to_string(getpid()) + "_" + name;
  std::filesystem::remove_all(directory);
  std::filesystem::create_directories(directory);
  return directory.string();
}

mode_t permissions_of(const std::string& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777;
}

TEST(DocketKeysCommand, NewWritesAPrivateAndAPublicKey) {
  std::string prefix = fresh_directory("keys_new") + "/audit";
  CommandRun r = run_docket("keys new --out " + prefix);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  std::vector<std::string> lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 3u) << r.out;
  EXPECT_THAT(lines[0], StartsWith("key id "));
  EXPECT_THAT(lines[1], HasSubstr(prefix + ".key"));
  EXPECT_THAT(lines[2], HasSubstr(prefix + ".pub"));

  EXPECT_EQ(permissions_of(prefix + ".key"), 0600u);
  EXPECT_EQ(permissions_of(prefix + ".pub") & 0200u, 0200u);  // the umask decides the rest
  EXPECT_THAT(read_text(prefix + ".key"), StartsWith("-----BEGIN PRIVATE KEY-----\n"));
  EXPECT_THAT(read_text(prefix + ".pub"), StartsWith("-----BEGIN PUBLIC KEY-----\n"));

  // The files are one pair, and the printed id is theirs.
  engine::Result<engine::SigningKey> key = engine::SigningKey::load(prefix + ".key");
  ASSERT_TRUE(key.ok()) << key.error();
  engine::Result<engine::VerifyKey> public_key = engine::VerifyKey::load(prefix + ".pub");
  ASSERT_TRUE(public_key.ok()) << public_key.error();
  EXPECT_EQ(public_key.value(), key->verify_key());
  EXPECT_EQ(lines[0], "key id " + key->key_id());
  EXPECT_TRUE(public_key->verify("m", key->sign("m")));
}

TEST(DocketKeysCommand, IdOfEitherFileIsThePrintedId) {
  std::string prefix = fresh_directory("keys_id") + "/audit";
  CommandRun created = run_docket("keys new --out " + prefix);
  ASSERT_EQ(created.exit_code, 0) << created.err;
  std::string printed = lines_of(created.out).at(0).substr(std::string("key id ").size());
  EXPECT_TRUE(engine::is_key_id(printed)) << printed;
  for (const std::string& file : {prefix + ".key", prefix + ".pub"}) {
    CommandRun r = run_docket("keys id " + file);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, printed + "\n");
  }
}

TEST(DocketKeysCommand, NewKeysDiffer) {
  std::string directory = fresh_directory("keys_two");
  CommandRun one = run_docket("keys new --out " + directory + "/one");
  CommandRun two = run_docket("keys new --out " + directory + "/two");
  ASSERT_EQ(one.exit_code, 0) << one.err;
  ASSERT_EQ(two.exit_code, 0) << two.err;
  EXPECT_NE(lines_of(one.out).at(0), lines_of(two.out).at(0));
  EXPECT_NE(read_text(directory + "/one.key"), read_text(directory + "/two.key"));
}

TEST(DocketKeysCommand, NewRefusesToOverwriteAKey) {
  std::string prefix = fresh_directory("keys_exists") + "/audit";
  ASSERT_EQ(run_docket("keys new --out " + prefix).exit_code, 0);
  std::string private_key = read_text(prefix + ".key");
  std::string public_key = read_text(prefix + ".pub");

  CommandRun again = run_docket("keys new --out " + prefix);
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_EQ(again.out, "");
  EXPECT_THAT(again.err, HasSubstr(prefix + ".key: already exists"));
  EXPECT_EQ(read_text(prefix + ".key"), private_key);
  EXPECT_EQ(read_text(prefix + ".pub"), public_key);
}

TEST(DocketKeysCommand, AnExistingPublicKeyAloneAlsoStopsIt) {
  std::string prefix = fresh_directory("keys_pub_exists") + "/audit";
  { std::ofstream(prefix + ".pub") << "someone else's key\n"; }
  CommandRun r = run_docket("keys new --out " + prefix);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr(prefix + ".pub: already exists"));
  EXPECT_FALSE(std::filesystem::exists(prefix + ".key"));  // no half pair left behind
  EXPECT_EQ(read_text(prefix + ".pub"), "someone else's key\n");
}

TEST(DocketKeysCommand, NewIntoAMissingDirectoryFails) {
  std::string prefix = fresh_directory("keys_missing") + "/no/such/audit";
  CommandRun r = run_docket("keys new --out " + prefix);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr(prefix + ".key: cannot create: No such file or directory"));
}

TEST(DocketKeysCommand, IdOfSomethingElseFails) {
  std::string not_a_key = write_temp("keys_not_a_key.pem", "hello\n");
  CommandRun r = run_docket("keys id " + not_a_key);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "docket: error: " + not_a_key + ": not an Ed25519 key (no PEM block found)\n");
  std::string missing = ::testing::TempDir() + "no_such_dir_docket/audit.pub";
  CommandRun absent = run_docket("keys id " + missing);
  EXPECT_EQ(absent.exit_code, 1);
  EXPECT_EQ(absent.err, "docket: error: " + missing + ": cannot read: No such file or directory\n");
}

TEST(DocketKeysCommand, UsageErrorsExitTwo) {
  EXPECT_EQ(run_docket("keys").exit_code, 2);
  EXPECT_EQ(run_docket("keys new").exit_code, 2);
  EXPECT_EQ(run_docket("keys id").exit_code, 2);
  EXPECT_EQ(run_docket("keys rotate").exit_code, 2);
}

}  // namespace
}  // namespace docket::cli::testing
