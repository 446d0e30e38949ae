// Smoke tests of the runnable examples (examples/*): each example's own graced.toml and
// service, run by the real graced binary against real peers (redis-server, PostgreSQL),
// with every port the example would fix (its own, graced's, the dependencies') moved to a
// free loopback port through the environment its configuration reads.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "harness/files.hpp"
#include "harness/graced_process.hpp"
#include "harness/paths.hpp"
#include "harness/ports.hpp"
#include "harness/temp_dir.hpp"
#include "harness/wait.hpp"
#include "peers/grpc_python_peers.hpp"
#include "peers/http_get.hpp"
#include "peers/peer_process.hpp"
#include "peers/postgres_server.hpp"
#include "peers/redis_server.hpp"

namespace graced::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Env = std::vector<std::pair<std::string, std::string>>;

std::string example_dir(const std::string& name) {
  return kSourceDir + "/examples/" + name;
}

// graced with the example's own file (-c), the example's folder as $EXAMPLE_DIR (the
// configurations find their service through it) and `env` on top.
GracedOptions example(const std::string& name, std::vector<std::string> extra_args, Env env) {
  GracedOptions options;
  options.args = {"-c", example_dir(name) + "/graced.toml"};
  options.args.insert(options.args.end(), extra_args.begin(), extra_args.end());
  options.env = std::move(env);
  options.env.emplace_back("EXAMPLE_DIR", example_dir(name));
  return options;
}

// The drain window the tests use instead of the examples' 5s.
std::vector<std::string> short_drain(const std::string& delay) {
  return {"--set", "shutdown.drain_delay=\"" + delay + "\""};
}

bool wait_for_status(std::uint16_t port, const std::string& target, int status,
                     std::chrono::milliseconds timeout) {
  return wait_until([&] { return http_get(port, target).status == status; }, timeout, 50ms);
}

std::string verbose(std::uint16_t port, const std::string& probe) {
  return http_get(port, "/" + probe + "?verbose").body;
}

// Where `text` is in graced's log, npos when absent.
std::size_t log_position(const GracedProcess& graced, const std::string& text) {
  return graced.stderr_text().find(text);
}

// One HTTP/1.1 connection driven by hand: keep-alive unless the server says otherwise, so
// that what the server does to the connection (Connection: close, closing it while idle)
// stays observable.
struct RawResponse {
  int status = 0;
  std::string head;  // lower-cased
  std::string body;
  std::string error;
  bool says_close() const { return head.find("\r\nconnection: close\r\n") != std::string::npos; }
};

class RawConnection {
 public:
  explicit RawConnection(std::uint16_t port) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      const int e = errno;
      close(fd_);
      throw std::runtime_error(std::string("connect: ") + std::strerror(e));
    }
  }
  ~RawConnection() { close(fd_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  void send_get(const std::string& target) {
    const std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    std::size_t sent = 0;
    while (sent < request.size()) {
      const ssize_t n = ::send(fd_, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error(std::string("send: ") + std::strerror(errno));
      sent += static_cast<std::size_t>(n);
    }
  }

  // One response with a Content-Length body.
  RawResponse read_response(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    RawResponse r;
    std::size_t end = std::string::npos;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill(deadline)) {
        r.error = "no complete response head: " + buffer_;
        return r;
      }
    }
    r.head.resize(end + 4);
    std::transform(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(end + 4),
                   r.head.begin(), [](unsigned char c) { return std::tolower(c); });
    buffer_.erase(0, end + 4);
    std::size_t length = 0;
    if (auto at = r.head.find("\r\ncontent-length:"); at != std::string::npos) {
      length = std::stoul(r.head.substr(at + 17));
    }
    while (buffer_.size() < length) {
      if (!fill(deadline)) {
        r.error = "body cut short";
        return r;
      }
    }
    r.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    r.status = std::stoi(r.head.substr(9, 3));
    return r;
  }

  // True once the server has closed the connection (EOF or reset) within `timeout`.
  bool closed_by_server(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (fill(deadline)) {
    }
    return eof_;
  }

 private:
  // Reads what arrives before the deadline; false on EOF, error or timeout.
  bool fill(std::chrono::steady_clock::time_point deadline) {
    if (eof_) return false;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fd_, POLLIN, 0};
    if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char chunk[4096];
    const ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string buffer_;
  bool eof_ = false;
};

