#include "server/console_files.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace docket::server {
namespace {

TEST(ConsoleFilesTest, TheBuiltInConsoleHasItsPageAndScripts) {
  ConsoleFiles files = ConsoleFiles::built_in();
  std::optional<ConsoleFile> page = files.find("index.html");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->content_type, "text/html; charset=utf-8");
  EXPECT_NE(page->bytes.find("<html"), std::string::npos);
  std::optional<ConsoleFile> app = files.find("app.js");
  ASSERT_TRUE(app);
  EXPECT_EQ(app->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(files.origin(), "built in");
}

TEST(ConsoleFilesTest, OnlyPlainNamesWithAKnownExtensionAreServed) {
  for (const char* path : {"", "/index.html", "../index.html", "pages/../index.html", ".index.html", "a//b.js",
                           "index.html/", "index.exe", "index", "a b.js", "a\\b.js", "pages/.x.js"}) {
    EXPECT_FALSE(console_content_type(path)) << "`" << path << "`";
  }
  EXPECT_FALSE(console_content_type(std::string(200, 'a') + ".js"));
  EXPECT_EQ(console_content_type("pages/ticket.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(console_content_type("style.css"), "text/css; charset=utf-8");
}

TEST(ConsoleFilesTest, AFolderIsReadAtEachRequest) {
  std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "console_files_test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "pages");
  std::ofstream(dir / "pages" / "a.js") << "one";
  std::ofstream(dir / "secret.toml") << "token";
  ConsoleFiles files = ConsoleFiles::from_folder(dir.string());
  ASSERT_TRUE(files.find("pages/a.js"));
  EXPECT_EQ(files.find("pages/a.js")->bytes, "one");
  std::ofstream(dir / "pages" / "a.js", std::ios::trunc) << "two";
  EXPECT_EQ(files.find("pages/a.js")->bytes, "two");
  EXPECT_FALSE(files.find("secret.toml"));
  EXPECT_FALSE(files.find("pages/missing.js"));
  std::ofstream(dir / "big.js") << std::string(kMaxConsoleFileBytes + 1, 'x');
  EXPECT_FALSE(files.find("big.js"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace docket::server
