// Readiness through the real graced binary, one test per dependency check kind against a
// real peer: /readyz is 503 while the dependency is not up yet, 200 once it is and for as
// long as it stays up, 503 again soon after it goes down, and 200 when it comes back.
// (The tcp kind: ProbeEndpointsTest.ReadinessFollowsADependencyUpAndDown.)
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "harness/files.hpp"
#include "harness/graced_process.hpp"
#include "harness/ports.hpp"
#include "harness/temp_dir.hpp"
#include "harness/wait.hpp"
#include "peers/grpc_python_peers.hpp"
#include "peers/http_get.hpp"
#include "peers/http_peer.hpp"
#include "peers/postgres_server.hpp"
#include "peers/redis_server.hpp"

namespace graced::test {
namespace {

using Clock = std::chrono::steady_clock;

// Every check here: an attempt every 250ms, failing after two failures in a row, no
// jitter. The engine's bound after a dependency goes down is then
// interval_when_failing x (failure_threshold - 1) + interval + jitter + timeout = 700ms.
constexpr const char* kFastCheck =
    "interval = \"250ms\"\ntimeout = \"200ms\"\nfailure_threshold = 2\njitter = \"0s\"\n";
// That bound with generous slack for a busy 2-core machine, where graced or the test may
// stall for a while; readiness that lags by a dozen attempts, or never follows, fails it.
constexpr auto kDownWithin = 3s;
// A first success after a peer started, or after a long failing streak.
constexpr auto kUpWithin = 10s;
// Long enough for a few attempts, so that one lucky (or unlucky) attempt cannot decide.
constexpr auto kSeveralAttempts = 500ms;

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

// One [[checks]] table feeding readiness (the default), with the fast timing.
std::string check_toml(const std::string& name, const std::string& type, const std::string& keys) {
  return "[[checks]]\nname = " + toml_string(name) + "\ntype = " + toml_string(type) + "\n" + keys +
         kFastCheck;
}

// Sets a file's modification time to `age` before now; throws std::runtime_error.
void set_age(const std::string& path, std::chrono::milliseconds age) {
  const auto then = std::chrono::system_clock::now() - age;
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(then.time_since_epoch());
  timespec times[2];
  times[0].tv_sec = 0;
  times[0].tv_nsec = UTIME_OMIT;
  times[1].tv_sec = static_cast<time_t>(ns.count() / 1'000'000'000);
  times[1].tv_nsec = static_cast<long>(ns.count() % 1'000'000'000);
  if (utimensat(AT_FDCWD, path.c_str(), times, 0) != 0) {
    throw std::runtime_error("utimensat " + path + ": " + std::strerror(errno));
  }
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

class ReadinessPerKind : public ::testing::Test {
 protected:
  // Starts graced with `checks` around a child that runs for the whole test, and waits
  // until it answers probes.
  void start_graced(const std::string& checks) {
    GracedOptions opts;
    opts.config = checks + "[process]\ncommand = [\"sleep\", \"60\"]\n";
    graced_ = std::make_unique<GracedProcess>(opts);
    port_ = graced_->http_port();
    ASSERT_TRUE(wait_until([&] { return http_get(port_, "/livez").status == 200; }, 10s))
        << graced_->stderr_text();
  }

  int readyz(const std::string& path = "/readyz") { return http_get(port_, path).status; }
  std::string verbose() { return http_get(port_, "/readyz?verbose").body; }
  std::string context() { return verbose() + "\n--- graced's log:\n" + graced_->stderr_text(); }

  bool verbose_has(const std::string& text) { return verbose().find(text) != std::string::npos; }
  // On a stalled machine one attempt may time out instead of meeting the dependency's
  // answer; a later one says what the dependency said.
  bool soon_in_verbose(const std::string& text) {
    return wait_until([&] { return verbose_has(text); }, kDownWithin);
  }

  // The dependency is not up: readiness fails, `check` is decided failing (not merely
  // unknown), and no attempt in a while makes graced ready.
  void expect_unready_while_down(const std::string& check) {
    EXPECT_EQ(readyz(), 503) << context();
    EXPECT_TRUE(soon_in_verbose("[-]" + check + " failed: ")) << context();
    const auto until = Clock::now() + kSeveralAttempts;
    while (Clock::now() < until) {
      ASSERT_EQ(readyz(), 503) << context();
      std::this_thread::sleep_for(20ms);
    }
  }

  // The dependency is up (again): readiness passes soon.
  void expect_ready_again(const std::string& check) {
    ASSERT_TRUE(wait_until([&] { return readyz() == 200; }, kUpWithin)) << context();
    EXPECT_EQ(readyz("/readyz/" + check), 200) << context();
  }

  // The dependency is up: readiness passes soon, and keeps passing attempt after attempt.
  void expect_ready_while_up(const std::string& check) {
    ASSERT_NO_FATAL_FAILURE(expect_ready_again(check));
    const auto until = Clock::now() + kSeveralAttempts;
    while (Clock::now() < until) {
      ASSERT_EQ(readyz(), 200) << context();
      std::this_thread::sleep_for(20ms);
    }
  }

  // The dependency went down at `down`: readiness, and `check` itself (another check may
  // have failed readiness first), fail within kDownWithin of it, the verbose listing says
  // why, and liveness is untouched.
  void expect_unready_soon_after(Clock::time_point down, const std::string& check) {
    ASSERT_TRUE(wait_until([&] { return readyz() == 503; }, kDownWithin)) << context();
    ASSERT_TRUE(wait_until([&] { return readyz("/readyz/" + check) == 503; }, kDownWithin))
        << context();
    const double took = seconds_since(down);
    std::printf("%s: failed %.3f s after the dependency went down\n", check.c_str(), took);
    EXPECT_LT(took, std::chrono::duration<double>(kDownWithin).count());
    EXPECT_TRUE(verbose_has("[-]" + check + " failed: ")) << context();
    EXPECT_EQ(readyz(), 503) << context();
    EXPECT_EQ(readyz("/livez"), 200) << "a dependency never fails liveness";
  }

  std::unique_ptr<GracedProcess> graced_;
  std::uint16_t port_ = 0;
};

TEST_F(ReadinessPerKind, RedisServerStartedKilledAndRestarted) {
  RedisServer redis;
  // The port is chosen at the first start and kept, so graced can be pointed at it
  // before the server is up.
  redis.start();
  redis.stop();
  ASSERT_NO_FATAL_FAILURE(start_graced(
      check_toml("cache", "redis", "address = " + toml_string(redis.address()) + "\n")));
  ASSERT_NO_FATAL_FAILURE(expect_unready_while_down("cache"));
  EXPECT_TRUE(soon_in_verbose("[-]cache failed: connection refused")) << context();

  redis.start();
  ASSERT_NO_FATAL_FAILURE(expect_ready_while_up("cache"));

  const auto down = Clock::now();
  redis.kill();
  ASSERT_NO_FATAL_FAILURE(expect_unready_soon_after(down, "cache"));

  redis.start();
  ASSERT_NO_FATAL_FAILURE(expect_ready_again("cache"));
}

TEST_F(ReadinessPerKind, HttpServerStartedStoppedAndRestarted) {
  const std::uint16_t port = free_port();
  ASSERT_NO_FATAL_FAILURE(start_graced(check_toml(
      "api", "http",
      "url = " + toml_string("http://127.0.0.1:" + std::to_string(port) + "/health") + "\n")));
  ASSERT_NO_FATAL_FAILURE(expect_unready_while_down("api"));

  std::optional<HttpPeer> peer;
  peer.emplace(port);
  ASSERT_NO_FATAL_FAILURE(expect_ready_while_up("api"));
  EXPECT_NE(peer->requests().find("GET /health HTTP/1.1"), std::string::npos) << peer->requests();

  const auto down = Clock::now();
  peer.reset();  // kills the server
  ASSERT_NO_FATAL_FAILURE(expect_unready_soon_after(down, "api"));

  peer.emplace(port);
  ASSERT_NO_FATAL_FAILURE(expect_ready_again("api"));
}

TEST_F(ReadinessPerKind, HeartbeatFileCreatedDeletedAndRecreated) {
  TempDir dir;
  const std::string heartbeat = dir.file("heartbeat");
  ASSERT_NO_FATAL_FAILURE(start_graced(
      check_toml("beat", "file", "path = " + toml_string(heartbeat) + "\nmax_age = \"1m\"\n")));
  ASSERT_NO_FATAL_FAILURE(expect_unready_while_down("beat"));
  EXPECT_TRUE(soon_in_verbose("[-]beat failed: no such file")) << context();

  write_file(heartbeat, "");
  ASSERT_NO_FATAL_FAILURE(expect_ready_while_up("beat"));

  const auto down = Clock::now();
  ASSERT_EQ(unlink(heartbeat.c_str()), 0);
  ASSERT_NO_FATAL_FAILURE(expect_unready_soon_after(down, "beat"));
  EXPECT_TRUE(soon_in_verbose("[-]beat failed: no such file")) << context();

  write_file(heartbeat, "");
  ASSERT_NO_FATAL_FAILURE(expect_ready_again("beat"));
}

// A heartbeat file that exists but is older than max_age: set into the past, touched,
// set into the past again, touched, and then left to age on its own.
TEST_F(ReadinessPerKind, StaleHeartbeatFile) {
  TempDir dir;
  const std::string heartbeat = dir.file("heartbeat");
  write_file(heartbeat, "");
  set_age(heartbeat, 10min);
  ASSERT_NO_FATAL_FAILURE(start_graced(
      check_toml("beat", "file", "path = " + toml_string(heartbeat) + "\nmax_age = \"2s\"\n")));
  ASSERT_NO_FATAL_FAILURE(expect_unready_while_down("beat"));
  EXPECT_TRUE(soon_in_verbose("(max_age 2s)")) << context();

  set_age(heartbeat, 0ms);
  ASSERT_NO_FATAL_FAILURE(expect_ready_while_up("beat"));

  const auto down = Clock::now();
  set_age(heartbeat, 1min);
  ASSERT_NO_FATAL_FAILURE(expect_unready_soon_after(down, "beat"));
  EXPECT_TRUE(soon_in_verbose("(max_age 2s)")) << context();

  const auto touched = Clock::now();
  set_age(heartbeat, 0ms);
  ASSERT_TRUE(wait_until([&] { return readyz() == 200; }, 1500ms)) << context();
  // Nobody touches it any more: it turns stale 2s after the touch, never earlier.
  ASSERT_TRUE(wait_until([&] { return readyz() == 503; }, 2s + kDownWithin)) << context();
  const double took = seconds_since(touched);
  std::printf("beat: readiness failed %.3f s after the last touch (max_age 2s)\n", took);
  EXPECT_GE(took, 2.0);
  EXPECT_LT(took, 2.0 + std::chrono::duration<double>(kDownWithin).count());
}

TEST_F(ReadinessPerKind, ExecCommandFailingPassingAndFailing) {
  TempDir dir;
  const std::string flag = dir.file("ready");
  ASSERT_NO_FATAL_FAILURE(start_graced(
      check_toml("flag", "exec", "command = [\"test\", \"-e\", " + toml_string(flag) + "]\n")));
  ASSERT_NO_FATAL_FAILURE(expect_unready_while_down("flag"));
  EXPECT_TRUE(soon_in_verbose("[-]flag failed: exited with code 1")) << context();

  write_file(flag, "");
  ASSERT_NO_FATAL_FAILURE(expect_ready_while_up("flag"));

  const auto down = Clock::now();
  ASSERT_EQ(unlink(flag.c_str()), 0);
  ASSERT_NO_FATAL_FAILURE(expect_unready_soon_after(down, "flag"));
  EXPECT_TRUE(soon_in_verbose("[-]flag failed: exited with code 1")) << context();

  write_file(flag, "");
  ASSERT_NO_FATAL_FAILURE(expect_ready_again("flag"));
}

TEST_F(ReadinessPerKind, GrpcHealthServerServingNotServingAndStopped) {
  GrpcHealthPeer peer("NOT_SERVING");
  ASSERT_NO_FATAL_FAILURE(start_graced(check_toml(
      "rpc", "grpc", "address = " + toml_string(peer.address()) + "\nservice = \"\"\n")));
  ASSERT_NO_FATAL_FAILURE(expect_unready_while_down("rpc"));
  EXPECT_TRUE(soon_in_verbose("[-]rpc failed: NOT_SERVING")) << context();

  peer.set_state("SERVING");
  ASSERT_NO_FATAL_FAILURE(expect_ready_while_up("rpc"));
  ASSERT_FALSE(peer.requests().empty());
  EXPECT_NE(peer.requests().back().find(R"("service": "")"), std::string::npos)
      << peer.requests().back();

  auto down = Clock::now();
  peer.set_state("NOT_SERVING");
  ASSERT_NO_FATAL_FAILURE(expect_unready_soon_after(down, "rpc"));
  EXPECT_TRUE(soon_in_verbose("[-]rpc failed: NOT_SERVING")) << context();

  peer.set_state("SERVING");
  ASSERT_NO_FATAL_FAILURE(expect_ready_again("rpc"));

  // A server that is gone altogether, not merely answering NOT_SERVING.
  down = Clock::now();
  peer.stop();
  ASSERT_NO_FATAL_FAILURE(expect_unready_soon_after(down, "rpc"));
}

// One PostgreSQL cluster for the suite (initdb takes seconds), stopped between tests.
class ReadinessPerKindPostgres : public ReadinessPerKind {
 protected:
  static void SetUpTestSuite() {
    try {
      server_ = std::make_unique<PostgresServer>();
      // The port is chosen at the first start and kept across restarts.
      server_->start();
      server_->set_password(PostgresServer::kSuperuser, kPassword);
      server_->stop();
    } catch (const std::exception& e) {
      setup_error_ = e.what();
      server_.reset();
    }
  }
  static void TearDownTestSuite() { server_.reset(); }

  void SetUp() override { ASSERT_NE(server_, nullptr) << setup_error_; }
  void TearDown() override {
    if (server_) server_->stop();
  }

  static std::string url(const std::string& password) {
    return server_->url(PostgresServer::kSuperuser, password);
  }

  static inline std::unique_ptr<PostgresServer> server_;
  static inline std::string setup_error_;
};

// Both modes: accepting connections (like pg_isready) and a query that must succeed.
TEST_F(ReadinessPerKindPostgres, ServerStartedStoppedAndRestarted) {
  ASSERT_NO_FATAL_FAILURE(start_graced(
      check_toml("db", "postgres", "url = " + toml_string(url(kPassword)) + "\n") +
      check_toml("db_query", "postgres",
                 "url = " + toml_string(url(kPassword)) + "\nquery = \"SELECT 1\"\n")));
  ASSERT_NO_FATAL_FAILURE(expect_unready_while_down("db"));
  EXPECT_TRUE(soon_in_verbose("[-]db failed: connection refused")) << context();
  EXPECT_TRUE(soon_in_verbose("[-]db_query failed: connection refused")) << context();

  server_->start();
  ASSERT_NO_FATAL_FAILURE(expect_ready_while_up("db"));
  EXPECT_EQ(readyz("/readyz/db_query"), 200) << context();

  const auto down = Clock::now();
  server_->stop();
  ASSERT_NO_FATAL_FAILURE(expect_unready_soon_after(down, "db"));
  EXPECT_TRUE(soon_in_verbose("[-]db_query failed: ")) << context();

  server_->start();
  ASSERT_NO_FATAL_FAILURE(expect_ready_again("db"));
  EXPECT_EQ(readyz("/readyz/db_query"), 200) << context();
}

// A refused login still means the server accepts connections, so only a query check
// notices a wrong password; a query with the right one passes next to it.
TEST_F(ReadinessPerKindPostgres, WrongPasswordFailsOnlyInQueryMode) {
  server_->start();
  ASSERT_NO_FATAL_FAILURE(start_graced(
      check_toml("ping", "postgres", "url = " + toml_string(url(kWrongPassword)) + "\n") +
      check_toml("query", "postgres",
                 "url = " + toml_string(url(kWrongPassword)) + "\nquery = \"SELECT 1\"\n") +
      check_toml("login", "postgres",
                 "url = " + toml_string(url(kPassword)) + "\nquery = \"SELECT 1\"\n")));
  ASSERT_TRUE(wait_until([&] { return readyz("/readyz/ping") == 200; }, kUpWithin)) << context();
  ASSERT_TRUE(wait_until([&] { return readyz("/readyz/login") == 200; }, kUpWithin)) << context();
  ASSERT_TRUE(wait_until([&] { return verbose_has("[-]query failed: "); }, kUpWithin)) << context();
  // Decided, and it stays so over several attempts.
  const auto until = Clock::now() + kSeveralAttempts;
  while (Clock::now() < until) {
    ASSERT_EQ(readyz("/readyz/ping"), 200) << context();
    ASSERT_EQ(readyz("/readyz/login"), 200) << context();
    ASSERT_EQ(readyz("/readyz/query"), 503) << context();
    ASSERT_EQ(readyz(), 503) << context();
    std::this_thread::sleep_for(20ms);
  }

  // What the server said (a later attempt says it if one on a stalled machine timed out).
  std::string query;
  EXPECT_TRUE(wait_until(
      [&] {
        query = http_get(port_, "/readyz/query").body;
        return query == "[-]query failed: password authentication failed for user \"postgres\"\n";
      },
      kDownWithin))
      << query;
  std::string ping;
  EXPECT_TRUE(wait_until(
      [&] {
        ping = http_get(port_, "/readyz/ping?format=json").body;
        return ping.find(R"("status":"pass","message":"accepting connections ()") !=
                   std::string::npos &&
               ping.find("authentication failed") != std::string::npos;
      },
      kDownWithin))
      << ping;
  const auto json = http_get(port_, "/readyz?format=json").body;
  EXPECT_NE(json.find(R"("query":{"status":"fail")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("login":{"status":"pass")"), std::string::npos) << json;
  EXPECT_EQ(json.find(kWrongPassword), std::string::npos) << json;
  EXPECT_EQ(json.find(kPassword), std::string::npos) << json;
}

}  // namespace
}  // namespace graced::test
