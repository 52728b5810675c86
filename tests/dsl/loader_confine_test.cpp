// LoadOptions::confine_to: a rule file sent to `docket serve` reads nothing
// outside the rules directory, and its diagnostics tell nothing of what lies
// there (E035).

#include "dsl/loader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include "tests/support/event_streams.h"

namespace docket::dsl {
namespace {

namespace fs = std::filesystem;

// Quoted by the parser's E001 if the loader ever read the file.
constexpr const char* kSecret = "hunter2-confidential";

constexpr const char* kBase =
    "workflow repair \"维修\"\n"
    "department tech { roles engineer }\n"
    "category fault -> tech\n"
    "initial state open { on done -> closed }\n"
    "final state closed\n";

constexpr const char* kHelp = "name a file in the rules directory or a folder below it, relative to the extending file";

void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// The current directory for one scope.
class WorkingDirectory {
 public:
  explicit WorkingDirectory(const fs::path& directory) : previous_(fs::current_path()) { fs::current_path(directory); }
  ~WorkingDirectory() { fs::current_path(previous_); }
  WorkingDirectory(const WorkingDirectory&) = delete;
  WorkingDirectory& operator=(const WorkingDirectory&) = delete;

 private:
  fs::path previous_;
};

struct Loaded {
  std::optional<RuleFile> file;
  SourceSet sources;
  Diagnostics diagnostics;

  std::string text() const { return render_text(diagnostics, sources); }
  std::string json() const { return render_json(diagnostics, sources); }
};

// <tmp>/rules is the rules directory; <tmp>/outside.docket and
// <tmp>/elsewhere/ lie outside it, with the secret on their first line.
class ConfineTest : public ::testing::Test {
 protected:
  ConfineTest() : root_(fs::path(temp_.path())), rules_(root_ / "rules"), outside_(root_ / "outside.docket") {
    fs::create_directories(rules_);
    write(outside_, std::string(kSecret) + "\n");
    write(root_ / "elsewhere" / "secret.docket", std::string(kSecret) + "\n");
    write(rules_ / "base.docket", kBase);
  }

  LoadOptions confined() const {
    LoadOptions options;
    options.confine_to = rules_.string();
    return options;
  }

  std::unique_ptr<Loaded> text(const std::string& source, const LoadOptions& options) const {
    auto loaded = std::make_unique<Loaded>();
    loaded->file = load_text("sent.docket", source, loaded->sources, loaded->diagnostics, options);
    return loaded;
  }

  std::unique_ptr<Loaded> file(const fs::path& path, const LoadOptions& options) const {
    auto loaded = std::make_unique<Loaded>();
    loaded->file = load(path.string(), loaded->sources, loaded->diagnostics, options);
    return loaded;
  }

  // Expects exactly one E035, and nothing of the outside files anywhere.
  static void expect_refused(const Loaded& loaded) {
    EXPECT_FALSE(loaded.file.has_value());
    ASSERT_EQ(loaded.diagnostics.items().size(), 1u) << loaded.text();
    EXPECT_EQ(loaded.diagnostics.items()[0].code, "E035");
    EXPECT_EQ(loaded.text().find(kSecret), std::string::npos) << loaded.text();
    EXPECT_EQ(loaded.json().find(kSecret), std::string::npos) << loaded.json();
  }

