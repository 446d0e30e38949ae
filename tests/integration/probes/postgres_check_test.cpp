// The postgres check kind against a real PostgreSQL server: pg_isready's answers in the
// default mode (a refused login still means "accepting connections", a standby in
// recovery does not), a query with the right and a wrong password, a server that never
// answers, and passwords kept out of every message.
#include "probes/postgres/postgres_check.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "config/emitter.hpp"
#include "loop/handle.hpp"
#include "peers/dns_peer.hpp"
#include "peers/mute_listener.hpp"
#include "peers/postgres_server.hpp"
#include "probes/check_config.hpp"
#include "probes/common/resolver.hpp"
#include "probes/postgres/connect_error.hpp"
#include "probes/postgres/conninfo_secrets.hpp"

namespace graced::probes {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kPassword = "Pg-s3cret-xyzzy";
constexpr const char* kWrongPassword = "Wr0ng-pa55-plugh";

std::string toml_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// Parses one [[checks]] table of type postgres with `keys` added.
std::vector<CheckConfig> parse_postgres(const std::string& keys, config::Diagnostics& diags) {
  config::Document doc;
  doc.load_string("[[checks]]\nname = \"db\"\ntype = \"postgres\"\n" + keys + "\n", "t.toml",
                  diags);
  const config::SectionSpec spec{"", "", {{"checks", "table", "", ""}}};
  config::Section root = doc.root(spec, diags);
  return parse_checks_config(root);
}

std::string all_messages(const config::Diagnostics& diags) {
  std::string out;
  for (const auto& d : diags.all())
    out += d.str() + "\n";
  return out;
}

// A loop to run checks on, in the test thread.
class PostgresCheckTest : public ::testing::Test {
 protected:
  void SetUp() override { uv_loop_init(&loop_); }

  void TearDown() override {
    check_.reset();
    // Whatever the check left open must close now: a handle still active fails here.
    const auto deadline = Clock::now() + 5s;
    while (uv_loop_alive(&loop_) && Clock::now() < deadline) {
      uv_run(&loop_, UV_RUN_NOWAIT);
      std::this_thread::sleep_for(1ms);
    }
    EXPECT_FALSE(uv_loop_alive(&loop_)) << "handles left open";
    EXPECT_EQ(uv_loop_close(&loop_), 0);
  }

  Check& make(const std::string& keys) {
    config::Diagnostics diags;
    auto checks = parse_postgres(keys, diags);
    EXPECT_FALSE(diags.has_errors()) << all_messages(diags);
    if (checks.size() != 1) throw std::runtime_error("bad check config: " + all_messages(diags));
    config_ = checks.front();
    CheckContext ctx{&loop_, nullptr, "db", config::Duration{1000}};
    check_ = config_.kind->create(config_.settings, ctx);
    return *check_;
  }

  // Runs the loop until `done` holds, never blocking in it for long: a short timer wakes
  // it, so a check waiting on a mute socket cannot hang the test.
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    loop::Timer tick(&loop_);
    tick.start(
        10, [] {}, 10);
    bool ok = true;
    while (!done()) {
      if (Clock::now() >= deadline) {
        ok = false;
        break;
      }
      uv_run(&loop_, UV_RUN_ONCE);
    }
    tick.close();
    uv_run(&loop_, UV_RUN_NOWAIT);
    return ok;
  }

  // One attempt of the check made last, to its end.
  CheckResult attempt(std::chrono::milliseconds limit = 10s) {
    std::optional<CheckResult> result;
    int calls = 0;
    check_->start([&](CheckResult r) {
      ++calls;
      result = std::move(r);
    });
    EXPECT_TRUE(run_until([&] { return result.has_value(); }, limit)) << "no result in time";
    EXPECT_EQ(calls, 1);
    return result.value_or(CheckResult::fail("<no result>"));
  }

  CheckResult attempt(const std::string& keys, std::chrono::milliseconds limit = 10s) {
    make(keys);
    return attempt(limit);
  }

  uv_loop_t loop_{};
  CheckConfig config_;
  std::unique_ptr<Check> check_;
};

