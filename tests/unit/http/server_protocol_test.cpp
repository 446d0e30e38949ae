// The HTTP/1.1 server against real clients: curl and raw sockets on loopback.
#include <gtest/gtest.h>

#include <vector>

#include "http/server.hpp"
#include "http_test_support.hpp"
#include "loop/handle.hpp"

namespace graced::http::testing {
namespace {

TEST_F(HttpServerTest, CurlGetsStatusHeadersAndBodyAndTheHandlerSeesTheRequest) {
  std::vector<Request> seen;  // touched on the loop thread only
  start({}, [&](const Request& req, Responder r) {
    seen.push_back(req);
    r.send(Response{200, {{"Content-Type", "text/plain"}, {"X-Probe", "livez"}}, "ok\n"});
  });
  auto res =
      curl({"-i", "-H", "X-Custom-Thing: Value 1", url("/live%7Ez?verbose&exclude=a&exclude=b")});
  ASSERT_EQ(res.exit_code, 0) << res.output;
  EXPECT_NE(res.output.find("HTTP/1.1 200 OK\r\n"), std::string::npos) << res.output;
  EXPECT_NE(res.output.find("X-Probe: livez\r\n"), std::string::npos);
  EXPECT_NE(res.output.find("Content-Length: 3\r\n"), std::string::npos);
  EXPECT_TRUE(res.output.ends_with("\r\n\r\nok\n")) << res.output;

  auto requests = loop.run([&] { return seen; });
  ASSERT_EQ(requests.size(), 1u);
  const auto& req = requests[0];
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.target, "/live%7Ez?verbose&exclude=a&exclude=b");
  EXPECT_EQ(req.path, "/live~z");
  EXPECT_EQ(req.query, (Fields{{"verbose", ""}, {"exclude", "a"}, {"exclude", "b"}}));
  EXPECT_EQ(req.header("X-CUSTOM-THING"), "Value 1");
  EXPECT_EQ(req.header("host"), "127.0.0.1:" + std::to_string(port));
  bool names_lower_case = true;
  for (const auto& [name, value] : req.headers) {
    for (char c : name)
      names_lower_case = names_lower_case && !(c >= 'A' && c <= 'Z');
  }
  EXPECT_TRUE(names_lower_case);
  EXPECT_EQ(req.http_major, 1);
  EXPECT_EQ(req.http_minor, 1);
  EXPECT_TRUE(req.keep_alive);
  EXPECT_EQ(req.peer_address, "127.0.0.1");
  EXPECT_GT(req.peer_port, 0);
  EXPECT_TRUE(req.peer_is_loopback);
  auto s = stats();
  EXPECT_EQ(s.requests, 1u);
  EXPECT_EQ(s.responses_by_class[2], 1u);
  EXPECT_EQ(s.connections_accepted, 1u);
}

TEST_F(HttpServerTest, HeadAnnouncesTheBodyLengthButSendsNoBody) {
  start({}, [](const Request&, Responder r) { r.send(Response{200, {}, "twelve bytes"}); });
  RawClient c(port);
  // The GET behind the HEAD is parsed right after the HEAD's headers: a stray body would
  // be read as the start of the GET's response.
  ASSERT_TRUE(c.send("HEAD /x HTTP/1.1\r\nHost: t\r\n\r\n" + get("/y")));
  auto head = c.read_response(true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("content-length"), "12");
  auto after = c.read_response();
  ASSERT_TRUE(after);
  EXPECT_EQ(after->body, "twelve bytes");

  auto res = curl({"-I", url("/x")});
  ASSERT_EQ(res.exit_code, 0) << res.output;
  EXPECT_NE(res.output.find("Content-Length: 12"), std::string::npos) << res.output;
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  start({}, echo_path());
  RawClient c(port);
  for (const char* path : {"/one", "/two", "/three"}) {
    ASSERT_TRUE(c.send(get(path)));
    auto r = c.read_response();
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->body, path);
    EXPECT_FALSE(r->header("connection"));
  }
  // curl reuses its connection for several URLs given at once.
  auto res = curl({url("/a"), url("/b"), url("/c")});
  EXPECT_EQ(res.output, "/a/b/c");
  auto s = stats();
  EXPECT_EQ(s.connections_accepted, 2u);
  EXPECT_EQ(s.requests, 6u);
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  start({}, echo_path());
  RawClient c(port);
  ASSERT_TRUE(c.send(get("/a") + get("/b") + get("/c")));
  for (const char* path : {"/a", "/b", "/c"}) {
    auto r = c.read_response();
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->body, path);
  }
}

