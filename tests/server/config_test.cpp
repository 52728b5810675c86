// The configuration of `docket serve`: errors name file:line:col, unknown
// keys are refused, relative paths follow the file.

#include "server/config.h"

#include <gtest/gtest.h>

#include "engine/model/digest.h"

namespace docket::server {
namespace {

const std::string kDigest(64, 'a');

std::string minimal(const std::string& extra = "") {
  return "[store]\npath = \"tickets.db\"\n[rules]\ndirectory = \"rules\"\n" + extra;
}

TEST(ServerConfigTest, ReadsEveryKeyAndResolvesPathsAgainstTheFile) {
  engine::Result<ServerConfig> config = parse_server_config(
      "[server]\nlisten = \"0.0.0.0:9090\"\nthreads = 4\nport_file = \"run/port\"\nallow_plaintext = true\n"
      "[store]\npath = \"data/tickets.db\"\nsync = \"normal\"\ncheckpoint_key = \"/etc/docket/key.pem\"\n"
      "[rules]\ndirectory = \"rules\"\nwatch = false\nwatch_interval = \"5s\"\n"
      "[log]\nlevel = \"warn\"\nfile = \"docket.log\"\n"
      "[clock]\nkind = \"accelerated\"\nfactor = 3600\nstart = \"2026-11-23T09:00:00+08:00\"\n"
      "[[tokens]]\nsha256 = \"" +
          kDigest + "\"\nactor = \"zhang\"\nroles = [\"intake_specialist\", \"tech.engineer\"]\ndeploy = true\n",
      "/srv/docket/docket.toml");
  ASSERT_TRUE(config) << config.error();
  EXPECT_EQ(config->host, "0.0.0.0");
  EXPECT_EQ(config->port, 9090);
  EXPECT_EQ(config->threads, 4);
  EXPECT_EQ(config->port_file, "/srv/docket/run/port");
  EXPECT_EQ(config->store_path, "/srv/docket/data/tickets.db");
  EXPECT_FALSE(config->sync_full);
  EXPECT_EQ(config->checkpoint_key, "/etc/docket/key.pem");
  EXPECT_EQ(config->rules_directory, "/srv/docket/rules");
  EXPECT_FALSE(config->watch);
  EXPECT_EQ(config->watch_interval_ms, 5000);
  EXPECT_EQ(config->log_level, "warn");
  EXPECT_EQ(config->clock.kind, ClockConfig::Kind::kAccelerated);
  EXPECT_EQ(config->clock.factor, 3600);
  EXPECT_EQ(config->clock.start, 1795395600);  // 2026-11-23T01:00:00Z
  ASSERT_EQ(config->tokens.size(), 1u);
  EXPECT_EQ(config->tokens[0].actor, "zhang");
  EXPECT_EQ(config->tokens[0].roles, (std::vector<std::string>{"intake_specialist", "tech.engineer"}));
  EXPECT_TRUE(config->tokens[0].deploy);
  EXPECT_EQ(config->tokens[0].where, "/srv/docket/docket.toml:21:1");
}

TEST(ServerConfigTest, ReadsTheLimitsOfWhatOneClientMayCost) {
  engine::Result<ServerConfig> config = parse_server_config(
      "[server]\nheader_timeout = \"500ms\"\nbody_timeout = \"5s\"\nidle_timeout = \"1m\"\nmax_connections = 10\n"
      "max_connections_per_address = 2\nmax_header_bytes = 4096\nmax_headers = 16\nrate_limit = 5\nrate_burst = 7\n"
      "tls_certificate = \"tls/cert.pem\"\ntls_key = \"tls/key.pem\"\n" +
          minimal("settle = \"3s\"\n"),
      "/srv/docket/docket.toml");
  ASSERT_TRUE(config) << config.error();
  EXPECT_EQ(config->header_timeout_ms, 500);
  EXPECT_EQ(config->body_timeout_ms, 5000);
  EXPECT_EQ(config->idle_timeout_ms, 60000);
  EXPECT_EQ(config->max_connections, 10u);
  EXPECT_EQ(config->max_connections_per_address, 2u);
  EXPECT_EQ(config->max_header_bytes, 4096u);
  EXPECT_EQ(config->max_headers, 16u);
  EXPECT_EQ(config->rate_limit, 5u);
  EXPECT_EQ(config->rate_burst, 7u);
  EXPECT_EQ(config->tls_certificate, "/srv/docket/tls/cert.pem");
  EXPECT_EQ(config->tls_key, "/srv/docket/tls/key.pem");
  EXPECT_EQ(config->settle_ms, 3000);
}

// Tokens must not cross a network in clear text unless the file says so.
TEST(ServerConfigTest, ANonLoopbackAddressNeedsTlsOrAllowPlaintext) {
  engine::Result<ServerConfig> open =
      parse_server_config("[server]\nlisten = \"0.0.0.0:8080\"\n" + minimal(), "d.toml");
  ASSERT_FALSE(open);
  EXPECT_EQ(open.error(),
            "d.toml:2:10: [server] `listen` = \"0.0.0.0\" is not a loopback address: tokens would cross the network in "
            "clear text; set `tls_certificate` and `tls_key`, or `allow_plaintext = true` behind a TLS proxy");
  EXPECT_TRUE(
      parse_server_config("[server]\nlisten = \"0.0.0.0:8080\"\nallow_plaintext = true\n" + minimal(), "d.toml"));
  EXPECT_TRUE(parse_server_config(
      "[server]\nlisten = \"0.0.0.0:8080\"\ntls_certificate = \"c.pem\"\ntls_key = \"k.pem\"\n" + minimal(), "d.toml"));
  engine::Result<ServerConfig> half =
      parse_server_config("[server]\ntls_certificate = \"c.pem\"\n" + minimal(), "d.toml");
  ASSERT_FALSE(half);
  EXPECT_EQ(half.error(), "d.toml:1:1: [server] `tls_certificate` and `tls_key` go together: give both or neither");
}

// The engine compares actor ids byte for byte (four-eyes): ids a reader
// could mistake for each other are refused.
TEST(ServerConfigTest, ActorIdsAreCheckedAndCaseOnlyTwinsRefused) {
  auto token = [](int n, const std::string& actor) {
    return "[[tokens]]\nsha256 = \"" + std::string(63, 'a') + std::to_string(n) + "\"\nactor = \"" + actor + "\"\n";
  };
  engine::Result<ServerConfig> config =
      parse_server_config(minimal(token(1, "liu") + token(2, "Liu") + token(3, "") + token(4, "liu ") +
                                  token(5, "ev\\nil") + token(6, "liu")),
                          "d.toml");
  ASSERT_FALSE(config);
  EXPECT_EQ(
      config.error(),
      "d.toml:10:9: [[tokens]] `actor` = \"Liu\" differs from `liu` only in case: one person, or two that a reader "
      "cannot tell apart\n"
      "d.toml:13:9: [[tokens]] `actor` = \"\" is empty\n"
      "d.toml:16:9: [[tokens]] `actor` = \"liu \" has white space or a control character\n"
      "d.toml:19:9: [[tokens]] `actor` = \"ev\\u000ail\" has white space or a control character");
}

TEST(ServerConfigTest, DefaultsAreTheSystemClockOnLocalhost) {
  engine::Result<ServerConfig> config = parse_server_config(minimal(), "docket.toml");
  ASSERT_TRUE(config) << config.error();
  EXPECT_EQ(config->host, "127.0.0.1");
  EXPECT_EQ(config->port, 8080);
  EXPECT_EQ(config->clock.kind, ClockConfig::Kind::kSystem);
  EXPECT_TRUE(config->sync_full);
  EXPECT_EQ(config->max_body_bytes, std::size_t{1} << 20);
  EXPECT_TRUE(config->tokens.empty());
}

TEST(ServerConfigTest, UnknownKeysAreErrorsWithTheirPosition) {
  engine::Result<ServerConfig> config =
      parse_server_config("[server]\nlisten = \"127.0.0.1:80\"\nlisen = \"x\"\n" + minimal("colour = 1\n"), "d.toml");
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error(),
            "d.toml:3:1: unknown key `lisen` in [server]\n"
            "d.toml:8:1: unknown key `colour` in [rules]");
}

TEST(ServerConfigTest, BadValuesNameLineAndColumn) {
  engine::Result<ServerConfig> config = parse_server_config(
      "[server]\nlisten = \"localhost\"\nthreads = 0\n"
      "[store]\npath = \"t.db\"\nsync = \"sometimes\"\n"
      "[rules]\ndirectory = \"rules\"\nwatch = \"yes\"\n"
      "[clock]\nkind = \"system\"\nfactor = 60\n"
      "[[tokens]]\nsha256 = \"ABC\"\nactor = \"x\"\n",
      "d.toml");
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error(),
            "d.toml:2:10: [server] `listen` = \"localhost\" must be HOST:PORT with a port 0..65535, e.g. "
            "\"127.0.0.1:8080\"\n"
            "d.toml:3:11: [server] `threads` = 0 is out of range 1..256\n"
            "d.toml:6:8: [store] `sync` = \"sometimes\" must be \"full\" or \"normal\"\n"
            "d.toml:9:9: [rules] `watch` must be true or false\n"
            "d.toml:12:10: [clock] `factor` needs kind = \"accelerated\"\n"
            "d.toml:14:10: [[tokens]] `sha256` must be 64 lower-case hex digits (docket serve --hash-token prints "
            "them)");
}