// With a real server. initdb takes seconds: one cluster for the whole suite, left running
// between tests that do not stop it.
class PostgresServerTest : public PostgresCheckTest {
 protected:
  static void SetUpTestSuite() {
    try {
      server_ = new test::PostgresServer();
      server_->start();
      server_->set_password(test::PostgresServer::kSuperuser, kPassword);
    } catch (const std::exception& e) {
      setup_error_ = e.what();
      delete server_;
      server_ = nullptr;
    }
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(server_, nullptr) << setup_error_;
    if (!server_->running()) server_->start();
    PostgresCheckTest::SetUp();
  }

  static std::string url(const std::string& password, const std::string& db = "postgres") {
    return server_->url(test::PostgresServer::kSuperuser, password, db);
  }

  static inline test::PostgresServer* server_ = nullptr;
  static inline std::string setup_error_;
};

TEST(PostgresConfigTest, KindIsRegisteredAsADependency) {
  const CheckKind* kind = find_check_kind("postgres");
  ASSERT_NE(kind, nullptr);
  EXPECT_TRUE(kind->is_dependency());
}

TEST_F(PostgresServerTest, DefaultModePassesWhenTheServerIsUp) {
  const auto r = attempt("url = " + toml_string(url(kPassword)));
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.message, "accepting connections");
}

TEST_F(PostgresServerTest, DefaultModeFailsWhenTheServerIsStopped) {
  make("url = " + toml_string(url(kPassword)));
  server_->stop();
  const auto started = Clock::now();
  const auto r = attempt();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.message, "connection refused");
  EXPECT_LT(Clock::now() - started, 2s);
}

TEST_F(PostgresServerTest, TheSameCheckFollowsTheServerDownAndUpAgain) {
  make("url = " + toml_string(url(kPassword)));
  EXPECT_TRUE(attempt().ok);
  server_->kill();
  const auto down = attempt();
  EXPECT_FALSE(down.ok);
  EXPECT_EQ(down.message, "connection refused");
  server_->start();
  const auto up = attempt();
  EXPECT_TRUE(up.ok) << up.message;
}

// pg_isready: the server answered, so it accepts connections; the login is not its
// business.
TEST_F(PostgresServerTest, DefaultModePassesWithAWrongPassword) {
  const auto r = attempt("url = " + toml_string(url(kWrongPassword)));
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.message.rfind("accepting connections", 0), 0u) << r.message;
  EXPECT_NE(r.message.find("authentication failed"), std::string::npos) << r.message;
  EXPECT_EQ(r.message.find(kWrongPassword), std::string::npos) << r.message;
}

TEST_F(PostgresServerTest, DefaultModePassesWithoutAPassword) {
  const auto r = attempt("url = " + toml_string(url("")));
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_NE(r.message.find("no password supplied"), std::string::npos) << r.message;
}

TEST_F(PostgresServerTest, DefaultModePassesForAMissingDatabase) {
  const auto r = attempt("url = " + toml_string(url(kPassword, "no_such_db")));
  EXPECT_TRUE(r.ok) << r.message;
}

TEST_F(PostgresServerTest, QueryPassesWithTheRightPassword) {
  const auto r = attempt("url = " + toml_string(url(kPassword)) + "\nquery = \"SELECT 1\"");
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.message, "query succeeded");
}

TEST_F(PostgresServerTest, QueryFailsWithAWrongPasswordWithoutShowingIt) {
  const auto r = attempt("url = " + toml_string(url(kWrongPassword)) + "\nquery = \"SELECT 1\"");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.message, "password authentication failed for user \"postgres\"");
  EXPECT_EQ(r.message.find(kWrongPassword), std::string::npos);
}

TEST_F(PostgresServerTest, QueryFailsForAMissingDatabase) {
  const auto r =
      attempt("url = " + toml_string(url(kPassword, "no_such_db")) + "\nquery = \"SELECT 1\"");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.message, "database \"no_such_db\" does not exist");
}