TEST_F(HttpServerTest, DeferredAnswerKeepsOrderWithAPipelinedFollowUp) {
  std::vector<std::string> handled;  // loop thread only
  std::unique_ptr<loop::Timer> delay;
  start({}, [&](const Request& req, Responder r) {
    handled.push_back(req.path);
    if (req.path != "/slow") {
      r.send(Response{200, {}, req.path});
      return;
    }
    delay = std::make_unique<loop::Timer>(loop.loop());
    delay->start(200, [r] { r.send(Response{200, {}, "/slow"}); });
  });
  RawClient c(port);
  auto t0 = Clock::now();
  ASSERT_TRUE(c.send(get("/slow") + get("/fast")));
  auto first = c.read_response();
  auto second = c.read_response();
  auto elapsed = Clock::now() - t0;
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->body, "/slow");
  EXPECT_EQ(second->body, "/fast");
  EXPECT_GE(elapsed, 190ms);
  EXPECT_LT(elapsed, 3s);
  EXPECT_EQ(loop.run([&] { return handled; }), (std::vector<std::string>{"/slow", "/fast"}));
  loop.run([&] { delay.reset(); });
}

TEST_F(HttpServerTest, AResponderAnswersOnceAndIsANoOpAfterItsConnectionClosed) {
  std::vector<Responder> kept;  // loop thread only
  start({}, [&](const Request&, Responder r) { kept.push_back(r); });
  {
    RawClient c(port);
    ASSERT_TRUE(c.send(get("/a")));
    ASSERT_TRUE(wait_for_stats([](const ServerStats& s) { return s.requests == 1; }));
    auto pending = loop.run([&] {
      bool before = kept[0].pending();
      kept[0].send(Response{200, {}, "first"});
      kept[0].send(Response{200, {}, "second"});
      return std::pair{before, kept[0].pending()};
    });
    EXPECT_TRUE(pending.first);
    EXPECT_FALSE(pending.second);
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "first");
    ASSERT_TRUE(c.send(get("/b")));
    ASSERT_TRUE(wait_for_stats([](const ServerStats& s) { return s.requests == 2; }));
  }  // the client goes away while /b waits
  // Nothing reads /b's connection while it waits, so only the write reveals the close.
  loop.run([&] { kept[1].send(Response{200, {}, "late"}); });
  EXPECT_TRUE(wait_for_stats([](const ServerStats& s) { return s.connections_open == 0; }));
  EXPECT_FALSE(loop.run([&] { return kept[1].pending(); }));
  loop.run([&] { kept[1].send(Response{200, {}, "later still"}); });
}

