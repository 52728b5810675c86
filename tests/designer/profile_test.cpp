// Simulation profiles: what a designer writes, and the errors that point at
// the line and column of a mistake.

#include "designer/profile.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

namespace docket::designer {
namespace {

using ::testing::HasSubstr;

const std::string kHead = R"([simulation]
start = 2026-11-02T00:00:00+08:00
days = 2
seed = 9

[[arrivals]]
category = "fault"
rate = 2
)";

std::string error_of(const std::string& text) {
  engine::Result<Profile> profile = parse_profile(text, "p.toml");
  EXPECT_FALSE(profile.ok()) << text;
  return profile.ok() ? std::string() : profile.error();
}

TEST(ProfileTest, ReadsEveryPart) {
  engine::Result<Profile> profile =
      parse_profile(kHead + R"(hour_multipliers = [0,0,0,0,0,0,0,0,1,1,1,1,1,1,1,1,1,1,0,0,0,0,0,0]
created_by = "intake_specialist"
channel = { values = ["phone", "email"], weights = [3, 1] }
[arrivals.fields]
customer = "C-{ticket}"
purchase_date = { offset = "-10d" }
order_amount = { distribution = "uniform", min = 100, max = 300 }
[arrivals.traits]
compensation = { share_of = "order_amount", min = 0.1, max = 0.2 }

[states.classifying]
handling = { distribution = "lognormal", median = "20m", sigma = 0.5 }
by = "customer_service.intake_specialist"
[[states.classifying.outcomes]]
event = "classified"
weight = 3
traits = ["compensation"]
data = { impact = "core" }

[staff.tech]
engineer = 4

[approval]
delay = "30m"
reject_share = 0.1
[approval.chains.head_signoff]
delay = { distribution = "exponential", mean = "1h" }

[report]
branches = ["follow_up"]
)",
                    "p.toml");
  ASSERT_TRUE(profile.ok()) << profile.error();
  const Profile& p = profile.value();
  EXPECT_EQ(p.start, 1793577600 - 8 * 3600);  // 2026-11-02T00:00:00+08:00
  EXPECT_EQ(p.utc_offset_seconds, 8 * 3600);
  EXPECT_EQ(p.days, 2);
  EXPECT_EQ(p.seed, 9u);
  ASSERT_EQ(p.arrivals.size(), 1u);
  EXPECT_EQ(p.arrivals[0].per_hour[8], 2.0);
  EXPECT_EQ(p.arrivals[0].per_hour[3], 0.0);
  EXPECT_EQ(p.arrivals[0].fields.front().field, "channel");
  EXPECT_EQ(p.arrivals[0].fields.front().value.kind, ValueSpec::Kind::kChoice);
  ASSERT_EQ(p.states.size(), 1u);
  EXPECT_EQ(p.states[0].state.where, "p.toml:19:9");
  EXPECT_EQ(p.states[0].outcomes[0].weight, 3.0);
  ASSERT_EQ(p.staff.size(), 1u);
  EXPECT_EQ(p.staff[0].people, 4);
  ASSERT_EQ(p.approvals.size(), 2u);
  EXPECT_EQ(p.approvals[0].delay.first, 1800.0);
  EXPECT_EQ(p.approvals[1].chain.name, "head_signoff");
  EXPECT_EQ(p.approvals[1].reject_share, 0.1);  // inherited from [approval]
}

TEST(ProfileTest, SyntaxErrorsHaveLineAndColumn) {
  EXPECT_THAT(error_of("[simulation]\nstart = \n"), ::testing::StartsWith("p.toml:2:"));
}

TEST(ProfileTest, UnknownKeysAreRejectedWhereWritten) {
  EXPECT_THAT(error_of(kHead + "sede = 3\n"),
              HasSubstr("p.toml:9:1: unknown key `sede` in [[arrivals]] (expected one of: category,"));
  EXPECT_THAT(error_of(kHead + "[states.x]\nhandling = \"1h\"\nhandlng = 2\n"),
              HasSubstr("p.toml:11:1: unknown key `handlng` in [states.x]"));
}

