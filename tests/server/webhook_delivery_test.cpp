// Webhook deliveries end to end: a real `docket serve` child
// (tests/server/server_harness.h) with [[webhooks]] pointing at a receiver
// in this process on 127.0.0.1. The receiver records every request, checks
// every signature with the shared secret (its own HMAC, not the product's)
// and answers as each test scripts it. Waits are bounded: a condition the
// receiver signals, or the outbox polled against a deadline; nothing sleeps
// for a fixed time.

#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "tests/server/server_harness.h"
#include "tests/server/tls_certificate.h"

namespace docket::server::testing {
namespace {

constexpr char kSecret[] = "webhook-secret-shared-with-the-receiver";
constexpr int kDeadlineSeconds = 20;

// ---------------------------------------------------------------- signatures

std::string hex(const unsigned char* bytes, unsigned int size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 0xf];
  }
  return out;
}

// Whether `header` is "t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>",
// with t within five minutes of now.
bool signature_valid(const std::string& header, const std::string& body) {
  std::size_t v1 = header.find(",v1=");
  if (!header.starts_with("t=") || v1 == std::string::npos) return false;
  std::string t = header.substr(2, v1 - 2);
  if (t.empty() || t.size() > 12 || t.find_first_not_of("0123456789") != std::string::npos) return false;
  std::string message = t + "." + body;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), kSecret, static_cast<int>(sizeof kSecret - 1),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &length);
  std::string expected = hex(digest, length);
  std::string given = header.substr(v1 + 4);
  auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  return given.size() == expected.size() && CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0 &&
         std::llabs(now.count() - std::stoll(t)) <= 300;
}

// ---------------------------------------------------------------- the receiver

// One request the receiver got.
struct Received {
  std::string delivery;  // Docket-Delivery
  std::string attempt;   // Docket-Attempt
  std::string content_type;
  std::string body;
  bool signature_ok = false;
  int answered = 0;  // the status answered; 0 while the script decides
};

struct Answer {
  int status = 200;
  std::string retry_after;  // no header when ""
};

// A webhook receiver on 127.0.0.1, plain or TLS. A script chooses each
// answer from the request and how many requests of its delivery id came
// before it. hold() makes requests wait in the handler until release().
class Receiver {
 public:
  using Script = std::function<Answer(const Received&, int earlier)>;

  Receiver() = default;
  ~Receiver() { stop(); }
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  // Speak TLS with this certificate and key (PEM files). Before start().
  void use_tls(const std::filesystem::path& certificate, const std::filesystem::path& key) {
    certificate_ = certificate;
    key_ = key;
  }

  // Listens on `port` (0: any free one; the same port again after stop()).
  ::testing::AssertionResult start(int port = 0) {
    if (certificate_.empty()) {
      http_ = std::make_unique<httplib::Server>();
    } else {
      http_ = std::make_unique<httplib::SSLServer>(certificate_.c_str(), key_.c_str());
    }
    if (!http_->is_valid()) return ::testing::AssertionFailure() << "the receiver's TLS files do not load";
    // One request per connection: once stopped, nothing more arrives on a kept-alive connection.
    http_->set_keep_alive_max_count(1);
    http_->Post("/hooks", [this](const httplib::Request& request, httplib::Response& response) {
      Answer answer = handle(request);
      response.status = answer.status;
      if (!answer.retry_after.empty()) response.set_header("Retry-After", answer.retry_after);
      response.set_content("{}", "application/json");
    });
    if (port == 0) {
      port_ = http_->bind_to_any_port("127.0.0.1");
    } else if (http_->bind_to_port("127.0.0.1", port)) {
      port_ = port;
    } else {
      port_ = -1;
    }
    if (port_ <= 0) return ::testing::AssertionFailure() << "the receiver cannot bind 127.0.0.1:" << port;
    thread_ = std::thread([this] { http_->listen_after_bind(); });
    return ::testing::AssertionSuccess();
  }

  // Stops listening; requests being handled are answered first.
  void stop() {
    release();
    if (http_) http_->stop();
    if (thread_.joinable()) thread_.join();
    http_.reset();
  }

  int port() const { return port_; }
  std::string url(const std::string& host = "127.0.0.1") const {
    return (certificate_.empty() ? "http://" : "https://") + host + ":" + std::to_string(port_) + "/hooks";
  }