TEST(ServerConfigTest, SyntaxErrorsAndMissingSectionsAreReported) {
  engine::Result<ServerConfig> broken = parse_server_config("[store\npath = 1\n", "d.toml");
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().rfind("d.toml:1:", 0), 0u) << broken.error();

  engine::Result<ServerConfig> empty = parse_server_config("", "d.toml");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error(), "d.toml: missing [store] with `path`\nd.toml: missing [rules] with `directory`");
}

TEST(ServerConfigTest, AReadOnlyTokenMayNotDeploy) {
  std::string token = "[[tokens]]\nsha256 = \"" + kDigest + "\"\nactor = \"a\"\nread_only = true\n";
  engine::Result<ServerConfig> reader = parse_server_config(minimal(token), "d.toml");
  ASSERT_TRUE(reader) << reader.error();
  EXPECT_TRUE(reader->tokens[0].read_only);
  EXPECT_FALSE(reader->tokens[0].deploy);
  engine::Result<ServerConfig> both = parse_server_config(minimal(token + "deploy = true\n"), "d.toml");
  ASSERT_FALSE(both);
  EXPECT_NE(both.error().find("[[tokens]] `read_only` and `deploy` exclude each other"), std::string::npos)
      << both.error();
}

TEST(ServerConfigTest, TheSameTokenTwiceIsRefused) {
  std::string token = "[[tokens]]\nsha256 = \"" + kDigest + "\"\nactor = \"a\"\n";
  engine::Result<ServerConfig> config = parse_server_config(minimal(token + token), "d.toml");
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error(), "d.toml:9:10: [[tokens]] the same token is listed twice");
}

// The annotated example of docs/operations.md must stay a valid configuration.
TEST(ServerConfigTest, TheExampleConfigurationIsValid) {
  engine::Result<ServerConfig> config =
      load_server_config(std::string(DOCKET_SOURCE_DIR) + "/examples/serve/docket.toml");
  ASSERT_TRUE(config) << config.error();
  ASSERT_EQ(config->tokens.size(), 5u);
  // docs/console.md signs the auditor in with it: it reads and changes nothing.
  EXPECT_EQ(config->tokens[4].actor, "audit-wu");
  EXPECT_TRUE(config->tokens[4].read_only);
  EXPECT_EQ(config->tokens[4].sha256, engine::sha256_hex("auditor-demo"));
  EXPECT_EQ(config->clock.kind, ClockConfig::Kind::kSystem);
  EXPECT_EQ(config->rules_directory, std::string(DOCKET_SOURCE_DIR) + "/rules");
}

}  // namespace
}  // namespace docket::server
