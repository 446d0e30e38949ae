// `graced probe`'s argument parsing and the verdicts it draws from an answer; the runs
// against real servers are in tests/integration/grpc/probe_command_test.cpp.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "grpc/health_codec.hpp"
#include "probe_client/grpc_probe.hpp"
#include "probe_client/http_probe.hpp"
#include "probe_client/probe_args.hpp"
#include "probes/grpc/grpc_check.hpp"

namespace graced::probe_client {
namespace {

using namespace std::chrono_literals;
using probes::GrpcReply;
using ::testing::HasSubstr;

GrpcProbeArgs grpc_args(const std::vector<std::string>& words) {
  auto parsed = parse_probe_args(words);
  if (auto* err = std::get_if<ArgsError>(&parsed)) ADD_FAILURE() << err->message;
  if (!std::holds_alternative<GrpcProbeArgs>(parsed)) return {};
  return std::get<GrpcProbeArgs>(parsed);
}

std::string error_of(const std::vector<std::string>& words) {
  auto parsed = parse_probe_args(words);
  auto* err = std::get_if<ArgsError>(&parsed);
  return err ? err->message : "<no error>";
}

TEST(ProbeArgs, GrpcTakesFlagsInEitherForm) {
  auto a = grpc_args({"grpc", "--service=users", "db:50051", "--connect-timeout", "250ms",
                      "--rpc-timeout=2s", "--header", "authorization: Bearer x", "--header=x-a:b",
                      "--authority", "api.local"});
  EXPECT_EQ(a.address, "db:50051");
  EXPECT_EQ(a.target.host, "db");
  EXPECT_EQ(a.target.port, 50051);
  EXPECT_EQ(a.service, "users");
  EXPECT_EQ(a.connect_timeout, 250ms);
  EXPECT_EQ(a.rpc_timeout, 2s);
  EXPECT_EQ(a.authority, "api.local");
  ASSERT_EQ(a.headers.size(), 2u);
  EXPECT_EQ(a.headers[0], (std::pair<std::string, std::string>{"authorization", "Bearer x"}));
  EXPECT_EQ(a.headers[1], (std::pair<std::string, std::string>{"x-a", "b"}));
}

TEST(ProbeArgs, GrpcDefaults) {
  auto a = grpc_args({"grpc", "[::1]:8558"});
  EXPECT_EQ(a.target.host, "::1");
  EXPECT_EQ(a.service, "");
  EXPECT_EQ(a.connect_timeout, 1s);
  EXPECT_EQ(a.rpc_timeout, 1s);
}

TEST(ProbeArgs, MistakesAreNamed) {
  EXPECT_EQ(error_of({}), "graced probe needs a protocol: grpc or http");
  EXPECT_EQ(error_of({"ftp"}), "unknown protocol \"ftp\" (use grpc or http)");
  EXPECT_EQ(error_of({"grpc"}), "graced probe grpc needs an address (host:port)");
  EXPECT_THAT(error_of({"grpc", "db"}), HasSubstr("missing port"));
  EXPECT_EQ(error_of({"grpc", "a:1", "b:2"}), "unexpected argument \"b:2\"");
  EXPECT_EQ(error_of({"grpc", "a:1", "--service"}), "--service needs a value");
  EXPECT_EQ(error_of({"grpc", "a:1", "--nope"}), "unknown option --nope");
  EXPECT_THAT(error_of({"grpc", "a:1", "--rpc-timeout", "1"}), HasSubstr("is not a duration"));
  EXPECT_THAT(error_of({"grpc", "a:1", "--rpc-timeout", "0s"}), HasSubstr("is not a duration"));
  EXPECT_THAT(error_of({"grpc", "a:1", "--header", ": x"}), HasSubstr("is not \"name: value\""));
  EXPECT_EQ(error_of({"http"}), "graced probe http needs a URL (http://host:port/path)");
  EXPECT_THAT(error_of({"http", "ftp://x/"}), HasSubstr("unsupported scheme"));
  EXPECT_TRUE(std::holds_alternative<HelpArgs>(parse_probe_args({"grpc", "--help"})));
  EXPECT_TRUE(std::holds_alternative<HelpArgs>(parse_probe_args({"-h"})));
}

TEST(ProbeArgs, HttpTakesAUrlAndATimeout) {
  auto parsed = parse_probe_args({"http", "http://127.0.0.1:8558/readyz", "--timeout=3s"});
  ASSERT_TRUE(std::holds_alternative<HttpProbeArgs>(parsed));
  const auto& h = std::get<HttpProbeArgs>(parsed);
  EXPECT_EQ(h.url.port, 8558);
  EXPECT_EQ(h.url.target, "/readyz");
  EXPECT_EQ(h.timeout, 3s);
}

GrpcReply answered(int grpc_status, std::string response = {}, std::string message = {}) {
  GrpcReply r;
  r.outcome = GrpcReply::Outcome::answered;
  r.grpc_status = grpc_status;
  r.response = std::move(response);
  r.grpc_message = std::move(message);
  return r;
}

TEST(ProbeVerdict, ExitCodesFollowGrpcHealthProbe) {
  GrpcProbeArgs args;
  args.address = "a:1";
  args.rpc_timeout = 2s;
  using grpc::ServingStatus;
  EXPECT_EQ(judge_grpc_reply(
                answered(0, grpc::encode_health_check_response(ServingStatus::serving)), args)
                .exit_code,
            0);
  auto not_serving = judge_grpc_reply(
      answered(0, grpc::encode_health_check_response(ServingStatus::not_serving)), args);
  EXPECT_EQ(not_serving.exit_code, 4);
  EXPECT_EQ(not_serving.line, "service unhealthy (responded with \"NOT_SERVING\")");
  EXPECT_EQ(judge_grpc_reply(answered(0, ""), args).exit_code, 4);  // UNKNOWN
  EXPECT_EQ(judge_grpc_reply(answered(12, "", "nope"), args).exit_code, 3);
  EXPECT_EQ(judge_grpc_reply(answered(4), args).line,
            "timeout: health rpc did not complete within 2s");
  EXPECT_EQ(judge_grpc_reply(answered(5, "", "unknown service x"), args).line,
            "error: health rpc failed: status NOT_FOUND: unknown service x");
  GrpcReply refused;
  refused.outcome = GrpcReply::Outcome::connect_failed;
  refused.error = "connection refused";
  EXPECT_EQ(judge_grpc_reply(refused, args).exit_code, 2);
  GrpcReply lost;
  lost.outcome = GrpcReply::Outcome::failed;
  lost.error = "connection closed before an answer";
  EXPECT_EQ(judge_grpc_reply(lost, args).exit_code, 3);
}

TEST(GrpcCheckVerdict, OnlyServingPasses) {
  using grpc::ServingStatus;
  EXPECT_TRUE(probes::judge_health_reply(
                  answered(0, grpc::encode_health_check_response(ServingStatus::serving)))
                  .ok);
  auto r = probes::judge_health_reply(
      answered(0, grpc::encode_health_check_response(ServingStatus::not_serving)));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.message, "NOT_SERVING");
  EXPECT_EQ(probes::judge_health_reply(answered(12, "", "x")).message, "status UNIMPLEMENTED: x");
  EXPECT_EQ(probes::judge_health_reply(answered(14)).message, "status UNAVAILABLE");
  EXPECT_EQ(probes::judge_health_reply(answered(0, "\x08")).message,
            "malformed HealthCheckResponse: truncated varint");
}

TEST(GrpcStatusForHttp, FollowsTheGrpcSpecTable) {
  EXPECT_EQ(probes::grpc_status_for_http(404), 12);
  EXPECT_EQ(probes::grpc_status_for_http(503), 14);
  EXPECT_EQ(probes::grpc_status_for_http(401), 16);
  EXPECT_EQ(probes::grpc_status_for_http(500), 2);
}

TEST(StatusLine, OnlyAnHttp1StatusLineIsOne) {
  EXPECT_EQ(parse_status_line("HTTP/1.1 200 OK"), 200);
  EXPECT_EQ(parse_status_line("HTTP/1.0 503"), 503);
  EXPECT_FALSE(parse_status_line("HTTP/2 200"));
  EXPECT_FALSE(parse_status_line("HTTP/1.1 20x OK"));
  EXPECT_FALSE(parse_status_line("HTTP/1.1 2000"));
  EXPECT_FALSE(parse_status_line("SSH-2.0-OpenSSH"));
}

}  // namespace
}  // namespace graced::probe_client
