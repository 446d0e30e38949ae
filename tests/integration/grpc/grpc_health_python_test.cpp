// graced's gRPC health service against a real gRPC client (python3-grpcio): Check for
// every kind of name, List, Watch following Health as it changes, shutdown, deadlines and
// unknown methods. The server runs in this process on its own loop thread; each test
// reaches it through grpc.listen or through the HTTP/1.1 listener's hand-over.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "grpc_loop_server.hpp"
#include "harness/wait.hpp"
#include "peers/grpc_python_peers.hpp"

namespace graced::grpc {
namespace {

using namespace std::chrono_literals;
using health::CheckStatus;
using health::Probe;
using test::GrpcEntry;
using test::GrpcLoopServer;
using test::GrpcPythonClient;
using test::run_grpc_client;
using ::testing::ElementsAre;
using ::testing::StartsWith;

// db feeds readiness and passes; cache feeds liveness and fails: ready but not live.
test::GrpcServerSetup setup(GrpcEntry entry = GrpcEntry::own_listener) {
  test::GrpcServerSetup s;
  s.entry = entry;
  s.checks.push_back(test::grpc_test_check("db", {Probe::readiness}, CheckStatus::passing));
  s.checks.push_back(test::grpc_test_check("cache", {Probe::liveness}, CheckStatus::failing));
  s.options.services = {{"user.v1.UserService", "readiness"}, {"cache.v1.Cache", "cache"}};
  return s;
}

class GrpcHealthPython : public ::testing::TestWithParam<GrpcEntry> {};

TEST_P(GrpcHealthPython, CheckAnswersProbesChecksAndMappedServices) {
  GrpcLoopServer server(setup(GetParam()));
  const auto lines = run_grpc_client(
      server.address(),
      {"check:", "check:readiness", "check:liveness", "check:startup", "check:db", "check:cache",
       "check:user.v1.UserService", "check:cache.v1.Cache", "check:nope"});
  EXPECT_THAT(lines, ElementsAre("check \"\": SERVING",                     //
                                 "check \"readiness\": SERVING",            //
                                 "check \"liveness\": NOT_SERVING",         //
                                 "check \"startup\": SERVING",              //
                                 "check \"db\": SERVING",                   //
                                 "check \"cache\": NOT_SERVING",            //
                                 "check \"user.v1.UserService\": SERVING",  //
                                 "check \"cache.v1.Cache\": NOT_SERVING",   //
                                 "check \"nope\": error NOT_FOUND: unknown service nope"));
  const auto stats = server.stats();
  EXPECT_EQ(stats.calls_for(Method::check, StatusCode::ok), 8u);
  EXPECT_EQ(stats.calls_for(Method::check, StatusCode::not_found), 1u);
}

TEST_P(GrpcHealthPython, ListNamesEverythingCheckAnswers) {
  GrpcLoopServer server(setup(GetParam()));
  const auto lines = run_grpc_client(server.address(), {"list"});
  EXPECT_THAT(lines, ElementsAre("list: =SERVING cache=NOT_SERVING cache.v1.Cache=NOT_SERVING "
                                 "db=SERVING liveness=NOT_SERVING readiness=SERVING "
                                 "startup=SERVING user.v1.UserService=SERVING"));
}

TEST_P(GrpcHealthPython, WatchSeesAFailingCheckThenItsRecovery) {
  GrpcLoopServer server(setup(GetParam()));
  GrpcPythonClient client(server.address(), {"watch:db"});
  ASSERT_TRUE(client.wait_for_results(1, 20s)) << client.log();
  server.set_check("db", CheckStatus::failing);
  server.set_check("db", CheckStatus::passing);
  auto lines = client.wait_for_results(3, 10s);
  ASSERT_TRUE(lines) << client.log();
  EXPECT_THAT(*lines, ElementsAre("watch \"db\": SERVING", "watch \"db\": NOT_SERVING",
                                  "watch \"db\": SERVING"));
}

INSTANTIATE_TEST_SUITE_P(Entries, GrpcHealthPython,
                         ::testing::Values(GrpcEntry::own_listener, GrpcEntry::handover,
                                           GrpcEntry::handover_socket),
                         test::grpc_entry_name);

TEST(GrpcHealthPythonWatch, SendsOnlyChangesOfTheWatchedName) {
  GrpcLoopServer server(setup());
  GrpcPythonClient client(server.address(), {"watch:readiness"});
  ASSERT_TRUE(client.wait_for_results(1, 20s)) << client.log();
  // Changes that leave readiness as it is: another probe's check, a repeated status.
  server.set_check("cache", CheckStatus::passing);
  server.set_check("cache", CheckStatus::failing);
  server.set_check("db", CheckStatus::passing);
  server.set_check("db", CheckStatus::failing);
  auto lines = client.wait_for_results(2, 10s);
  ASSERT_TRUE(lines) << client.log();
  EXPECT_THAT(*lines,
              ElementsAre("watch \"readiness\": SERVING", "watch \"readiness\": NOT_SERVING"));
  // Nothing else arrived meanwhile or shortly after.
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(client.results().size(), 2u) << client.log();
}

TEST(GrpcHealthPythonWatch, OverallAndReadinessWatchesSeeShutdown) {
  GrpcLoopServer server(setup());
  GrpcPythonClient overall(server.address(), {"watch:"});
  GrpcPythonClient readiness(server.address(), {"watch:readiness"});
  GrpcPythonClient liveness(server.address(), {"watch:cache"});
  ASSERT_TRUE(overall.wait_for_results(1, 20s)) << overall.log();
  ASSERT_TRUE(readiness.wait_for_results(1, 20s)) << readiness.log();
  ASSERT_TRUE(liveness.wait_for_results(1, 20s)) << liveness.log();
  server.set_shutting_down("draining");
  auto a = overall.wait_for_results(2, 10s);
  auto b = readiness.wait_for_results(2, 10s);
  ASSERT_TRUE(a && b) << overall.log() << readiness.log();
  EXPECT_EQ(a->back(), "watch \"\": NOT_SERVING");
  EXPECT_EQ(b->back(), "watch \"readiness\": NOT_SERVING");
  // A check's own status does not change with shutdown.
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(liveness.results().size(), 1u) << liveness.log();
}

TEST(GrpcHealthPythonWatch, UnknownServiceGetsServiceUnknownAndTheStreamStaysOpen) {
  GrpcLoopServer server(setup());
  GrpcPythonClient client(server.address(), {"watch:nope"});
  auto lines = client.wait_for_results(1, 20s);
  ASSERT_TRUE(lines) << client.log();
  EXPECT_EQ(lines->front(), "watch \"nope\": SERVICE_UNKNOWN");
  std::this_thread::sleep_for(500ms);
  EXPECT_TRUE(client.running());
  EXPECT_EQ(client.results().size(), 1u);
  EXPECT_EQ(server.stats().watch_streams_open, 1u);
}

TEST(GrpcHealthPythonWatch, ShutdownEndsWatchesWithUnavailable) {
  GrpcLoopServer server(setup());
  GrpcPythonClient client(server.address(), {"watch:"});
  ASSERT_TRUE(client.wait_for_results(1, 20s)) << client.log();
  server.on_loop([](health::Health&, Server& s) { s.shutdown(); });
  auto lines = client.wait_for_results(2, 10s);
  ASSERT_TRUE(lines) << client.log();
  EXPECT_EQ(lines->back(), "watch \"\": end UNAVAILABLE: graced is shutting down");
  EXPECT_TRUE(client.wait(10s).has_value());
  EXPECT_TRUE(test::wait_until([&] { return server.stats().connections_open == 0; }, 5s));
  EXPECT_EQ(server.stats().watch_streams_open, 0u);
}

TEST(GrpcHealthPythonCalls, OtherMethodsAreUnimplemented) {
  GrpcLoopServer server(setup());
  const auto lines = run_grpc_client(
      server.address(), {"unary:/grpc.health.v1.Health/Nope", "unary:/user.v1.UserService/Get"});
  EXPECT_THAT(lines,
              ElementsAre("unary /grpc.health.v1.Health/Nope: error UNIMPLEMENTED: unknown method "
                          "/grpc.health.v1.Health/Nope",
                          "unary /user.v1.UserService/Get: error UNIMPLEMENTED: unknown method "
                          "/user.v1.UserService/Get"));
  EXPECT_EQ(server.stats().calls_for(Method::other, StatusCode::unimplemented), 2u);
}

TEST(GrpcHealthPythonCalls, ClientDeadlinesAreCarriedAndHonoured) {
  GrpcLoopServer server(setup());
  // A unary call well within its deadline answers; a Watch runs until its deadline.
  const auto start = std::chrono::steady_clock::now();
  const auto lines =
      run_grpc_client(server.address(), {"deadline:5", "check:db", "deadline:0.5", "watch:db"});
  const auto took = std::chrono::steady_clock::now() - start;
  // Client and server both keep the deadline; either may be first to end the call.
  EXPECT_THAT(lines, ElementsAre("check \"db\": SERVING", "watch \"db\": SERVING",
                                 StartsWith("watch \"db\": end DEADLINE_EXCEEDED")));
  EXPECT_LT(took, 15s);
  EXPECT_TRUE(test::wait_until([&] { return server.stats().watch_streams_open == 0; }, 5s));
}

}  // namespace
}  // namespace graced::grpc
