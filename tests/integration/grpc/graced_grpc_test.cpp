// The gRPC health service of the real graced binary, reached the ways a cluster reaches it:
// kubelet's `grpc:` probe and grpc_health_probe on the HTTP port (the connection opens with
// the HTTP/2 preface and is handed over), a client on grpc.listen, and plain HTTP/1.1 and
// HTTP/2 GETs on the same port. Checks follow a real heartbeat file; Watch follows a
// dependency failing and the shutdown starting.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
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

namespace graced {
namespace {

using namespace std::chrono_literals;
using test::GracedProcess;
using test::GrpcPythonClient;
using test::run_grpc_client;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class GracedGrpc : public ::testing::Test {
 protected:
  // graced around a long-running child, with a `heartbeat` file check on readiness that
  // the test flips by creating and deleting the file, and a gRPC port of its own.
  void start(const std::string& extra = "") {
    heartbeat_ = scratch_.file("heartbeat");
    touch();
    grpc_port_ = test::free_port();
    const std::string config = std::string("[process]\ncommand = [\"sleep\", \"1000\"]\n") +
                               "[grpc]\nlisten = \"127.0.0.1:" + std::to_string(grpc_port_) +
                               "\"\nservices = { \"user.v1.UserService\" = \"readiness\" }\n" +
                               "[[checks]]\nname = \"heartbeat\"\ntype = \"file\"\npath = \"" +
                               heartbeat_ + "\"\nmax_age = \"1h\"\ninterval = \"100ms\"\n" +
                               "timeout = \"50ms\"\nfailure_threshold = 1\n" + extra;
    graced_ = std::make_unique<GracedProcess>(test::GracedOptions{.config = config});
    ASSERT_TRUE(
        test::wait_until([&] { return test::http_get(port(), "/readyz").status == 200; }, 10s))
        << graced_->stderr_text();
  }

  void touch() { std::ofstream(heartbeat_) << "beat\n"; }
  void remove_heartbeat() { std::filesystem::remove(heartbeat_); }

  std::uint16_t port() const { return graced_->http_port(); }
  std::string http_address() const { return "127.0.0.1:" + std::to_string(port()); }
  std::string grpc_address() const { return "127.0.0.1:" + std::to_string(grpc_port_); }

  test::TempDir scratch_;
  std::string heartbeat_;
  std::uint16_t grpc_port_ = 0;
  std::unique_ptr<GracedProcess> graced_;
};

const std::vector<std::string> kCheckEveryName = {
    "check:",          "check:readiness",           "check:liveness", "check:startup",
    "check:heartbeat", "check:user.v1.UserService", "check:nope"};

const std::vector<std::string> kEveryNameServing = {
    "check \"\": SERVING",
    "check \"readiness\": SERVING",
    "check \"liveness\": SERVING",
    "check \"startup\": SERVING",
    "check \"heartbeat\": SERVING",
    "check \"user.v1.UserService\": SERVING",
    "check \"nope\": error NOT_FOUND: unknown service nope"};

TEST_F(GracedGrpc, CheckOnTheHttpPortAndOnItsOwnPort) {
  start();
  EXPECT_EQ(run_grpc_client(http_address(), kCheckEveryName), kEveryNameServing);
  EXPECT_EQ(run_grpc_client(grpc_address(), kCheckEveryName), kEveryNameServing);
  EXPECT_THAT(run_grpc_client(http_address(), {"list"}),
              ElementsAre("list: =SERVING heartbeat=SERVING liveness=SERVING "
                          "readiness=SERVING startup=SERVING user.v1.UserService=SERVING"));
}

TEST_F(GracedGrpc, HttpOneAndHttpTwoShareThePort) {
  start();
  // HTTP/1.1 before and after HTTP/2 connections on the same listener.
  EXPECT_EQ(test::http_get(port(), "/readyz").body, "ok");
  const std::string body = scratch_.file("curl.body");
  const std::string log = scratch_.file("curl.log");
  test::run_peer_tool(
      {"/usr/bin/curl", "-sS", "--http2-prior-knowledge", "-o", body, "-w",
       "%{http_version} %{http_code}", "http://" + http_address() + "/readyz?verbose"},
      log, std::nullopt, 20s);
  EXPECT_EQ(test::read_file(log), "2 200");
  EXPECT_THAT(test::read_file(body).value_or(""), HasSubstr("[+]heartbeat ok"));
  EXPECT_THAT(test::read_file(body).value_or(""), HasSubstr("readyz check passed"));
  EXPECT_EQ(run_grpc_client(http_address(), {"check:"}),
            std::vector<std::string>{"check \"\": SERVING"});
  EXPECT_EQ(test::http_get(port(), "/livez").body, "ok");
}

TEST_F(GracedGrpc, WatchFollowsADependencyFailingAndRecovering) {
  start();
  GrpcPythonClient watch(http_address(), {"watch:user.v1.UserService"});
  ASSERT_TRUE(watch.wait_for_results(1, 20s)) << watch.log();
  remove_heartbeat();
  ASSERT_TRUE(watch.wait_for_results(2, 10s)) << watch.log();
  touch();
  const auto lines = watch.wait_for_results(3, 10s);
  ASSERT_TRUE(lines) << watch.log();
  EXPECT_THAT(*lines, ElementsAre("watch \"user.v1.UserService\": SERVING",
                                  "watch \"user.v1.UserService\": NOT_SERVING",
                                  "watch \"user.v1.UserService\": SERVING"));
}

TEST_F(GracedGrpc, WatchSeesTheShutdownAtOnceAndEndsWhenGracedExits) {
  // A drain window long enough to tell "at once" from "at the end of the drain".
  start("[shutdown]\ndrain_delay = \"3s\"\n");
  GrpcPythonClient watch(grpc_address(), {"watch:", "watch:nope"});
  // The second Watch never gets a line before the first ends, so wait for the first alone.
  ASSERT_TRUE(watch.wait_for_results(1, 20s)) << watch.log();
  const auto sent = std::chrono::steady_clock::now();
  graced_->signal(SIGTERM);
  ASSERT_TRUE(watch.wait_for_results(2, 10s)) << watch.log();
  EXPECT_LT(std::chrono::steady_clock::now() - sent, 2s) << "NOT_SERVING only after the drain";
  // During the drain graced still answers, NOT_SERVING.
  EXPECT_EQ(run_grpc_client(http_address(), {"check:"}),
            std::vector<std::string>{"check \"\": NOT_SERVING"});
  EXPECT_EQ(graced_->wait(20s), 128 + SIGTERM);
  const auto lines = watch.wait_for_results(3, 10s);
  ASSERT_TRUE(lines) << watch.log();
  EXPECT_THAT(*lines, ElementsAre("watch \"\": SERVING", "watch \"\": NOT_SERVING",
                                  "watch \"\": end UNAVAILABLE: graced is shutting down"));
}

TEST_F(GracedGrpc, WatchOfAnUnknownServiceStaysOpen) {
  start();
  GrpcPythonClient watch(http_address(), {"watch:nope"});
  const auto lines = watch.wait_for_results(1, 20s);
  ASSERT_TRUE(lines) << watch.log();
  EXPECT_THAT(*lines, ElementsAre("watch \"nope\": SERVICE_UNKNOWN"));
  std::this_thread::sleep_for(300ms);
  EXPECT_TRUE(watch.running());
  EXPECT_EQ(watch.results().size(), 1u);
}

TEST_F(GracedGrpc, ProbeCommandAgainstGraced) {
  start();
  auto probe = [&](std::vector<std::string> args) {
    // Timeouts far above the 1s defaults: a busy machine must not turn SERVING into 2 or 3.
    args.insert(args.begin(),
                {"probe", "grpc", "--connect-timeout", "10s", "--rpc-timeout", "10s"});
    return test::run_graced({.args = args});
  };
  EXPECT_EQ(probe({http_address()}).exit_code, 0);
  EXPECT_EQ(probe({grpc_address(), "--service", "heartbeat"}).exit_code, 0);
  remove_heartbeat();
  ASSERT_TRUE(
      test::wait_until([&] { return test::http_get(port(), "/readyz").status == 503; }, 10s));
  const auto r = probe({http_address(), "--service", "user.v1.UserService"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_THAT(r.err, HasSubstr("NOT_SERVING"));
}

TEST(GracedGrpcConfig, ServiceMappedToAnUnknownCheckIsAConfigError) {
  const auto r = test::run_graced(
      {.args = {"check-config"},
       .config = "[process]\ncommand = [\"true\"]\n[grpc]\nservices = { \"a.v1.A\" = \"db\" }\n"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("grpc.services.a.v1.A: \"db\" is neither a probe"));
}

TEST(GracedGrpcConfig, BusyGrpcPortFailsAtStart) {
  test::TempDir dir;
  // Occupy the port with graced's own HTTP listener, then ask a second graced for it.
  GracedProcess first({.args = {"--", "sleep", "1000"}});
  ASSERT_TRUE(test::wait_until(
      [&] { return test::http_get(first.http_port(), "/livez").status == 200; }, 10s));
  const auto r = test::run_graced(
      {.args = {"--", "sleep", "1000"},
       .config = "[grpc]\nlisten = \"127.0.0.1:" + std::to_string(first.http_port()) + "\"\n"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("address already in use"));
}

}  // namespace
}  // namespace graced
