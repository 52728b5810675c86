// End-to-end tests of `docket serve`: a real server process on 127.0.0.1,
// driven through its HTTP API (tests/server/server_harness.h).

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "engine/model/event.h"
#include "engine/store/sqlite_store.h"
#include "tests/server/server_harness.h"

namespace docket::server::testing {
namespace {

TEST(ServeTest, AfterSalesScenarioThroughTheApi) {
  ServerProcess server;
  ASSERT_TRUE(server.start());

  Reply created = post(server, "/v1/tickets", "zhang", new_ticket("AS-101", "angry"));
  ASSERT_EQ(created.status, 201) << created.text;
  EXPECT_EQ(created.body["state"], "registering");

  struct Step {
    std::string actor, event;
    json data;
    std::string state;
  };
  const std::vector<Step> first_steps = {
      {"zhang", "registered", {{"problem_confirmed", true}}, "classifying"},
      {"zhang", "classified", {{"problem_type", "fault"}, {"impact", "core"}, {"urgency", "high"}}, "dispatched"},
      {"liu", "accepted", json::object(), "proposing"},
      {"liu", "proposed", {{"remedy", "replacement"}}, "approving"},
  };
  for (const Step& step : first_steps) {
    Reply reply = send_event(server, "AS-101", step.actor, step.event, step.data);
    ASSERT_EQ(reply.status, 200) << step.event << ": " << reply.text;
    EXPECT_EQ(reply.body["state"], step.state) << step.event;
  }

  Reply ticket = get(server, "/v1/tickets/AS-101", "zhang");
  ASSERT_EQ(ticket.status, 200);
  EXPECT_EQ(ticket.body["priority"], "P0");
  EXPECT_EQ(ticket.body["category"], "product_fault");
  EXPECT_EQ(ticket.body["departments"], json::array({"tech"}));
  EXPECT_EQ(ticket.body["fields"]["remedy"], "replacement");
  EXPECT_EQ(ticket.body["fields"]["order_amount"], 3999);
  EXPECT_EQ(ticket.body["pending_approval"]["chain"], "head_signoff");
  EXPECT_EQ(ticket.body["pending_approval"]["requester"], "liu");
  ASSERT_EQ(ticket.body["sla"].size(), 2u);
  EXPECT_EQ(ticket.body["sla"][0]["metric"], "first_response");
  EXPECT_EQ(ticket.body["sla"][0]["status"], "stopped");
  EXPECT_EQ(ticket.body["sla"][1]["metric"], "resolve");
  EXPECT_NE(ticket.body["sla"][1]["explanation"].get<std::string>().find("`resolve` under P0"), std::string::npos)
      << ticket.body["sla"][1]["explanation"];

  // The engineer who proposed may not approve (four-eyes): refused by the engine, recorded in the journal.
  Reply own = send_event(server, "AS-101", "liu", "approve");
  EXPECT_EQ(own.status, 403) << own.text;
  EXPECT_EQ(own.body["error"]["code"], "forbidden");
  EXPECT_EQ(own.body["error"]["state"], "approving");

  const std::vector<Step> last_steps = {
      {"sun", "approve", json::object(), "executing"},
      {"liu", "resolved", json::object(), "awaiting_confirmation"},
      {"liu", "confirmed", {{"confirmation", "signature"}}, "follow_up"},
      {"zhang", "survey", {{"response_speed", 5}, {"resolution_effect", 5}, {"attitude", 4}, {"overall", 5}}, "closed"},
  };
  for (const Step& step : last_steps) {
    Reply reply = send_event(server, "AS-101", step.actor, step.event, step.data);
    ASSERT_EQ(reply.status, 200) << step.event << ": " << reply.text;
    EXPECT_EQ(reply.body["state"], step.state) << step.event;
  }

  ticket = get(server, "/v1/tickets/AS-101", "zhang");
  EXPECT_EQ(ticket.body["state"], "closed");
  EXPECT_EQ(ticket.body["closed"], true);
  EXPECT_EQ(ticket.body["pending_approval"], nullptr);
  EXPECT_EQ(ticket.body["sla"][1]["status"], "stopped");

  Reply journal = get(server, "/v1/tickets/AS-101/transitions", "zhang");
  ASSERT_EQ(journal.status, 200);
  const json& records = journal.body["records"];
  // The accepted events, in order, each a transition caused by its event.
  std::vector<std::string> events;
  bool denied_recorded = false;
  for (const json& record : records) {
    if (record["kind"] == "transition" && (record["cause"] == "event" || record["cause"] == "approval"))
      events.push_back(record["event"]);
    if (record["kind"] == "rejection" && record["actor"]["id"] == "liu" && record["event"] == "approve")
      denied_recorded = true;
  }
  EXPECT_EQ(events, (std::vector<std::string>{"registered", "classified", "accepted", "proposed", "approved",
                                              "resolved", "confirmed", "survey"}));
  EXPECT_TRUE(denied_recorded) << journal.text;
  EXPECT_EQ(records.front()["seq"], 1);

  Reply closed = get(server, "/v1/tickets?state=closed&priority=P0&department=tech", "zhang");
  ASSERT_EQ(closed.status, 200);
  EXPECT_EQ(closed.body["count"], 1);
  EXPECT_EQ(get(server, "/v1/tickets?state=registering", "zhang").body["count"], 0);

  // SIGTERM: a clean shutdown.
  EXPECT_EQ(server.stop(), 0);
  EXPECT_NE(server.log().find("request method=POST path=/v1/tickets/AS-101/events status=403"), std::string::npos);
}

TEST(ServeTest, TimersFireWithoutAnyEvent) {
  ServerProcess server;
  ASSERT_TRUE(server.start());
  Reply created = post(server, "/v1/tickets", "zhang", new_ticket("T-1"));
  ASSERT_EQ(created.status, 201) << created.text;

  // `registering` has `after 1h30m in office`: with the clock at 10 h per
  // second it fires about 0.15 s later, with nobody sending anything. On a
  // loaded machine the ticket may be created after the office closed, and
  // the timer is due the next morning (1.5 s or more later): wait up to 10
  // real seconds, 100 engine hours, which covers a weekend.
  json timer;
  ASSERT_TRUE(eventually(
      [&] {
        Reply journal = get(server, "/v1/tickets/T-1/transitions", "zhang");
        for (const json& record : journal.body["records"]) {
          if (record["kind"] == "timer") timer = record;
        }
        return !timer.is_null();
      },
      10));
  EXPECT_EQ(timer["cause"], "timer");
  std::optional<std::int64_t> fired = engine::parse_timestamp(timer["at"].get<std::string>());
  std::optional<std::int64_t> created_at =
      engine::parse_timestamp(get(server, "/v1/tickets/T-1", "zhang").body["created_at"].get<std::string>());
  ASSERT_TRUE(fired && created_at);
  EXPECT_GE(*fired - *created_at, 5400);  // not before its time

  Reply metrics = get(server, "/metrics", "zhang");
  EXPECT_EQ(metrics.text.find("docket_timers_fired_total 0\n"), std::string::npos) << metrics.text;
  EXPECT_NE(metrics.text.find("docket_timers_fired_total "), std::string::npos);
}

// Timers pending at a shutdown are scheduled again from the store and fire
// after the restart, once each.
TEST(ServeTest, TimersAreRecoveredAfterARestart) {
  ServerProcess server;
  ASSERT_TRUE(server.start());
  ASSERT_EQ(post(server, "/v1/tickets", "zhang", new_ticket("R-1")).status, 201);
  ASSERT_EQ(server.stop(), 0);  // well before the first timer (0.15 s away)

  ASSERT_TRUE(server.start());
  // `registering` arms two timers: 1h30m (notify) and 2h (escalate), office hours.
  std::vector<std::int64_t> seqs;
  ASSERT_TRUE(eventually([&] {
    Reply journal = get(server, "/v1/tickets/R-1/transitions", "zhang");
    seqs.clear();
    for (const json& record : journal.body["records"]) {
      if (record["kind"] == "timer") seqs.push_back(record["seq"]);
    }
    return seqs.size() >= 2;
  }));
  EXPECT_EQ(seqs.size(), 2u);
  EXPECT_LT(seqs[0], seqs[1]);
}

// With a key, a stop on SIGTERM signs the journal to its end, timers that
// fired up to the stop included: an auditor's `--key` covers every record.
TEST(ServeTest, ACleanStopSignsTheJournalToItsLastRecord) {
  ServerProcess server;
  ASSERT_NO_FATAL_FAILURE(server.sign_checkpoints(1000));
  ASSERT_TRUE(server.start());
  ASSERT_EQ(post(server, "/v1/tickets", "zhang", new_ticket("S-1")).status, 201);
  ASSERT_EQ(post(server, "/v1/tickets", "zhang", new_ticket("S-2")).status, 201);
  ASSERT_EQ(server.stop(), 0);

  engine::SqliteStoreOptions options;
  options.read_only = true;
  auto store = engine::SqliteStore::open((server.dir() / "tickets.db").string(), options);
  ASSERT_TRUE(store.ok()) << store.error();
  ASSERT_GE(store.value()->last_seq(), 2u);
  auto checkpoints = store.value()->checkpoints();
  ASSERT_TRUE(checkpoints.ok()) << checkpoints.error();
  ASSERT_EQ(checkpoints->size(), 1u);  // far below the interval: only the stop's
  EXPECT_EQ(checkpoints->back().seq, store.value()->last_seq());
}

TEST(ServeTest, HotReloadKeepsTheOldVersionOnErrorsAndPinsTicketsInFlight) {
  ServerProcess server;
  ASSERT_TRUE(server.start());
  ASSERT_EQ(post(server, "/v1/tickets", "zhang", new_ticket("OLD-1")).status, 201);
  std::string v1 = get(server, "/v1/tickets/OLD-1", "zhang").body["version"];

  // A client keeps creating tickets during both reloads.
  std::atomic<bool> done{false};
  std::vector<int> statuses;
  std::thread client([&] {
    for (int n = 0; !done; ++n)
      statuses.push_back(post(server, "/v1/tickets", "zhang", new_ticket("L-" + std::to_string(n))).status);
  });

  std::filesystem::path rules = server.dir() / "rules/after_sales.docket";
  std::string good = read_file(rules);
  std::ofstream(rules, std::ios::app) << "\nstate broken {\n";
  Reply refused = post(server, "/v1/versions", "admin", {{"reload", true}});
  EXPECT_EQ(refused.status, 422) << refused.text;
  EXPECT_EQ(refused.body["error"]["code"], "rules_invalid");
  ASSERT_FALSE(refused.body["error"]["diagnostics"].empty());
  EXPECT_NE(refused.body["error"]["diagnostics"][0].get<std::string>().find("after_sales.docket:"), std::string::npos);

  Reply versions = get(server, "/v1/versions", "admin");
  EXPECT_EQ(versions.body["last_reload"]["ok"], false);
  EXPECT_FALSE(versions.body["last_reload"]["diagnostics"].empty());
  // Diagnostics quote rule files: only those who may deploy see them.
  EXPECT_TRUE(get(server, "/v1/versions", "zhang").body["last_reload"]["diagnostics"].empty());
  ASSERT_EQ(post(server, "/v1/tickets", "zhang", new_ticket("OLD-2")).status, 201);
  EXPECT_EQ(get(server, "/v1/tickets/OLD-2", "zhang").body["version"], v1);

  // A good change, picked up on SIGHUP.
  std::string changed = good;
  changed.replace(changed.find("version \"1.0\""), 13, "version \"1.1\"");
  std::ofstream(rules, std::ios::trunc) << changed;
  server.signal(SIGHUP);
  ASSERT_TRUE(eventually([&] {
    json last = get(server, "/v1/versions", "zhang").body["last_reload"];
    return last["source"] == "signal" && last["ok"] == true;
  }));
  ASSERT_EQ(post(server, "/v1/tickets", "zhang", new_ticket("NEW-1")).status, 201);
  std::string v2 = get(server, "/v1/tickets/NEW-1", "zhang").body["version"];
  EXPECT_NE(v2, v1);
  EXPECT_EQ(get(server, "/v1/tickets/OLD-1", "zhang").body["version"], v1);
  // The old ticket goes on under its own version.
  EXPECT_EQ(send_event(server, "OLD-1", "zhang", "registered", {{"problem_confirmed", true}}).status, 200);

  versions = get(server, "/v1/versions", "zhang");
  std::map<std::string, bool> current;
  for (const json& version : versions.body["versions"]) current[version["id"]] = version["current"];
  EXPECT_EQ(current, (std::map<std::string, bool>{{v1, false}, {v2, true}}));

  // A rule file sent in the body: checked the same way, installed the same way.
  Reply broken = post(server, "/v1/versions", "admin", {{"name", "after_sales.docket"}, {"text", "workflow"}});
  EXPECT_EQ(broken.status, 422) << broken.text;
  std::string sent = good;
  sent.replace(sent.find("version \"1.0\""), 13, "version \"1.2\"");
  Reply deployed = post(server, "/v1/versions", "admin", {{"name", "after_sales.docket"}, {"text", sent}});
  EXPECT_EQ(deployed.status, 200) << deployed.text;
  ASSERT_EQ(post(server, "/v1/tickets", "zhang", new_ticket("NEW-2")).status, 201);
  std::string v3 = get(server, "/v1/tickets/NEW-2", "zhang").body["version"];
  EXPECT_NE(v3, v1);
  EXPECT_NE(v3, v2);
  EXPECT_EQ(get(server, "/v1/tickets/NEW-1", "zhang").body["version"], v2);

  done = true;
  client.join();
  ASSERT_FALSE(statuses.empty());
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 201), static_cast<long>(statuses.size()));
}