  void script(Script script) {
    std::lock_guard<std::mutex> lock(mutex_);
    script_ = std::move(script);
  }
  void hold() {
    std::lock_guard<std::mutex> lock(mutex_);
    holding_ = true;
  }
  void release() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      holding_ = false;
    }
    changed_.notify_all();
  }

  std::vector<Received> received() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return received_;
  }
  int bad_signatures() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return static_cast<int>(
        std::count_if(received_.begin(), received_.end(), [](const Received& r) { return !r.signature_ok; }));
  }

  // Waits until `condition(received)` holds, at most kDeadlineSeconds.
  bool wait_until(const std::function<bool(const std::vector<Received>&)>& condition) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(kDeadlineSeconds), [&] { return condition(received_); });
  }

  // Waits until every id in `ids` was answered 2xx.
  bool wait_delivered(const std::set<std::string>& ids) {
    return wait_until([&](const std::vector<Received>& all) {
      std::set<std::string> done;
      for (const Received& r : all)
        if (r.answered >= 200 && r.answered < 300) done.insert(r.delivery);
      return std::includes(done.begin(), done.end(), ids.begin(), ids.end());
    });
  }

 private:
  Answer handle(const httplib::Request& request) {
    Received got;
    got.delivery = request.get_header_value("Docket-Delivery");
    got.attempt = request.get_header_value("Docket-Attempt");
    got.content_type = request.get_header_value("Content-Type");
    got.body = request.body;
    got.signature_ok = signature_valid(request.get_header_value("Docket-Signature"), request.body);
    std::unique_lock<std::mutex> lock(mutex_);
    int earlier = static_cast<int>(std::count_if(received_.begin(), received_.end(),
                                                 [&](const Received& r) { return r.delivery == got.delivery; }));
    std::size_t index = received_.size();
    received_.push_back(got);
    changed_.notify_all();
    changed_.wait(lock, [this] { return !holding_; });
    Answer answer = script_ ? script_(got, earlier) : Answer{};
    received_[index].answered = answer.status;
    changed_.notify_all();
    return answer;
  }

  std::filesystem::path certificate_, key_;
  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
  int port_ = 0;

  mutable std::mutex mutex_;  // guards what follows
  std::condition_variable changed_;
  std::vector<Received> received_;
  Script script_;
  bool holding_ = false;
};

// ---------------------------------------------------------------- configuration

struct Hook {
  Hook(std::string name, std::string url, std::string ca_file = "")
      : name(std::move(name)), url(std::move(url)), ca_file(std::move(ca_file)) {}
  std::string name;
  std::string url;
  std::string ca_file;  // "" for the system's CAs
};

// [outbox] with short waits, so that retries come within a second; `changes` replace or add keys.
std::string outbox_section(std::map<std::string, std::string> changes = {}) {
  std::map<std::string, std::string> keys = {{"backoff", "\"100ms\""},
                                             {"max_backoff", "\"400ms\""},
                                             {"circuit_open", "\"300ms\""},
                                             {"timeout", "\"5s\""},
                                             {"max_attempts", "1000"}};
  for (auto& [key, value] : changes) keys[key] = value;
  std::string text = "[outbox]\n";
  for (const auto& [key, value] : keys) text += key + " = " + value + "\n";
  return text;
}

// Writes the shared secret and appends `outbox` and a [[webhooks]] table per
// hook, each taking the customer notices (notify ... customer). Before start().
void configure_webhooks(const ServerProcess& server, const std::vector<Hook>& hooks,
                        const std::string& outbox = outbox_section()) {
  std::ofstream(server.dir() / "webhook.secret") << kSecret << '\n';
  std::ofstream config(server.dir() / "docket.toml", std::ios::app);
  config << outbox;
  for (const Hook& hook : hooks) {
    config << "[[webhooks]]\nname = \"" << hook.name << "\"\nurl = \"" << hook.url
           << "\"\nsecret_file = \"webhook.secret\"\nactions = [\"notify\"]\nrecipients = [\"customer\"]\n";
    if (!hook.ca_file.empty()) config << "ca_file = \"" << hook.ca_file << "\"\n";
  }
}

// A port on 127.0.0.1 where nothing listens.
int closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), size) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0)
    port = ntohs(address.sin_port);
  ::close(fd);
  return port;
}

// ---------------------------------------------------------------- the journal and the outbox

struct Id {
  std::uint64_t seq = 0;
  std::uint32_t part = 0;
  std::string target;
  auto key() const { return std::tie(seq, part); }
};

// "<seq>.<part>.<target>".
std::optional<Id> parse_id(const std::string& id) {
  Id parsed;
  unsigned long long seq = 0;
  unsigned part = 0;
  int used = 0;
  if (std::sscanf(id.c_str(), "%llu.%u.%n", &seq, &part, &used) != 2 || used == 0) return std::nullopt;
  parsed.seq = seq;
  parsed.part = part;
  parsed.target = id.substr(static_cast<std::size_t>(used));
  return parsed;
}

// Checks that each ticket's deliveries arrive in journal order (seq, then part).
class OrderPerTicket {
 public:
  void see(const std::string& ticket, const std::string& delivery) {
    Id id = *parse_id(delivery);
    auto [last, first] = last_.emplace(ticket, id);
    if (!first) {
      EXPECT_LT(last->second.key(), id.key()) << ticket << ": " << delivery << " came before an earlier one";
      last->second = id;
    }
  }

