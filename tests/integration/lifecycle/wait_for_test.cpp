// startup.wait_for: the wait-for-it job, against a real PostgreSQL that comes up late.
#include <thread>

#include "lifecycle_fixture.hpp"
#include "peers/postgres_server.hpp"

namespace graced::test {
namespace {

class WaitForTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { postgres_ = new PostgresServer(); }
  static void TearDownTestSuite() {
    delete postgres_;
    postgres_ = nullptr;
  }
  void TearDown() override {
    if (postgres_->running()) postgres_->stop();
  }

  std::string config(const std::string& timeout, const std::string& touch) {
    return "[startup]\nwait_for = [\"db\"]\nwait_timeout = \"" + timeout +
           "\"\n[shutdown]\ndrain_delay = \"0s\"\n"
           "[[checks]]\nname = \"db\"\ntype = \"postgres\"\nurl = \"" +
           postgres_->url("postgres", "") + "\"\ninterval = \"250ms\"\ntimeout = \"200ms\"\n" +
           "failure_threshold = 1\n[process]\ncommand = [\"sh\", \"-c\", \"touch " + touch +
           "; exec sleep 30\"]\n";
  }

  static PostgresServer* postgres_;
  TempDir scratch_;
};
PostgresServer* WaitForTest::postgres_ = nullptr;

TEST_F(WaitForTest, TheServiceStartsOnlyOncePostgresAccepts) {
  // Make sure the port is known and the server is down.
  postgres_->start();
  postgres_->stop();
  const std::string started = scratch_.file("started");
  GracedOptions opts;
  opts.config = config("20s", started);
  GracedProcess graced(opts);
  std::this_thread::sleep_for(2s);
  EXPECT_FALSE(file_exists(started)) << "no service before its dependency\n"
                                     << graced.stderr_text();
  EXPECT_EQ(http_get(graced.http_port(), "/readyz").status, 503);
  const double up = monotonic_now();
  postgres_->start();
  ASSERT_TRUE(wait_until([&] { return file_exists(started); }, 10s)) << graced.stderr_text();
  EXPECT_LT(monotonic_now() - up, 2.0);
  EXPECT_TRUE(
      wait_until([&] { return http_get(graced.http_port(), "/readyz").status == 200; }, 5s));
  EXPECT_TRUE(graced.wait_for_log("dependencies are up", 0ms));
}

TEST_F(WaitForTest, GivesUpAfterWaitTimeoutWithTheFailingChecksMessages) {
  postgres_->start();
  postgres_->stop();
  const std::string started = scratch_.file("started");
  GracedOptions opts;
  opts.config = config("1500ms", started);
  GracedProcess graced(opts);
  auto code = graced.wait(10s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 1);
  EXPECT_FALSE(file_exists(started));
  EXPECT_TRUE(graced.wait_for_log("dependency not ready check=db", 0ms)) << graced.stderr_text();
  EXPECT_TRUE(graced.wait_for_log("reason=", 0ms));
}

TEST_F(WaitForTest, ASignalWhileWaitingStopsAtOnce) {
  postgres_->start();
  postgres_->stop();
  const std::string started = scratch_.file("started");
  GracedOptions opts;
  opts.config = config("30s", started);
  GracedProcess graced(opts);
  std::this_thread::sleep_for(500ms);
  const double sent = monotonic_now();
  graced.signal(SIGTERM);
  auto code = graced.wait(5s);
  ASSERT_TRUE(code.has_value());
  EXPECT_LT(monotonic_now() - sent, 1.0);
  EXPECT_EQ(*code, 128 + SIGTERM);
  EXPECT_FALSE(file_exists(started));
}

}  // namespace
}  // namespace graced::test
