#include "server/sessions.h"

#include <gtest/gtest.h>

namespace docket::server {
namespace {

using namespace std::chrono_literals;
using Clock = SessionTable::Clock;

TEST(SessionTableTest, AnOpenedSessionIsFoundByItsIdAndKeepsTheTokenDigest) {
  SessionTable sessions;
  Clock::time_point now{};
  SessionTable::Opened opened = sessions.open("digest-a", now);
  EXPECT_EQ(opened.id.size(), 64u);
  EXPECT_EQ(opened.session.csrf.size(), 64u);
  EXPECT_NE(opened.id, opened.session.csrf);
  std::optional<Session> found = sessions.find(opened.id, now + 1s);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->token_digest, "digest-a");
  EXPECT_EQ(found->csrf, opened.session.csrf);
  EXPECT_FALSE(sessions.find(opened.id + "0", now));
  EXPECT_FALSE(sessions.find("", now));
  EXPECT_NE(sessions.open("digest-a", now).id, opened.id) << "every sign-in gets a new id";
}

TEST(SessionTableTest, ASessionEndsAfterItsIdleTimeOrItsLifetime) {
  SessionTable sessions(10min, 30min, 100);
  Clock::time_point start{};
  std::string idle = sessions.open("a", start).id;
  EXPECT_TRUE(sessions.find(idle, start + 9min));
  EXPECT_TRUE(sessions.find(idle, start + 18min)) << "each use restarts the idle time";
  EXPECT_FALSE(sessions.find(idle, start + 29min));

  std::string busy = sessions.open("b", start).id;
  for (auto t = 5min; t < 30min; t += 5min) EXPECT_TRUE(sessions.find(busy, start + t));
  EXPECT_FALSE(sessions.find(busy, start + 30min)) << "use never extends the lifetime";
}

TEST(SessionTableTest, OpeningPastTheCapacityEndsTheSessionUsedLeastRecently) {
  SessionTable sessions(1h, 2h, 2);
  Clock::time_point t{};
  std::string first = sessions.open("a", t).id;
  std::string second = sessions.open("b", t + 1s).id;
  ASSERT_TRUE(sessions.find(first, t + 2s));
  std::string third = sessions.open("c", t + 3s).id;
  EXPECT_EQ(sessions.size(), 2u);
  EXPECT_TRUE(sessions.find(first, t + 4s));
  EXPECT_FALSE(sessions.find(second, t + 4s));
  EXPECT_TRUE(sessions.find(third, t + 4s));
}

TEST(SessionTableTest, ClosingEndsASession) {
  SessionTable sessions;
  std::string id = sessions.open("a", Clock::time_point{}).id;
  sessions.close(id);
  EXPECT_FALSE(sessions.find(id, Clock::time_point{}));
  sessions.close("never-opened");
  EXPECT_EQ(sessions.size(), 0u);
}

TEST(CookieValueTest, FindsANamedCookieAmongOthers) {
  EXPECT_EQ(cookie_value("docket_session=abc", "docket_session"), "abc");
  EXPECT_EQ(cookie_value("a=1; docket_session=abc; b=2", "docket_session"), "abc");
  EXPECT_EQ(cookie_value("xdocket_session=abc", "docket_session"), "");
  EXPECT_EQ(cookie_value("docket_session", "docket_session"), "");
  EXPECT_EQ(cookie_value("", "docket_session"), "");
  EXPECT_EQ(cookie_value("a=1;;docket_session=;", "docket_session"), "");
}

}  // namespace
}  // namespace docket::server
