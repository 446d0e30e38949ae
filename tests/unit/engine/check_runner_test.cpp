// The engine on a real libuv loop with a scripted check kind: scheduling, timeouts,
// cancellation and thresholds, without any network.
#include "probes/engine/check_runner.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <vector>

namespace graced::probes {
namespace {

// A check whose attempts answer as scripted: after `delay_ms` with the given result, or
// never (a hung dependency).
class ScriptedCheck : public Check {
 public:
  struct Step {
    bool answers = true;
    bool ok = true;
    std::uint64_t delay_ms = 0;
  };
  ScriptedCheck(uv_loop_t* loop, std::deque<Step> steps)
      : loop_(loop), timer_(loop), steps_(std::move(steps)) {}

  void start(Done done) override {
    ++starts;
    start_times_ms.push_back(uv_now(loop_));
    if (active) ++overlaps;
    active = true;
    done = [this, done](CheckResult r) {
      active = false;
      done(std::move(r));
    };
    Step step = steps_.empty() ? Step{} : steps_.front();
    if (!steps_.empty()) steps_.pop_front();
    if (!step.answers) return;
    if (step.delay_ms == 0) {
      done(step.ok ? CheckResult::pass() : CheckResult::fail("scripted failure"));
      return;
    }
    timer_.start(step.delay_ms, [step, done] {
      done(step.ok ? CheckResult::pass() : CheckResult::fail("scripted failure"));
    });
  }
  void cancel() override {
    ++cancels;
    active = false;
    timer_.stop();
  }

  int starts = 0;
  int cancels = 0;
  int overlaps = 0;  // a start while an attempt was still in flight
  bool active = false;
  std::vector<std::uint64_t> start_times_ms;  // loop time of each start

 private:
  uv_loop_t* loop_;
  loop::Timer timer_;
  std::deque<Step> steps_;
};

class CheckRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override { uv_loop_init(&loop_); }
  void TearDown() override {
    runner_.reset();
    uv_run(&loop_, UV_RUN_NOWAIT);
    uv_loop_close(&loop_);
  }

  ScriptedCheck* make(std::deque<ScriptedCheck::Step> steps) {
    health::CheckState s;
    s.name = config_.name;
    s.probes = config_.probes;
    index_ = health_.add_check(s);
    auto check = std::make_unique<ScriptedCheck>(&loop_, std::move(steps));
    auto* raw = check.get();
    runner_ =
        std::make_unique<CheckRunner>(&loop_, config_, std::move(check), health_, index_, rng_);
    return raw;
  }

  // Runs the loop for about `ms` milliseconds.
  void run_for(std::uint64_t ms) {
    loop::Timer stop(&loop_);
    stop.start(ms, [this] { uv_stop(&loop_); });
    uv_run(&loop_, UV_RUN_DEFAULT);
  }

  const health::CheckState& state() const { return health_.checks()[index_]; }