 private:
  std::map<std::string, Id> last_;
};

// The customer notices `ticket`'s journal asks `target` to deliver: delivery id -> template.
std::map<std::string, std::string> customer_notices(const ServerProcess& server, const std::string& ticket,
                                                    const std::string& target = "crm") {
  std::map<std::string, std::string> notices;
  Reply journal = get(server, "/v1/tickets/" + ticket + "/transitions", "zhang");
  EXPECT_EQ(journal.status, 200) << ticket << ": " << journal.text;
  if (journal.status != 200) return notices;
  for (const json& record : journal.body["records"]) {
    if (record["rejected"] == true) continue;
    const json& actions = record["actions"];
    for (std::size_t i = 0; i < actions.size(); ++i) {
      if (actions[i]["kind"] == "notify" && actions[i]["target"] == "customer") {
        notices[std::to_string(record["seq"].get<std::uint64_t>()) + "." + std::to_string(i + 1) + "." + target] =
            actions[i]["value"].get<std::string>();
      }
    }
  }
  return notices;
}

// The customer notices of several tickets' journals.
struct Notices {
  std::map<std::string, std::string> template_of;  // delivery id -> template
  std::map<std::string, std::string> ticket_of;    // delivery id -> ticket
};

Notices notices_of(const ServerProcess& server, const std::vector<std::string>& tickets) {
  Notices all;
  for (const std::string& ticket : tickets) {
    for (const auto& [id, template_] : customer_notices(server, ticket)) {
      all.template_of[id] = template_;
      all.ticket_of[id] = ticket;
    }
  }
  return all;
}

std::set<std::string> ids_of(const std::map<std::string, std::string>& notices) {
  std::set<std::string> ids;
  for (const auto& [id, template_] : notices) ids.insert(id);
  return ids;
}

// Every item of GET /v1/outbox?<query>, page after page.
std::vector<json> outbox_items(const ServerProcess& server, const std::string& query = "") {
  std::vector<json> items;
  std::string after;
  for (int page = 0; page < 100; ++page) {
    std::string path = "/v1/outbox?limit=1000" + (query.empty() ? "" : "&" + query) + after;
    Reply reply = get(server, path, "admin");
    EXPECT_EQ(reply.status, 200) << path << ": " << reply.text;
    if (reply.status != 200) break;
    for (const json& item : reply.body["items"]) items.push_back(item);
    if (!reply.body["next"].is_string()) break;
    after = "&after=" + reply.body["next"].get<std::string>();
  }
  return items;
}

std::set<std::string> outbox_ids(const ServerProcess& server, const std::string& query) {
  std::set<std::string> ids;
  for (const json& item : outbox_items(server, query)) ids.insert(item["id"].get<std::string>());
  return ids;
}

// Whether the outbox says every one of `ids` is delivered; polled against the deadline.
bool outbox_delivered(const ServerProcess& server, const std::set<std::string>& ids) {
  return eventually(
      [&] {
        std::set<std::string> delivered = outbox_ids(server, "status=delivered");
        return std::includes(delivered.begin(), delivered.end(), ids.begin(), ids.end());
      },
      kDeadlineSeconds);
}

// A request's body and headers agree with each other and with the journal's notice.
::testing::AssertionResult well_formed(const Received& r, const std::string& ticket, const std::string& template_) {
  std::optional<Id> id = parse_id(r.delivery);
  if (!id)
    return ::testing::AssertionFailure() << "Docket-Delivery `" << r.delivery << "` is not <seq>.<part>.<target>";
  if (r.content_type != "application/json") return ::testing::AssertionFailure() << "Content-Type " << r.content_type;
  if (r.attempt.empty() || r.attempt.find_first_not_of("0123456789") != std::string::npos || r.attempt == "0")
    return ::testing::AssertionFailure() << "Docket-Attempt `" << r.attempt << "`";
  json body = json::parse(r.body, nullptr, false);
  if (!body.is_object()) return ::testing::AssertionFailure() << "not a JSON object: " << r.body;
  if (body["delivery_id"] != r.delivery || body["target"] != id->target || body["seq"] != id->seq ||
      body["ticket"] != ticket || body["action"]["kind"] != "notify" || body["action"]["recipient"] != "customer" ||
      body["action"]["template"] != template_)
    return ::testing::AssertionFailure() << r.delivery << " (ticket " << ticket << ", " << template_ << "): " << r.body;
  return ::testing::AssertionSuccess();
}

// The value of a metric line `name{labels} value`; nullopt when absent.
std::optional<double> metric(const std::string& text, const std::string& series) {
  std::size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return std::nullopt;
  return std::stod(text.substr(at + series.size() + 2));
}

