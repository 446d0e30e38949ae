// The grpc check kind against a real gRPC server (python3-grpcio) whose answer the test
// flips, against graced's own gRPC server, against a closed port and against a listener
// that never answers; and attempts abandoned mid-call.
#include "probes/grpc/grpc_check.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../probes/net_check_fixture.hpp"
#include "grpc_loop_server.hpp"
#include "harness/ports.hpp"
#include "harness/wait.hpp"
#include "peers/grpc_python_peers.hpp"
#include "peers/http_peer.hpp"
#include "peers/mute_listener.hpp"

namespace graced::probes {
namespace {

using namespace std::chrono_literals;
using test::GrpcHealthPeer;
using ::testing::HasSubstr;

class GrpcCheckTest : public NetCheckTest {
 protected:
  CheckResult attempt(const std::string& keys) { return NetCheckTest::attempt("grpc", keys); }
  static std::string at(const std::string& address, const std::string& more = "") {
    return "address = \"" + address + "\"\n" + more;
  }
};

TEST_F(GrpcCheckTest, KindIsRegisteredAsADependency) {
  const CheckKind* kind = find_check_kind("grpc");
  ASSERT_NE(kind, nullptr);
  EXPECT_TRUE(kind->is_dependency());
}

TEST_F(GrpcCheckTest, ServingPassesAndEveryOtherStatusFailsWithItsName) {
  GrpcHealthPeer peer("SERVING");
  EXPECT_TRUE(attempt(at(peer.address())).ok);
  peer.set_state("NOT_SERVING");
  auto r = attempt(at(peer.address()));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.message, "NOT_SERVING");
  peer.set_state("UNKNOWN");
  EXPECT_EQ(attempt(at(peer.address())).message, "UNKNOWN");
  peer.set_state("SERVING");
  EXPECT_TRUE(attempt(at(peer.address())).ok);
}

TEST_F(GrpcCheckTest, ErrorStatusesFailWithStatusAndMessage) {
  GrpcHealthPeer peer("UNIMPLEMENTED");
  auto r = attempt(at(peer.address()));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.message, "status UNIMPLEMENTED: health checking is switched off");
  peer.set_state("NOT_FOUND");
  EXPECT_EQ(attempt(at(peer.address(), "service = \"users\"")).message,
            "status NOT_FOUND: unknown service users");
}

TEST_F(GrpcCheckTest, ServerWithoutTheHealthServiceFailsUnimplemented) {
  GrpcHealthPeer peer("SERVING", false);
  auto r = attempt(at(peer.address()));
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(r.message, ::testing::StartsWith("status UNIMPLEMENTED"));
}

TEST_F(GrpcCheckTest, SendsTheServiceNameAndADeadline) {
  GrpcHealthPeer peer("SERVING");
  EXPECT_TRUE(attempt(at(peer.address(), "service = \"user.v1.UserService\"")).ok);
  const auto requests = peer.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_THAT(requests[0], HasSubstr("\"service\": \"user.v1.UserService\""));
  EXPECT_THAT(requests[0], HasSubstr("\"user-agent\": \"graced/"));
}

TEST_F(GrpcCheckTest, ClosedPortFailsWithConnectionRefused) {
  auto r = attempt(at("127.0.0.1:" + std::to_string(test::free_port())));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.message, "connection refused");
}

TEST_F(GrpcCheckTest, AnHttp1ServerIsNotTakenForGrpc) {
  // It answers, but not in HTTP/2: an error page in reply to the HTTP/2 preface.
  test::HttpPeer http;
  auto r = attempt(at("127.0.0.1:" + std::to_string(http.port())));
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(r.message, ::testing::StartsWith("not an HTTP/2 server"));
}

TEST_F(GrpcCheckTest, AgainstGracedsOwnServer) {
  test::GrpcServerSetup setup;
  setup.checks.push_back(
      test::grpc_test_check("db", {health::Probe::readiness}, health::CheckStatus::passing));
  test::GrpcLoopServer graced(setup);
  EXPECT_TRUE(attempt(at(graced.address())).ok);
  EXPECT_TRUE(attempt(at(graced.address(), "service = \"db\"")).ok);
  EXPECT_EQ(attempt(at(graced.address(), "service = \"nope\"")).message,
            "status NOT_FOUND: unknown service nope");
  graced.set_check("db", health::CheckStatus::failing);
  EXPECT_EQ(attempt(at(graced.address())).message, "NOT_SERVING");
  // The check's deadline travels as grpc-timeout (the engine's timeout, 1s here).
  EXPECT_EQ(graced.stats().calls_for(grpc::Method::check, grpc::StatusCode::ok), 3u);
}

TEST_F(GrpcCheckTest, CancelledWhileTheServerHangsLeavesNothingBehind) {
  GrpcHealthPeer peer("HANG");
  Check& check = make("grpc", at(peer.address()));
  start(check);
  run_for(500ms);
  EXPECT_EQ(calls_, 0);
  ASSERT_TRUE(test::wait_until([&] { return peer.requests().size() == 1; }, 5s));
  check.cancel();
  run_for(200ms);
  EXPECT_EQ(calls_, 0);
  // TearDown checks that no handle is left on the loop. The same check runs again.
  peer.set_state("SERVING");
  start(check);
  run_until_result(10s);
  ASSERT_TRUE(result_.has_value());
  EXPECT_TRUE(result_->ok) << result_->message;
}

TEST_F(GrpcCheckTest, CancelledWhileAListenerNeverAnswers) {
  test::MuteListener mute;
  Check& check = make("grpc", at(mute.address()));
  start(check);
  run_for(300ms);
  EXPECT_EQ(calls_, 0);
  check.cancel();
  run_for(100ms);
  EXPECT_EQ(calls_, 0);
  // What the check had sent: the HTTP/2 preface first.
  auto sent = mute.read_until_closed(5s);
  ASSERT_TRUE(sent.has_value());
  EXPECT_EQ(sent->substr(0, 24), "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
}

TEST_F(GrpcCheckTest, ConfigNeedsAValidAddress) {
  EXPECT_THAT(errors("grpc", ""), HasSubstr("a grpc check needs an address"));
  EXPECT_THAT(errors("grpc", "address = \"nohost\""), HasSubstr("missing port"));
  EXPECT_THAT(errors("grpc", "address = \"a:1\"\nauthority = \"a b\""),
              HasSubstr("is not a host[:port]"));
  EXPECT_THAT(errors("grpc", "address = \"a:1\"\nsurprise = 1"), HasSubstr("unknown key"));
}

TEST_F(GrpcCheckTest, CheckConfigShowsItsKeys) {
  const auto out = emitted("grpc", "address = \"users:50051\"\nservice = \"u\"\nauthority = \"x\"");
  EXPECT_THAT(out, HasSubstr("address = 'users:50051'"));
  EXPECT_THAT(out, HasSubstr("service = 'u'"));
  EXPECT_THAT(out, HasSubstr("authority = 'x'"));
}

}  // namespace
}  // namespace graced::probes