TEST_F(PostgresServerTest, AFailingQueryFailsWithTheServersError) {
  const auto r =
      attempt("url = " + toml_string(url(kPassword)) + "\nquery = \"SELECT * FROM no_such_table\"");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.message, "query failed: relation \"no_such_table\" does not exist (SQLSTATE 42P01)");
}

TEST_F(PostgresServerTest, EveryResultOfAMultiStatementQueryMustSucceed) {
  const auto ok =
      attempt("url = " + toml_string(url(kPassword)) + "\nquery = \"SELECT 1; SELECT 2\"");
  EXPECT_TRUE(ok.ok) << ok.message;
  const auto bad =
      attempt("url = " + toml_string(url(kPassword)) + "\nquery = \"SELECT 1; SELECT 1/0\"");
  EXPECT_FALSE(bad.ok);
  EXPECT_EQ(bad.message, "query failed: division by zero (SQLSTATE 22012)");
}

TEST_F(PostgresServerTest, KeyValueConnectionStringsWork) {
  const std::string conninfo = "host=127.0.0.1 port=" + std::to_string(server_->port()) +
                               " user=postgres dbname=postgres password='" + kPassword + "'";
  const auto r = attempt("url = " + toml_string(conninfo) + "\nquery = \"SELECT 1\"");
  EXPECT_TRUE(r.ok) << r.message;
}

TEST_F(PostgresServerTest, UnixSocketDirectoriesNeedNoLookup) {
  const std::string conninfo = "host=" + server_->socket_dir() +
                               " port=" + std::to_string(server_->port()) + " user=postgres";
  const auto r = attempt("url = " + toml_string(conninfo) + "\nquery = \"SELECT 1\"");
  EXPECT_TRUE(r.ok) << r.message;
}

// Uses a DNS server of the test's own: libpq's own lookup (the system's resolver) could
// not find these names, so a pass proves the check resolved them and pinned the address.
using Answers = std::map<std::string, std::vector<std::string>>;

class DnsServer {
 public:
  explicit DnsServer(const Answers& answers, const std::vector<std::string>& silent = {})
      : peer_(answers, silent) {
    set_dns_servers(peer_.server());
  }
  ~DnsServer() { set_dns_servers(""); }

 private:
  test::DnsPeer peer_;
};

TEST_F(PostgresServerTest, HostNamesAreResolvedBeforeDialling) {
  DnsServer dns(Answers{{"db.test", {"127.0.0.1"}}});
  const std::string by_name = "postgresql://postgres:" + std::string(kPassword) +
                              "@db.test:" + std::to_string(server_->port()) + "/postgres";
  const auto r = attempt("url = " + toml_string(by_name) + "\nquery = \"SELECT 1\"");
  EXPECT_TRUE(r.ok) << r.message;
}

TEST_F(PostgresCheckTest, AnUnknownHostFailsWithoutDialling) {
  DnsServer dns(Answers{});
  const auto r = attempt("url = \"postgresql://postgres@nope.test:5432/postgres\"");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.message, "no such host \"nope.test\"");
}

TEST_F(PostgresCheckTest, CancelDuringTheLookupIsClean) {
  DnsServer dns(Answers{}, {"slow.test"});
  make("url = \"postgresql://postgres@slow.test:5432/postgres\"");
  bool called = false;
  check_->start([&](CheckResult) { called = true; });
  run_until([] { return false; }, 200ms);
  check_->cancel();
  run_until([] { return false; }, 50ms);
  EXPECT_FALSE(called);
}

// A standby without a primary and with hot_standby off stays in recovery and answers
// every connection with 57P03, as a server starting up or shutting down does.
TEST_F(PostgresServerTest, AServerInRecoveryIsRejectingConnections) {
  server_->stop();
  server_->start_standby();
  const auto plain = attempt("url = " + toml_string(url(kPassword)));
  const auto query = attempt("url = " + toml_string(url(kPassword)) + "\nquery = \"SELECT 1\"");
  server_->stop();  // the next start is a primary again
  EXPECT_FALSE(plain.ok);
  EXPECT_EQ(plain.message.rfind("rejecting connections: the database system is ", 0), 0u)
      << plain.message;
  EXPECT_FALSE(query.ok);
  EXPECT_EQ(query.message.rfind("rejecting connections: ", 0), 0u) << query.message;
}

