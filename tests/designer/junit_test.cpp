// JUnit XML as CI servers read it: counts, failures with their messages,
// and text from scenario files escaped.

#include "designer/junit.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace docket::designer {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(JunitTest, CountsTestsAndFailuresPerSuiteAndInAll) {
  std::string xml = junit_xml({{"a.test.toml", {{"ok", "a.test.toml", 0.5, {}}, {"bad", "a.test.toml", 0.25, {"x"}}}},
                               {"b.test.toml", {{"ok2", "b.test.toml", 0, {}}}}});
  EXPECT_THAT(xml, HasSubstr("<testsuites name=\"docket test\" tests=\"3\" failures=\"1\" time=\"0.750\">"));
  EXPECT_THAT(xml, HasSubstr("<testsuite name=\"a.test.toml\" tests=\"2\" failures=\"1\" errors=\"0\""));
  EXPECT_THAT(xml, HasSubstr("<testcase name=\"ok\" classname=\"a.test.toml\" time=\"0.500\"/>"));
  EXPECT_THAT(xml, HasSubstr("<failure message=\"x\">x\n</failure>"));
}

TEST(JunitTest, EscapesMarkupAndControlCharacters) {
  std::string xml = junit_xml({{"s", {{"<P0> & \"angry\"", "s", 0, {"got 'x' \x01"}}}}});
  EXPECT_THAT(xml, HasSubstr("name=\"&lt;P0&gt; &amp; &quot;angry&quot;\""));
  EXPECT_THAT(xml, HasSubstr("got &apos;x&apos; \xEF\xBF\xBD"));
  EXPECT_THAT(xml, Not(HasSubstr("\x01")));
}

}  // namespace
}  // namespace docket::designer
