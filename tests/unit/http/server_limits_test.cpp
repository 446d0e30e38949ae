// The server's defences: size limits, timeouts, the connection cap and the write backlog,
// each checked while a well-behaved client keeps getting answers.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "http/server.hpp"
#include "http_test_support.hpp"

namespace graced::http::testing {
namespace {

// A well-behaved client: one request on a fresh connection, answered.
bool answered(int port, std::string_view path = "/ok") {
  RawClient c(port);
  if (!c.send(get(path))) return false;
  auto r = c.read_response(false, 3s);
  return r && r->status == 200;
}

TEST_F(HttpServerTest, OversizedHeadGets431AndClose) {
  start({}, echo_path());
  RawClient c(port);
  ASSERT_TRUE(c.send(get("/", "X-Big: " + std::string(9000, 'a') + "\r\n")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(c.wait_closed());

  // Many small headers sent in pieces add up the same way.
  RawClient d(port);
  ASSERT_TRUE(d.send("GET / HTTP/1.1\r\n"));
  bool open = true;
  for (int i = 0; i < 200 && open; ++i)
    open =
        d.send("X-Header-" + std::to_string(i) + ": 0123456789012345678901234567890123456789\r\n");
  r = d.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_EQ(stats().requests, 0u);
  EXPECT_TRUE(answered(port));
}

TEST_F(HttpServerTest, HeadJustUnderTheLimitIsAccepted) {
  start({}, echo_path());
  RawClient c(port);
  std::string request = get("/", "X-Pad: ");
  request.insert(request.size() - 2, std::string(8000 - request.size(), 'p') + "\r\n");
  ASSERT_LE(request.size(), 8192u);
  ASSERT_TRUE(c.send(request));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(HttpServerTest, MalformedRequestsGet400AndClose) {
  start({}, echo_path());
  for (std::string bad : {
           std::string("GARBAGE\r\n\r\n"), std::string("GET / HTTP/1.1\r\nHost t\r\n\r\n"),
           std::string("GET / HTTP/9.9\r\n\r\n"),
           std::string("GET /%zz HTTP/1.1\r\nHost: t\r\n\r\n"),
           std::string("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"),
           std::string(
               "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"),
           std::string("POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n"),
           std::string("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
           std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11),  // a TLS hello
       }) {
    RawClient c(port);
    ASSERT_TRUE(c.send(bad));
    auto r = c.read_response();
    ASSERT_TRUE(r) << bad;
    EXPECT_EQ(r->status, 400) << bad;
    EXPECT_EQ(r->header("connection"), "close");
    EXPECT_TRUE(c.wait_closed()) << bad;
  }
  auto s = stats();
  EXPECT_EQ(s.requests, 0u);
  EXPECT_EQ(s.bad_requests, 9u);
  EXPECT_EQ(s.responses_by_class[4], 9u);
  EXPECT_TRUE(answered(port));
}

TEST_F(HttpServerTest, BodiesOverTheLimitGet413) {
  ServerOptions options;
  options.max_body_bytes = 1000;
  start(options, [](const Request& req, Responder r) {
    r.send(Response{200, {}, std::to_string(req.body.size())});
  });
  {
    RawClient c(port);
    ASSERT_TRUE(c.send("POST / HTTP/1.1\r\nContent-Length: 1001\r\n\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    EXPECT_TRUE(c.wait_closed());
  }
  {
    RawClient c(port);
    std::string chunk = "258\r\n" + std::string(600, 'c') + "\r\n";  // 0x258 = 600
    ASSERT_TRUE(c.send("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk));
    c.send(chunk);
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    EXPECT_TRUE(c.wait_closed());
  }
  RawClient c(port);
  ASSERT_TRUE(c.send("POST / HTTP/1.1\r\nContent-Length: 1000\r\n\r\n" + std::string(1000, 'b')));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "1000");
}

TEST_F(HttpServerTest, SlowlorisIsCutOffAfterTheHeaderTimeoutWhileOthersAreServed) {
  ServerOptions options;
  options.header_timeout = 300ms;
  start(options, echo_path());
  RawClient slow(port);
  auto t0 = Clock::now();
  ASSERT_TRUE(slow.send("GET /slo"));
  int served = 0;
  while (Clock::now() - t0 < 200ms) {
    ASSERT_TRUE(answered(port));
    ++served;
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_TRUE(slow.send("wl"));  // still trickling: the timeout is not reset by bytes
  EXPECT_TRUE(slow.wait_closed(3s));
  auto elapsed = Clock::now() - t0;
  EXPECT_GE(elapsed, 280ms);
  EXPECT_LT(elapsed, 2s);
  EXPECT_TRUE(slow.received().starts_with("HTTP/1.1 408 Request Timeout\r\n")) << slow.received();
  EXPECT_GT(served, 0);
  EXPECT_EQ(stats().header_timeouts, 1u);
}

TEST_F(HttpServerTest, OnKeepAliveTheHeaderTimeoutStartsWithTheNextRequestsFirstByte) {
  ServerOptions options;
  options.header_timeout = 300ms;
  options.idle_timeout = 5s;
  start(options, echo_path());
  RawClient c(port);
  ASSERT_TRUE(c.send(get("/first")));
  ASSERT_TRUE(c.read_response());
  // Waiting between requests is the idle timeout's business, not the header timeout's.
  std::this_thread::sleep_for(500ms);
  ASSERT_TRUE(c.send(get("/second")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "/second");
  // A next request that stalls is cut off by the header timeout, long before the idle one.
  auto t0 = Clock::now();
  ASSERT_TRUE(c.send("GET /thi"));
  EXPECT_TRUE(c.wait_closed(3s));
  auto elapsed = Clock::now() - t0;
  EXPECT_GE(elapsed, 280ms);
  EXPECT_LT(elapsed, 2s);
  EXPECT_TRUE(c.received().starts_with("HTTP/1.1 408 ")) << c.received();
}

TEST_F(HttpServerTest, SilentConnectionIsClosedAfterTheHeaderTimeoutWithoutAnAnswer) {
  ServerOptions options;
  options.header_timeout = 300ms;
  start(options, echo_path());
  RawClient silent(port);
  auto t0 = Clock::now();
  EXPECT_TRUE(silent.wait_closed(3s));
  EXPECT_GE(Clock::now() - t0, 280ms);
  EXPECT_EQ(silent.received(), "");
}

TEST_F(HttpServerTest, StalledBodyIsCutOffAfterTheBodyTimeout) {
  ServerOptions options;
  options.body_timeout = 300ms;
  start(options, echo_path());
  RawClient c(port);
  auto t0 = Clock::now();
  ASSERT_TRUE(c.send("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc"));
  EXPECT_TRUE(c.wait_closed(3s));
  auto elapsed = Clock::now() - t0;
  EXPECT_GE(elapsed, 280ms);
  EXPECT_LT(elapsed, 2s);
  EXPECT_TRUE(c.received().starts_with("HTTP/1.1 408 ")) << c.received();
  EXPECT_EQ(stats().body_timeouts, 1u);
}

TEST_F(HttpServerTest, IdleKeepAliveConnectionIsClosedAfterTheIdleTimeout) {
  ServerOptions options;
  options.idle_timeout = 400ms;
  start(options, echo_path());
  RawClient c(port);
  // Requests closer together than the idle timeout keep the connection.
  auto t0 = Clock::now();
  auto last = t0;
  while (Clock::now() - t0 < 900ms) {
    std::this_thread::sleep_for(100ms);
    ASSERT_TRUE(c.send(get("/again")));
    ASSERT_TRUE(c.read_response());
    last = Clock::now();
  }
  EXPECT_TRUE(c.wait_closed(3s));
  auto idle = Clock::now() - last;
  EXPECT_GE(idle, 300ms);
  EXPECT_LT(idle, 2s);
  EXPECT_EQ(c.received(), "");
  auto s = stats();
  EXPECT_EQ(s.idle_timeouts, 1u);
  EXPECT_EQ(s.connections_accepted, 1u);
}

TEST_F(HttpServerTest, AtMaxConnectionsTheOldestIdleOneMakesRoom) {
  ServerOptions options;
  options.max_connections = 4;
  start(options, echo_path());
  std::vector<std::unique_ptr<RawClient>> idle;
  for (int i = 0; i < 4; ++i) {
    idle.push_back(std::make_unique<RawClient>(port));
    ASSERT_TRUE(idle.back()->send(get("/idle")));
    ASSERT_TRUE(idle.back()->read_response());
  }
  EXPECT_TRUE(answered(port, "/fifth"));
  EXPECT_TRUE(idle[0]->wait_closed(2s));
  for (int i = 1; i < 4; ++i)
    EXPECT_TRUE(idle[static_cast<std::size_t>(i)]->stays_silent(50ms)) << i;
  auto s = stats();
  EXPECT_EQ(s.connections_shed, 1u);
  EXPECT_EQ(s.connections_rejected, 0u);
  EXPECT_LE(s.connections_open, 4u);
}

TEST_F(HttpServerTest, AtMaxConnectionsWithNoneIdleTheNewcomerIsClosed) {
  ServerOptions options;
  options.max_connections = 2;
  start(options, echo_path());
  RawClient a(port), b(port);
  ASSERT_TRUE(a.send("GET /a HTTP/1.1\r\n"));  // both mid-request: busy, not idle
  ASSERT_TRUE(b.send("GET /b HTTP/1.1\r\n"));
  ASSERT_TRUE(wait_for_stats([](const ServerStats& s) { return s.connections_open == 2; }));
  // The first bytes of a connection reach the server before a third connect is accepted.
  std::this_thread::sleep_for(50ms);
  RawClient third(port);
  EXPECT_TRUE(third.wait_closed(2s));
  EXPECT_EQ(third.received(), "");
  EXPECT_EQ(stats().connections_rejected, 1u);
  // The busy ones are untouched and finish their requests.
  ASSERT_TRUE(a.send("Host: t\r\n\r\n"));
  auto r = a.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "/a");
}

TEST_F(HttpServerTest, AClientThatNeverReadsIsClosedAtTheBacklogLimitAndOthersAreServed) {
  ServerOptions options;
  options.max_write_backlog = 64 * 1024;
  start(options, [](const Request& req, Responder r) {
    r.send(Response{200, {}, req.path == "/big" ? std::string(1024 * 1024, 'z') : "small"});
  });
  RawClient hog(port, false, 4096);
  std::string requests;
  for (int i = 0; i < 8; ++i)
    requests += get("/big");
  hog.send(requests);
  EXPECT_TRUE(wait_for_stats([](const ServerStats& s) { return s.write_backlog_overflows == 1; }));
  EXPECT_TRUE(answered(port));
  // The hog gets far less than the 8 MiB it asked for, then the close.
  std::size_t total = 0;
  EXPECT_TRUE(hog.wait_closed(5s));
  total = hog.received().size();
  EXPECT_LT(total, 8u * 1024 * 1024);
  EXPECT_TRUE(wait_for_stats([](const ServerStats& s) { return s.connections_open == 0; }));
}

TEST_F(HttpServerTest, AnAnswerLargerThanTheBacklogLimitReachesAReadingClientWhole) {
  // /metrics with thousands of checks is megabytes: the limit is on earlier answers left
  // unread, not on the size of one answer.
  ServerOptions options;
  options.max_write_backlog = 64 * 1024;
  const std::string big(4 * 1024 * 1024, 'm');
  start(options, [&](const Request&, Responder r) { r.send(Response{200, {}, big}); });
  RawClient client(port);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(client.send(get("/metrics")));
    auto r = client.read_response();
    ASSERT_TRUE(r) << "answer " << i << " cut off after " << client.received().size();
    EXPECT_EQ(r->body.size(), big.size());
  }
  EXPECT_EQ(stats().write_backlog_overflows, 0u);
}

TEST_F(HttpServerTest, AClientThatLeavesALargeAnswerUnreadGetsTheHeaderTimeoutNotTheIdleOne) {
  // Otherwise each such connection would hold megabytes for the whole idle timeout.
  ServerOptions options;
  options.max_write_backlog = 64 * 1024;
  options.header_timeout = 300ms;
  options.idle_timeout = 60s;
  start(options, [](const Request&, Responder r) {
    r.send(Response{200, {}, std::string(4 * 1024 * 1024, 'm')});
  });
  RawClient hog(port, false, 4096);
  ASSERT_TRUE(hog.send(get("/metrics")));
  // Reads nothing for a while (wait_closed reads), then sees the close.
  EXPECT_TRUE(wait_for_stats([](const ServerStats& s) { return s.write_backlog_overflows == 1; }));
  EXPECT_TRUE(hog.wait_closed(5s));
  EXPECT_LT(hog.received().size(), 4u * 1024 * 1024);
  EXPECT_EQ(stats().idle_timeouts, 0u);
  // A client that reads it is then merely idle, and stays open past the header timeout.
  RawClient reader(port);
  ASSERT_TRUE(reader.send(get("/metrics")));
  ASSERT_TRUE(reader.read_response());
  EXPECT_TRUE(reader.stays_silent(800ms));
  EXPECT_EQ(stats().write_backlog_overflows, 1u);
}

TEST_F(HttpServerTest, StopWithOpenConnectionsInEveryStateLeaksNothing) {
  std::vector<Responder> kept;  // loop thread only
  start({}, [&](const Request& req, Responder r) {
    if (req.path == "/defer") {
      kept.push_back(r);
      return;
    }
    r.send(Response{200, {}, "ok"});
  });
  RawClient idle(port), partial(port), deferred(port), pipelined(port), fresh(port);
  ASSERT_TRUE(idle.send(get("/")));
  ASSERT_TRUE(idle.read_response());
  ASSERT_TRUE(partial.send("GET / HTTP/1.1\r\nHo"));
  ASSERT_TRUE(deferred.send(get("/defer")));
  ASSERT_TRUE(pipelined.send(get("/defer") + get("/")));
  ASSERT_TRUE(wait_for_stats(
      [](const ServerStats& s) { return s.requests == 3 && s.connections_open == 5; }));
  loop.run([&] { server->stop(); });
  EXPECT_EQ(stats().connections_open, 0u);
  for (auto* c : {&idle, &partial, &deferred, &pipelined, &fresh})
    EXPECT_TRUE(c->wait_closed(2s));
  // Answers after stop go nowhere.
  loop.run([&] {
    for (auto& r : kept) {
      EXPECT_FALSE(r.pending());
      r.send(Response{200, {}, "too late"});
    }
    server.reset();
    for (auto& r : kept)
      r.send(Response{200, {}, "server gone"});
  });
  EXPECT_EQ(deferred.received(), "");
}

TEST_F(HttpServerTest, StopFromInsideTheHandlerIsSafe) {
  start({}, [&](const Request&, Responder r) {
    server->stop();
    r.send(Response{200, {}, "after stop"});
  });
  RawClient c(port);
  ASSERT_TRUE(c.send(get("/") + get("/")));
  EXPECT_TRUE(c.wait_closed(2s));
  EXPECT_EQ(c.received(), "");
  EXPECT_EQ(stats().requests, 1u);
}

}  // namespace
}  // namespace graced::http::testing