TEST_F(PostgresCheckTest, AMuteServerKeepsTheAttemptInFlightUntilCancelled) {
  test::MuteListener mute;
  make("url = \"postgresql://postgres:" + std::string(kPassword) + "@" + mute.address() +
       "/postgres\"");
  bool called = false;
  check_->start([&](CheckResult) { called = true; });
  run_until([] { return false; }, 300ms);
  EXPECT_FALSE(called);
  check_->cancel();
  EXPECT_FALSE(called);
  // The check closed its connection: the listener sees what libpq sent, then EOF.
  const auto sent = mute.read_until_closed(2s);
  ASSERT_TRUE(sent.has_value()) << "the connection was not closed by cancel()";
  EXPECT_FALSE(sent->empty());
  EXPECT_EQ(sent->find(kPassword), std::string::npos);
  run_until([] { return false; }, 50ms);
  EXPECT_FALSE(called);
}

TEST_F(PostgresServerTest, CancelRightAfterStartAndDestroyIsClean) {
  bool called = false;
  make("url = " + toml_string(url(kPassword)) + "\nquery = \"SELECT pg_sleep(2)\"");
  check_->start([&](CheckResult) { called = true; });
  check_->cancel();
  check_.reset();
  run_until([] { return false; }, 100ms);
  EXPECT_FALSE(called);
}

TEST_F(PostgresServerTest, CancelDuringAQueryIsClean) {
  bool called = false;
  make("url = " + toml_string(url(kPassword)) + "\nquery = \"SELECT pg_sleep(2)\"");
  check_->start([&](CheckResult) { called = true; });
  run_until([] { return false; }, 500ms);  // connected and waiting for the query by now
  EXPECT_FALSE(called);
  const auto started = Clock::now();
  check_->cancel();
  EXPECT_LT(Clock::now() - started, 100ms);  // PQfinish does not wait for the server
  check_.reset();
  run_until([] { return false; }, 50ms);
  EXPECT_FALSE(called);
}

TEST(PostgresConfigTest, ParseErrorsAreClearAndHideThePassword) {
  struct Case {
    std::string keys;
    std::string key;       // the key the error names
    std::string expected;  // part of the message
  };
  const std::vector<Case> cases = {
      {"", "checks[0].url", "needs a url"},
      {"url = \"\"", "checks[0].url", "must not be empty"},
      {"url = \"host=db bogus=1\"", "checks[0].url", "invalid connection option \"bogus\""},
      {"url = \"postgresql://u:p@ss-word@db/x\"", "checks[0].url", "percent-encode"},
      {"url = \"postgresql://u:sec%zzret@db/x\"", "checks[0].url", "percent-encoded"},
      {"url = \"postgresql://db:99999/x\"", "checks[0].url", "is not a port"},
      {"url = \"host=a,b port=1,2,3\"", "checks[0].url", "3 ports for 2 hosts"},
      {"url = \"postgresql://db/x\"\nquery = \"  \"", "checks[0].query", "must not be empty"},
      {"url = 5", "checks[0].url", "expected a string"},
      {"url = \"service=app\"", "checks[0].url", "give host (or hostaddr) too"},
      {"url = \"host=db password=ss wo-rd\"", "checks[0].url", "missing \"=\""},
  };
  for (const auto& c : cases) {
    config::Diagnostics diags;
    auto checks = parse_postgres(c.keys, diags);
    EXPECT_TRUE(checks.empty()) << c.keys;
    ASSERT_TRUE(diags.has_errors()) << c.keys;
    const auto error = diags.errors().front();
    EXPECT_EQ(error.key, c.key) << c.keys;
    EXPECT_NE(error.message.find(c.expected), std::string::npos)
        << c.keys << " -> " << error.message;
    for (const char* secret : {"ss-word", "sec%zzret", "zzret", "wo-rd"}) {
      EXPECT_EQ(error.message.find(secret), std::string::npos) << error.message;
    }
  }
}