// The events that take an after-sales ticket from its creation (angry: the
// empathy script) to its acceptance by the engineer (`case_accepted`), as in
// examples/after_sales/walkthrough.jsonl; each answer must be a success.
void create_and_accept(const ServerProcess& server, const std::string& ticket) {
  Reply created = post(server, "/v1/tickets", "zhang", new_ticket(ticket, "angry"));
  EXPECT_EQ(created.status, 201) << ticket << ": " << created.text;
  EXPECT_EQ(send_event(server, ticket, "zhang", "registered", {{"problem_confirmed", true}}).status, 200) << ticket;
  EXPECT_EQ(send_event(server, ticket, "zhang", "classified",
                       {{"problem_type", "fault"}, {"impact", "core"}, {"urgency", "high"}})
                .status,
            200)
      << ticket;
  EXPECT_EQ(send_event(server, ticket, "liu", "accepted").status, 200) << ticket;
}

// ---------------------------------------------------------------- the tests

// Tickets from four clients at once: every customer notice of the journal
// reaches the receiver, in journal order per ticket, signed, with the
// delivery id of its header in its body.
TEST(WebhookDelivery, EveryNoticeOfTheJournalIsDeliveredInOrder) {
  Receiver receiver;
  ASSERT_TRUE(receiver.start());
  ServerProcess server;
  configure_webhooks(server, {{"crm", receiver.url()}});
  ASSERT_TRUE(server.start());

  std::vector<std::string> tickets;
  for (int i = 0; i < 20; ++i) tickets.push_back("ST-" + std::to_string(i));
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&, c] {
      for (int i = c; i < 20; i += 4) create_and_accept(server, tickets[i]);
    });
  }
  for (std::thread& client : clients) client.join();
  ASSERT_FALSE(::testing::Test::HasFailure());

  std::set<std::string> expected;
  for (const std::string& ticket : tickets) {
    std::map<std::string, std::string> notices = customer_notices(server, ticket);
    std::set<std::string> templates;
    for (const auto& [id, template_] : notices) templates.insert(template_);
    EXPECT_TRUE(templates.count("empathy_script") == 1 && templates.count("case_accepted") == 1) << ticket;
    for (const auto& [id, template_] : notices) expected.insert(id);
  }
  ASSERT_TRUE(receiver.wait_delivered(expected))
      << expected.size() << " notices, " << receiver.received().size() << " requests received";

  // What arrived is what the journal asked for. SLA notices keep joining the
  // journal: what arrived is taken first, the journals read after.
  std::vector<Received> received = receiver.received();
  auto [journal, ticket_of] = notices_of(server, tickets);
  OrderPerTicket order;
  for (const Received& r : received) {
    ASSERT_EQ(journal.count(r.delivery), 1u)
        << "a delivery the journal did not ask for: " << r.delivery << ": " << r.body;
    const std::string& ticket = ticket_of[r.delivery];
    EXPECT_TRUE(well_formed(r, ticket, journal[r.delivery]));
    EXPECT_EQ(r.attempt, "1") << r.delivery;  // the receiver never failed
    order.see(ticket, r.delivery);
  }
  EXPECT_EQ(receiver.bad_signatures(), 0);
}

// An event the rules refuse (the intake specialist accepting an engineer's
// case) is journaled but asks for nothing: no outbox item carries its seq.
TEST(WebhookDelivery, ARejectedEventIsNeverDelivered) {
  Receiver receiver;
  ASSERT_TRUE(receiver.start());
  ServerProcess server;
  configure_webhooks(server, {{"crm", receiver.url()}});
  ASSERT_TRUE(server.start());

  // P2: its SLA notices are hours (real seconds) away.
  ASSERT_EQ(post(server, "/v1/tickets", "zhang", new_ticket("RJ-1")).status, 201);
  ASSERT_EQ(send_event(server, "RJ-1", "zhang", "registered", {{"problem_confirmed", true}}).status, 200);
  ASSERT_EQ(send_event(server, "RJ-1", "zhang", "classified",
                       {{"problem_type", "fault"}, {"impact", "minor"}, {"urgency", "low"}})
                .status,
            200);
  Reply refused = send_event(server, "RJ-1", "zhang", "accepted");  // not the owner: an engineer accepts
  ASSERT_EQ(refused.status, 403) << refused.text;
  ASSERT_EQ(send_event(server, "RJ-1", "liu", "accepted").status, 200);

  std::int64_t rejected_seq = -1;
  Reply journal = get(server, "/v1/tickets/RJ-1/transitions", "zhang");
  for (const json& record : journal.body["records"]) {
    if (record["rejected"] == true && record["event"] == "accepted") rejected_seq = record["seq"];
  }
  ASSERT_GT(rejected_seq, 0) << "the refusal is not in the journal: " << journal.status << " " << journal.text;

  // The acceptance that followed is delivered: the sender went past the refusal.
  std::map<std::string, std::string> notices = customer_notices(server, "RJ-1");
  std::string accepted;
  for (const auto& [id, template_] : notices)
    if (template_ == "case_accepted") accepted = id;
  ASSERT_FALSE(accepted.empty()) << journal.text;
  ASSERT_TRUE(receiver.wait_delivered({accepted}));
  ASSERT_TRUE(outbox_delivered(server, {accepted}));

  std::vector<Received> received = receiver.received();
  notices = customer_notices(server, "RJ-1");
  for (const json& item : outbox_items(server, "ticket=RJ-1")) {
    EXPECT_NE(item["seq"], rejected_seq) << item;
    EXPECT_EQ(notices.count(item["id"]), 1u) << item;
  }
  for (const Received& r : received) {
    EXPECT_NE(parse_id(r.delivery).value_or(Id{}).seq, static_cast<std::uint64_t>(rejected_seq)) << r.delivery;
    EXPECT_TRUE(well_formed(r, "RJ-1", notices[r.delivery]));
  }
  EXPECT_EQ(receiver.bad_signatures(), 0);
}