// --- python-http -------------------------------------------------------------------------

TEST(ExamplePythonHttp, ReadyWithItsDependenciesThenDrainsAndExitsZero) {
  RedisServer redis;
  redis.start();
  PostgresServer postgres;
  postgres.start();
  const std::uint16_t app_port = free_port();
  GracedProcess graced(example("python-http", short_drain("1s"),
                               {{"APP_HOST", "127.0.0.1"},
                                {"APP_PORT", std::to_string(app_port)},
                                {"DATABASE_URL", postgres.url(PostgresServer::kSuperuser, "")},
                                {"REDIS_ADDRESS", redis.address()}}));
  const std::uint16_t port = graced.http_port();

  ASSERT_TRUE(wait_for_status(port, "/readyz", 200, 20s))
      << verbose(port, "readyz") << graced.stderr_text();
  const std::string ready = verbose(port, "readyz");
  EXPECT_THAT(ready, HasSubstr("[+]self ok"));
  EXPECT_THAT(ready, HasSubstr("[+]postgres ok"));
  EXPECT_THAT(ready, HasSubstr("[+]redis ok"));
  EXPECT_EQ(http_get(app_port, "/").status, 200);

  // A dependency going away takes readiness down, not liveness, and back up when it returns.
  redis.stop();
  ASSERT_TRUE(wait_for_status(port, "/readyz", 503, 10s)) << verbose(port, "readyz");
  EXPECT_THAT(verbose(port, "readyz"), HasSubstr("[-]redis failed"));
  EXPECT_EQ(http_get(port, "/livez").status, 200);
  redis.start();
  ASSERT_TRUE(wait_for_status(port, "/readyz", 200, 10s)) << verbose(port, "readyz");

  graced.signal(SIGTERM);
  ASSERT_TRUE(wait_for_status(port, "/readyz", 503, 2s));
  EXPECT_THAT(verbose(port, "readyz"), HasSubstr("[-]shutdown failed: draining"));
  EXPECT_EQ(http_get(app_port, "/").status, 200) << "the service serves through the drain window";

  const auto code = graced.wait(20s);
  ASSERT_TRUE(code.has_value()) << graced.stderr_text();
  EXPECT_EQ(*code, 0) << "the service exits 0 on SIGTERM, and graced with it\n"
                      << graced.stderr_text();
  const std::string log = graced.stderr_text();
  EXPECT_THAT(log, HasSubstr("hook finished hook=drain phase=pre-stop ok=true status=200"));
  EXPECT_THAT(log, HasSubstr("python-http: drain requested"));
  EXPECT_THAT(log, HasSubstr("python-http: got SIGTERM"));
  EXPECT_THAT(log, HasSubstr("python-http: stopped"));
  EXPECT_LT(log_position(graced, "python-http: drain requested"),
            log_position(graced, "sending the stop signal"))
      << "the pre-stop hook runs before the stop signal";
}