TEST(ProfileTest, BadValuesAreNamed) {
  EXPECT_THAT(error_of("[simulation]\nstart = 2026-11-02\ndays = 0\n[[arrivals]]\ncategory = \"a\"\nrate = 1\n"),
              HasSubstr("p.toml:3:8: simulation.days = 0 is out of range 1..3660"));
  EXPECT_THAT(error_of(kHead + "[states.x]\nhandling = { distribution = \"gauss\" }\n"),
              HasSubstr("states.x.handling.distribution = \"gauss\" is not one of fixed, exponential"));
  EXPECT_THAT(error_of(kHead + "[states.x]\nhandling = \"2 hours\"\n"),
              HasSubstr("p.toml:10:12: states.x.handling = \"2 hours\" is not a duration"));
  EXPECT_THAT(error_of(kHead + "weekday_multipliers = [1, 1]\n"),
              HasSubstr("p.toml:9:23: arrivals[fault].weekday_multipliers must be an array of 7 numbers"));
  EXPECT_THAT(error_of(kHead + "[arrivals.fields]\nmood = { values = [\"calm\"], weights = [1, 2] }\n"),
              HasSubstr("arrivals[fault].fields.mood.weights must be an array of 1 numbers, one per value"));
}

TEST(ProfileTest, OutcomeStreamsAndOnce) {
  std::string state = "[states.x]\nhandling = \"1h\"\n[[states.x.outcomes]]\nevent = \"e\"\n";
  engine::Result<Profile> profile = parse_profile(kHead + state + "streams = [\"fault\"]\nonce = true\n", "p.toml");
  ASSERT_TRUE(profile.ok()) << profile.error();
  const OutcomeSpec& outcome = profile->states[0].outcomes[0];
  ASSERT_EQ(outcome.streams.size(), 1u);
  EXPECT_EQ(outcome.streams[0].name, "fault");
  EXPECT_EQ(outcome.streams[0].where, "p.toml:13:12");
  EXPECT_TRUE(outcome.once);
  EXPECT_FALSE(parse_profile(kHead + state, "p.toml")->states[0].outcomes[0].once);
  EXPECT_THAT(error_of(kHead + state + "once = \"yes\"\n"),
              HasSubstr("p.toml:13:8: states.x.outcomes[0].once must be true or false"));
  EXPECT_THAT(error_of(kHead + state + "streams = []\n"),
              HasSubstr("p.toml:13:11: states.x.outcomes[0].streams must be a non-empty array"));
}

TEST(ProfileTest, MissingPiecesAreReported) {
  std::string error = error_of("[[arrivals]]\ncategory = \"a\"\n");
  EXPECT_THAT(error, HasSubstr("needs a [simulation] table"));
  EXPECT_THAT(error, HasSubstr("needs either `per_hour` (24 rates) or `rate`"));
  EXPECT_THAT(error_of(kHead + "[states.x]\nhandling = \"1h\"\n"), HasSubstr("[states.x] needs `outcomes`"));
}

TEST(ProfileTest, SamplingInvertsTheDistribution) {
  Distribution exponential{Distribution::Kind::kExponential, 100, 0};
  EXPECT_NEAR(sample(exponential, 1 - std::exp(-1.0)), 100, 1e-9);  // F(mean) = 1 - 1/e
  Distribution lognormal{Distribution::Kind::kLognormal, 3600, 0.8};
  EXPECT_NEAR(sample(lognormal, 0.5), 3600, 1e-6);  // the median
  EXPECT_LT(sample(lognormal, 0.1), 3600);
  EXPECT_NEAR(sample(lognormal, 0.8413447), 3600 * std::exp(0.8), 1e-2);  // one sigma up
  Distribution uniform{Distribution::Kind::kUniform, 10, 20};
  EXPECT_EQ(sample(uniform, 0.25), 12.5);
}

}  // namespace
}  // namespace docket::designer