// A designer saves a rule file under the running service: the change is
// picked up by the file watch alone, a broken save is refused and leaves the
// running version in place, and tickets already open stay on theirs.
TEST(ServeTest, SavedRuleFilesAreReloadedByTheWatch) {
  ServerProcess server;
  server.watch_rules();
  ASSERT_TRUE(server.start());
  ASSERT_EQ(post(server, "/v1/tickets", "zhang", new_ticket("OLD-1")).status, 201);
  std::string v1 = get(server, "/v1/tickets/OLD-1", "zhang").body["version"];

  std::filesystem::path rules = server.dir() / "rules/after_sales.docket";
  std::string good = read_file(rules);
  std::ofstream(rules, std::ios::app) << "\nstate broken {\n";
  ASSERT_TRUE(eventually(
      [&] {
        json last = get(server, "/v1/versions", "zhang").body["last_reload"];
        return last["source"] == "watch" && last["ok"] == false;
      },
      10));
  ASSERT_EQ(post(server, "/v1/tickets", "zhang", new_ticket("OLD-2")).status, 201);
  EXPECT_EQ(get(server, "/v1/tickets/OLD-2", "zhang").body["version"], v1);

  std::string changed = good;
  changed.replace(changed.find("version \"1.0\""), 13, "version \"1.1\"");
  std::ofstream(rules, std::ios::trunc) << changed;
  ASSERT_TRUE(eventually(
      [&] {
        json last = get(server, "/v1/versions", "zhang").body["last_reload"];
        return last["source"] == "watch" && last["ok"] == true;
      },
      10));
  ASSERT_EQ(post(server, "/v1/tickets", "zhang", new_ticket("NEW-1")).status, 201);
  EXPECT_NE(get(server, "/v1/tickets/NEW-1", "zhang").body["version"], v1);
  EXPECT_EQ(get(server, "/v1/tickets/OLD-1", "zhang").body["version"], v1);
  EXPECT_EQ(send_event(server, "OLD-1", "zhang", "registered", {{"problem_confirmed", true}}).status, 200);
}

