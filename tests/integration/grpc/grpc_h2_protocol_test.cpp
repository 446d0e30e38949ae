// graced's gRPC server on the wire, through a raw HTTP/2 client: the exact moment Watch
// messages go out, deadlines kept by the server itself, malformed and oversized requests,
// plain HTTP over HTTP/2, GOAWAY on shutdown and idleness, and the connection and stream
// limits.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "grpc/grpc_metadata.hpp"
#include "grpc/health_codec.hpp"
#include "grpc_loop_server.hpp"
#include "harness/wait.hpp"
#include "peers/grpc_h2_test_client.hpp"
#include "peers/http_get.hpp"

namespace graced::grpc {
namespace {

using namespace std::chrono_literals;
using health::CheckStatus;
using health::Probe;
using test::GrpcLoopServer;
using test::H2TestClient;
using ::testing::HasSubstr;

constexpr const char* kCheck = "/grpc.health.v1.Health/Check";
constexpr const char* kWatch = "/grpc.health.v1.Health/Watch";

test::GrpcServerSetup setup() {
  test::GrpcServerSetup s;
  s.checks.push_back(test::grpc_test_check("db", {Probe::readiness}, CheckStatus::passing));
  return s;
}

std::string request_for(const std::string& service) {
  return encode_health_check_request({service});
}

std::int32_t status_in(const std::string& message) {
  std::string error;
  return decode_health_check_response(message, error).value_or(-1);
}

int code(StatusCode c) {
  return static_cast<int>(c);
}

class GrpcH2Protocol : public ::testing::Test {
 protected:
  // The status of a unary call that has ended.
  std::optional<int> call_status(H2TestClient& c, std::int32_t id) {
    EXPECT_TRUE(c.pump_until([&] { return c.stream_closed(id); }, 10s));
    return c.stream(id).grpc_status();
  }
};

TEST_F(GrpcH2Protocol, CheckAnswersWithOneMessageAndOkTrailers) {
  GrpcLoopServer server(setup());
  H2TestClient c(server.port());
  auto id = c.grpc_call(kCheck, request_for("db"));
  EXPECT_EQ(call_status(c, id), 0);
  auto& s = c.stream(id);
  EXPECT_EQ(s.headers[":status"], "200");
  EXPECT_EQ(s.headers["content-type"], "application/grpc");
  ASSERT_EQ(s.messages().size(), 1u);
  EXPECT_EQ(status_in(s.messages()[0]), 1);
  EXPECT_EQ(s.trailers["grpc-status"], "0");
}

TEST_F(GrpcH2Protocol, WatchIsToldOfShutdownBeforeSetShuttingDownReturns) {
  GrpcLoopServer server(setup());
  H2TestClient overall(server.port());
  H2TestClient ready(server.port());
  auto a = overall.grpc_call(kWatch, request_for(""));
  auto b = ready.grpc_call(kWatch, request_for("readiness"));
  ASSERT_TRUE(overall.pump_until([&] { return overall.stream(a).messages().size() == 1; }, 10s));
  ASSERT_TRUE(ready.pump_until([&] { return ready.stream(b).messages().size() == 1; }, 10s));
  server.set_shutting_down("draining");
  // Pushed from Health's notification, written before set_shutting_down returned: the
  // bytes are already in the socket, no waiting needed.
  EXPECT_TRUE(overall.readable_now());
  EXPECT_TRUE(ready.readable_now());
  overall.pump_now();
  ready.pump_now();
  ASSERT_EQ(overall.stream(a).messages().size(), 2u);
  ASSERT_EQ(ready.stream(b).messages().size(), 2u);
  EXPECT_EQ(status_in(overall.stream(a).messages()[1]), 2);
  EXPECT_EQ(status_in(ready.stream(b).messages()[1]), 2);
  EXPECT_FALSE(overall.stream_closed(a));
}

TEST_F(GrpcH2Protocol, SlowWatchReaderGetsTheLatestStatusNotABacklog) {
  GrpcLoopServer server(setup());
  // A 10-byte stream window: the server can send one 7-byte message and part of the next
  // before it has to wait for the client to read.
  H2TestClient c(server.port(), 10);
  auto id = c.grpc_call(kWatch, request_for("db"));
  ASSERT_TRUE(c.pump_until([&] { return c.stream(id).messages().size() == 1; }, 10s));
  for (int i = 0; i < 100; ++i) {
    server.set_check("db", i % 2 == 0 ? CheckStatus::failing : CheckStatus::passing);
  }
  server.set_check("db", CheckStatus::failing);
  ASSERT_TRUE(c.pump_until(
      [&] {
        auto m = c.stream(id).messages();
        return !m.empty() && status_in(m.back()) == 2 && !c.readable_now();
      },
      10s));
  c.pump_until([] { return false; }, 200ms);
  const auto messages = c.stream(id).messages();
  EXPECT_LE(messages.size(), 4u);
  EXPECT_EQ(status_in(messages.back()), 2);
}

TEST_F(GrpcH2Protocol, WatchEndsWithDeadlineExceededAtItsGrpcTimeout) {
  GrpcLoopServer server(setup());
  H2TestClient c(server.port());
  const auto start = std::chrono::steady_clock::now();
  auto id = c.grpc_call(kWatch, request_for("db"), {{"grpc-timeout", "300m"}});
  EXPECT_EQ(call_status(c, id), code(StatusCode::deadline_exceeded));
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 290ms);
  EXPECT_LT(took, 3s);
  EXPECT_EQ(c.stream(id).messages().size(), 1u);
  EXPECT_EQ(c.stream(id).grpc_message(), "deadline exceeded");
  EXPECT_EQ(server.stats().calls_for(Method::watch, StatusCode::deadline_exceeded), 1u);
  EXPECT_EQ(server.stats().watch_streams_open, 0u);
}

TEST_F(GrpcH2Protocol, RequestThatNeverEndsIsCutAtItsDeadline) {
  GrpcLoopServer server(setup());
  H2TestClient c(server.port());
  auto id = c.grpc_call(kCheck, request_for("db"), {{"grpc-timeout", "200m"}}, false);
  EXPECT_EQ(call_status(c, id), code(StatusCode::deadline_exceeded));
}

TEST_F(GrpcH2Protocol, MalformedRequestsGetTheMatchingStatus) {
  GrpcLoopServer server(setup());
  H2TestClient c(server.port());
  struct Case {
    std::string name;
    std::string body;
    test::H2Fields extra;
    StatusCode expected;
    std::string message;
  };
  const std::string big(5000, 'x');
  const std::vector<Case> cases{
      {"no message", "", {}, StatusCode::internal, "no request message"},
      {"two messages",
       test::frame("") + test::frame(""),
       {},
       StatusCode::internal,
       "more than one request message"},
      {"truncated message",
       std::string("\0\0\0\0\x0a"
                   "abc",
                   8),
       {},
       StatusCode::internal,
       "request ends inside a message"},
      {"bad flag",
       std::string("\x07\0\0\0\0", 5),
       {},
       StatusCode::internal,
       "malformed message prefix"},
      {"compressed",
       std::string("\x01\0\0\0\0", 5),
       {},
       StatusCode::internal,
       "compressed flag set without a grpc-encoding"},
      {"gzip",
       std::string("\x01\0\0\0\0", 5),
       {{"grpc-encoding", "gzip"}},
       StatusCode::unimplemented,
       "grpc-encoding gzip is not supported (use identity)"},
      {"bad protobuf",
       test::frame("\x0a\x05"
                   "ab"),
       {},
       StatusCode::invalid_argument,
       "malformed HealthCheckRequest: length runs past the end of the message"},
      {"bad varint",
       test::frame(std::string(11, '\xff')),
       {},
       StatusCode::invalid_argument,
       "malformed HealthCheckRequest: varint overflows 64 bits"},
      {"not utf-8",
       test::frame("\x0a\x02\xc3\x28"),
       {},
       StatusCode::invalid_argument,
       "malformed HealthCheckRequest: service is not valid UTF-8"},
      {"too large",
       test::frame(big),
       {},
       StatusCode::resource_exhausted,
       "request message larger than 4096 bytes"},
      {"json",
       test::frame(""),
       {{"content-type", "application/grpc+json"}},
       StatusCode::internal,
       "content-type application/grpc+json is not supported (use application/grpc)"},
      {"bad timeout",
       test::frame(""),
       {{"grpc-timeout", "soon"}},
       StatusCode::internal,
       "malformed grpc-timeout \"soon\""},
  };
  for (const auto& k : cases) {
    test::H2Fields fields = test::grpc_request_fields(kCheck);
    for (const auto& [n, v] : k.extra) {
      bool replaced = false;
      for (auto& f : fields) {
        if (f.first == n) {
          f.second = v;
          replaced = true;
        }
      }
      if (!replaced) fields.emplace_back(n, v);
    }
    auto id = c.request(fields, k.body);
    EXPECT_EQ(call_status(c, id), code(k.expected)) << k.name;
    EXPECT_EQ(c.stream(id).grpc_message(), percent_encode_message(k.message)) << k.name;
  }
  // The connection survived all of it.
  auto id = c.grpc_call(kCheck, request_for("db"));
  EXPECT_EQ(call_status(c, id), 0);
}

TEST_F(GrpcH2Protocol, GrpcMessageIsPercentEncoded) {
  GrpcLoopServer server(setup());
  H2TestClient c(server.port());
  auto id = c.grpc_call(kCheck, request_for("caf\xc3\xa9 100%"));
  EXPECT_EQ(call_status(c, id), code(StatusCode::not_found));
  EXPECT_EQ(c.stream(id).grpc_message(), "unknown service caf%C3%A9 100%25");
}

TEST_F(GrpcH2Protocol, OversizedHeadersAreRefused) {
  GrpcLoopServer server(setup());
  H2TestClient c(server.port());
  auto id = c.grpc_call(kCheck, request_for("db"), {{"x-padding", std::string(9000, 'p')}});
  EXPECT_EQ(call_status(c, id), code(StatusCode::resource_exhausted));
  auto next = c.grpc_call(kCheck, request_for("db"));
  EXPECT_EQ(call_status(c, next), 0);
}

TEST_F(GrpcH2Protocol, AnAnswerLargerThanTheSocketTakesArrivesWholeAndInOrder) {
  auto s = setup();
  // /readyz?verbose of ~6.5 MB: more than the kernel's largest send buffer (tcp_wmem, 4 MiB
  // by default) and graced's write backlog (1 MiB) together take at once.
  constexpr int kChecks = 30000;
  const std::string padding(200, 'x');
  auto name = [&](int i) { return "dependency-" + std::to_string(i) + "-" + padding; };
  for (int i = 0; i < kChecks; ++i) {
    s.checks.push_back(test::grpc_test_check(name(i), {Probe::readiness}, CheckStatus::passing));
  }
  GrpcLoopServer server(std::move(s));
  // Windows wide enough for the whole answer, a small socket buffer, and no reading for a
  // while: the server's writes stop part-way and the rest waits queued behind them.
  H2TestClient c(server.port(), 1u << 30, 4096);
  auto id = c.request({{":method", "GET"},
                       {":scheme", "http"},
                       {":path", "/readyz?verbose"},
                       {":authority", "127.0.0.1"}},
                      std::nullopt);
  std::this_thread::sleep_for(300ms);
  ASSERT_TRUE(c.pump_until([&] { return c.stream_closed(id); }, 30s));
  auto& got = c.stream(id);
  EXPECT_EQ(got.headers[":status"], "200");
  // After graced's own entries (process, startup, shutdown), the checks in their order.
  std::string want = "[+]db ok\n";
  for (int i = 0; i < kChecks; ++i)
    want += "[+]" + name(i) + " ok\n";
  want += "readyz check passed\n";
  const auto first = got.body.find("[+]db ok\n");
  ASSERT_NE(first, std::string::npos) << got.body.substr(0, 200);
  const std::string checks = got.body.substr(first);
  EXPECT_EQ(checks.size(), want.size());
  EXPECT_TRUE(checks == want) << "the answer arrived altered or out of order";
}

TEST_F(GrpcH2Protocol, PlainHttpOverHttp2ReachesTheProbeEndpoints) {
  GrpcLoopServer server(setup());
  H2TestClient c(server.port());
  auto get = [&](const std::string& path) {
    auto id = c.request(
        {{":method", "GET"}, {":scheme", "http"}, {":path", path}, {":authority", "127.0.0.1"}},
        std::nullopt);
    EXPECT_TRUE(c.pump_until([&] { return c.stream_closed(id); }, 10s));
    return c.stream(id);
  };
  auto ok = get("/readyz");
  EXPECT_EQ(ok.headers[":status"], "200");
  EXPECT_EQ(ok.body, "ok");
  EXPECT_EQ(ok.headers["content-length"], "2");
  server.set_check("db", CheckStatus::failing);
  auto failing = get("/readyz?verbose");
  EXPECT_EQ(failing.headers[":status"], "503");
  EXPECT_THAT(failing.body, HasSubstr("[-]db failed"));
  EXPECT_EQ(get("/nowhere").headers[":status"], "404");
  EXPECT_EQ(get("/readyz?%zz").headers[":status"], "400");
  EXPECT_EQ(server.stats().http_requests, 4u);
}

TEST_F(GrpcH2Protocol, ClientResetOfAWatchIsCountedAsCancelled) {
  GrpcLoopServer server(setup());
  H2TestClient c(server.port());
  auto id = c.grpc_call(kWatch, request_for("db"));
  ASSERT_TRUE(c.pump_until([&] { return c.stream(id).messages().size() == 1; }, 10s));
  EXPECT_EQ(server.stats().watch_streams_open, 1u);
  c.reset(id);
  EXPECT_TRUE(test::wait_until([&] { return server.stats().watch_streams_open == 0; }, 5s));
  EXPECT_EQ(server.stats().calls_for(Method::watch, StatusCode::cancelled), 1u);
  // A change afterwards reaches nobody and breaks nothing.
  server.set_check("db", CheckStatus::failing);
  auto next = c.grpc_call(kCheck, request_for("db"));
  EXPECT_EQ(call_status(c, next), 0);
  EXPECT_EQ(status_in(c.stream(next).messages().at(0)), 2);
}

TEST_F(GrpcH2Protocol, ShutdownSendsGoawayEndsWatchesAndCloses) {
  GrpcLoopServer server(setup());
  H2TestClient c(server.port());
  auto id = c.grpc_call(kWatch, request_for(""));
  ASSERT_TRUE(c.pump_until([&] { return c.stream(id).messages().size() == 1; }, 10s));
  server.on_loop([](health::Health&, Server& s) { s.shutdown(); });
  EXPECT_TRUE(c.pump_until([&] { return c.peer_closed(); }, 5s));
  EXPECT_TRUE(c.goaway_received());
  EXPECT_EQ(c.goaway_error(), 0u);
  EXPECT_EQ(c.stream(id).grpc_status(), code(StatusCode::unavailable));
  EXPECT_EQ(server.stats().connections_open, 0u);
  // No new connections are taken.
  EXPECT_THROW(H2TestClient{server.port()}, std::runtime_error);
}

TEST_F(GrpcH2Protocol, IdleConnectionGetsGoawayButOneWithAWatchStays) {
  auto s = setup();
  s.options.idle_timeout = 300ms;
  GrpcLoopServer server(s);
  H2TestClient idle(server.port());
  H2TestClient watching(server.port());
  auto id = watching.grpc_call(kWatch, request_for("db"));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(idle.pump_until([&] { return idle.peer_closed(); }, 5s));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 250ms);
  EXPECT_TRUE(idle.goaway_received());
  watching.pump_until([] { return false; }, 400ms);
  EXPECT_FALSE(watching.peer_closed());
  EXPECT_EQ(watching.stream(id).messages().size(), 1u);
}

