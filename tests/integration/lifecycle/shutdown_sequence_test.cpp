// The zero-downtime shutdown sequence, measured on the real binary: readiness fails at
// once, the stop signal comes after exactly one drain window, the budget is enforced.
#include <unistd.h>

#include "harness/proc.hpp"
#include "lifecycle_fixture.hpp"

namespace graced::test {
namespace {

// Loose enough for a busy 2-core machine, tight enough to catch a missing or a doubled wait.
constexpr double kEarly = 0.05;
constexpr double kLate = 0.6;

TEST_F(LifecycleTest, SigtermFailsReadinessAtOnceThenStopsAfterTheDrainWindow) {
  start("[shutdown]\ndrain_delay = \"1500ms\"\n");
  const double sent = monotonic_now();
  graced_->signal(SIGTERM);
  ASSERT_TRUE(wait_until([&] { return http_get(port_, "/readyz").status == 503; }, 2s));
  const double flipped = monotonic_now() - sent;
  EXPECT_LT(flipped, 0.5) << "readiness must fail at once";
  EXPECT_EQ(http_get(port_, "/livez").status, 200) << "liveness keeps passing while draining";
  auto verbose = http_get(port_, "/readyz?verbose");
  EXPECT_NE(verbose.body.find("[-]shutdown failed: draining"), std::string::npos) << verbose.body;
  EXPECT_FALSE(first("SIGTERM")) << "the child is untouched while draining";

  auto code = graced_->wait(10s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << "the child's own status (it exits 0 on SIGTERM)";
  auto term = first("SIGTERM");
  ASSERT_TRUE(term.has_value()) << graced_->stderr_text();
  const double waited = *term - sent;
  EXPECT_GE(waited, 1.5 - kEarly);
  EXPECT_LE(waited, 1.5 + kLate) << "a doubled wait would show here";
  EXPECT_TRUE(graced_->wait_for_log("drain window over", 0ms));
}

TEST_F(LifecycleTest, ZeroDrainDelayForwardsAtOnce) {
  start("[shutdown]\ndrain_delay = \"0s\"\n");
  const double sent = monotonic_now();
  graced_->signal(SIGTERM);
  ASSERT_TRUE(graced_->wait(10s).has_value());
  auto term = first("SIGTERM");
  ASSERT_TRUE(term.has_value());
  EXPECT_LT(*term - sent, 0.4);
}

TEST_F(LifecycleTest, ChildIgnoringTheStopSignalIsKilledAtTheGracePeriod) {
  start(
      "[shutdown]\ndrain_delay = \"300ms\"\ngrace_period = \"1500ms\"\npost_stop_timeout = "
      "\"1s\"\n",
      ", \"--ignore-term\"");
  const double sent = monotonic_now();
  graced_->signal(SIGTERM);
  auto code = graced_->wait(10s);
  const double total = monotonic_now() - sent;
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 137) << "died of SIGKILL: 128+9";
  auto term = first("SIGTERM");
  ASSERT_TRUE(term.has_value()) << "the stop signal was sent first";
  EXPECT_GE(total, 1.5 - kEarly) << "not killed before the budget is spent";
  // Never past the budget + post_stop_timeout (+ scheduling slack).
  EXPECT_LE(total, 1.5 + 1.0 + kLate);
  EXPECT_TRUE(graced_->wait_for_log("killing the service", 0ms)) << graced_->stderr_text();
}

TEST_F(LifecycleTest, ExitCodeMapAppliesToTheKill) {
  start(
      "[shutdown]\ndrain_delay = \"0s\"\ngrace_period = \"500ms\"\n"
      "[process.exit_code_map]\n\"137\" = 0\n",
      ", \"--ignore-term\"");
  graced_->signal(SIGTERM);
  auto code = graced_->wait(10s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0);
}

TEST_F(LifecycleTest, RepeatedSigtermExpeditesByDefault) {
  start("[shutdown]\ndrain_delay = \"10s\"\n");
  graced_->signal(SIGTERM);
  ASSERT_TRUE(wait_until([&] { return http_get(port_, "/readyz").status == 503; }, 2s));
  const double second = monotonic_now();
  graced_->signal(SIGTERM);
  ASSERT_TRUE(graced_->wait(5s).has_value()) << "expedite skips the 10s window";
  auto term = first("SIGTERM");
  ASSERT_TRUE(term.has_value());
  EXPECT_LT(*term - second, 0.5);
}

TEST_F(LifecycleTest, RepeatIgnoredWithOnRepeatIgnore) {
  start("[shutdown]\ndrain_delay = \"1500ms\"\non_repeat = \"ignore\"\n");
  const double sent = monotonic_now();
  graced_->signal(SIGTERM);
  ASSERT_TRUE(wait_until([&] { return http_get(port_, "/readyz").status == 503; }, 2s));
  graced_->signal(SIGTERM);
  ASSERT_TRUE(graced_->wait(10s).has_value());
  auto term = first("SIGTERM");
  ASSERT_TRUE(term.has_value());
  EXPECT_GE(*term - sent, 1.5 - kEarly) << "the window was not cut short";
  EXPECT_LE(*term - sent, 1.5 + kLate) << "nor restarted";
}

TEST_F(LifecycleTest, RepeatKillsWithOnRepeatKill) {
  start("[shutdown]\ndrain_delay = \"10s\"\non_repeat = \"kill\"\n");
  graced_->signal(SIGTERM);
  ASSERT_TRUE(wait_until([&] { return http_get(port_, "/readyz").status == 503; }, 2s));
  graced_->signal(SIGINT);
  auto code = graced_->wait(5s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 137);
  EXPECT_FALSE(first("SIGTERM")) << "killed without the stop signal";
}

TEST_F(LifecycleTest, ChildCrashingWhileDrainingEndsTheSequenceWithItsStatus) {
  start("[shutdown]\ndrain_delay = \"10s\"\n");
  graced_->signal(SIGTERM);
  ASSERT_TRUE(wait_until([&] { return http_get(port_, "/readyz").status == 503; }, 2s));
  auto pid = read_file(ready_file_);
  ASSERT_TRUE(pid.has_value());
  const double crash = monotonic_now();
  ASSERT_EQ(kill(std::stoi(*pid), SIGKILL), 0);
  auto code = graced_->wait(5s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 137);
  EXPECT_LT(monotonic_now() - crash, 2.5) << "no waiting out the drain window for a dead child";
}

TEST_F(LifecycleTest, StopSignalIsConfigurable) {
  start("[shutdown]\ndrain_delay = \"0s\"\nstop_signal = \"SIGQUIT\"\ngrace_period = \"1s\"\n");
  graced_->signal(SIGTERM);
  ASSERT_TRUE(graced_->wait(5s).has_value());
  EXPECT_TRUE(first("SIGQUIT").has_value());
}

TEST_F(LifecycleTest, ExitZeroOnStopSignal) {
  // The child is killed by the stop signal (SIGUSR2's default action).
  start(
      "[shutdown]\ndrain_delay = \"0s\"\nstop_signal = \"SIGUSR2\"\nexit_zero_on_stop_signal = "
      "true\n"
      "grace_period = \"2s\"\n");
  graced_->signal(SIGTERM);
  auto code = graced_->wait(5s);
  ASSERT_TRUE(code.has_value());
  // record-signals handles SIGUSR2 and keeps running, so it is killed at the budget: 137.
  // What matters here is that a non-stop-signal death is not turned into 0.
  EXPECT_EQ(*code, 137);
}

// A service that dies of the stop signal, or exits 128+N for it as shells do, counts as
// a clean stop with exit_zero_on_stop_signal, and only then.
TEST(ExitZeroOnStopSignal, DeathByTheStopSignalOrItsExitCodeBecomesZero) {
  const std::string dies = "[process]\ncommand = [\"sleep\", \"1000\"]\n";
  const std::string exits =
      "[process]\ncommand = [\"sh\", \"-c\", \"trap 'exit 143' TERM; sleep 1000 & wait\"]\n";
  const std::string on = "[shutdown]\ndrain_delay = \"0s\"\nexit_zero_on_stop_signal = true\n";
  const std::string off = "[shutdown]\ndrain_delay = \"0s\"\n";
  auto stop = [](const std::string& config) {
    GracedProcess graced({.config = config});
    EXPECT_TRUE(
        wait_until([&] { return http_get(graced.http_port(), "/readyz").status == 200; }, 10s));
    graced.signal(SIGTERM);
    return graced.wait(10s).value_or(-1);
  };
  EXPECT_EQ(stop(on + dies), 0);
  EXPECT_EQ(stop(on + exits), 0);
  EXPECT_EQ(stop(off + dies), 143);
  EXPECT_EQ(stop(off + exits), 143);
}

TEST_F(LifecycleTest, NothingOfTheTreeSurvivesIncludingSetsidEscapees) {
  const std::string escapee_pid = scratch_.file("escapee");
  const std::string group_pid = scratch_.file("grandchild");
  GracedOptions opts;
  // ($$ is graced's escape for a literal $ in configuration strings.)
  opts.config =
      "[shutdown]\ndrain_delay = \"0s\"\ngrace_period = \"1s\"\n"
      "[process]\ncommand = [\"sh\", \"-c\", \"trap '' TERM; "
      "sleep 100 & echo $! > " +
      group_pid +
      "; "
      "setsid sh -c 'trap \\\"\\\" TERM; echo $$$$ > " +
      escapee_pid +
      "; exec sleep 100' & "
      "wait\"]\n";
  graced_ = std::make_unique<GracedProcess>(opts);
  ASSERT_TRUE(wait_until([&] { return file_exists(escapee_pid) && file_exists(group_pid); }, 10s))
      << graced_->stderr_text();
  auto complete = [](const std::string& f) {
    auto text = read_file(f).value_or("");
    return !text.empty() && text.back() == '\n';
  };
  ASSERT_TRUE(wait_until([&] { return complete(escapee_pid) && complete(group_pid); }, 5s));
  const pid_t escapee = std::stoi(*read_file(escapee_pid));
  const pid_t grandchild = std::stoi(*read_file(group_pid));
  ASSERT_TRUE(is_alive(escapee));
  ASSERT_NE(process_group(escapee), process_group(grandchild)) << "the escapee left the group";
  graced_->signal(SIGTERM);
  ASSERT_TRUE(graced_->wait(10s).has_value());
  EXPECT_TRUE(wait_until([&] { return !is_alive(escapee) && !is_alive(grandchild); }, 2s))
      << "escapee alive: " << is_alive(escapee) << ", grandchild alive: " << is_alive(grandchild);
}

}  // namespace
}  // namespace graced::test