TEST(ExamplePythonHttp, WithoutItsDependenciesItStartsButStaysUnready) {
  const std::uint16_t app_port = free_port();
  // Nothing listens on these.
  GracedProcess graced(example(
      "python-http", {},
      {{"APP_HOST", "127.0.0.1"},
       {"APP_PORT", std::to_string(app_port)},
       {"DATABASE_URL", "postgresql://app@127.0.0.1:" + std::to_string(free_port()) + "/app"},
       {"REDIS_ADDRESS", "127.0.0.1:" + std::to_string(free_port())}}));
  const std::uint16_t port = graced.http_port();

  // Startup is the service's own check only: it passes; readiness waits for the databases.
  ASSERT_TRUE(wait_for_status(port, "/startupz", 200, 20s))
      << verbose(port, "startupz") << graced.stderr_text();
  ASSERT_TRUE(wait_until(
      [&] {
        const std::string v = verbose(port, "readyz");
        return v.find("[-]postgres failed") != std::string::npos &&
               v.find("[-]redis failed") != std::string::npos;
      },
      10s, 100ms))
      << verbose(port, "readyz");
  EXPECT_EQ(http_get(port, "/readyz").status, 503);
  EXPECT_THAT(verbose(port, "readyz"), HasSubstr("[+]self ok"));
  EXPECT_EQ(http_get(port, "/livez").status, 200);
}

// --- node-http ---------------------------------------------------------------------------

TEST(ExampleNodeHttp, FinishesInFlightRequestsWithConnectionCloseAndExitsZero) {
  RedisServer redis;
  redis.start();
  PostgresServer postgres;
  postgres.start();
  const std::uint16_t app_port = free_port();
  GracedProcess graced(example("node-http", short_drain("1500ms"),
                               {{"APP_HOST", "127.0.0.1"},
                                {"APP_PORT", std::to_string(app_port)},
                                {"DATABASE_URL", postgres.url(PostgresServer::kSuperuser, "")},
                                {"REDIS_ADDRESS", redis.address()}}));
  const std::uint16_t port = graced.http_port();

  ASSERT_TRUE(wait_for_status(port, "/readyz", 200, 20s))
      << verbose(port, "readyz") << graced.stderr_text();
  const std::string ready = verbose(port, "readyz");
  EXPECT_THAT(ready, HasSubstr("[+]self ok"));
  EXPECT_THAT(ready, HasSubstr("[+]postgres ok"));
  EXPECT_THAT(ready, HasSubstr("[+]redis ok"));

  postgres.stop();
  ASSERT_TRUE(wait_for_status(port, "/readyz", 503, 10s)) << verbose(port, "readyz");
  EXPECT_THAT(verbose(port, "readyz"), HasSubstr("[-]postgres failed"));
  EXPECT_EQ(http_get(port, "/livez").status, 200);
  postgres.start();
  ASSERT_TRUE(wait_for_status(port, "/readyz", 200, 10s)) << verbose(port, "readyz");

  // Before the shutdown: keep-alive.
  RawConnection idle(app_port);
  idle.send_get("/");
  const RawResponse before = idle.read_response(5s);
  ASSERT_EQ(before.status, 200) << before.error;
  EXPECT_FALSE(before.says_close()) << before.head;

  // A request in flight across the whole shutdown sequence: it outlasts the drain window
  // and the stop signal.
  RawConnection slow(app_port);
  slow.send_get("/slow?ms=3500");
  ASSERT_TRUE(graced.wait_for_log("node-http: GET /slow?ms=3500", 5s)) << graced.stderr_text();

  graced.signal(SIGTERM);
  ASSERT_TRUE(wait_for_status(port, "/readyz", 503, 2s));
  // In the drain window the service is untouched: a new client is still served.
  RawConnection during(app_port);
  during.send_get("/");
  const RawResponse in_window = during.read_response(5s);
  EXPECT_EQ(in_window.status, 200) << in_window.error;

  const RawResponse answer = slow.read_response(15s);
  ASSERT_EQ(answer.status, 200) << answer.error << graced.stderr_text();
  EXPECT_EQ(answer.body, "slow answer after 3500ms\n");
  EXPECT_NE(log_position(graced, "sending the stop signal"), std::string::npos)
      << "the answer came after the service got SIGTERM\n"
      << graced.stderr_text();
  EXPECT_TRUE(answer.says_close()) << answer.head;
  EXPECT_TRUE(slow.closed_by_server(5s));
  // Idle keep-alive connections are closed by the service when it stops.
  EXPECT_TRUE(idle.closed_by_server(5s));
  EXPECT_TRUE(during.closed_by_server(5s));

  const auto code = graced.wait(15s);
  ASSERT_TRUE(code.has_value()) << graced.stderr_text();
  EXPECT_EQ(*code, 0) << graced.stderr_text();
  const std::string log = graced.stderr_text();
  EXPECT_THAT(log, HasSubstr("hook finished hook=drain phase=pre-stop ok=true status=200"));
  EXPECT_THAT(log, HasSubstr("node-http: pre-stop hook: draining"));
  EXPECT_THAT(log, HasSubstr("node-http: stopping: 1 request(s) in flight"));
  EXPECT_THAT(log, HasSubstr("node-http: stopped"));
}