// 503 twice (once with Retry-After: 0), then 200: the third attempt
// delivers, with the same delivery id and the same bytes every time.
TEST(WebhookDelivery, FailsFirstThenDeliveredByTheThirdAttempt) {
  Receiver receiver;
  receiver.script([](const Received&, int earlier) {
    if (earlier == 0) return Answer{503, "0"};
    if (earlier == 1) return Answer{503, ""};
    return Answer{200, ""};
  });
  ASSERT_TRUE(receiver.start());
  ServerProcess server;
  configure_webhooks(server, {{"crm", receiver.url()}});
  ASSERT_TRUE(server.start());

  ASSERT_EQ(post(server, "/v1/tickets", "zhang", new_ticket("FF-1", "angry")).status, 201);
  std::map<std::string, std::string> notices = customer_notices(server, "FF-1");
  ASSERT_EQ(notices.size(), 1u);
  const std::string id = notices.begin()->first;
  ASSERT_TRUE(receiver.wait_delivered({id}));
  ASSERT_TRUE(outbox_delivered(server, {id}));

  std::vector<Received> attempts;
  for (const Received& r : receiver.received())
    if (r.delivery == id) attempts.push_back(r);
  ASSERT_EQ(attempts.size(), 3u);
  for (std::size_t i = 0; i < attempts.size(); ++i) {
    EXPECT_EQ(attempts[i].attempt, std::to_string(i + 1));
    EXPECT_EQ(attempts[i].body, attempts[0].body);  // the same bytes
    EXPECT_TRUE(well_formed(attempts[i], "FF-1", "empathy_script"));
  }
  EXPECT_EQ(attempts[0].answered, 503);
  EXPECT_EQ(attempts[2].answered, 200);

  Reply item = get(server, "/v1/outbox/" + id, "admin");
  ASSERT_EQ(item.status, 200) << item.text;
  EXPECT_EQ(item.body["status"], "delivered");
  EXPECT_EQ(item.body["attempts"], 3);
  ASSERT_EQ(item.body["history"].size(), 3u) << item.text;
  EXPECT_EQ(item.body["history"][0]["http_status"], 503);
  EXPECT_EQ(item.body["history"][0]["outcome"], "failed");
  EXPECT_EQ(item.body["history"][1]["http_status"], 503);
  EXPECT_EQ(item.body["history"][2]["http_status"], 200);
  EXPECT_EQ(item.body["history"][2]["outcome"], "delivered");
  EXPECT_EQ(item.body["payload"], json::parse(attempts[0].body));
  EXPECT_EQ(receiver.bad_signatures(), 0);
}