// libpq echoes fragments of what it could not use; a fragment that overlaps the password
// in the URL is hidden even when it is not the whole password.
TEST(PostgresSecretsTest, FragmentsOverlappingThePasswordAreHidden) {
  const ConninfoSecrets url("postgresql://app:p@ss@db.internal:5432/x", {"p"});
  EXPECT_EQ(url.scrub("could not translate host name \"ss@db.internal\" to address"),
            "could not translate host name \"<redacted>\" to address");
  EXPECT_EQ(url.scrub("password authentication failed for user \"app\""),
            "password authentication failed for user \"app\"");
  EXPECT_EQ(url.redacted(), "postgresql://app:<redacted>@db.internal:5432/x");

  const ConninfoSecrets kv("host=db password='it\\'s secret' user=app", {"it's secret"});
  EXPECT_EQ(kv.redacted(), "host=db password=<redacted> user=app");
  EXPECT_EQ(kv.scrub("echo it's secret and \"secret'\""), "echo <redacted> and \"<redacted>\"");
}

TEST(PostgresConnectErrorTest, ReadsTheServersSqlstateFromVerboseMessages) {
  const auto refused = read_connect_error(
      "connection to server at \"127.0.0.1\", port 5432 failed: Connection refused\n"
      "\tIs the server running on that host and accepting TCP/IP connections?\n");
  EXPECT_EQ(refused.sqlstate, "");
  EXPECT_EQ(refused.reason, "connection refused");

  const auto auth = read_connect_error(
      "connection to server at \"db\" (10.0.0.5), port 5432 failed: FATAL:  28P01: password "
      "authentication failed for user \"app\"\nLOCATION:  auth_failed, auth.c:334\n");
  EXPECT_EQ(auth.sqlstate, "28P01");
  EXPECT_EQ(auth.reason, "password authentication failed for user \"app\"");

  // Like libpq's ping: the last SQLSTATE any server sent decides, even if a later host of
  // the list did not answer at all.
  const auto multi = read_connect_error(
      "connection to server at \"a\" (10.0.0.5), port 5432 failed: FATAL:  57P03: the database "
      "system is starting up\n"
      "connection to server at \"b\" (10.0.0.6), port 5432 failed: Connection refused\n"
      "\tIs the server running on that host and accepting TCP/IP connections?\n");
  EXPECT_EQ(multi.sqlstate, kCannotConnectNow);
  EXPECT_EQ(multi.server_message, "the database system is starting up");
  EXPECT_EQ(multi.reason, "connection refused");
}

TEST(PostgresConfigTest, ConnectTimeoutIsWarnedAboutAsUseless) {
  config::Diagnostics diags;
  auto checks = parse_postgres("url = \"postgresql://db/x?connect_timeout=3\"", diags);
  EXPECT_EQ(checks.size(), 1u);
  ASSERT_EQ(diags.warnings().size(), 1u) << all_messages(diags);
  EXPECT_NE(diags.warnings().front().message.find("connect_timeout"), std::string::npos);
}

TEST(PostgresConfigTest, CheckConfigShowsTheUrlWithoutItsPassword) {
  for (const std::string& conninfo :
       {std::string("postgresql://app:") + kPassword + "@db:5432/app?sslmode=disable",
        std::string("host=db user=app password='") + kPassword + " x'",
        std::string("host=db user=app password=") + kPassword}) {
    config::Diagnostics diags;
    auto checks =
        parse_postgres("url = " + toml_string(conninfo) + "\nquery = \"SELECT 1\"", diags);
    ASSERT_EQ(checks.size(), 1u) << all_messages(diags);
    config::Emitter emitter;
    emit_checks_config(checks, emitter.root());
    const std::string text = emitter.str();
    EXPECT_EQ(text.find(kPassword), std::string::npos) << text;
    EXPECT_NE(text.find("<redacted>"), std::string::npos) << text;
    EXPECT_NE(text.find("query = 'SELECT 1'"), std::string::npos) << text;
  }
}

}  // namespace
}  // namespace graced::probes
