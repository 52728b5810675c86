// GET /v1/journal end to end: a real `docket serve` (tests/server/server_harness.h)
// followed by consumers that keep a cursor, across stops and kill -9.
//
// The server's accelerated clock fires timers and SLA thresholds on its own,
// so the journal grows while a test reads it: every check reads up to a head
// it took first, or filters on records only the test's events make.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>

#include "tests/server/server_harness.h"

namespace docket::server::testing {
namespace {

using Clock = std::chrono::steady_clock;

Reply feed(const ServerProcess& server, const std::string& query, const std::string& actor = "zhang",
           int timeout_seconds = 5) {
  httplib::Client client("127.0.0.1", server.port());
  client.set_read_timeout(std::chrono::seconds(timeout_seconds));
  return to_reply(client.Get("/v1/journal?" + query, auth(actor)));
}

// The durable head: the last seq the feed may serve now.
std::uint64_t head(const ServerProcess& server) {
  Reply reply = feed(server, "limit=1&after=" + std::to_string(UINT64_MAX));
  EXPECT_EQ(reply.status, 200) << reply.text;
  return reply.body.is_object() ? reply.body.value("last_seq", std::uint64_t{0}) : 0;
}

std::uint64_t seq_of(const json& record) { return record["seq"].get<std::uint64_t>(); }

// Follows the feed with `filter` in pages of `limit` from `after` until the
// cursor reaches `until` (at most the head), checking every page: records
// in seq order, after the cursor and not past `next`, and a cursor that
// moves on even when nothing on the way matched.
std::vector<json> follow(const ServerProcess& server, const std::string& filter, std::size_t limit, std::uint64_t until,
                         std::uint64_t after = 0) {
  std::vector<json> records;
  for (int pages = 0; after < until; ++pages) {
    Reply reply = feed(server, "after=" + std::to_string(after) + "&limit=" + std::to_string(limit) + filter);
    if (reply.status != 200 || pages > 10'000) {
      ADD_FAILURE() << filter << " after " << after << ": " << reply.status << " " << reply.text;
      break;
    }
    std::uint64_t next = reply.body["next"];
    EXPECT_GT(next, after) << filter << ": the cursor did not move";
    EXPECT_LE(next, reply.body["last_seq"].get<std::uint64_t>());
    EXPECT_LE(reply.body["records"].size(), limit);
    std::uint64_t previous = after;
    for (const json& record : reply.body["records"]) {
      EXPECT_GT(seq_of(record), previous) << filter;
      EXPECT_LE(seq_of(record), next) << filter;
      previous = seq_of(record);
      records.push_back(record);
    }
    if (next <= after) break;
    after = next;
  }
  return records;
}

std::vector<json> only(const std::vector<json>& records, const std::function<bool(const json&)>& keep,
                       std::uint64_t until) {
  std::vector<json> kept;
  for (const json& record : records) {
    if (seq_of(record) <= until && keep(record)) kept.push_back(record);
  }
  return kept;
}

// Where two lists of records part ("" when they do not), short enough for a failure message.
std::string difference(const std::vector<json>& actual, const std::vector<json>& expected) {
  for (std::size_t i = 0; i < std::min(actual.size(), expected.size()); ++i) {
    if (actual[i] != expected[i])
      return "record " + std::to_string(i) + ": " + actual[i].dump() + "\n  expected " + expected[i].dump();
  }
  if (actual.size() == expected.size()) return "";
  return std::to_string(actual.size()) + " records, expected " + std::to_string(expected.size());
}

// Tickets A-1..A-n: created, registered, and an event the rules refuse (a rejection record).
void make_activity(const ServerProcess& server, int tickets) {
  for (int i = 1; i <= tickets; ++i) {
    std::string id = "A-" + std::to_string(i);
    ASSERT_EQ(post(server, "/v1/tickets", "zhang", new_ticket(id)).status, 201);
    ASSERT_EQ(send_event(server, id, "zhang", "registered", {{"problem_confirmed", true}}).status, 200);
    ASSERT_EQ(send_event(server, id, "zhang", "resolved").status, 422);
  }
}

bool long_polls_waiting(const ServerProcess& server, int count) {
  std::string line = "docket_journal_long_polls " + std::to_string(count) + "\n";
  return get(server, "/metrics", "admin").text.find(line) != std::string::npos;
}

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

TEST(JournalFeedTest, PagesFollowTheWholeJournalWithNoGapAndNoDuplicate) {
  ServerProcess server;
  ASSERT_TRUE(server.start());
  ASSERT_NO_FATAL_FAILURE(make_activity(server, 4));
  std::uint64_t last = head(server);
  ASSERT_GE(last, 12u);

  auto any = [](const json&) { return true; };
  std::vector<json> records = only(follow(server, "", 3, last), any, last);
  ASSERT_EQ(records.size(), last);
  for (std::size_t i = 0; i < records.size(); ++i) ASSERT_EQ(seq_of(records[i]), i + 1);

  // The same canonical records as each ticket's transitions.
  for (int i = 1; i <= 4; ++i) {
    std::string id = "A-" + std::to_string(i);
    Reply transitions = get(server, "/v1/tickets/" + id + "/transitions", "zhang");
    ASSERT_EQ(transitions.status, 200);
    std::vector<json> expected = only(transitions.body["records"].get<std::vector<json>>(), any, last);
    auto of_ticket = [&](const json& r) { return r["ticket"] == id; };
    EXPECT_EQ(difference(only(records, of_ticket, last), expected), "") << id;
  }

  // A full page's `next` is its last record; the defaults read from the first record.
  Reply page = feed(server, "after=0&limit=2");
  ASSERT_EQ(page.status, 200) << page.text;
  ASSERT_EQ(page.body["records"].size(), 2u);
  EXPECT_EQ(page.body["next"], 2);
  Reply defaults = feed(server, "");
  ASSERT_EQ(defaults.status, 200) << defaults.text;
  EXPECT_EQ(defaults.body["records"][0]["seq"], 1);
  EXPECT_EQ(defaults.body["records"].size(),
            std::min<std::uint64_t>(defaults.body["last_seq"].get<std::uint64_t>(), 100));
}

TEST(JournalFeedTest, FiltersByTicketWorkflowAndKindMoveTheCursorPastWhatTheySkip) {
  ServerProcess server;
  ASSERT_TRUE(server.start());
  const std::string& variant = kSentVariantRules;
  ASSERT_EQ(post(server, "/v1/versions", "admin", {{"name", "variant.docket"}, {"text", variant}}).status, 200);
  json ticket = new_ticket("V-1");
  ticket["workflow"] = "sent_variant";
  ASSERT_EQ(post(server, "/v1/tickets", "zhang", ticket).status, 201);
  ASSERT_EQ(send_event(server, "V-1", "zhang", "registered", {{"problem_confirmed", true}}).status, 200);
  ASSERT_NO_FATAL_FAILURE(make_activity(server, 3));
  std::uint64_t last = head(server);
  std::vector<json> all = only(
      follow(server, "", 1000, last), [](const json&) { return true; }, last);
  ASSERT_EQ(all.size(), last);

  struct Case {
    std::string filter;
    std::function<bool(const json&)> keep;
  };
  auto kind_is = [](const char* kind) { return [kind](const json& r) { return r["kind"] == kind; }; };
  const std::vector<Case> cases = {
      {"&ticket=A-2", [](const json& r) { return r["ticket"] == "A-2"; }},
      {"&workflow=sent_variant", [](const json& r) { return r["workflow"] == "sent_variant"; }},
      {"&workflow=after_sales", [](const json& r) { return r["workflow"] == "after_sales"; }},
      {"&kind=rejection", kind_is("rejection")},
      {"&kind=rejection&kind=transition",
       [](const json& r) { return r["kind"] == "rejection" || r["kind"] == "transition"; }},
      {"&ticket=A-3&kind=transition&workflow=after_sales",
       [](const json& r) { return r["ticket"] == "A-3" && r["kind"] == "transition"; }},
  };
  for (const Case& c : cases) {
    std::vector<json> expected = only(all, c.keep, last);
    EXPECT_FALSE(expected.empty()) << c.filter;
    EXPECT_EQ(difference(only(follow(server, c.filter, 2, last), c.keep, last), expected), "") << c.filter;
  }
  std::vector<json> rejections = only(all, kind_is("rejection"), last);
  EXPECT_EQ(rejections.size(), 3u);

  // Nothing matches: one request scans to the head and says so.
  Reply none = feed(server, "ticket=NOPE");
  ASSERT_EQ(none.status, 200) << none.text;
  EXPECT_TRUE(none.body["records"].empty());
  EXPECT_EQ(none.body["next"], none.body["last_seq"]);
  EXPECT_GE(none.body["next"].get<std::uint64_t>(), last);
}

TEST(JournalFeedTest, ALongPollAnswersWhenANewRecordIsDurable) {
  ServerProcess server;
  ASSERT_TRUE(server.start());
  ASSERT_EQ(post(server, "/v1/tickets", "zhang", new_ticket("LP-1")).status, 201);
  std::uint64_t after = head(server);

  // Nothing comes: the poll answers when its wait is over, empty, at the head.
  auto started = Clock::now();
  Reply quiet = feed(server, "ticket=NOPE&wait=1&after=" + std::to_string(after));
  ASSERT_EQ(quiet.status, 200) << quiet.text;
  EXPECT_GE(seconds_since(started), 0.9);
  EXPECT_TRUE(quiet.body["records"].empty());
  EXPECT_EQ(quiet.body["next"], quiet.body["last_seq"]);

  // Only the event makes LP-1 transitions (its timers are kind `timer`).
  Reply polled;
  double waited = 0;
  std::thread poll([&] {
    auto start = Clock::now();
    polled = feed(server, "ticket=LP-1&kind=transition&wait=20&after=" + std::to_string(after), "liu", 30);
    waited = seconds_since(start);
  });
  bool parked = eventually([&] { return long_polls_waiting(server, 1); }, 10);
  Reply sent = send_event(server, "LP-1", "zhang", "registered", {{"problem_confirmed", true}});
  poll.join();
  ASSERT_TRUE(parked) << "the poll never waited";
  ASSERT_EQ(sent.status, 200) << sent.text;
  ASSERT_EQ(polled.status, 200) << polled.text;
  EXPECT_LT(waited, 15.0) << "the poll was not woken by the event";
  ASSERT_FALSE(polled.body["records"].empty()) << polled.text;
  EXPECT_EQ(polled.body["records"][0]["seq"], sent.body["first_seq"]);
  EXPECT_EQ(polled.body["records"][0]["event"], "registered");
  EXPECT_TRUE(long_polls_waiting(server, 0));
}

TEST(JournalFeedTest, LongPollsPastTheBoundAnswerAtOnceAndAStopEndsThem) {
  ServerProcess server;  // 4 workers: one long poll at a time
  ASSERT_TRUE(server.start());
  Reply first;
  double first_waited = 0;
  std::thread poll([&] {
    auto start = Clock::now();
    first = feed(server, "ticket=NOPE&wait=30", "liu", 40);
    first_waited = seconds_since(start);
  });
  bool parked = eventually([&] { return long_polls_waiting(server, 1); }, 10);

  auto started = Clock::now();
  Reply second = feed(server, "ticket=NOPE&wait=5");
  double second_waited = seconds_since(started);

  started = Clock::now();
  int exit_code = server.stop();
  double stopping = seconds_since(started);
  poll.join();
  ASSERT_TRUE(parked) << "the first poll never waited";
  EXPECT_EQ(second.status, 200) << second.text;
  EXPECT_LT(second_waited, 3.0) << "a long poll past the bound waited";
  EXPECT_EQ(exit_code, 0);
  EXPECT_LT(stopping, 8.0) << "the stop waited for the long poll";
  EXPECT_EQ(first.status, 200) << first.text;
  EXPECT_LT(first_waited, 15.0);
}

TEST(JournalFeedTest, BadParametersAreRefusedNamingThem) {
  ServerProcess server;
  ASSERT_TRUE(server.start());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"after=-1", "`after`"},
      {"after=abc", "`after`"},
      {"after=99999999999999999999", "`after`"},
      {"after=", "`after`"},
      {"limit=0", "`limit`"},
      {"limit=1001", "`limit`"},
      {"limit=1.5", "`limit`"},
      {"wait=31", "`wait`"},
      {"wait=soon", "`wait`"},
      {"kind=transitions", "`kind`"},
      {"kind=transition&kind=", "`kind`"},
      {"ticket=A%20B", "`ticket`"},
      {"workflow=", "`workflow`"},
      {"colour=red", "`colour`"},
  };
  for (const auto& [query, named] : cases) {
    Reply reply = feed(server, query);
    EXPECT_EQ(reply.status, 400) << query << ": " << reply.text;
    EXPECT_EQ(reply.body["error"]["code"], "bad_request") << query;
    EXPECT_NE(reply.text.find(named), std::string::npos) << query << ": " << reply.text;
  }
  EXPECT_EQ(feed(server, "", "").status, 401);
  EXPECT_EQ(feed(server, "kind=approval_timeout&kind=migration&limit=1000&wait=0&after=0").status, 200);
}