// --- notify-worker -----------------------------------------------------------------------

TEST(ExampleNotifyWorker, StartupWaitsForReadyAndSigtermLetsTheJobFinish) {
  TempDir dir;
  GracedProcess graced(
      example("notify-worker", {},
              {{"HEARTBEAT_FILE", dir.file("heartbeat")}, {"WORKER_STARTUP_SECONDS", "1.5"}}));
  const std::uint16_t port = graced.http_port();

  ASSERT_TRUE(wait_for_status(port, "/livez", 200, 10s)) << graced.stderr_text();
  // The worker is doing its startup work: no READY=1 yet.
  EXPECT_EQ(http_get(port, "/startupz").status, 503);
  EXPECT_EQ(http_get(port, "/readyz").status, 503);
  EXPECT_THAT(verbose(port, "startupz"), HasSubstr("[-]notify failed: waiting for READY=1"));

  ASSERT_TRUE(wait_for_status(port, "/startupz", 200, 10s)) << graced.stderr_text();
  EXPECT_TRUE(graced.wait_for_log("service is ready (READY=1)", 0ms));
  EXPECT_EQ(http_get(port, "/readyz").status, 200);
  EXPECT_TRUE(file_exists(dir.file("heartbeat")));
  // The file check passes once it has looked at the file the worker touches (it first
  // looked before the worker ran).
  ASSERT_TRUE(wait_until(
      [&] { return verbose(port, "livez").find("[+]heartbeat ok") != std::string::npos; }, 10s,
      100ms))
      << verbose(port, "livez");
  const std::string live = verbose(port, "livez");
  EXPECT_THAT(live, HasSubstr("[+]watchdog ok"));
  EXPECT_THAT(live, HasSubstr("status: processed"));

  graced.signal(SIGTERM);
  const auto code = graced.wait(10s);
  ASSERT_TRUE(code.has_value()) << graced.stderr_text();
  EXPECT_EQ(*code, 0) << graced.stderr_text();
  EXPECT_THAT(graced.stderr_text(), HasSubstr("notify-worker: got SIGTERM"));
  EXPECT_THAT(graced.stderr_text(), HasSubstr("notify-worker: stopped after"));
}

TEST(ExampleNotifyWorker, LivenessFailsWhenTheWorkerStopsPinging) {
  TempDir dir;
  // A 2s watchdog instead of 10s; the worker hangs 1s after READY=1.
  GracedProcess graced(example("notify-worker", {"--set", "process.watchdog=\"2s\""},
                               {{"HEARTBEAT_FILE", dir.file("heartbeat")},
                                {"WORKER_STARTUP_SECONDS", "0.3"},
                                {"WORKER_STALL_AFTER", "1"}}));
  const std::uint16_t port = graced.http_port();

  ASSERT_TRUE(wait_for_status(port, "/startupz", 200, 10s)) << graced.stderr_text();
  ASSERT_TRUE(graced.wait_for_log("notify-worker: stalled", 5s)) << graced.stderr_text();
  ASSERT_TRUE(wait_for_status(port, "/livez", 503, 8s))
      << verbose(port, "livez") << graced.stderr_text();
  const std::string live = verbose(port, "livez");
  EXPECT_THAT(live, HasSubstr("[-]watchdog failed: no WATCHDOG=1 for 2s"));
  EXPECT_THAT(live, HasSubstr("status: stuck on a job"));

  graced.signal(SIGTERM);
  const auto code = graced.wait(10s);
  ASSERT_TRUE(code.has_value()) << graced.stderr_text();
  EXPECT_EQ(*code, 0) << graced.stderr_text();
}