// Every token against every endpoint and transition: the status each must get.
TEST(ServeTest, AuthorizationMatrix) {
  ServerProcess server;
  ASSERT_TRUE(server.start());
  const std::vector<std::string> rows = {"", "bogus", "zhang", "liu", "sun", "admin"};
  // Per row: M-<row> waits in `registering`, A-<row> in `dispatched` (tech, P0), P-<row> in `approving` (proposed by
  // liu).
  for (const std::string& row : rows) {
    std::string r = row.empty() ? "none" : row;
    ASSERT_EQ(post(server, "/v1/tickets", "zhang", new_ticket("M-" + r)).status, 201);
    for (const char* prefix : {"A-", "P-"}) {
      std::string id = std::string(prefix) + r;
      ASSERT_EQ(post(server, "/v1/tickets", "zhang", new_ticket(id)).status, 201);
      ASSERT_EQ(send_event(server, id, "zhang", "registered", {{"problem_confirmed", true}}).status, 200);
      ASSERT_EQ(send_event(server, id, "zhang", "classified",
                           {{"problem_type", "fault"}, {"impact", "core"}, {"urgency", "high"}})
                    .status,
                200);
    }
    ASSERT_EQ(send_event(server, "P-" + r, "liu", "accepted").status, 200);
    ASSERT_EQ(send_event(server, "P-" + r, "liu", "proposed", {{"remedy", "repair"}}).status, 200);
  }

  const std::vector<std::string> columns = {"health",   "metrics", "list",     "read",   "journal",
                                            "versions", "deploy",  "register", "accept", "approve"};
  const std::map<std::string, std::vector<int>> expected = {
      //            health metrics list read journal versions deploy register accept approve
      {"", /*    */ {200, 401, 401, 401, 401, 401, 401, 401, 401, 401}},
      {"bogus", /**/ {200, 401, 401, 401, 401, 401, 401, 401, 401, 401}},
      {"zhang", /**/ {200, 200, 200, 200, 200, 200, 403, 200, 403, 403}},
      {"liu", /*  */ {200, 200, 200, 200, 200, 200, 403, 403, 200, 403}},  // approve: four-eyes
      {"sun", /*  */ {200, 200, 200, 200, 200, 200, 403, 403, 403, 200}},
      {"admin", /**/ {200, 200, 200, 200, 200, 200, 200, 403, 403, 403}},
  };
  int checked = 0;
  for (const std::string& row : rows) {
    std::string r = row.empty() ? "none" : row;
    for (std::size_t c = 0; c < columns.size(); ++c) {
      const std::string& column = columns[c];
      Reply reply;
      if (column == "health") reply = get(server, "/v1/health", row);
      if (column == "metrics") reply = get(server, "/metrics", row);
      if (column == "list") reply = get(server, "/v1/tickets", row);
      if (column == "read") reply = get(server, "/v1/tickets/M-" + r, row);
      if (column == "journal") reply = get(server, "/v1/tickets/M-" + r + "/transitions", row);
      if (column == "versions") reply = get(server, "/v1/versions", row);
      if (column == "deploy") reply = post(server, "/v1/versions", row, {{"reload", true}});
      if (column == "register") reply = send_event(server, "M-" + r, row, "registered", {{"problem_confirmed", true}});
      if (column == "accept") reply = send_event(server, "A-" + r, row, "accepted");
      if (column == "approve") reply = send_event(server, "P-" + r, row, "approve");
      EXPECT_EQ(reply.status, expected.at(row)[c])
          << "token " << (row.empty() ? "(none)" : row) << " x " << column << ": " << reply.text;
      if (reply.status >= 400 && column != "metrics") {
        EXPECT_TRUE(reply.body["error"]["code"].is_string()) << reply.text;
        EXPECT_TRUE(reply.body["error"]["message"].is_string()) << reply.text;
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, 60);
  // Refused transitions are in the journal; refused tokens are not (no actor), only in the log.
  bool recorded = false;
  Reply journal = get(server, "/v1/tickets/A-zhang/transitions", "zhang");
  for (const json& record : journal.body["records"])
    recorded = recorded || (record["kind"] == "rejection" && record["actor"]["id"] == "zhang");
  EXPECT_TRUE(recorded);
  EXPECT_NE(server.log().find("request method=GET path=/metrics status=401 ms=0.0 actor=- remote=127.0.0.1"),
            std::string::npos);
}

TEST(ServeTest, BadRequestsGetJsonErrors) {
  ServerProcess server;
  ASSERT_TRUE(server.start());
  auto code = [](const Reply& reply) { return reply.body["error"]["code"]; };

  Reply too_large = post_text(server, "/v1/tickets", "zhang", std::string((1 << 20) + 1, ' '));
  EXPECT_EQ(too_large.status, 413);
  EXPECT_EQ(code(too_large), "payload_too_large");

  Reply malformed = post_text(server, "/v1/tickets", "zhang", "{\"id\": \"X\",");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(code(malformed), "bad_request");

  std::string deep = std::string(65, '[') + std::string(65, ']');
  Reply nested = post_text(server, "/v1/tickets", "zhang", "{\"id\":\"X\",\"data\":{\"problem\":" + deep + "}}");
  EXPECT_EQ(nested.status, 400);
  EXPECT_NE(nested.body["error"]["message"].get<std::string>().find("nesting deeper than 64"), std::string::npos);

  Reply typo = post(server, "/v1/tickets", "zhang", {{"id", "X"}, {"idempotency", "k"}});
  EXPECT_EQ(typo.status, 400);
  EXPECT_EQ(typo.body["error"]["message"], "unknown key `idempotency`");

  json ticket = new_ticket("D-1");
  ticket["idempotency_key"] = "create-D-1";
  ASSERT_EQ(post(server, "/v1/tickets", "zhang", ticket).status, 201);
  Reply again = post(server, "/v1/tickets", "zhang", ticket);  // the same delivery twice
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body["duplicate"], true);
  ticket.erase("idempotency_key");
  Reply conflict = post(server, "/v1/tickets", "zhang", ticket);  // another create of the same id
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(code(conflict), "conflict");

  Reply unknown = send_event(server, "NOPE", "zhang", "registered");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(get(server, "/v1/tickets/NOPE", "zhang").status, 404);
  EXPECT_EQ(get(server, "/v1/nothing", "zhang").status, 404);

  Reply unhandled = send_event(server, "D-1", "zhang", "resolved");  // no transition from `registering`
  EXPECT_EQ(unhandled.status, 422);
  EXPECT_EQ(code(unhandled), "rejected");
  Reply bad_value = post(server, "/v1/tickets", "zhang", {{"id", "D-2"}, {"data", {{"mood", "furious"}}}});
  EXPECT_EQ(bad_value.status, 422);

  EXPECT_EQ(get(server, "/v1/tickets?due_within=soon", "zhang").status, 400);
  EXPECT_EQ(get(server, "/v1/tickets?colour=red", "zhang").status, 400);
}

// kill -9 while two clients send events; after a restart every event that
// was answered 2xx is there.
TEST(ServeTest, NothingAcknowledgedIsLostAfterKill9) {
  ServerProcess server("full");
  ASSERT_TRUE(server.start());
  std::mutex mutex;
  std::set<std::string> created;     // acknowledged creates
  std::set<std::string> registered;  // acknowledged `registered` events
  std::atomic<bool> failed{false};
  auto client = [&](int id) {
    for (int n = 0; !failed; ++n) {
      std::string ticket = "K-" + std::to_string(id) + "-" + std::to_string(n);
      json body = new_ticket(ticket);
      body["idempotency_key"] = "c-" + ticket;
      Reply reply = post(server, "/v1/tickets", "zhang", body);
      if (reply.status == 0) break;
      if (reply.status == 201) {
        std::lock_guard<std::mutex> lock(mutex);
        created.insert(ticket);
      }
      reply = send_event(server, ticket, "zhang", "registered", {{"problem_confirmed", true}}, "r-" + ticket);
      if (reply.status == 0) break;
      if (reply.status == 200) {
        std::lock_guard<std::mutex> lock(mutex);
        registered.insert(ticket);
      }
    }
  };
  std::thread first(client, 1);
  std::thread second(client, 2);
  bool enough = eventually([&] {
    std::lock_guard<std::mutex> lock(mutex);
    return registered.size() >= 20;
  });
  server.kill9();
  failed = true;
  first.join();
  second.join();
  ASSERT_TRUE(enough);

  ASSERT_TRUE(server.start());
  for (const std::string& ticket : created) {
    Reply reply = get(server, "/v1/tickets/" + ticket, "zhang");
    ASSERT_EQ(reply.status, 200) << ticket << " was acknowledged but is lost";
    if (registered.count(ticket) > 0) {
      EXPECT_EQ(reply.body["state"], "classifying") << ticket;
    }
  }
  // A client that retries after the crash gets the first outcome back.
  const std::string& some = *registered.begin();
  Reply retried = send_event(server, some, "zhang", "registered", {{"problem_confirmed", true}}, "r-" + some);
  EXPECT_EQ(retried.status, 200);
  EXPECT_EQ(retried.body["duplicate"], true);
}

// A rule text sent to the API may extend a file of the rules directory; the
// store keeps both sources, so the version compiles again after a restart.
TEST(ServeTest, AVersionDeployedWithExtendsSurvivesARestart) {
  ServerProcess server;
  ASSERT_TRUE(server.start());
  const std::string& variant = kSentVariantRules;
  Reply deployed = post(server, "/v1/versions", "admin", {{"name", "variant.docket"}, {"text", variant}});
  ASSERT_EQ(deployed.status, 200) << deployed.text;
  json ticket = new_ticket("V-1");
  ticket["workflow"] = "sent_variant";
  ASSERT_EQ(post(server, "/v1/tickets", "zhang", ticket).status, 201);
  EXPECT_EQ(server.stop(), 0);

  ASSERT_TRUE(server.start());
  Reply after = get(server, "/v1/tickets/V-1", "zhang");
  ASSERT_EQ(after.status, 200) << after.text;
  EXPECT_EQ(after.body["workflow"], "sent_variant");
  EXPECT_EQ(send_event(server, "V-1", "zhang", "registered", {{"problem_confirmed", true}}).status, 200);
}

}  // namespace
}  // namespace docket::server::testing
