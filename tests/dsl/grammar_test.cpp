// The grammar itself: no rule can loop without consuming input.

#include <gtest/gtest.h>

#include <tao/pegtl/contrib/analyze.hpp>

#include "dsl/grammar.h"

namespace docket::dsl::grammar {
namespace {

TEST(GrammarTest, AnalyzeFindsNoProblems) {
  EXPECT_EQ(tao::pegtl::analyze<file>(1), 0u);
  EXPECT_EQ(tao::pegtl::analyze<expression_file>(1), 0u);
}

}  // namespace
}  // namespace docket::dsl::grammar
