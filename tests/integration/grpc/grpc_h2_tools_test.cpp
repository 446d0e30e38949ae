// graced's HTTP/2 side against nghttp2's own command-line tools (Debian's nghttp2-client):
// nghttp for plain requests with prior knowledge, h2load for many connections and many
// concurrent streams, both for GET /readyz and for gRPC Check calls.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <string>
#include <vector>

#include "grpc/health_codec.hpp"
#include "grpc_loop_server.hpp"
#include "harness/files.hpp"
#include "harness/temp_dir.hpp"
#include "peers/grpc_h2_test_client.hpp"
#include "peers/peer_process.hpp"

namespace graced::grpc {
namespace {

using namespace std::chrono_literals;
using health::CheckStatus;
using health::Probe;
using test::GrpcEntry;
using test::GrpcLoopServer;
using ::testing::HasSubstr;

struct ToolRun {
  std::optional<int> exit_code;
  std::string output;  // stdout and stderr
};

// Runs a tool to completion (killed after `timeout`).
ToolRun run_tool(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  test::TempDir dir;
  const std::string log = dir.file("tool.log");
  test::PeerProcess p;
  p.spawn(argv, log);
  ToolRun r;
  r.exit_code = p.wait(timeout);
  if (!r.exit_code) p.kill();
  r.output = test::read_file(log).value_or("");
  return r;
}

test::GrpcServerSetup setup(GrpcEntry entry) {
  test::GrpcServerSetup s;
  s.entry = entry;
  s.checks.push_back(test::grpc_test_check("db", {Probe::readiness}, CheckStatus::passing));
  return s;
}

class GrpcH2Tools : public ::testing::TestWithParam<GrpcEntry> {};

TEST_P(GrpcH2Tools, NghttpGetsReadyzWithPriorKnowledge) {
  GrpcLoopServer server(setup(GetParam()));
  const std::string url = "http://" + server.address() + "/readyz";
  auto ok = run_tool({"/usr/bin/nghttp", "-v", url}, 20s);
  ASSERT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_THAT(ok.output, HasSubstr(":status: 200"));
  EXPECT_THAT(ok.output, HasSubstr("ok"));
  server.set_check("db", CheckStatus::failing);
  auto failing = run_tool({"/usr/bin/nghttp", "-v", url + "?verbose"}, 20s);
  ASSERT_EQ(failing.exit_code, 0) << failing.output;
  EXPECT_THAT(failing.output, HasSubstr(":status: 503"));
  EXPECT_THAT(failing.output, HasSubstr("[-]db failed"));
}

// h2load's summary line: "requests: 1000 total, 1000 started, 1000 done, 1000 succeeded, ..."
int succeeded(const std::string& output) {
  std::smatch m;
  if (!std::regex_search(output, m, std::regex(R"((\d+) succeeded)"))) return -1;
  return std::stoi(m[1]);
}

TEST_P(GrpcH2Tools, H2loadManyStreamsOfReadyz) {
  GrpcLoopServer server(setup(GetParam()));
  auto r = run_tool({"/usr/bin/h2load", "-n", "1000", "-c", "10", "-m", "10", "-T", "20s",
                     "http://" + server.address() + "/readyz"},
                    60s);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(succeeded(r.output), 1000) << r.output;
  EXPECT_THAT(r.output, HasSubstr("status codes: 1000 2xx"));
  EXPECT_EQ(server.stats().http_requests, 1000u);
}

TEST_P(GrpcH2Tools, H2loadManyConcurrentGrpcChecks) {
  GrpcLoopServer server(setup(GetParam()));
  test::TempDir dir;
  const std::string body = dir.file("check.bin");
  test::write_file(body, test::frame(encode_health_check_request({"db"})));
  auto r = run_tool({"/usr/bin/h2load", "-n", "1000", "-c", "10", "-m", "10", "-T", "20s", "-d",
                     body, "-H", "content-type: application/grpc", "-H", "te: trailers",
                     "http://" + server.address() + "/grpc.health.v1.Health/Check"},
                    60s);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(succeeded(r.output), 1000) << r.output;
  const auto stats = server.stats();
  EXPECT_EQ(stats.calls_for(Method::check, StatusCode::ok), 1000u);
  EXPECT_EQ(stats.connections_accepted, 10u);
}

INSTANTIATE_TEST_SUITE_P(Entries, GrpcH2Tools,
                         ::testing::Values(GrpcEntry::own_listener, GrpcEntry::handover),
                         test::grpc_entry_name);

}  // namespace
}  // namespace graced::grpc