// --- grpc-service ------------------------------------------------------------------------

RunResult probe(std::vector<std::string> args) {
  // Timeouts far above the 1s defaults: a busy machine must not turn SERVING into 2 or 3.
  args.insert(args.begin(), {"probe", "grpc", "--connect-timeout", "10s", "--rpc-timeout", "10s"});
  return run_graced({.args = args});
}

TEST(ExampleGrpcService, TheGrpcCheckFoldsInTheServicesHealth) {
  const std::uint16_t grpc_port = free_port();
  GracedProcess graced(
      example("grpc-service", short_drain("1s"),
              {{"GRPC_HOST", "127.0.0.1"}, {"GRPC_PORT", std::to_string(grpc_port)}}));
  const std::uint16_t port = graced.http_port();
  const std::string graced_address = "127.0.0.1:" + std::to_string(port);
  const std::string service_address = "127.0.0.1:" + std::to_string(grpc_port);

  ASSERT_TRUE(wait_for_status(port, "/readyz", 200, 20s))
      << verbose(port, "readyz") << graced.stderr_text();
  EXPECT_THAT(verbose(port, "readyz"), HasSubstr("[+]grpc ok"));
  EXPECT_EQ(http_get(port, "/startupz").status, 200);

  // graced's health service on its HTTP port, by the names the example answers for.
  for (const std::string service : {"", "example.v1.Echo", "grpc", "liveness"}) {
    const RunResult r = probe({graced_address, "--service", service});
    EXPECT_EQ(r.exit_code, 0) << service << ": " << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr("status: SERVING")) << service;
  }
  // The service's own health, which the grpc check asks.
  EXPECT_EQ(probe({service_address, "--service", "example.v1.Echo"}).exit_code, 0);

  // SIGUSR1, forwarded to the service, puts it in maintenance: its own health says
  // NOT_SERVING, the grpc check fails, readiness fails; liveness does not.
  graced.signal(SIGUSR1);
  ASSERT_TRUE(wait_for_status(port, "/readyz", 503, 10s)) << graced.stderr_text();
  EXPECT_THAT(verbose(port, "readyz"), HasSubstr("[-]grpc failed: NOT_SERVING"));
  EXPECT_EQ(http_get(port, "/livez").status, 200);
  const RunResult down = probe({graced_address, "--service", "example.v1.Echo"});
  EXPECT_EQ(down.exit_code, 4) << down.out << down.err;
  EXPECT_THAT(down.err, HasSubstr("NOT_SERVING"));
  graced.signal(SIGUSR1);
  ASSERT_TRUE(wait_for_status(port, "/readyz", 200, 10s)) << graced.stderr_text();

  graced.signal(SIGTERM);
  ASSERT_TRUE(wait_for_status(port, "/readyz", 503, 2s));
  EXPECT_EQ(probe({graced_address}).exit_code, 4) << "NOT_SERVING from the start of the drain";
  EXPECT_EQ(probe({graced_address, "--service", "liveness"}).exit_code, 0);
  const auto code = graced.wait(15s);
  ASSERT_TRUE(code.has_value()) << graced.stderr_text();
  EXPECT_EQ(*code, 0) << graced.stderr_text();
  EXPECT_THAT(graced.stderr_text(), HasSubstr("grpc-service: got SIGTERM"));
  EXPECT_THAT(graced.stderr_text(), HasSubstr("grpc-service: stopped"));
}