// The receiver goes away: items fail and wait; it comes back on the same
// port: everything is delivered.
TEST(WebhookDelivery, AReceiverThatGoesAwayGetsEverythingWhenItComesBack) {
  Receiver receiver;
  ASSERT_TRUE(receiver.start());
  const int port = receiver.port();
  ServerProcess server;
  configure_webhooks(server, {{"crm", receiver.url()}});
  ASSERT_TRUE(server.start());
  receiver.stop();

  // Per ticket: the empathy script first, then the acceptance notice behind it.
  const std::vector<std::string> tickets = {"GA-0", "GA-1", "GA-2"};
  std::set<std::string> expected, first, second;
  for (const std::string& ticket : tickets) {
    create_and_accept(server, ticket);
    std::map<std::string, std::string> notices = customer_notices(server, ticket);
    for (const auto& [id, template_] : notices) {
      expected.insert(id);
      if (template_ == "empathy_script") first.insert(id);
      if (template_ == "case_accepted") second.insert(id);
    }
  }
  ASSERT_FALSE(::testing::Test::HasFailure());
  ASSERT_EQ(first.size(), 3u);
  ASSERT_EQ(second.size(), 3u);
  ASSERT_TRUE(eventually(
      [&] {
        std::set<std::string> failed = outbox_ids(server, "status=failed&target=crm");
        return std::includes(failed.begin(), failed.end(), first.begin(), first.end());
      },
      kDeadlineSeconds));
  for (const json& item : outbox_items(server, "status=failed")) {
    EXPECT_TRUE(item["last_error"].is_string()) << item;
    EXPECT_EQ(item["last_http_status"], nullptr) << item;  // nobody answered
  }
  // What comes later in a ticket's journal waits for what came before.
  for (const std::string& id : second) {
    Reply item = get(server, "/v1/outbox/" + id, "admin");
    EXPECT_EQ(item.body["status"], "pending") << item.text;
    EXPECT_EQ(item.body["attempts"], 0) << item.text;
  }
  EXPECT_TRUE(receiver.received().empty());

  ASSERT_TRUE(receiver.start(port));
  ASSERT_TRUE(receiver.wait_delivered(expected));
  ASSERT_TRUE(outbox_delivered(server, expected));

  std::vector<Received> received = receiver.received();
  auto [journal, ticket_of] = notices_of(server, tickets);
  OrderPerTicket order;
  for (const Received& r : received) {
    ASSERT_EQ(journal.count(r.delivery), 1u) << r.delivery;
    EXPECT_TRUE(well_formed(r, ticket_of[r.delivery], journal[r.delivery]));
    if (first.count(r.delivery) > 0) {
      EXPECT_NE(r.attempt, "1") << r.delivery << " was not tried while it was away";
    }
    order.see(ticket_of[r.delivery], r.delivery);
  }
  EXPECT_EQ(receiver.bad_signatures(), 0);
}

// max_attempts = 2 against a receiver that always fails: the item is dead;
// an operator's retry delivers it once the receiver is well again.
TEST(WebhookDelivery, ADeadItemIsDeliveredByAnOperatorsRetry) {
  Receiver receiver;
  std::atomic<int> status{500};
  receiver.script([&](const Received&, int) { return Answer{status.load(), ""}; });
  ASSERT_TRUE(receiver.start());
  ServerProcess server;
  configure_webhooks(server, {{"crm", receiver.url()}}, outbox_section({{"max_attempts", "2"}}));
  ASSERT_TRUE(server.start());

  ASSERT_EQ(post(server, "/v1/tickets", "zhang", new_ticket("DL-1", "angry")).status, 201);
  std::map<std::string, std::string> notices = customer_notices(server, "DL-1");
  ASSERT_EQ(notices.size(), 1u);
  const std::string id = notices.begin()->first;
  ASSERT_TRUE(eventually([&] { return outbox_ids(server, "status=dead").count(id) == 1; }, kDeadlineSeconds));
  Reply dead = get(server, "/v1/outbox/" + id, "admin");
  EXPECT_EQ(dead.body["attempts"], 2) << dead.text;
  EXPECT_EQ(dead.body["last_http_status"], 500) << dead.text;
  EXPECT_EQ(dead.body["history"].size(), 2u) << dead.text;
  EXPECT_EQ(receiver.received().size(), 2u);

  Reply forbidden = post(server, "/v1/outbox/" + id + "/retry", "zhang", json::object());
  EXPECT_EQ(forbidden.status, 403) << forbidden.text;
  Reply unknown = post(server, "/v1/outbox/999999.1.crm/retry", "admin", json::object());
  EXPECT_EQ(unknown.status, 404) << unknown.text;
  EXPECT_EQ(outbox_ids(server, "status=dead").count(id), 1u);  // the refusals changed nothing

  status = 200;
  Reply retried = post(server, "/v1/outbox/" + id + "/retry", "admin", json::object());
  ASSERT_EQ(retried.status, 200) << retried.text;
  EXPECT_EQ(retried.body["status"], "pending") << retried.text;
  ASSERT_TRUE(receiver.wait_delivered({id}));
  ASSERT_TRUE(outbox_delivered(server, {id}));
  Reply delivered = get(server, "/v1/outbox/" + id, "admin");
  ASSERT_EQ(delivered.body["history"].size(), 3u) << delivered.text;
  EXPECT_EQ(delivered.body["history"][1]["outcome"], "dead");
  EXPECT_EQ(delivered.body["history"][2]["outcome"], "delivered");

  Reply again = post(server, "/v1/outbox/" + id + "/retry", "admin", json::object());
  EXPECT_EQ(again.status, 409) << again.text;
  std::vector<Received> received = receiver.received();
  ASSERT_EQ(received.size(), 3u);
  for (const Received& r : received) {
    EXPECT_EQ(r.body, received[0].body);
    EXPECT_TRUE(well_formed(r, "DL-1", "empathy_script"));
  }
  EXPECT_EQ(receiver.bad_signatures(), 0);
}