TEST_F(GrpcH2Protocol, ConnectionLimitShedsAnIdleConnectionFirstThenRefuses) {
  auto s = setup();
  s.options.max_connections = 2;
  GrpcLoopServer server(s);
  auto first = std::make_unique<H2TestClient>(server.port());
  auto second = std::make_unique<H2TestClient>(server.port());
  auto w = second->grpc_call(kWatch, request_for("db"));
  ASSERT_TRUE(second->pump_until([&] { return second->stream(w).messages().size() == 1; }, 10s));
  first->pump_until([] { return false; }, 100ms);
  // Room is made by closing the idle one, not the one with a Watch.
  H2TestClient third(server.port());
  auto id = third.grpc_call(kCheck, request_for("db"));
  EXPECT_EQ(call_status(third, id), 0);
  EXPECT_TRUE(first->pump_until([&] { return first->peer_closed(); }, 5s));
  EXPECT_FALSE(second->peer_closed());
  EXPECT_EQ(server.stats().connections_shed, 1u);
  // Both remaining connections busy with a Watch: the next one is refused.
  auto w3 = third.grpc_call(kWatch, request_for("db"));
  ASSERT_TRUE(third.pump_until([&] { return third.stream(w3).messages().size() == 1; }, 10s));
  H2TestClient fourth(server.port());
  EXPECT_TRUE(fourth.pump_until([&] { return fourth.peer_closed(); }, 5s));
  EXPECT_EQ(server.stats().connections_rejected, 1u);
}

