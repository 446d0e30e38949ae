// The redis check kind against real redis-servers: PONG, a killed server, requirepass
// and ACL users (NOAUTH, WRONGPASS, never the password in a message), SELECT, a replica
// answering MASTERDOWN, a server that never answers, and clean cancellation.
#include "probes/redis/redis_check.hpp"

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
#include "harness/ports.hpp"
#include "loop/handle.hpp"
#include "peers/dns_peer.hpp"
#include "peers/mute_listener.hpp"
#include "peers/redis_server.hpp"
#include "probes/check_config.hpp"
#include "probes/common/resolver.hpp"

namespace graced::probes {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kPassword = "Rd-s3cret-xyzzy";
constexpr const char* kWrongPassword = "Wr0ng-pa55-plugh";

std::string toml_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// Parses one [[checks]] table of type redis with `keys` added.
std::vector<CheckConfig> parse_redis(const std::string& keys, config::Diagnostics& diags) {
  config::Document doc;
  doc.load_string("[[checks]]\nname = \"cache\"\ntype = \"redis\"\n" + keys + "\n", "t.toml",
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

class RedisCheckTest : public ::testing::Test {
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

  static std::unique_ptr<test::RedisServer> start_server(test::RedisServerOptions options = {}) {
    auto server = std::make_unique<test::RedisServer>(std::move(options));
    server->start();
    return server;
  }

  Check& make(const std::string& keys) {
    config::Diagnostics diags;
    auto checks = parse_redis(keys, diags);
    EXPECT_FALSE(diags.has_errors()) << all_messages(diags);
    if (checks.size() != 1) throw std::runtime_error("bad check config: " + all_messages(diags));
    config_ = checks.front();
    CheckContext ctx{&loop_, nullptr, "cache", config::Duration{1000}};
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

TEST_F(RedisCheckTest, KindIsRegisteredAsADependency) {
  const CheckKind* kind = find_check_kind("redis");
  ASSERT_NE(kind, nullptr);
  EXPECT_TRUE(kind->is_dependency());
}

TEST_F(RedisCheckTest, PassesWhenPingAnswersPong) {
  auto redis = start_server();
  const auto r = attempt("address = " + toml_string(redis->address()));
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.message, "PONG");
}

TEST_F(RedisCheckTest, FailsWhenTheServerIsKilledAndPassesAgainAfterARestart) {
  auto redis = start_server();
  make("address = " + toml_string(redis->address()));
  EXPECT_TRUE(attempt().ok);
  redis->kill();
  const auto started = Clock::now();
  const auto down = attempt();
  EXPECT_FALSE(down.ok);
  EXPECT_EQ(down.message, "connection refused");
  EXPECT_LT(Clock::now() - started, 2s);
  redis->start();
  const auto up = attempt();
  EXPECT_TRUE(up.ok) << up.message;
}

// The name is known only to the test's own DNS server.
TEST_F(RedisCheckTest, HostNamesAreResolved) {
  test::DnsPeer dns(std::map<std::string, std::vector<std::string>>{{"cache.test", {"127.0.0.1"}}});
  set_dns_servers(dns.server());
  auto redis = start_server();
  const auto r = attempt("address = \"cache.test:" + std::to_string(redis->port()) + "\"");
  const auto unknown = attempt("address = \"nope.test:" + std::to_string(redis->port()) + "\"");
  set_dns_servers("");
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_FALSE(unknown.ok);
  EXPECT_EQ(unknown.message, "no such host \"nope.test\"");
}

TEST_F(RedisCheckTest, RequirepassWithoutAPasswordFailsWithNoauth) {
  auto redis = start_server({.requirepass = kPassword, .config = {}});
  const auto r = attempt("address = " + toml_string(redis->address()));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.message.rfind("NOAUTH", 0), 0u) << r.message;
}

TEST_F(RedisCheckTest, AWrongPasswordFailsWithoutShowingIt) {
  auto redis = start_server({.requirepass = kPassword, .config = {}});
  const auto r = attempt("address = " + toml_string(redis->address()) +
                         "\npassword = " + toml_string(kWrongPassword));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.message.rfind("AUTH failed: WRONGPASS", 0), 0u) << r.message;
  EXPECT_EQ(r.message.find(kWrongPassword), std::string::npos);
  EXPECT_EQ(r.message.find(kPassword), std::string::npos);
}

TEST_F(RedisCheckTest, TheRightPasswordPasses) {
  auto redis = start_server({.requirepass = kPassword, .config = {}});
  const auto r = attempt("address = " + toml_string(redis->address()) +
                         "\npassword = " + toml_string(kPassword));
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.message, "PONG");
}

TEST_F(RedisCheckTest, AclUsersAuthenticateWithUsernameAndPassword) {
  auto redis = start_server(
      {.requirepass = "", .config = {"user alice on >" + std::string(kPassword) + " ~* &* +@all"}});
  const auto ok = attempt("address = " + toml_string(redis->address()) +
                          "\nusername = \"alice\"\npassword = " + toml_string(kPassword));
  EXPECT_TRUE(ok.ok) << ok.message;
  const auto wrong = attempt("address = " + toml_string(redis->address()) +
                             "\nusername = \"alice\"\npassword = " + toml_string(kWrongPassword));
  EXPECT_FALSE(wrong.ok);
  EXPECT_EQ(wrong.message.rfind("AUTH failed: WRONGPASS", 0), 0u) << wrong.message;
  EXPECT_EQ(wrong.message.find(kWrongPassword), std::string::npos);
}

// SELECT is sent with the configured index: 3 exists with 4 databases, not with 3.
TEST_F(RedisCheckTest, DbSelectsTheDatabase) {
  auto four = start_server({.requirepass = "", .config = {"databases 4"}});
  const auto ok = attempt("address = " + toml_string(four->address()) + "\ndb = 3");
  EXPECT_TRUE(ok.ok) << ok.message;
  auto three = start_server({.requirepass = "", .config = {"databases 3"}});
  const auto bad = attempt("address = " + toml_string(three->address()) + "\ndb = 3");
  EXPECT_FALSE(bad.ok);
  EXPECT_EQ(bad.message, "SELECT 3 failed: ERR DB index is out of range");
}

// A replica cut off from its master, told not to serve stale data, answers MASTERDOWN
// (LOADING, while a big dataset loads, takes the same path).
TEST_F(RedisCheckTest, MasterdownFailsWithTheServersMessage) {
  auto replica =
      start_server({.requirepass = "",
                    .config = {"replicaof 127.0.0.1 " + std::to_string(test::free_port()),
                               "replica-serve-stale-data no"}});
  const auto r = attempt("address = " + toml_string(replica->address()));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.message.rfind("MASTERDOWN ", 0), 0u) << r.message;
}