// A receiver that does not answer holds its own deliveries only: the API
// answers every request meanwhile; once it answers, everything is delivered.
TEST(WebhookDelivery, ASlowReceiverDoesNotSlowTheApi) {
  Receiver receiver;
  receiver.hold();
  ASSERT_TRUE(receiver.start());
  ServerProcess server;
  configure_webhooks(server, {{"crm", receiver.url()}}, outbox_section({{"timeout", "\"60s\""}}));
  ASSERT_TRUE(server.start());

  ASSERT_EQ(post(server, "/v1/tickets", "zhang", new_ticket("SL-0", "angry")).status, 201);
  ASSERT_TRUE(receiver.wait_until([](const std::vector<Received>& all) { return !all.empty(); }));

  // The first delivery hangs in the receiver while these are answered.
  for (int i = 1; i <= 10; ++i) create_and_accept(server, "SL-" + std::to_string(i));
  ASSERT_FALSE(::testing::Test::HasFailure());
  EXPECT_EQ(get(server, "/v1/outbox?status=pending", "admin").status, 200);
  EXPECT_EQ(get(server, "/metrics", "admin").status, 200);
  std::vector<Received> held = receiver.received();
  ASSERT_EQ(held.size(), 1u);  // still the first, unanswered
  EXPECT_EQ(held[0].answered, 0);

  std::set<std::string> expected;
  for (int i = 0; i <= 10; ++i) {
    for (const std::string& id : ids_of(customer_notices(server, "SL-" + std::to_string(i)))) expected.insert(id);
  }
  ASSERT_GE(expected.size(), 21u);
  receiver.release();
  ASSERT_TRUE(receiver.wait_delivered(expected)) << receiver.received().size() << " requests";
  ASSERT_TRUE(outbox_delivered(server, expected));
  EXPECT_EQ(receiver.bad_signatures(), 0);
}

// kill -9 while tickets are created and deliveries are under way: after a
// restart every customer notice of the journal is delivered at least once,
// and a delivery sent twice is the same delivery.
TEST(WebhookDelivery, Kill9LosesNoDelivery) {
  Receiver receiver;
  ASSERT_TRUE(receiver.start());
  ServerProcess server("full");
  configure_webhooks(server, {{"crm", receiver.url()}});
  ASSERT_TRUE(server.start());

  std::atomic<bool> killed{false};
  auto client = [&](int c) {
    for (int n = 0; !killed; ++n) {
      std::string ticket = "K-" + std::to_string(c) + "-" + std::to_string(n);
      json body = new_ticket(ticket, "angry");
      body["idempotency_key"] = "c-" + ticket;
      if (post(server, "/v1/tickets", "zhang", body).status == 0) break;
      if (send_event(server, ticket, "zhang", "registered", {{"problem_confirmed", true}}, "r-" + ticket).status == 0)
        break;
      if (send_event(server, ticket, "zhang", "classified",
                     {{"problem_type", "fault"}, {"impact", "core"}, {"urgency", "high"}}, "k-" + ticket)
              .status == 0)
        break;
      if (send_event(server, ticket, "liu", "accepted", json::object(), "a-" + ticket).status == 0) break;
    }
  };
  std::thread first(client, 1);
  std::thread second(client, 2);
  bool enough = receiver.wait_until([](const std::vector<Received>& all) { return all.size() >= 15; });
  server.kill9();
  const std::vector<Received> before_kill = receiver.received();
  killed = true;
  first.join();
  second.join();
  ASSERT_TRUE(enough);

  ASSERT_TRUE(server.start());
  Reply tickets = get(server, "/v1/tickets?limit=1000", "zhang");
  ASSERT_EQ(tickets.status, 200) << tickets.text;
  ASSERT_GE(tickets.body["count"].get<int>(), 4);
  std::vector<std::string> ids;
  for (const json& ticket : tickets.body["tickets"]) ids.push_back(ticket["id"]);
  auto [journal, ticket_of] = notices_of(server, ids);
  ASSERT_TRUE(receiver.wait_delivered(ids_of(journal)))
      << journal.size() << " notices in the journal, " << receiver.received().size() << " requests";

  // Only what was durable was sent: it is all in the journal after the restart.
  for (const Received& r : before_kill)
    EXPECT_EQ(journal.count(r.delivery), 1u) << r.delivery << " was sent before the kill but is not in the journal";
  std::map<std::string, std::string> body_of;
  for (const Received& r : receiver.received()) {
    if (journal.count(r.delivery) == 0) continue;  // an SLA notice journaled after the listing
    EXPECT_TRUE(well_formed(r, ticket_of[r.delivery], journal[r.delivery]));
    auto [first_seen, fresh] = body_of.emplace(r.delivery, r.body);
    EXPECT_EQ(first_seen->second, r.body) << r.delivery << " was sent twice with different bodies";
  }
  EXPECT_EQ(receiver.bad_signatures(), 0);
}

