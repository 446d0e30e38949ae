// http hooks through HookRunner against a real HTTP server (python3 on a loopback port):
// the request as sent (method, path, headers), the status judged, a server that never
// answers cut at the timeout or at the budget, a port nobody listens on.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <optional>

#include "harness/ports.hpp"
#include "hook_fixture.hpp"
#include "hooks/hook_runner.hpp"
#include "hooks/http_hook.hpp"
#include "peers/http_peer.hpp"

namespace graced::hooks {
namespace {

using ::testing::HasSubstr;

constexpr std::uint64_t kNoBudget = UINT64_MAX / 4;

class HttpHookTest : public HookTest {
 protected:
  void SetUp() override {
    HookTest::SetUp();
    peer_ = std::make_unique<test::HttpPeer>();
    peers_.push_back(peer_->pid());
    runner_ = std::make_unique<HookRunner>(&loop_, spawner_);
  }
  void release() override { runner_.reset(); }

  HookResult run(const HookConfig& h, std::uint64_t budget_ms = kNoBudget) {
    std::optional<HookResult> result;
    int calls = 0;
    runner_->run(h, budget_ms, [&](HookResult r) {
      ++calls;
      result = std::move(r);
    });
    EXPECT_TRUE(run_until([&] { return result.has_value(); }, 15s)) << "no result in time";
    run_for(50ms);
    EXPECT_EQ(calls, 1);
    return result.value_or(HookResult{});
  }

  std::string http(const std::string& path_and_query) {
    return "http = " + toml_string(peer_->url(path_and_query));
  }

  std::unique_ptr<test::HttpPeer> peer_;
  std::unique_ptr<HookRunner> runner_;
};

TEST_F(HttpHookTest, PostsToTheUrlWithItsHeaders) {
  const auto r =
      run(hook("drain", http("/admin/drain") + "\nheaders = { X-Drain = \"now\", Authorization = "
                                               "\"Bearer abc\" }"));
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.http_status, 200);
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_EQ(r.cut, Cut::none);
  EXPECT_EQ(r.message, "HTTP 200");
  const std::string requests = peer_->requests();
  EXPECT_EQ(peer_->request_count(), 1);
  EXPECT_THAT(requests, HasSubstr("POST /admin/drain HTTP/1.1\n"));
  EXPECT_THAT(requests, HasSubstr("X-Drain: now\n"));
  EXPECT_THAT(requests, HasSubstr("Authorization: Bearer abc\n"));
  EXPECT_THAT(requests, HasSubstr("Content-Length: 0\n"));
}

TEST_F(HttpHookTest, UsesTheConfiguredMethod) {
  const auto r = run(hook("put", http("/state?x=1") + "\nmethod = \"PUT\""));
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_THAT(peer_->requests(), HasSubstr("PUT /state?x=1 HTTP/1.1\n"));
}

TEST_F(HttpHookTest, AServerErrorFails) {
  const auto r = run(hook("err", http("/?status=500")));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.http_status, 500);
  EXPECT_EQ(r.cut, Cut::none);
  EXPECT_EQ(r.message, "HTTP 500 (expected 200-399)");
}

TEST_F(HttpHookTest, ExpectStatusDecidesWhatSucceeds) {
  auto r = run(hook("accepted", http("/?status=503") + "\nexpect_status = \"503\""));
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.http_status, 503);
  r = run(hook("strict", http("/?status=204") + "\nexpect_status = \"200\""));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.http_status, 204);
}

TEST_F(HttpHookTest, AServerThatNeverAnswersIsCutAtTheTimeout) {
  const auto start = Clock::now();
  const auto r = run(hook("hang", http("/?hang=1") + "\ntimeout = \"500ms\""));
  const auto elapsed = since(start);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.cut, Cut::timeout);
  EXPECT_EQ(r.http_status, 0);
  EXPECT_EQ(r.message, "timeout after 500ms");
  EXPECT_GE(elapsed, 490ms);
  EXPECT_LT(elapsed, 3s);
  EXPECT_EQ(peer_->request_count(), 1) << "the request was sent, only the answer never came";
}

TEST_F(HttpHookTest, AServerThatNeverAnswersIsCutAtTheBudget) {
  const auto start = Clock::now();
  const auto r = run(hook("hang", http("/?hang=1") + "\ntimeout = \"20s\""), 400);
  const auto elapsed = since(start);
  EXPECT_EQ(r.cut, Cut::budget);
  EXPECT_GE(elapsed, 390ms);
  EXPECT_LT(elapsed, 3s);
}

TEST_F(HttpHookTest, NobodyListeningFailsAtOnce) {
  const std::uint16_t port = test::free_port();
  const auto start = Clock::now();
  const auto r = run(hook("refused", "http = \"http://127.0.0.1:" + std::to_string(port) +
                                         "/drain\"\ntimeout = \"5s\""));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.cut, Cut::none);
  EXPECT_EQ(r.http_status, 0);
  EXPECT_THAT(r.message, HasSubstr("refused"));
  EXPECT_LT(since(start), 3s);
}

TEST_F(HttpHookTest, StatusIsReadFromTheKindsMessages) {
  EXPECT_EQ(http_status_of("HTTP 200"), 200);
  EXPECT_EQ(http_status_of("HTTP 503 (expected 200-399)"), 503);
  EXPECT_EQ(http_status_of("connection refused"), 0);
  EXPECT_EQ(http_status_of("HTTP response head larger than 64 KiB"), 0);
  EXPECT_EQ(http_status_of("HTTP 2000"), 0);
}

}  // namespace
}  // namespace graced::hooks