// --- every example -----------------------------------------------------------------------

TEST(ExampleConfigs, EachPassesCheckConfig) {
  for (const std::string name : {"python-http", "node-http", "notify-worker", "grpc-service"}) {
    const RunResult r =
        run_graced({.args = {"check-config", "-c", example_dir(name) + "/graced.toml"},
                    .env = {{"EXAMPLE_DIR", example_dir(name)}}});
    EXPECT_EQ(r.exit_code, 0) << name << ":\n" << r.err;
    EXPECT_THAT(r.out, HasSubstr("[[checks]]")) << name;
    EXPECT_THAT(r.err, Not(HasSubstr("warning"))) << name;
  }
}

TEST(ExampleConfigs, EachFolderHasItsReadmeServiceAndRunScript) {
  const std::vector<std::pair<std::string, std::string>> services = {
      {"python-http", "service.py"},
      {"node-http", "server.js"},
      {"notify-worker", "worker.py"},
      {"grpc-service", "service.py"}};
  for (const auto& [name, service] : services) {
    const std::string dir = example_dir(name);
    EXPECT_TRUE(file_exists(dir + "/README.md")) << name;
    EXPECT_TRUE(file_exists(dir + "/" + service)) << name;
    EXPECT_EQ(access((dir + "/run").c_str(), X_OK), 0) << name << ": run is not executable";
  }
}

// --- docker-compose.yml ------------------------------------------------------------------

// Parsed with python3-yaml (no Docker here): the services that run an example have graced
// as their entrypoint and the exec-form readiness health check, and the inline
// Dockerfile's COPY sources exist.
const char* kComposeCheck = R"PY(
import os, re, sys, yaml
compose_path, root = sys.argv[1], sys.argv[2]
with open(compose_path) as f:
    doc = yaml.safe_load(f)
services = doc["services"]
examples = ["python-http", "node-http", "notify-worker", "grpc-service"]
for name in examples:
    s = services[name]
    assert s["entrypoint"] == ["graced", "-c", "/app/graced.toml"], (name, s["entrypoint"])
    test = s["healthcheck"]["test"]
    assert test == ["CMD", "graced", "probe", "http", "http://127.0.0.1:8558/readyz"], (name, test)
    assert s["build"]["target"] == name, name
    assert s["build"]["context"] == "..", name
    grace = s["stop_grace_period"]
    assert re.fullmatch(r"\d+s", grace) and int(grace[:-1]) >= 29, (name, grace)
    print("service", name, "ok")
dockerfile = services["python-http"]["build"]["dockerfile_inline"]
stages = re.findall(r"^FROM \S+ AS (\S+)$", dockerfile, re.M)
for name in examples:
    assert name in stages, (name, stages)
for line in dockerfile.splitlines():
    m = re.match(r"COPY (?!--from)(\S+) (\S+)$", line)
    if m:
        assert os.path.exists(os.path.join(root, m.group(1))), line
        print("copy", m.group(1), "ok")
)PY";

TEST(ExampleDockerCompose, ServicesUseGracedAndItsProbeAsHealthcheck) {
  TempDir dir;
  write_file(dir.file("check.py"), kComposeCheck);
  const std::string log = dir.file("check.log");
  try {
    run_peer_tool({kSystemPython, dir.file("check.py"), kSourceDir + "/examples/docker-compose.yml",
                   kSourceDir},
                  log, std::nullopt, 20s);
  } catch (const std::exception& e) {
    FAIL() << e.what();
  }
  const std::string out = read_file(log).value_or("");
  for (const std::string name : {"python-http", "node-http", "notify-worker", "grpc-service"}) {
    EXPECT_THAT(out, HasSubstr("service " + name + " ok"));
    EXPECT_THAT(out, HasSubstr("copy examples/" + name + " ok"));
  }
}

}  // namespace
}  // namespace graced::test