// HTTPS with a self-signed certificate: refused unless the target trusts it
// through ca_file.
TEST(WebhookDelivery, TlsReceiversCertificateIsChecked) {
  ServerProcess server;
  const std::filesystem::path certificate = server.dir() / "receiver.crt";
  ASSERT_TRUE(write_self_signed_certificate(certificate, server.dir() / "receiver.key"));
  Receiver receiver;
  receiver.use_tls(certificate, server.dir() / "receiver.key");
  ASSERT_TRUE(receiver.start());
  configure_webhooks(
      server, {{"untrusted", receiver.url("localhost")}, {"trusted", receiver.url("localhost"), certificate.string()}});
  ASSERT_TRUE(server.start());

  ASSERT_EQ(post(server, "/v1/tickets", "zhang", new_ticket("TLS-1", "angry")).status, 201);
  const std::set<std::string> trusted = ids_of(customer_notices(server, "TLS-1", "trusted"));
  const std::set<std::string> untrusted = ids_of(customer_notices(server, "TLS-1", "untrusted"));
  ASSERT_EQ(trusted.size(), 1u);
  ASSERT_EQ(untrusted.size(), 1u);
  ASSERT_TRUE(receiver.wait_delivered(trusted));
  ASSERT_TRUE(outbox_delivered(server, trusted));

  json failed;
  ASSERT_TRUE(eventually(
      [&] {
        failed = get(server, "/v1/outbox/" + *untrusted.begin(), "admin").body;
        return failed["status"] == "failed" && failed["last_error"].is_string();
      },
      kDeadlineSeconds))
      << failed;
  std::string error = failed["last_error"];
  std::transform(error.begin(), error.end(), error.begin(), [](unsigned char c) { return std::tolower(c); });
  EXPECT_TRUE(error.find("certificate") != std::string::npos || error.find("ssl") != std::string::npos) << error;
  EXPECT_EQ(failed["last_http_status"], nullptr);
  for (const Received& r : receiver.received()) {
    EXPECT_EQ(trusted.count(r.delivery), 1u) << r.delivery << " passed without a trusted certificate";
    EXPECT_TRUE(well_formed(r, "TLS-1", "empathy_script"));
  }
  EXPECT_EQ(receiver.bad_signatures(), 0);
}

// A dead target opens its own circuit; the live one gets all of its deliveries meanwhile.
TEST(WebhookDelivery, ADeadTargetOpensOnlyItsOwnCircuit) {
  Receiver receiver;
  ASSERT_TRUE(receiver.start());
  ServerProcess server;
  const int nowhere = closed_port();
  ASSERT_GT(nowhere, 0);
  configure_webhooks(server,
                     {{"dead", "http://127.0.0.1:" + std::to_string(nowhere) + "/hooks"}, {"alive", receiver.url()}},
                     outbox_section({{"circuit_failures", "2"}}));
  ASSERT_TRUE(server.start());

  std::set<std::string> alive;
  for (int i = 0; i < 5; ++i) {
    std::string ticket = "CB-" + std::to_string(i);
    ASSERT_EQ(post(server, "/v1/tickets", "zhang", new_ticket(ticket, "angry")).status, 201);
    for (const std::string& id : ids_of(customer_notices(server, ticket, "alive"))) alive.insert(id);
  }
  ASSERT_EQ(alive.size(), 5u);

  bool circuit_opened = false;
  bool dead_failed = false;
  std::string last;
  ASSERT_TRUE(eventually(
      [&] {
        last = get(server, "/metrics", "zhang").text;
        circuit_opened = circuit_opened || metric(last, "docket_outbox_circuit_open{target=\"dead\"}") == 1.0;
        dead_failed =
            dead_failed || metric(last, "docket_outbox_items{target=\"dead\",status=\"failed\"}").value_or(0) > 0;
        return circuit_opened && dead_failed;
      },
      kDeadlineSeconds))
      << "circuit opened: " << circuit_opened << ", failed items seen: " << dead_failed << "\n"
      << last;
  ASSERT_TRUE(receiver.wait_delivered(alive));
  ASSERT_TRUE(outbox_delivered(server, alive));
  EXPECT_EQ(metric(get(server, "/metrics", "zhang").text, "docket_outbox_circuit_open{target=\"alive\"}"), 0.0);
  EXPECT_TRUE(outbox_ids(server, "target=dead&status=delivered").empty());
  for (const Received& r : receiver.received()) EXPECT_EQ(alive.count(r.delivery), 1u) << r.delivery;
  EXPECT_EQ(receiver.bad_signatures(), 0);
}

}  // namespace
}  // namespace docket::server::testing