TEST_F(GrpcH2Protocol, AdvertisesItsLimitsAndRefusesStreamsBeyondThem) {
  auto s = setup();
  s.options.max_concurrent_streams = 3;
  GrpcLoopServer server(s);
  H2TestClient c(server.port());
  // Five streams sent before the client has read the server's SETTINGS: the server holds
  // to its limit even before the client acknowledged it.
  std::vector<std::int32_t> ids;
  for (int i = 0; i < 5; ++i)
    ids.push_back(c.grpc_call(kWatch, request_for("db")));
  auto settled = [&] {
    int answered = 0, refused = 0;
    for (auto id : ids) {
      if (!c.stream(id).messages().empty()) ++answered;
      if (c.stream_closed(id) && c.stream(id).reset_code == NGHTTP2_REFUSED_STREAM) ++refused;
    }
    return answered == 3 && refused == 2;
  };
  EXPECT_TRUE(c.pump_until(settled, 10s));
  EXPECT_EQ(c.remote_setting(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS), 3u);
  EXPECT_EQ(c.remote_setting(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE), 8192u);
  EXPECT_EQ(server.stats().watch_streams_open, 3u);
}

TEST_F(GrpcH2Protocol, GarbageEndsTheConnectionNotTheServer) {
  GrpcLoopServer server(setup());
  {
    H2TestClient c(server.port());
    // A frame header announcing a 16 MiB HEADERS frame on stream 0: a connection error.
    c.send_raw(std::string("\xff\xff\xff\x01\x04\x00\x00\x00\x00", 9) + std::string(64, 'z'));
    EXPECT_TRUE(c.pump_until([&] { return c.peer_closed(); }, 5s));
    EXPECT_TRUE(c.goaway_received());
  }
  H2TestClient next(server.port());
  auto id = next.grpc_call(kCheck, request_for("db"));
  EXPECT_EQ(call_status(next, id), 0);
}

TEST_F(GrpcH2Protocol, Http1OnTheGrpcListenerIsClosedWithoutAnAnswer) {
  GrpcLoopServer server(setup());
  const auto reply = test::http_get(server.port(), "/readyz", 5s);
  EXPECT_EQ(reply.status, 0);
  H2TestClient next(server.port());
  auto id = next.grpc_call(kCheck, request_for("db"));
  EXPECT_EQ(call_status(next, id), 0);
}

}  // namespace
}  // namespace graced::grpc