TEST_F(RedisCheckTest, AMuteServerKeepsTheAttemptInFlightUntilCancelled) {
  test::MuteListener mute;
  make("address = " + toml_string(mute.address()) + "\npassword = " + toml_string(kPassword) +
       "\ndb = 2");
  bool called = false;
  check_->start([&](CheckResult) { called = true; });
  run_until([] { return false; }, 300ms);
  EXPECT_FALSE(called);
  check_->cancel();
  EXPECT_FALSE(called);
  // The check had pipelined its commands and closed the connection on cancel().
  const auto sent = mute.read_until_closed(2s);
  ASSERT_TRUE(sent.has_value()) << "the connection was not closed by cancel()";
  EXPECT_NE(sent->find("AUTH"), std::string::npos) << *sent;
  EXPECT_NE(sent->find("SELECT"), std::string::npos) << *sent;
  EXPECT_NE(sent->find("PING"), std::string::npos) << *sent;
  run_until([] { return false; }, 50ms);
  EXPECT_FALSE(called);
}

TEST_F(RedisCheckTest, DestroyingTheCheckMidAttemptIsClean) {
  test::MuteListener mute;
  make("address = " + toml_string(mute.address()));
  bool called = false;
  check_->start([&](CheckResult) { called = true; });
  run_until([] { return false; }, 50ms);
  check_.reset();  // the destructor cancels
  EXPECT_TRUE(mute.read_until_closed(2s).has_value());
  run_until([] { return false; }, 50ms);
  EXPECT_FALSE(called);
}

TEST_F(RedisCheckTest, CancelRightAfterStartIsClean) {
  auto redis = start_server();
  make("address = " + toml_string(redis->address()));
  bool called = false;
  check_->start([&](CheckResult) { called = true; });
  check_->cancel();
  run_until([] { return false; }, 100ms);
  EXPECT_FALSE(called);
  // The check is reusable after a cancel.
  const auto r = attempt();
  EXPECT_TRUE(r.ok) << r.message;
}

TEST_F(RedisCheckTest, ParseErrorsAreClear) {
  struct Case {
    std::string keys;
    std::string key;       // the key the error names
    std::string expected;  // part of the message
  };
  const std::vector<Case> cases = {
      {"", "checks[0].address", "needs an address"},
      {"address = \"cache:0\"", "checks[0].address", "is not a port"},
      {"address = \"::1:6379\"", "checks[0].address", "brackets"},
      {"address = \"cache:6379\"\npassword = \"\"", "checks[0].password", "must not be empty"},
      {"address = \"cache:6379\"\nusername = \"alice\"", "checks[0].username", "needs a password"},
      {"address = \"cache:6379\"\ndb = -1", "checks[0].db", ""},
      {"address = \"cache:6379\"\ndb = \"3\"", "checks[0].db", ""},
  };
  for (const auto& c : cases) {
    config::Diagnostics diags;
    auto checks = parse_redis(c.keys, diags);
    EXPECT_TRUE(checks.empty()) << c.keys;
    ASSERT_TRUE(diags.has_errors()) << c.keys;
    const auto error = diags.errors().front();
    EXPECT_EQ(error.key, c.key) << c.keys << " -> " << error.str();
    EXPECT_NE(error.message.find(c.expected), std::string::npos)
        << c.keys << " -> " << error.message;
  }
}

TEST_F(RedisCheckTest, ThePortDefaultsTo6379) {
  config::Diagnostics diags;
  auto checks = parse_redis("address = \"cache\"", diags);
  ASSERT_EQ(checks.size(), 1u) << all_messages(diags);
  const auto& settings = static_cast<const RedisSettings&>(*checks.front().settings);
  EXPECT_EQ(settings.target.port, 6379);
}

TEST_F(RedisCheckTest, CheckConfigRedactsThePassword) {
  config::Diagnostics diags;
  auto checks = parse_redis("address = \"cache:6379\"\nusername = \"alice\"\npassword = " +
                                toml_string(kPassword) + "\ndb = 3",
                            diags);
  ASSERT_EQ(checks.size(), 1u) << all_messages(diags);
  config::Emitter emitter;
  emit_checks_config(checks, emitter.root());
  const std::string text = emitter.str();
  EXPECT_EQ(text.find(kPassword), std::string::npos) << text;
  EXPECT_NE(text.find("password = '<redacted>'"), std::string::npos) << text;
  EXPECT_NE(text.find("username = 'alice'"), std::string::npos) << text;
  EXPECT_NE(text.find("db = 3"), std::string::npos) << text;
}

}  // namespace
}  // namespace graced::probes