TEST_F(HttpServerTest, Http10ClosesAfterTheResponseUnlessAskedToKeepAlive) {
  start({}, echo_path());
  {
    RawClient c(port);
    ASSERT_TRUE(c.send("GET /old HTTP/1.0\r\n\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "/old");
    EXPECT_EQ(r->header("connection"), "close");
    EXPECT_TRUE(c.wait_closed());
  }
  RawClient c(port);
  ASSERT_TRUE(c.send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("connection"), "keep-alive");
  ASSERT_TRUE(c.send("GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "/b");
}

TEST_F(HttpServerTest, ConnectionCloseIsHonouredAndLaterPipelinedRequestsAreNotAnswered) {
  start({}, echo_path());
  RawClient c(port);
  ASSERT_TRUE(c.send(get("/last", "Connection: close\r\n") + get("/never")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "/last");
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(c.wait_closed());
  EXPECT_EQ(c.received(), "");
  EXPECT_EQ(stats().requests, 1u);
}

TEST_F(HttpServerTest, HandlerAskingToCloseClosesTheConnection) {
  start({}, [](const Request&, Responder r) {
    r.send(Response{503, {{"Connection", "close"}}, "draining\n"});
  });
  RawClient c(port);
  ASSERT_TRUE(c.send(get("/readyz")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(c.wait_closed());
}

TEST_F(HttpServerTest, PostBodiesArriveWhetherSizedOrChunked) {
  std::vector<std::string> bodies;  // loop thread only
  start({}, [&](const Request& req, Responder r) {
    bodies.push_back(req.body);
    r.send(Response{200, {}, req.method + " " + std::to_string(req.body.size())});
  });
  std::string data(5000, 'x');
  auto res = curl({"--data-binary", data, url("/hook")});
  EXPECT_EQ(res.output, "POST 5000");

  RawClient c(port);
  ASSERT_TRUE(
      c.send("POST /c HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
             "5\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n" +
             get("/after")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "POST 11");
  r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "GET 0");
  auto seen = loop.run([&] { return bodies; });
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0], data);
  EXPECT_EQ(seen[1], "hello world");
}

TEST_F(HttpServerTest, ExpectContinueGetsAnInterimResponseBeforeTheBody) {
  start({}, [](const Request& req, Responder r) { r.send(Response{200, {}, req.body}); });
  RawClient c(port);
  ASSERT_TRUE(
      c.send("PUT /x HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"));
  auto interim = c.read_response();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(c.send("body"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "body");
  EXPECT_EQ(stats().responses_by_class[1], 1u);
}

TEST_F(HttpServerTest, AThrowingHandlerYields500AndTheServerGoesOn) {
  start({}, [](const Request& req, Responder r) {
    if (req.path == "/boom") throw std::runtime_error("boom");
    r.send(Response{200, {}, "fine"});
  });
  RawClient c(port);
  ASSERT_TRUE(c.send(get("/boom") + get("/ok")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "fine");
}

TEST_F(HttpServerTest, UpgradeRequestsAreAnsweredPlainlyThenClosed) {
  start({}, echo_path());
  RawClient c(port);
  ASSERT_TRUE(c.send(get("/u", "Upgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\n") +
                     "garbage that is not HTTP"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(c.wait_closed());
}

TEST_F(HttpServerTest, Ipv6LoopbackWorks) {
  {
    int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    bool usable = fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    if (fd >= 0) ::close(fd);
    if (!usable) GTEST_SKIP() << "::1 is not available on this machine";
  }
  std::vector<Request> seen;
  ServerOptions options;
  options.listen = "[::1]:0";
  start(options, [&](const Request& req, Responder r) {
    seen.push_back(req);
    r.send(Response{200, {}, "v6"});
  });
  auto res = curl({"-g", "http://[::1]:" + std::to_string(port) + "/"});
  EXPECT_EQ(res.output, "v6");
  RawClient c(port, true);
  ASSERT_TRUE(c.send(get("/raw")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  auto requests = loop.run([&] { return seen; });
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].peer_address, "::1");
  EXPECT_TRUE(requests[0].peer_is_loopback);
}

TEST_F(HttpServerTest, StartReportsAnAddressInUse) {
  start({}, echo_path());
  ServerOptions options;
  options.listen = "127.0.0.1:" + std::to_string(port);
  auto error = loop.run([&] {
    Server second(loop.loop(), options, echo_path());
    return second.start();
  });
  ASSERT_TRUE(error);
  EXPECT_EQ(*error,
            "cannot listen on 127.0.0.1:" + std::to_string(port) + ": address already in use");

  options.listen = "localhost:1";
  error = loop.run([&] {
    Server bad(loop.loop(), options, echo_path());
    return bad.start();
  });
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("localhost:1"), std::string::npos);
}

}  // namespace
}  // namespace graced::http::testing
