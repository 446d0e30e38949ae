// The pre-stop endpoint for a Kubernetes `preStop: httpGet` hook.
#include <future>

#include "lifecycle_fixture.hpp"

namespace graced::test {
namespace {

TEST_F(LifecycleTest, PrestopStartsTheSequenceAndAnswersWhenTheDrainWindowIsOver) {
  // The child ignores the stop signal, so graced is still stopping when the kubelet's
  // SIGTERM arrives, as in a real pod.
  start(
      "[shutdown]\ndrain_delay = \"1500ms\"\nprestop_path = \"/prestop\"\n"
      "grace_period = \"3s\"\n",
      ", \"--ignore-term\"");
  const double called = monotonic_now();
  auto reply = std::async(std::launch::async, [&] {
    return http_request(port_, "POST", "/prestop", {}, std::chrono::seconds(10));
  });
  ASSERT_TRUE(wait_until([&] { return http_get(port_, "/readyz").status == 503; }, 2s))
      << "readiness fails as soon as the preStop call arrives";
  auto r = reply.get();
  const double answered = monotonic_now() - called;
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_GE(answered, 1.5 - 0.05) << "the kubelet's preStop blocks for the drain window";
  EXPECT_LE(answered, 1.5 + 0.6);

  // The kubelet's SIGTERM after preStop returns is the same stop, not a reason to hurry.
  graced_->signal(SIGTERM);
  EXPECT_TRUE(graced_->wait_for_log("already stopping", 2s)) << graced_->stderr_text();
  auto code = graced_->wait(10s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 137) << "killed at the end of the 3s budget";
  const double total = monotonic_now() - called;
  EXPECT_GE(total, 3.0 - 0.05) << "the SIGTERM did not cut the budget short";
  auto term = first("SIGTERM");
  ASSERT_TRUE(term.has_value());
  EXPECT_GE(*term - called, 1.5 - 0.05);
}

TEST_F(LifecycleTest, PrestopFromAClientOutsideTheAllowListIs403AndChangesNothing) {
  // Loopback is not in this allow list.
  start(
      "[shutdown]\ndrain_delay = \"1s\"\nprestop_path = \"/prestop\"\n"
      "prestop_allow = [\"10.99.0.0/16\"]\n");
  auto r = http_request(port_, "GET", "/prestop");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(http_get(port_, "/readyz").status, 200) << "nothing started";
  EXPECT_TRUE(graced_->running());
}

TEST_F(LifecycleTest, PrestopAfterTheDrainWindowAnswersAtOnce) {
  start(
      "[shutdown]\ndrain_delay = \"300ms\"\nprestop_path = \"/prestop\"\ngrace_period = \"10s\"\n",
      ", \"--ignore-term\"");
  graced_->signal(SIGTERM);
  ASSERT_TRUE(wait_until([&] { return first("SIGTERM").has_value(); }, 3s));
  const double t = monotonic_now();
  auto r = http_request(port_, "GET", "/prestop");
  EXPECT_EQ(r.status, 200);
  EXPECT_LT(monotonic_now() - t, 0.5);
}

TEST_F(LifecycleTest, SignalBeforeTheServiceIsReadySkipsTheDrainWindow) {
  // The child never becomes ready: readiness waits for a READY=1 that never comes.
  signals_file_ = scratch_.file("signals");
  ready_file_ = scratch_.file("ready");
  GracedOptions opts;
  opts.config = "[shutdown]\ndrain_delay = \"5s\"\n[process]\nnotify = true\ncommand = [\"" +
                kTestChild + "\", \"record-signals\", \"" + signals_file_ + "\", \"--ready\", \"" +
                ready_file_ + "\"]\n";
  graced_ = std::make_unique<GracedProcess>(opts);
  port_ = graced_->http_port();
  ASSERT_TRUE(wait_until([&] { return file_exists(ready_file_); }, 10s)) << graced_->stderr_text();
  EXPECT_EQ(http_get(port_, "/readyz").status, 503);
  const double sent = monotonic_now();
  graced_->signal(SIGTERM);
  ASSERT_TRUE(graced_->wait(4s).has_value()) << "no 5s drain for a service nobody routed to";
  auto term = first("SIGTERM");
  ASSERT_TRUE(term.has_value());
  EXPECT_LT(*term - sent, 0.5);
}

}  // namespace
}  // namespace graced::test
