// Hooks in the lifecycle, on the real binary: where they run in the sequence, and that
// none runs past its timeout or the budget.
#include <fstream>
#include <map>
#include <regex>
#include <thread>

#include "harness/proc.hpp"
#include "lifecycle_fixture.hpp"

namespace graced::test {
namespace {

// A hook that appends its name and CLOCK_MONOTONIC time to a file, then runs `then`.
std::string stamp_hook(const std::string& name, const std::string& phase, const std::string& file,
                       const std::string& then = "true", const std::string& timeout = "5s") {
  return "[[hooks]]\nname = \"" + name + "\"\nphase = \"" + phase + "\"\ntimeout = \"" + timeout +
         "\"\nexec = [\"sh\", \"-c\", \"echo " + name + " $$(cut -d' ' -f1 /proc/uptime) >> " +
         file + "; " + then + "\"]\n";
}

double uptime_now() {
  std::ifstream in("/proc/uptime");
  double up = 0;
  in >> up;
  return up;
}

std::map<std::string, double> stamps(const std::string& file) {
  std::map<std::string, double> out;
  std::istringstream in(read_file(file).value_or(""));
  std::string name;
  double t;
  while (in >> name >> t)
    out[name] = t;
  return out;
}

TEST_F(LifecycleTest, PreStopHooksRunInOrderBetweenTheDrainWindowAndTheStopSignal) {
  const std::string hooks = scratch_.file("hooks");
  start("[shutdown]\ndrain_delay = \"800ms\"\n" +
        stamp_hook("first", "pre-stop", hooks, "sleep 0.3") +
        stamp_hook("second", "pre-stop", hooks));
  const double sent_up = uptime_now();
  const double sent = monotonic_now();
  graced_->signal(SIGTERM);
  ASSERT_TRUE(graced_->wait(10s).has_value());
  auto s = stamps(hooks);
  ASSERT_EQ(s.count("first"), 1u) << graced_->stderr_text();
  ASSERT_EQ(s.count("second"), 1u);
  // /proc/uptime has 10ms resolution.
  EXPECT_GE(s["first"] - sent_up, 0.8 - 0.05) << "after the drain window";
  EXPECT_GE(s["second"] - s["first"], 0.3 - 0.02) << "in order, one after the other";
  auto term = first("SIGTERM");
  ASSERT_TRUE(term.has_value());
  EXPECT_GE(*term - sent, 0.8 + 0.3 - 0.05) << "the stop signal waits for the hooks";
  EXPECT_LE(*term - sent, 0.8 + 0.3 + 0.8);
}

TEST_F(LifecycleTest, AHangingPreStopHookIsCutAtItsTimeout) {
  start(
      "[shutdown]\ndrain_delay = \"0s\"\n"
      "[[hooks]]\nname = \"hang\"\nphase = \"pre-stop\"\ntimeout = \"700ms\"\n"
      "exec = [\"sleep\", \"60\"]\n");
  const double sent = monotonic_now();
  graced_->signal(SIGTERM);
  ASSERT_TRUE(graced_->wait(10s).has_value());
  auto term = first("SIGTERM");
  ASSERT_TRUE(term.has_value());
  EXPECT_GE(*term - sent, 0.7 - 0.05);
  EXPECT_LE(*term - sent, 0.7 + 0.6) << graced_->stderr_text();
}

TEST_F(LifecycleTest, AHookNeverRunsPastTheBudget) {
  // The hook's own timeout (20s) is longer than what is left of the 1.5s budget after the
  // 500ms drain window: it is cut at the budget and the service is killed on time.
  start(
      "[shutdown]\ndrain_delay = \"500ms\"\ngrace_period = \"1500ms\"\n"
      "[[hooks]]\nname = \"slow\"\nphase = \"pre-stop\"\ntimeout = \"900ms\"\n"
      "exec = [\"sleep\", \"60\"]\n"
      "[[hooks]]\nname = \"slower\"\nphase = \"pre-stop\"\ntimeout = \"50ms\"\n"
      "exec = [\"sleep\", \"60\"]\n",
      ", \"--ignore-term\"");
  const double sent = monotonic_now();
  graced_->signal(SIGTERM);
  auto code = graced_->wait(10s);
  const double total = monotonic_now() - sent;
  ASSERT_TRUE(code.has_value());
  EXPECT_LE(total, 1.5 + 2.0 + 0.6) << "budget + post_stop_timeout + slack\n"
                                    << graced_->stderr_text();
  EXPECT_EQ(*code, 137);
}

TEST_F(LifecycleTest, AFailingPreStartHookAbortsAndTheServiceNeverStarts) {
  signals_file_ = scratch_.file("signals");
  ready_file_ = scratch_.file("ready");
  GracedOptions opts;
  opts.config =
      "[[hooks]]\nname = \"migrate\"\nphase = \"pre-start\"\nexec = [\"sh\", \"-c\", "
      "\"echo migrating; exit 7\"]\n[process]\ncommand = [\"" +
      kTestChild + "\", \"touch\", \"" + ready_file_ + "\"]\n";
  GracedProcess graced(opts);
  auto code = graced.wait(10s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 7) << "the hook's status";
  EXPECT_FALSE(file_exists(ready_file_)) << "the service never started";
  EXPECT_TRUE(graced.wait_for_log("migrating", 0ms)) << "hook output is logged";
  EXPECT_TRUE(graced.wait_for_log("hook=migrate", 0ms)) << graced.stderr_text();
}

TEST_F(LifecycleTest, PreStartHooksRunBeforeTheServiceAndPostStartAfter) {
  const std::string hooks = scratch_.file("hooks");
  start("[shutdown]\ndrain_delay = \"0s\"\n" + stamp_hook("pre", "pre-start", hooks) +
        stamp_hook("post", "post-start", hooks));
  ASSERT_TRUE(wait_until([&] { return stamps(hooks).count("post") == 1; }, 5s));
  auto s = stamps(hooks);
  EXPECT_LE(s["pre"], s["post"]);
  graced_->signal(SIGTERM);
  ASSERT_TRUE(graced_->wait(10s).has_value());
}

TEST_F(LifecycleTest, AFailingPostStartHookIsOnlyLoggedUnlessFatal) {
  start(
      "[shutdown]\ndrain_delay = \"0s\"\n"
      "[[hooks]]\nname = \"warm\"\nphase = \"post-start\"\nexec = [\"false\"]\n");
  ASSERT_TRUE(graced_->wait_for_log("warm", 5s));
  std::this_thread::sleep_for(300ms);
  EXPECT_TRUE(graced_->running()) << "not fatal";
  graced_->signal(SIGTERM);
  ASSERT_TRUE(graced_->wait(10s).has_value());
}

TEST_F(LifecycleTest, AFatalPostStartHookStopsTheService) {
  signals_file_ = scratch_.file("signals");
  ready_file_ = scratch_.file("ready");
  GracedOptions opts;
  opts.config =
      "[shutdown]\ndrain_delay = \"0s\"\n[[hooks]]\nname = \"warm\"\nphase = \"post-start\"\n"
      "fatal = true\nexec = [\"sh\", \"-c\", \"exit 3\"]\n[process]\ncommand = [\"" +
      kTestChild + "\", \"record-signals\", \"" + signals_file_ + "\"]\n";
  GracedProcess graced(opts);
  auto code = graced.wait(10s);
  ASSERT_TRUE(code.has_value()) << graced.stderr_text();
  EXPECT_EQ(*code, 3);
}

TEST_F(LifecycleTest, PostStopHooksRunAfterTheChildExited) {
  const std::string hooks = scratch_.file("hooks");
  start("[shutdown]\ndrain_delay = \"0s\"\n" + stamp_hook("cleanup", "post-stop", hooks));
  graced_->signal(SIGTERM);
  ASSERT_TRUE(graced_->wait(10s).has_value());
  EXPECT_EQ(stamps(hooks).count("cleanup"), 1u) << graced_->stderr_text();
}

TEST_F(LifecycleTest, BudgetThatLeavesNoTimeToStopIsAConfigurationError) {
  auto r = run_graced({{"check-config"},
                       "[shutdown]\ndrain_delay = \"20s\"\ngrace_period = \"25s\"\n"
                       "[[hooks]]\nname = \"h\"\nphase = \"pre-stop\"\ntimeout = \"10s\"\n"
                       "exec = [\"true\"]\n"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("shutdown.grace_period"), std::string::npos) << r.err;
}

TEST_F(LifecycleTest, CheckConfigPrintsTheTerminationGracePeriod) {
  auto r = run_graced(
      {{"check-config"}, "[shutdown]\ngrace_period = \"30s\"\npost_stop_timeout = \"3s\"\n"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("terminationGracePeriodSeconds >= 35"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace graced::test