  testing::TempDir temp_;
  fs::path root_;
  fs::path rules_;
  fs::path outside_;
};

// The reported finding: the environment of the server came back as the
// quoted first line of an E001.
TEST_F(ConfineTest, AnAbsoluteExtendsIsRefusedBeforeTheFileIsRead) {
  auto loaded = text("extends \"/proc/self/environ\"\nworkflow w\n", confined());
  expect_refused(*loaded);
  // A text sent to the service is named as a file of the rules directory.
  EXPECT_EQ(loaded->text(), (rules_ / "sent.docket").string() +
                                ":1:1: error[E035]: `extends` may only name a file inside the rules directory, not "
                                "`/proc/self/environ`\n"
                                " 1 | extends \"/proc/self/environ\"\n"
                                "   | ^~~~~~~\n"
                                "help: " +
                                std::string(kHelp) + "\n");
}

TEST_F(ConfineTest, AnAbsolutePathToAReadableFileIsRefused) {
  // Without confine_to the file is read and its first line quoted: the leak.
  auto open = text("extends \"" + outside_.string() + "\"\n", LoadOptions{});
  EXPECT_NE(open->text().find(kSecret), std::string::npos) << open->text();

  auto loaded = text("extends \"" + outside_.string() + "\"\n", confined());
  expect_refused(*loaded);
  EXPECT_EQ(loaded->diagnostics.items()[0].message,
            "`extends` may only name a file inside the rules directory, not `" + outside_.string() + "`");
  EXPECT_EQ(loaded->diagnostics.items()[0].help, kHelp);
  EXPECT_EQ(loaded->diagnostics.items()[0].loc.line, 1u);
  EXPECT_EQ(loaded->diagnostics.items()[0].loc.column, 1u);
}

// An absolute path is refused even when it names a file inside: a rule file
// must not depend on where the rules directory lies.
TEST_F(ConfineTest, AnAbsolutePathIntoTheRulesDirectoryIsRefusedToo) {
  expect_refused(*text("extends \"" + (rules_ / "base.docket").string() + "\"\n", confined()));
}

TEST_F(ConfineTest, DotDotOutOfTheRulesDirectoryIsRefused) {
  write(rules_ / "main.docket", "extends \"../outside.docket\"\nworkflow w\n");
  auto loaded = file(rules_ / "main.docket", confined());
  expect_refused(*loaded);
  EXPECT_EQ(loaded->diagnostics.items()[0].message,
            "`extends` may only name a file inside the rules directory, not `../outside.docket`");

  // Through a subfolder, and from a text: the same.
  write(rules_ / "sub" / "main.docket", "extends \"../../elsewhere/secret.docket\"\n");
  expect_refused(*file(rules_ / "sub" / "main.docket", confined()));
  expect_refused(*text("extends \"../outside.docket\"\n", confined()));
  expect_refused(*text("extends \"sub/../../outside.docket\"\n", confined()));
}

// The diagnostic is the same whether the outside file exists or not.
TEST_F(ConfineTest, TheRefusalTellsNothingOfWhetherTheFileExists) {
  auto existing = text("extends \"../outside.docket\"\n", confined());
  auto missing = text("extends \"../no-such-file.docket\"\n", confined());
  expect_refused(*existing);
  expect_refused(*missing);
  EXPECT_EQ(missing->diagnostics.items()[0].message,
            "`extends` may only name a file inside the rules directory, not `../no-such-file.docket`");
  auto absent = text("extends \"/no/such/dir/x.docket\"\n", confined());
  expect_refused(*absent);
}

TEST_F(ConfineTest, ASymbolicLinkToAFileOutsideIsRefused) {
  fs::create_symlink(outside_, rules_ / "link.docket");
  auto loaded = text("extends \"link.docket\"\n", confined());
  expect_refused(*loaded);
  EXPECT_EQ(loaded->diagnostics.items()[0].message,
            "`extends` may only name a file inside the rules directory, not `link.docket`");
}

TEST_F(ConfineTest, ASymbolicLinkToAFolderOutsideIsRefused) {
  fs::create_directories(rules_ / "sub");
  fs::create_directory_symlink(root_ / "elsewhere", rules_ / "sub" / "shared");
  expect_refused(*text("extends \"sub/shared/secret.docket\"\n", confined()));
  expect_refused(*text("extends \"sub/shared/missing.docket\"\n", confined()));
}

// A link whose target does not exist cannot be checked: refused the same
// way, not reported as a missing file.
TEST_F(ConfineTest, ADanglingSymbolicLinkIsRefused) {
  fs::create_symlink(root_ / "gone" / "x.docket", rules_ / "dangling.docket");
  fs::create_symlink(rules_ / "loop.docket", rules_ / "loop.docket");
  expect_refused(*text("extends \"dangling.docket\"\n", confined()));
  expect_refused(*text("extends \"loop.docket\"\n", confined()));
}

TEST_F(ConfineTest, AMainFileThatLinksOutsideIsRefused) {
  fs::create_symlink(outside_, rules_ / "main.docket");
  auto loaded = file(rules_ / "main.docket", confined());
  expect_refused(*loaded);
  EXPECT_EQ(loaded->text(), (rules_ / "main.docket").string() +
                                ": error[E035]: rule file lies outside the rules directory\n"
                                "help: a symbolic link in the rules directory must point at a file inside it\n");

  // Without confine_to it is read as before.
  auto open = file(rules_ / "main.docket", LoadOptions{});
  EXPECT_NE(open->text().find(kSecret), std::string::npos) << open->text();
}

TEST_F(ConfineTest, ExtendsInsideTheRulesDirectoryStillWorks) {
  write(rules_ / "sub" / "variant.docket", "extends \"../base.docket\"\nworkflow variant\n");
  write(rules_ / "sub" / "deeper" / "last.docket", "extends \"../variant.docket\"\nworkflow last\n");
  write(rules_ / "top.docket", "extends \"sub/deeper/last.docket\"\nworkflow top\n");
  fs::create_symlink(rules_ / "base.docket", rules_ / "sub" / "alias.docket");
  write(rules_ / "linked.docket", "extends \"sub/alias.docket\"\nworkflow linked\n");

  for (const char* name : {"sub/variant.docket", "sub/deeper/last.docket", "top.docket", "linked.docket"}) {
    auto loaded = file(rules_ / name, confined());
    ASSERT_TRUE(loaded->file.has_value()) << name << "\n" << loaded->text();
    EXPECT_TRUE(loaded->diagnostics.items().empty()) << name << "\n" << loaded->text();
    EXPECT_EQ(loaded->file->states.size(), 2u) << name;
  }
  auto top = file(rules_ / "top.docket", confined());
  ASSERT_TRUE(top->file && top->file->workflow);
  EXPECT_EQ(top->file->workflow->name.text, "top");
  EXPECT_EQ(top->sources.size(), 4u);
}

// The rules directory named through a symbolic link, or relative to the
// current directory: files inside are still inside.
TEST_F(ConfineTest, TheRulesDirectoryMayBeNamedThroughALinkOrRelatively) {
  write(rules_ / "sub" / "variant.docket", "extends \"../base.docket\"\nworkflow variant\n");
  fs::create_directory_symlink(rules_, root_ / "alias");
  LoadOptions through_link;
  through_link.confine_to = (root_ / "alias").string();
  auto loaded = file(root_ / "alias" / "sub" / "variant.docket", through_link);
  EXPECT_TRUE(loaded->file.has_value()) << loaded->text();

  WorkingDirectory cwd(root_);
  LoadOptions relative;
  relative.confine_to = "rules";
  auto inside = file("rules/sub/variant.docket", relative);
  EXPECT_TRUE(inside->file.has_value()) << inside->text();
  expect_refused(*text("extends \"../outside.docket\"\n", relative));
}

// A text sent over the API names its base relative to the rules directory,
// wherever the server was started.
TEST_F(ConfineTest, LoadTextResolvesAgainstTheRulesDirectory) {
  testing::TempDir elsewhere_dir;
  WorkingDirectory cwd(elsewhere_dir.path());
  const std::string variant = "extends \"base.docket\"\nworkflow variant\n";

  auto loaded = text(variant, confined());
  ASSERT_TRUE(loaded->file.has_value()) << loaded->text();
  EXPECT_TRUE(loaded->diagnostics.items().empty()) << loaded->text();
  EXPECT_EQ(loaded->file->workflow->name.text, "variant");
  ASSERT_EQ(loaded->sources.size(), 2u);
  EXPECT_EQ(loaded->sources.path(1), (rules_ / "base.docket").string());

  // Without confine_to: against the current directory, as before.
  auto open = text(variant, LoadOptions{});
  EXPECT_FALSE(open->file.has_value());
  ASSERT_EQ(open->diagnostics.items().size(), 1u);
  EXPECT_EQ(open->diagnostics.items()[0].code, "E007");
  write(fs::path(elsewhere_dir.path()) / "base.docket", kBase);
  EXPECT_TRUE(text(variant, LoadOptions{})->file.has_value());
}

}  // namespace
}  // namespace docket::dsl
