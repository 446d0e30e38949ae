// Connections that open with the HTTP/2 prior-knowledge preface are handed over with
// every byte read so far; everything else is HTTP/1.1 as before, on the same port.
#include <unistd.h>

#include <string>

#include "http/h2_preface.hpp"
#include "http_test_support.hpp"

namespace graced::http::testing {
namespace {

class Http2HandoverTest : public HttpServerTest {
 protected:
  // Starts a server whose hand-over records the bytes and echoes "h2" on the socket.
  void start_with_handover() {
    ServerOptions options;
    options.on_http2_preface = [this](uv_os_sock_t socket, std::string_view already_read) {
      handed_over_ = std::string(already_read);
      (void)!::write(socket, "h2", 2);
      ::close(socket);
    };
    start(options, [](const Request&, Responder r) { r.send(Response{200, {}, "ok"}); });
  }
  std::string handed_over() {
    return loop.run([this] { return handed_over_; });
  }

  std::string handed_over_;  // touched on the loop thread only
};

TEST_F(Http2HandoverTest, PrefaceAndWhatFollowsAreHandedOver) {
  start_with_handover();
  RawClient c(port);
  const std::string settings("\x00\x00\x00\x04\x00\x00\x00\x00\x00", 9);
  ASSERT_TRUE(c.send(std::string(kH2Preface) + settings));
  ASSERT_TRUE(c.wait_closed());
  EXPECT_EQ(c.received(), "h2");
  EXPECT_EQ(handed_over(), std::string(kH2Preface) + settings);
  const auto s = stats();
  EXPECT_EQ(s.http2_handovers, 1u);
  EXPECT_EQ(s.requests, 0u);
  EXPECT_EQ(s.connections_open, 0u);
}

TEST_F(Http2HandoverTest, PrefaceSplitAcrossReadsIsStillRecognised) {
  start_with_handover();
  RawClient c(port);
  ASSERT_TRUE(c.send(kH2Preface.substr(0, 5)));
  EXPECT_TRUE(c.stays_silent(100ms));
  ASSERT_TRUE(c.send(kH2Preface.substr(5)));
  ASSERT_TRUE(c.wait_closed());
  EXPECT_EQ(c.received(), "h2");
  EXPECT_EQ(handed_over(), std::string(kH2Preface));
}

TEST_F(Http2HandoverTest, Http1OnTheSamePortIsAnsweredAsBefore) {
  start_with_handover();
  RawClient c(port);
  ASSERT_TRUE(c.send(get("/a")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  // Starts like the preface but is not it: parsed as HTTP/1.1 (an unknown method).
  RawClient d(port);
  ASSERT_TRUE(d.send("PRX / HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto bad = d.read_response();
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(stats().http2_handovers, 0u);
}

TEST_F(Http2HandoverTest, APrefaceAfterAnHttp1RequestIsNotHandedOver) {
  start_with_handover();
  RawClient c(port);
  ASSERT_TRUE(c.send(get("/a")));
  ASSERT_TRUE(c.read_response());
  ASSERT_TRUE(c.send(std::string(kH2Preface)));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(stats().http2_handovers, 0u);
}

TEST_F(Http2HandoverTest, WithoutAHandoverThePrefaceIsABadRequest) {
  start({}, [](const Request&, Responder r) { r.send(Response{200, {}, "ok"}); });
  RawClient c(port);
  ASSERT_TRUE(c.send(std::string(kH2Preface)));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
}

}  // namespace
}  // namespace graced::http::testing