  uv_loop_t loop_{};
  health::Health health_;
  CheckConfig config_ = [] {
    CheckConfig c;
    c.name = "dep";
    c.type = "scripted";
    c.interval = config::Duration{40};
    c.interval_when_failing = config::Duration{40};
    c.timeout = config::Duration{30};
    c.jitter = config::Duration{0};
    c.failure_threshold = 2;
    c.success_threshold = 1;
    return c;
  }();
  std::mt19937_64 rng_{7};
  std::size_t index_ = 0;
  std::unique_ptr<CheckRunner> runner_;
};

TEST_F(CheckRunnerTest, FirstAttemptRunsAfterInitialDelayAndPasses) {
  config_.initial_delay = config::Duration{300};
  auto* check = make({{true, true, 0}});
  runner_->start();
  run_for(30);
  EXPECT_EQ(check->starts, 0);
  EXPECT_EQ(state().status, health::CheckStatus::unknown);
  run_for(400);
  EXPECT_GE(check->starts, 1);
  EXPECT_EQ(state().status, health::CheckStatus::passing);
  EXPECT_TRUE(state().ever_passed);
}

TEST_F(CheckRunnerTest, HungAttemptIsCancelledAtTimeoutAndCountsAsFailure) {
  config_.timeout = config::Duration{150};
  config_.interval = config_.interval_when_failing = config::Duration{1000};
  auto* check = make({{false}, {false}, {false}, {false}});
  runner_->start();
  run_for(30);
  EXPECT_TRUE(runner_->in_flight());
  EXPECT_EQ(check->cancels, 0);
  run_for(400);  // past the 150ms timeout, well before the next attempt
  EXPECT_EQ(check->cancels, 1);
  EXPECT_FALSE(runner_->in_flight());
  EXPECT_EQ(state().message, "timeout after 150ms");
  EXPECT_EQ(state().consecutive_failures, 1u);
  EXPECT_EQ(state().status, health::CheckStatus::unknown) << "failure_threshold is 2";
  run_for(1200);  // the second attempt times out too
  EXPECT_EQ(state().status, health::CheckStatus::failing);
  EXPECT_EQ(runner_->counters().timeouts, 2u);
  EXPECT_EQ(check->overlaps, 0);
}

TEST_F(CheckRunnerTest, AtMostOneAttemptInFlight) {
  config_.timeout = config::Duration{35};
  auto* check = make({{true, true, 30}, {true, true, 30}, {true, true, 30}});
  runner_->start();
  run_for(200);
  // Each attempt takes 30ms and the next starts 40ms after the last one started: about 5
  // in 200ms (fewer on a loaded machine, never more than 6).
  EXPECT_GE(check->starts, 1);
  EXPECT_LE(check->starts, 6);
  EXPECT_EQ(check->cancels, 0);
  EXPECT_EQ(check->overlaps, 0) << "never two attempts at once";
}

TEST_F(CheckRunnerTest, LateAnswerAfterTimeoutIsIgnored) {
  config_.failure_threshold = 1;
  config_.interval = config_.interval_when_failing = config::Duration{1000};
  // Answers ok after 200ms, past the 30ms timeout: the timeout decides.
  auto* check = make({{true, true, 200}, {false}, {false}});
  runner_->start();
  run_for(400);
  EXPECT_EQ(state().status, health::CheckStatus::failing);
  EXPECT_EQ(check->cancels, 1);
}

TEST_F(CheckRunnerTest, StopCancelsTheAttemptInFlight) {
  config_.timeout = config::Duration{500};
  auto* check = make({{false}});
  runner_->start();
  run_for(10);
  ASSERT_TRUE(runner_->in_flight());
  runner_->stop();
  EXPECT_EQ(check->cancels, 1);
  run_for(60);
  EXPECT_EQ(check->starts, 1) << "no attempt after stop";
}

TEST_F(CheckRunnerTest, TransitionsAreCounted) {
  config_.failure_threshold = 1;
  auto* check = make({{true, true, 0}, {true, false, 0}, {true, true, 0}, {false}});
  runner_->start();
  ASSERT_TRUE([&] {
    for (int i = 0; i < 100 && check->starts < 4; ++i)
      run_for(20);
    return check->starts >= 4;
  }());
  EXPECT_EQ(runner_->counters().transitions, 3u);  // unknown->pass->fail->pass
}

TEST_F(CheckRunnerTest, AttemptsStartEveryIntervalHoweverLongTheyTake) {
  config_.interval = config_.interval_when_failing = config::Duration{100};
  config_.timeout = config::Duration{90};
  // Every attempt takes 60 ms: counted from their ends, attempts would start every 160 ms.
  auto* check = make(std::deque<ScriptedCheck::Step>(40, {true, true, 60}));
  runner_->start();
  run_for(1050);
  const auto& t = check->start_times_ms;
  ASSERT_GE(t.size(), 8u);
  const double mean_gap =
      static_cast<double>(t.back() - t.front()) / static_cast<double>(t.size() - 1);
  EXPECT_GE(mean_gap, 95.0);
  EXPECT_LE(mean_gap, 115.0);
  EXPECT_EQ(check->overlaps, 0);
}

TEST_F(CheckRunnerTest, AnAttemptThatOutlastsTheIntervalIsFollowedAtOnceWithoutCatchingUp) {
  config_.interval = config::Duration{1000};
  config_.interval_when_failing = config::Duration{20};
  config_.timeout = config::Duration{90};
  // Every attempt hangs until its 90 ms timeout, four failing intervals long.
  auto* check = make(std::deque<ScriptedCheck::Step>(40, {false}));
  runner_->start();
  run_for(500);
  const auto& t = check->start_times_ms;
  ASSERT_GE(t.size(), 4u);
  for (std::size_t i = 1; i < t.size(); ++i)
    EXPECT_GE(t[i] - t[i - 1], 90u) << "attempt " << i << " started before the last one ended";
  // Each starts as the last one times out: counted from the end of the attempt, the gap
  // would be the timeout plus interval_when_failing (110 ms).
  const double mean_gap =
      static_cast<double>(t.back() - t.front()) / static_cast<double>(t.size() - 1);
  EXPECT_LE(mean_gap, 104.0);
  EXPECT_EQ(check->overlaps, 0);
}

}  // namespace
}  // namespace graced::probes
