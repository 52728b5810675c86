// The console's side of `docket serve` (docs/console.md): signing in with a
// cookie, CSRF, the page's security headers, and the read models the page
// shows (overview, offered events, field labels, who may vote, search).
// A real server process on 127.0.0.1 (tests/server/server_harness.h).

#include <gtest/gtest.h>

#include <set>

#include "tests/server/server_harness.h"

namespace docket::server::testing {
namespace {

// A signed-in console: the cookie and the CSRF token of one session.
struct Console {
  std::string cookie;  // "docket_session=..."
  std::string csrf;
  httplib::Headers headers(bool with_csrf = true) const {
    httplib::Headers h{{"Cookie", cookie}};
    if (with_csrf) h.emplace("X-CSRF-Token", csrf);
    return h;
  }
};

std::string header(const httplib::Result& res, const std::string& name) {
  return res && res->has_header(name) ? res->get_header_value(name) : "";
}

Console sign_in(const ServerProcess& server, const std::string& actor) {
  auto res = server.client().Post("/v1/session", json{{"token", token_of(actor)}}.dump(), "application/json");
  EXPECT_TRUE(res && res->status == 200) << (res ? res->body : "no answer");
  Console console;
  std::string set_cookie = header(res, "Set-Cookie");
  console.cookie = set_cookie.substr(0, set_cookie.find(';'));
  console.csrf = json::parse(res->body)["csrf"];
  return console;
}

TEST(ConsoleApiTest, SigningInSetsAnHttpOnlyStrictCookieThatActsAsTheToken) {
  ServerProcess server;
  ASSERT_TRUE(server.start());
  auto res = server.client().Post("/v1/session", json{{"token", token_of("zhang")}}.dump(), "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  std::string cookie = header(res, "Set-Cookie");
  EXPECT_TRUE(cookie.starts_with("docket_session=")) << cookie;
  EXPECT_NE(cookie.find("; HttpOnly"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("; SameSite=Strict"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("; Path=/"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("; Max-Age=43200"), std::string::npos) << "12 hours, the session's lifetime: " << cookie;
  json body = json::parse(res->body);
  EXPECT_EQ(body["actor"], "zhang");
  EXPECT_EQ(body["roles"], json::array({"intake_specialist"}));
  EXPECT_EQ(body["csrf"].get<std::string>().size(), 64u);
  // The answer never repeats the token.
  EXPECT_EQ(res->body.find(token_of("zhang")), std::string::npos);

  Console console{cookie.substr(0, cookie.find(';')), body["csrf"]};
  auto who = server.client().Get("/v1/session", console.headers(false));
  ASSERT_TRUE(who);
  EXPECT_EQ(who->status, 200);
  EXPECT_EQ(json::parse(who->body)["csrf"], console.csrf);
  auto created = server.client().Post("/v1/tickets", console.headers(), new_ticket("CS-1").dump(), "application/json");
  ASSERT_TRUE(created);
  EXPECT_EQ(created->status, 201) << created->body;
  Reply ticket = get(server, "/v1/tickets/CS-1", "zhang");
  EXPECT_EQ(ticket.body["requester"], "zhang");
}

TEST(ConsoleApiTest, AWrongTokenOpensNoSession) {
  ServerProcess server;
  ASSERT_TRUE(server.start());
  auto res = server.client().Post("/v1/session", R"({"token":"tok-nobody"})", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(header(res, "Set-Cookie"), "");
  auto forged = server.client().Get("/v1/tickets", {{"Cookie", "docket_session=" + std::string(64, 'a')}});
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 401);
  EXPECT_EQ(json::parse(forged->body)["error"]["message"], "the session has ended: sign in again");
  auto empty = server.client().Post("/v1/session", R"({"tokn":"x"})", "application/json");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->status, 400);
  EXPECT_EQ(json::parse(empty->body)["error"]["message"], "unknown key `tokn`");
}

TEST(ConsoleApiTest, ACookieRequestThatChangesSomethingMustCarryTheCsrfTokenAndComeFromTheSameOrigin) {
  ServerProcess server;
  ASSERT_TRUE(server.start());
  Console console = sign_in(server, "zhang");
  std::string body = new_ticket("CS-2").dump();

  auto missing = server.client().Post("/v1/tickets", console.headers(false), body, "application/json");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 403);
  EXPECT_EQ(json::parse(missing->body)["error"]["code"], "csrf");

  httplib::Headers wrong = console.headers(false);
  wrong.emplace("X-CSRF-Token", std::string(64, '0'));
  auto forged = server.client().Post("/v1/tickets", wrong, body, "application/json");
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 403);

  httplib::Headers elsewhere = console.headers();
  elsewhere.emplace("Origin", "https://evil.example");
  auto cross = server.client().Post("/v1/tickets", elsewhere, body, "application/json");
  ASSERT_TRUE(cross);
  EXPECT_EQ(cross->status, 403);
  EXPECT_EQ(json::parse(cross->body)["error"]["message"],
            "the request comes from another origin: https://evil.example");
  EXPECT_EQ(get(server, "/v1/tickets/CS-2", "zhang").status, 404) << "a refused request created the ticket";

  httplib::Headers same = console.headers();
  same.emplace("Origin", "http://127.0.0.1:" + std::to_string(server.port()));
  auto done = server.client().Post("/v1/tickets", same, body, "application/json");
  ASSERT_TRUE(done);
  EXPECT_EQ(done->status, 201) << done->body;
  // A bearer token needs no CSRF token: no browser sends it by itself.
  EXPECT_EQ(post(server, "/v1/tickets", "zhang", new_ticket("CS-3")).status, 201);
}

TEST(ConsoleApiTest, SigningOutEndsTheSession) {
  ServerProcess server;
  ASSERT_TRUE(server.start());
  Console console = sign_in(server, "liu");
  auto without = server.client().Delete("/v1/session", console.headers(false));
  ASSERT_TRUE(without);
  EXPECT_EQ(without->status, 403) << "signing out is a change: it needs the CSRF token";
  auto out = server.client().Delete("/v1/session", console.headers());
  ASSERT_TRUE(out);
  EXPECT_EQ(out->status, 204);
  EXPECT_NE(header(out, "Set-Cookie").find("Max-Age=0"), std::string::npos);
  auto after = server.client().Get("/v1/session", console.headers(false));
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 401);
}

TEST(ConsoleApiTest, ThePageHasAStrictContentSecurityPolicyAndAnswersForbidFraming) {
  ServerProcess server;
  ASSERT_TRUE(server.start());
  auto page = server.client().Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(header(page, "Content-Type"), "text/html; charset=utf-8");
  std::string policy = header(page, "Content-Security-Policy");
  EXPECT_NE(policy.find("script-src 'self'"), std::string::npos) << policy;
  EXPECT_NE(policy.find("frame-ancestors 'none'"), std::string::npos) << policy;
  EXPECT_EQ(policy.find("unsafe"), std::string::npos) << policy;
  EXPECT_NE(page->body.find("<html"), std::string::npos);
  auto script = server.client().Get("/console/app.js");
  ASSERT_TRUE(script);
  EXPECT_EQ(script->status, 200);
  EXPECT_EQ(header(script, "Content-Type"), "text/javascript; charset=utf-8");

  auto api = server.client().Get("/v1/tickets", auth("zhang"));
  ASSERT_TRUE(api);
  EXPECT_EQ(header(api, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(header(api, "X-Frame-Options"), "DENY");
  EXPECT_EQ(header(api, "Cache-Control"), "no-store");
}

TEST(ConsoleApiTest, OnlyTheConsolesOwnFilesAreServed) {
  ServerProcess server;
  ASSERT_TRUE(server.start());
  for (const char* path : {"/console/..%2Fdocket.toml", "/console/../docket.toml", "/console/.hidden.js",
                           "/console/index.exe", "/console/missing.js", "/console/a%00.js"}) {
    auto res = server.client().Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 404) << path << ": " << res->body;
  }
}

// Three tickets: two registering, one classified into the tech department.
void three_tickets(const ServerProcess& server) {
  for (const char* id : {"OV-1", "OV-2", "OV-3"})
    ASSERT_EQ(post(server, "/v1/tickets", "zhang", new_ticket(id)).status, 201);
  ASSERT_EQ(send_event(server, "OV-3", "zhang", "registered", {{"problem_confirmed", true}}).status, 200);
  ASSERT_EQ(send_event(server, "OV-3", "zhang", "classified",
                       {{"problem_type", "fault"}, {"impact", "core"}, {"urgency", "high"}})
                .status,
            200);
}

TEST(ConsoleApiTest, TheOverviewCountsTicketsByStateAndDepartment) {
  ServerProcess server;
  ASSERT_TRUE(server.start());
  three_tickets(server);
  Reply overview = get(server, "/v1/overview?window=1h", "liu");
  ASSERT_EQ(overview.status, 200) << overview.text;
  EXPECT_EQ(overview.body["workflow"], "after_sales");
  EXPECT_EQ(overview.body["window"], "1h");
  EXPECT_EQ(overview.body["totals"]["open"], 3);
  std::map<std::string, int> states;
  for (const json& state : overview.body["states"]) states[state["name"]] = state["count"];
  EXPECT_EQ(states["registering"], 2);
  EXPECT_EQ(states["dispatched"], 1);
  std::map<std::string, int> departments;
  for (const json& department : overview.body["departments"]) departments[department["name"]] = department["count"];
  EXPECT_EQ(departments["tech"], 1);
  Reply listed = get(server, "/v1/tickets?department=tech", "liu");
  EXPECT_EQ(listed.body["total"], departments["tech"]);
  EXPECT_EQ(get(server, "/v1/overview?window=soon", "liu").status, 400);
  EXPECT_EQ(get(server, "/v1/overview?workflow=nothing", "liu").status, 404);
}

TEST(ConsoleApiTest, ActionsOfferTheEventsTheActorMaySendWithTheFieldsTheirGuardsRead) {
  ServerProcess server;
  ASSERT_TRUE(server.start());
  ASSERT_EQ(post(server, "/v1/tickets", "zhang", new_ticket("AC-1")).status, 201);
  Reply offered = get(server, "/v1/tickets/AC-1/actions", "zhang");
  ASSERT_EQ(offered.status, 200) << offered.text;
  ASSERT_FALSE(offered.body["events"].empty());
  const json& registered = offered.body["events"][0];
  EXPECT_EQ(registered["event"], "registered");
  EXPECT_EQ(registered["to"], "classifying");
  EXPECT_EQ(registered["guard"], "problem_confirmed");
  EXPECT_EQ(registered["fields"][0]["name"], "problem_confirmed");
  EXPECT_EQ(registered["fields"][0]["suggested"], true);
  EXPECT_EQ(registered["fields"][0]["label"], "问题描述已与客户确认");
  EXPECT_TRUE(registered["rule"].get<std::string>().ends_with("rules/after_sales.docket:174:3")) << registered["rule"];

  // The deploy token holds no role of the rules: nothing to offer.
  Reply none = get(server, "/v1/tickets/AC-1/actions", "admin");
  ASSERT_EQ(none.status, 200);
  EXPECT_EQ(none.body["events"], json::array());
  EXPECT_EQ(get(server, "/v1/tickets/NOPE/actions", "zhang").status, 404);
}

// A P0 ticket that liu proposed a remedy for: it awaits the tech department head's approval.
void awaiting_approval(const ServerProcess& server, const std::string& id) {
  ASSERT_EQ(post(server, "/v1/tickets", "zhang", new_ticket(id, "angry")).status, 201);
  ASSERT_EQ(send_event(server, id, "zhang", "registered", {{"problem_confirmed", true}}).status, 200);
  json classified = {{"problem_type", "fault"}, {"impact", "core"}, {"urgency", "high"}};
  ASSERT_EQ(send_event(server, id, "zhang", "classified", classified).status, 200);
  ASSERT_EQ(send_event(server, id, "liu", "accepted").status, 200);
  ASSERT_EQ(send_event(server, id, "liu", "proposed", {{"remedy", "replacement"}}).status, 200);
}

TEST(ConsoleApiTest, ATicketShowsItsFieldLabelsAndWhoMayStillVote) {
  ServerProcess server;
  ASSERT_TRUE(server.start());
  ASSERT_NO_FATAL_FAILURE(awaiting_approval(server, "AP-1"));

  Reply ticket = get(server, "/v1/tickets/AP-1", "zhang");
  ASSERT_EQ(ticket.status, 200);
  const json& approval = ticket.body["pending_approval"];
  EXPECT_EQ(approval["eligible"], json::array({"sun"})) << approval;
  EXPECT_EQ(approval["excluded"], json::array({"liu"})) << approval;
  EXPECT_EQ(approval["level_name"], "head_signoff.head") << approval;
  json channel;
  for (const json& field : ticket.body["field_details"]) {
    if (field["name"] == "channel") channel = field;
  }
  EXPECT_EQ(channel["label"], "反馈渠道");
  EXPECT_EQ(channel["value"], "phone");

  Reply votes = get(server, "/v1/tickets/AP-1/actions", "sun");
  ASSERT_EQ(votes.status, 200);
  std::vector<std::string> events;
  for (const json& event : votes.body["events"]) events.push_back(event["event"]);
  EXPECT_NE(std::find(events.begin(), events.end(), "approve"), events.end()) << votes.text;
  Reply proposer = get(server, "/v1/tickets/AP-1/actions", "liu");
  for (const json& event : proposer.body["events"]) EXPECT_NE(event["event"], "approve") << "four-eyes";
}

TEST(ConsoleApiTest, TheTicketListSearchesIdsAndTextFieldsAndCountsEveryMatch) {
  ServerProcess server;
  ASSERT_TRUE(server.start());
  three_tickets(server);
  json other = new_ticket("OV-4");
  other["data"]["customer"] = "Wang Fang 王芳";
  ASSERT_EQ(post(server, "/v1/tickets", "zhang", other).status, 201);
  Reply by_customer = get(server, "/v1/tickets?q=wang%20FANG", "zhang");
  ASSERT_EQ(by_customer.status, 200) << by_customer.text;
  ASSERT_EQ(by_customer.body["tickets"].size(), 1u);
  EXPECT_EQ(by_customer.body["tickets"][0]["id"], "OV-4");
  EXPECT_EQ(get(server, "/v1/tickets?q=%E7%8E%8B%E8%8A%B3", "zhang").body["total"], 1);
  Reply by_id = get(server, "/v1/tickets?q=ov-&limit=2", "zhang");
  EXPECT_EQ(by_id.body["count"], 2);
  EXPECT_EQ(by_id.body["total"], 4);
  EXPECT_EQ(by_id.body["next"], "OV-2");
  Reply second = get(server, "/v1/tickets?q=ov-&limit=2&after=OV-2", "zhang");
  EXPECT_EQ(second.body["total"], 4);
  EXPECT_EQ(second.body["tickets"][0]["id"], "OV-3");
  Reply category = get(server, "/v1/tickets?category=product_fault", "zhang");
  ASSERT_EQ(category.body["tickets"].size(), 1u);
  EXPECT_EQ(category.body["tickets"][0]["id"], "OV-3");
}

TEST(ConsoleApiTest, TheGraphOfAVersionIsDrawnOnceAndKept) {
  ServerProcess server;
  ASSERT_TRUE(server.start());
  ASSERT_EQ(post(server, "/v1/tickets", "zhang", new_ticket("GR-1")).status, 201);
  std::string version = get(server, "/v1/tickets/GR-1", "zhang").body["version"];
  auto svg = server.client().Get("/v1/versions/" + version + "/graph.svg", auth("zhang"));
  ASSERT_TRUE(svg);
  ASSERT_EQ(svg->status, 200) << svg->body;
  EXPECT_EQ(header(svg, "Content-Type"), "image/svg+xml");
  EXPECT_NE(svg->body.find("<title>registering</title>"), std::string::npos);
  EXPECT_EQ(get(server, "/v1/versions/" + std::string(64, 'f') + "/graph.svg", "zhang").status, 404);
}

TEST(ConsoleApiTest, ARefusalNamesTheJournalRecordThatHoldsTheRefusingRule) {
  ServerProcess server;
  ASSERT_TRUE(server.start());
  ASSERT_EQ(post(server, "/v1/tickets", "zhang", new_ticket("RF-1")).status, 201);
  Reply refused = send_event(server, "RF-1", "zhang", "registered", {{"problem_confirmed", false}});
  ASSERT_EQ(refused.status, 422) << refused.text;
  std::uint64_t seq = refused.body["error"]["seq"];
  ASSERT_GT(seq, 0u);
  Reply records = get(server, "/v1/tickets/RF-1/transitions", "zhang");
  json rejection;
  for (const json& record : records.body["records"]) {
    if (record["seq"] == seq) rejection = record;
  }
  ASSERT_TRUE(rejection.is_object()) << records.text;
  EXPECT_EQ(rejection["kind"], "rejection");
  EXPECT_EQ(rejection["reason_code"], refused.body["error"]["reason_code"]);
  EXPECT_TRUE(rejection["rule"].get<std::string>().ends_with("rules/after_sales.docket:174:3")) << rejection["rule"];
  EXPECT_EQ(send_event(server, "NOPE", "zhang", "registered").body["error"]["seq"], 0);
}

TEST(ConsoleApiTest, AReadOnlyTokenReadsEverythingAndChangesNothing) {
  ServerProcess server;
  ASSERT_TRUE(server.start());
  ASSERT_EQ(post(server, "/v1/tickets", "zhang", new_ticket("RO-1")).status, 201);
  EXPECT_EQ(get(server, "/v1/tickets/RO-1", "auditor").status, 200);
  EXPECT_EQ(get(server, "/v1/tickets/RO-1/transitions", "auditor").status, 200);
  Reply created = post(server, "/v1/tickets", "auditor", new_ticket("RO-2"));
  EXPECT_EQ(created.status, 403);
  EXPECT_EQ(created.body["error"]["message"], "`auditor` has a read-only token: it may read tickets, not change them");
  // `stage_changed`-like events without `by` are anyone's, but not a read-only token's.
  Reply sent = send_event(server, "RO-1", "auditor", "registered", {{"problem_confirmed", true}});
  EXPECT_EQ(sent.status, 403);
  EXPECT_EQ(get(server, "/v1/tickets/RO-1", "zhang").body["state"], "registering");
  EXPECT_EQ(get(server, "/v1/tickets/RO-1/actions", "auditor").body["events"], json::array());
  Console console = sign_in(server, "auditor");
  auto who = server.client().Get("/v1/session", console.headers(false));
  ASSERT_TRUE(who);
  EXPECT_EQ(json::parse(who->body)["read_only"], true);
}

TEST(ConsoleApiTest, WhileAnApprovalRunsItsOutcomeEventsAreNotOffered) {
  ServerProcess server;
  ASSERT_TRUE(server.start());
  ASSERT_NO_FATAL_FAILURE(awaiting_approval(server, "AO-1"));
  for (const char* actor : {"zhang", "liu", "sun", "admin"}) {
    Reply offered = get(server, "/v1/tickets/AO-1/actions", actor);
    for (const json& event : offered.body["events"]) {
      EXPECT_NE(event["event"], "approved") << actor << ": the chain fires it, the engine refuses it from people";
      EXPECT_NE(event["event"], "rejected") << actor;
    }
  }
}

TEST(ConsoleApiTest, TheFormSuggestsWhatTheTransitionsActionsRead) {
  ServerProcess server;
  ASSERT_TRUE(server.start());
  ASSERT_EQ(post(server, "/v1/tickets", "zhang", new_ticket("SG-1")).status, 201);
  ASSERT_EQ(send_event(server, "SG-1", "zhang", "registered", {{"problem_confirmed", true}}).status, 200);
  Reply offered = get(server, "/v1/tickets/SG-1/actions", "zhang");
  ASSERT_EQ(offered.status, 200) << offered.text;
  json classified;
  for (const json& event : offered.body["events"]) {
    if (event["event"] == "classified") classified = event;
  }
  ASSERT_TRUE(classified.is_object()) << offered.text;
  // `classified` runs `classify category` (problem_type) and `classify priority by impact x urgency`.
  std::set<std::string> suggested;
  for (const json& field : classified["fields"]) {
    if (field["suggested"] == true) suggested.insert(field["name"]);
  }
  for (const char* name : {"problem_type", "impact", "urgency"}) EXPECT_TRUE(suggested.count(name)) << name;
  EXPECT_FALSE(suggested.count("customer")) << "set and not read by the transition";
  EXPECT_EQ(classified["fields"][0]["suggested"], true) << "suggested fields come first";
}

TEST(ConsoleApiTest, WorkflowsListWhatTheInstalledRulesNameWithTheirLabels) {
  ServerProcess server;
  ASSERT_TRUE(server.start());
  Reply listed = get(server, "/v1/workflows", "zhang");
  ASSERT_EQ(listed.status, 200) << listed.text;
  ASSERT_EQ(listed.body["workflows"].size(), 1u);
  const json& workflow = listed.body["workflows"][0];
  EXPECT_EQ(workflow["name"], "after_sales");
  EXPECT_EQ(workflow["label"], "售后服务标准化流程");
  EXPECT_EQ(workflow["version"].get<std::string>().size(), 64u);
  EXPECT_EQ(workflow["states"][0], json({{"name", "received"}, {"label", "已接收"}, {"kind", "initial"}}));
  EXPECT_EQ(workflow["priorities"][0]["name"], "P0");
  json fault;
  for (const json& category : workflow["categories"]) {
    if (category["name"] == "product_fault") fault = category;
  }
  EXPECT_EQ(fault["label"], "产品故障类");
  EXPECT_EQ(workflow["fields"][0], json({{"name", "customer"}, {"label", "客户姓名或编号"}}));
}

}  // namespace
}  // namespace docket::server::testing
