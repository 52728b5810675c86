// The loader: files that are not rule files are refused before reading.

#include "dsl/loader.h"

#include <gtest/gtest.h>

namespace docket::dsl {
namespace {

// Regression: `extends "/dev/zero"` used to read forever.
TEST(LoaderTest, DevicesAndPipesAreNotReadAsRuleFiles) {
  SourceSet sources;
  Diagnostics diagnostics;
  auto file = load_text("main.docket", "extends \"/dev/zero\"\nworkflow w\n", sources, diagnostics);
  EXPECT_FALSE(file.has_value());
  ASSERT_EQ(diagnostics.items().size(), 1u);
  EXPECT_EQ(diagnostics.items()[0].code, "E007");
  EXPECT_EQ(diagnostics.items()[0].message, "cannot read `/dev/zero`: it is not a regular file");
  EXPECT_EQ(diagnostics.items()[0].loc.line, 1u);
}

TEST(LoaderTest, AMissingBaseNamesThePath) {
  SourceSet sources;
  Diagnostics diagnostics;
  EXPECT_FALSE(load_text("main.docket", "extends \"no/such/base.docket\"\n", sources, diagnostics).has_value());
  ASSERT_EQ(diagnostics.items().size(), 1u);
  EXPECT_EQ(diagnostics.items()[0].code, "E007");
  EXPECT_NE(diagnostics.items()[0].message.find("no/such/base.docket"), std::string::npos);
}

}  // namespace
}  // namespace docket::dsl
