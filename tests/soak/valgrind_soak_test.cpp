// graced under valgrind memcheck through a short life: start, probes, metrics, gRPC
// (graced probe grpc, and a malformed call), a bad HTTP request, a tcp check, SIGHUP
// forwarded, SIGTERM shutdown. No memory error, no leak.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <sstream>

#include "harness/files.hpp"
#include "harness/graced_process.hpp"
#include "harness/paths.hpp"
#include "harness/temp_dir.hpp"
#include "harness/test_child.hpp"
#include "peers/grpc_h2_test_client.hpp"
#include "peers/http_get.hpp"
#include "peers/tcp_peer.hpp"
#include "soak_support.hpp"

namespace graced::test {
namespace {

using namespace std::chrono_literals;

TEST(ValgrindSoak, SupervisorHealthAndGrpcPathsHaveNoMemoryErrors) {
#if !defined(GRACED_VALGRIND)
  FAIL() << "valgrind was not found when the build was configured (scripts/install-deps "
            "installs it)";
#else
  TempDir dir;
  const std::string log = dir.file("valgrind.log");
  const std::string record = dir.file("signals");
  const std::string ready = dir.file("ready");
  std::optional<TcpListener> dependency(std::in_place);
  GracedProcess graced({.args = run_test_child({"record-signals", record, "--ready", ready}),
                        .config = std::string(kNoDrainConfig) +
                                  "[[checks]]\nname = \"dep\"\ntype = \"tcp\"\naddress = \"" +
                                  dependency->address() +
                                  "\"\ninterval = \"200ms\"\ntimeout = \"150ms\"\n",
                        .launcher = {GRACED_VALGRIND, "--error-exitcode=99", "--leak-check=full",
                                     "--errors-for-leak-kinds=definite,indirect", "--track-fds=no",
                                     "--log-file=" + log}});
  const pid_t gpid = graced.pid();  // valgrind runs graced in its own process
  ASSERT_TRUE(wait_for_ready(ready, 60s)) << graced.stderr_text() << read_file(log).value_or("");
  const std::uint16_t port = graced.http_port();
  ASSERT_TRUE(wait_until([&] { return http_get(port, "/readyz").status == 200; }, 60s, 100ms))
      << graced.stderr_text();

  int answered = 0;
  for (const char* path : {"/livez", "/readyz", "/startupz", "/healthz", "/readyz?verbose",
                           "/readyz?format=json", "/livez/process", "/metrics"}) {
    auto r = http_get(port, path, 10s);
    EXPECT_EQ(r.status, 200) << path;
    answered += r.status == 200 ? 1 : 0;
  }
  EXPECT_EQ(http_get(port, "/nope", 10s).status, 404);
  {
    soak::RawConnection bad(port);
    bad.send("G(T / HTTP/1.1\r\n\r\n");
    bool closed = false;
    EXPECT_EQ(soak::first_status(bad.read_until_closed(10s, &closed)), 400);
  }

  // gRPC: graced's own client, then a call graced must refuse.
  RunResult probe = run_graced({.args = {"probe", "grpc", "127.0.0.1:" + std::to_string(port),
                                         "--connect-timeout", "10s", "--rpc-timeout", "10s"},
                                .http_listen = ""},
                               30s);
  EXPECT_EQ(probe.exit_code, 0) << probe.err;
  EXPECT_NE(probe.out.find("SERVING"), std::string::npos) << probe.out;
  {
    H2TestClient c(port);
    auto big = c.grpc_call("/grpc.health.v1.Health/Check", std::string(5000, 'x'));
    auto watch = c.grpc_call("/grpc.health.v1.Health/Watch", std::string());
    EXPECT_TRUE(c.pump_until([&] { return c.stream_closed(big); }, 20s));
    EXPECT_EQ(c.stream(big).grpc_status(), 8);
    EXPECT_TRUE(c.pump_until([&] { return !c.stream(watch).body.empty(); }, 20s));
  }

  // A dependency that goes away: readiness follows.
  dependency.reset();
  EXPECT_TRUE(wait_until([&] { return http_get(port, "/readyz", 10s).status == 503; }, 60s, 200ms));

  ASSERT_EQ(kill(gpid, SIGHUP), 0);
  EXPECT_TRUE(wait_for_signal(record, "SIGHUP", 30s)) << graced.stderr_text();
  ASSERT_EQ(kill(gpid, SIGTERM), 0);
  const auto code = graced.wait(120s);
  const std::string text = read_file(log).value_or("");
  std::string summary = "no ERROR SUMMARY";
  if (auto at = text.rfind("ERROR SUMMARY:"); at != std::string::npos)
    summary = text.substr(at, text.find('\n', at) - at);
  std::string leaks = "no leak summary";
  if (auto at = text.find("definitely lost:"); at != std::string::npos)
    leaks = text.substr(at, text.find('\n', at) - at);
  soak::report(std::to_string(answered) + " probes answered under valgrind; exit code " +
               (code ? std::to_string(*code) : std::string("none")) + "; " + summary + "; " +
               leaks);

  ASSERT_TRUE(code.has_value()) << "graced under valgrind did not stop";
  EXPECT_NE(*code, 99) << text;
  EXPECT_EQ(*code, 0) << text;
  // valgrind really ran graced, and every summary it wrote (one per process it ran, forks
  // that had not exec'd yet included) says 0 errors.
  EXPECT_NE(text.find("Memcheck"), std::string::npos) << text;
  EXPECT_NE(text.find(kGracedBinary), std::string::npos) << text;
  EXPECT_NE(text.find("ERROR SUMMARY: 0 errors"), std::string::npos) << text;
  for (auto at = text.find("ERROR SUMMARY:"); at != std::string::npos;
       at = text.find("ERROR SUMMARY:", at + 1))
    EXPECT_EQ(text.compare(at, 23, "ERROR SUMMARY: 0 errors"), 0) << text;
#endif
}

}  // namespace
}  // namespace graced::test