// A consumer of the feed: its cursor and every record it was given, checked
// as they come (no filter: each page holds exactly the seqs after the cursor).
class Consumer {
 public:
  // One page after the cursor; false when the server did not answer 200.
  bool step(const ServerProcess& server, int wait) {
    Reply reply = feed(server, "limit=7&wait=" + std::to_string(wait) + "&after=" + std::to_string(cursor()), "liu");
    if (reply.status == 429) return true;  // the next step comes after another page's time
    if (reply.status != 200) {
      if (reply.status != 0) problem("status " + std::to_string(reply.status) + ": " + reply.text);
      return false;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    for (const json& record : reply.body["records"]) {
      if (seq_of(record) != records_.size() + 1) problem_locked("seq " + record["seq"].dump() + " out of turn");
      records_.push_back(record);
    }
    if (reply.body["next"].get<std::uint64_t>() != records_.size())
      problem_locked("next " + reply.body["next"].dump() + " after " + std::to_string(records_.size()) + " records");
    return true;
  }

  // Steps until the server stops answering (at most `seconds`).
  void follow_until_down(const ServerProcess& server, int seconds) {
    auto deadline = Clock::now() + std::chrono::seconds(seconds);
    while (Clock::now() < deadline && step(server, 1)) {
    }
  }

  std::uint64_t cursor() {
    std::lock_guard<std::mutex> lock(mutex_);
    return records_.size();
  }
  std::vector<json> records() {
    std::lock_guard<std::mutex> lock(mutex_);
    return records_;
  }
  std::vector<std::string> problems() {
    std::lock_guard<std::mutex> lock(mutex_);
    return problems_;
  }

 private:
  void problem(const std::string& text) {
    std::lock_guard<std::mutex> lock(mutex_);
    problem_locked(text);
  }
  void problem_locked(const std::string& text) { problems_.push_back(text); }

  std::mutex mutex_;
  std::vector<json> records_;
  std::vector<std::string> problems_;
};

struct Acknowledged {
  std::string ticket;
  std::uint64_t first_seq = 0;
  std::uint64_t last_seq = 0;
};

// A consumer follows the feed while a producer creates tickets; the server
// goes down under both (SIGTERM, or kill -9), starts again on its folder, and
// the consumer goes on from its cursor. It ends with every record 1..head
// once, each as the restarted server keeps it (nothing it was shown was lost),
// every acknowledged ticket's records among them.
void follow_across_restart(bool kill9) {
  ServerProcess server(kill9 ? "full" : "normal");
  ASSERT_TRUE(server.start());
  Consumer consumer;
  std::mutex mutex;
  std::vector<Acknowledged> acknowledged;
  auto create = [&](const std::string& id) {
    Reply reply = post(server, "/v1/tickets", "zhang", new_ticket(id));
    if (reply.status == 201) {
      std::lock_guard<std::mutex> lock(mutex);
      acknowledged.push_back({id, reply.body["first_seq"], reply.body["last_seq"]});
    }
    return reply.status != 0;
  };
  std::thread producer([&] {
    for (int n = 0; n < 5000 && create("P-" + std::to_string(n)); ++n) {
    }
  });
  std::thread follower([&] { consumer.follow_until_down(server, 60); });
  bool enough = eventually([&] { return consumer.cursor() >= 40; }, 20);
  if (kill9) {
    server.kill9();
  } else {
    EXPECT_EQ(server.stop(), 0);
  }
  producer.join();
  follower.join();
  ASSERT_TRUE(enough) << "the consumer saw " << consumer.cursor() << " records";
  std::uint64_t saved = consumer.cursor();

  ASSERT_TRUE(server.start());
  for (int n = 0; n < 3; ++n) ASSERT_TRUE(create("Q-" + std::to_string(n)));
  std::uint64_t last = head(server);
  auto deadline = Clock::now() + std::chrono::seconds(60);
  while (consumer.cursor() < last && Clock::now() < deadline) ASSERT_TRUE(consumer.step(server, 0));

  EXPECT_TRUE(consumer.problems().empty()) << consumer.problems().front();
  std::vector<json> seen = consumer.records();
  ASSERT_GE(seen.size(), last);
  EXPECT_GT(seen.size(), saved);
  // What the consumer was shown before the crash is what the store kept.
  std::vector<json> kept = only(
      follow(server, "", 1000, seen.size()), [](const json&) { return true; }, seen.size());
  EXPECT_EQ(difference(kept, seen), "");
  for (const Acknowledged& ack : acknowledged) {
    ASSERT_GE(ack.first_seq, 1u);
    ASSERT_LE(ack.last_seq, seen.size()) << ack.ticket;
    for (std::uint64_t seq = ack.first_seq; seq <= ack.last_seq; ++seq)
      EXPECT_EQ(seen[seq - 1]["ticket"], ack.ticket) << seq;
  }
}

TEST(JournalFeedTest, AConsumerGetsEveryRecordOnceAcrossAStop) { follow_across_restart(/*kill9=*/false); }

TEST(JournalFeedTest, AConsumerGetsEveryRecordOnceAcrossAKill9) { follow_across_restart(/*kill9=*/true); }

}  // namespace
}  // namespace docket::server::testing
