// HookSequence with real commands: hooks of a phase run in order, a failure stops the
// rest only when asked (or when the hook is fatal), the overall budget bounds them all,
// each result is logged and counted per hook.
#include "hooks/hook_sequence.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <optional>

#include "hook_fixture.hpp"

namespace graced::hooks {
namespace {

using ::testing::HasSubstr;

constexpr std::uint64_t kNoBudget = UINT64_MAX / 4;

class HookSequenceTest : public HookTest {
 protected:
  void SetUp() override {
    HookTest::SetUp();
    sequence_ = std::make_unique<HookSequence>(&loop_, spawner_);
  }
  void release() override { sequence_.reset(); }

  // A hook that appends its name to the "order" file, then runs `script`.
  std::string hook_toml(const std::string& name, const std::string& script,
                        const std::string& extra = "", const std::string& phase = "pre-stop") {
    return "[[hooks]]\nname = " + toml_string(name) + "\nphase = " + toml_string(phase) + "\n" +
           sh("echo " + name + " >> " + scratch_.file("order") + "; " + script) + "\n" + extra +
           "\n";
  }

  std::vector<const HookConfig*> all() const {
    std::vector<const HookConfig*> out;
    for (const auto& h : hooks_)
      out.push_back(&h);
    return out;
  }

  SequenceOutcome run(std::uint64_t budget_ms, bool stop_on_failure) {
    std::optional<SequenceOutcome> outcome;
    int calls = 0;
    sequence_->run(all(), budget_ms, stop_on_failure, [&](SequenceOutcome o) {
      ++calls;
      outcome = std::move(o);
    });
    EXPECT_TRUE(run_until([&] { return outcome.has_value(); }, 20s)) << "no outcome in time";
    run_for(50ms);
    EXPECT_EQ(calls, 1);
    return outcome.value_or(SequenceOutcome{});
  }

  std::string order() const { return test::read_file(scratch_.file("order")).value_or(""); }

  static std::vector<std::string> names(const SequenceOutcome& o) {
    std::vector<std::string> out;
    for (const auto& r : o.results)
      out.push_back(r.hook->name);
    return out;
  }

  std::unique_ptr<HookSequence> sequence_;
};

TEST_F(HookSequenceTest, RunsHooksOneAfterTheOtherInOrder) {
  // b is the slowest: were they started together, it would not be second.
  parse(hook_toml("a", "true") + hook_toml("b", "sleep 0.3") + hook_toml("c", "true"));
  const auto o = run(kNoBudget, true);
  EXPECT_TRUE(o.ok);
  EXPECT_EQ(order(), "a\nb\nc\n");
  EXPECT_EQ(names(o), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(o.first_failure(), nullptr);
}

TEST_F(HookSequenceTest, StopOnFailureLeavesTheRestOut) {
  parse(hook_toml("a", "true") + hook_toml("b", "exit 3") + hook_toml("c", "true"));
  const auto o = run(kNoBudget, true);
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(order(), "a\nb\n");
  EXPECT_EQ(names(o), (std::vector<std::string>{"a", "b"}));
  ASSERT_NE(o.first_failure(), nullptr);
  EXPECT_EQ(o.first_failure()->hook->name, "b");
  EXPECT_EQ(o.first_failure()->result.exit_code, 3);
}

TEST_F(HookSequenceTest, WithoutStopOnFailureEveryHookRuns) {
  parse(hook_toml("a", "exit 4") + hook_toml("b", "exit 3") + hook_toml("c", "true"));
  const auto o = run(kNoBudget, false);
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(order(), "a\nb\nc\n");
  ASSERT_EQ(o.results.size(), 3u);
  EXPECT_EQ(o.first_failure()->hook->name, "a");
  EXPECT_TRUE(o.results[2].result.ok);
}

TEST_F(HookSequenceTest, AFatalHookStopsTheRestEvenWithoutStopOnFailure) {
  parse(hook_toml("a", "exit 1", "", "post-start") +
        hook_toml("b", "exit 5", "fatal = true", "post-start") +
        hook_toml("c", "true", "", "post-start"));
  const auto o = run(kNoBudget, false);
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(order(), "a\nb\n");
}

TEST_F(HookSequenceTest, EachHookIsBoundedByItsOwnTimeout) {
  parse(hook_toml("slow", "sleep 30", "timeout = \"300ms\"") + hook_toml("next", "true"));
  const auto start = Clock::now();
  const auto o = run(kNoBudget, false);
  EXPECT_LT(since(start), 5s);
  ASSERT_EQ(o.results.size(), 2u);
  EXPECT_EQ(o.results[0].result.cut, Cut::timeout);
  EXPECT_TRUE(o.results[1].result.ok);
}

TEST_F(HookSequenceTest, TheOverallBudgetBoundsAllHooks) {
  // a takes ~200ms of the 800ms; b (timeout 20s) gets only what is left and is cut at the
  // budget; c finds nothing left and does not run.
  parse(hook_toml("a", "sleep 0.2") + hook_toml("b", "sleep 30", "timeout = \"20s\"") +
        hook_toml("c", "true"));
  const auto start = Clock::now();
  const auto o = run(800, false);
  const auto elapsed = since(start);
  EXPECT_GE(elapsed, 780ms);
  EXPECT_LT(elapsed, 3s);
  EXPECT_FALSE(o.ok);
  ASSERT_EQ(o.results.size(), 3u);
  EXPECT_TRUE(o.results[0].result.ok);
  EXPECT_EQ(o.results[1].result.cut, Cut::budget);
  EXPECT_LT(o.results[1].result.duration, 800ms);
  EXPECT_GE(o.results[0].result.duration + o.results[1].result.duration, 750ms);
  EXPECT_EQ(o.results[2].result.cut, Cut::budget);
  EXPECT_THAT(o.results[2].result.message, HasSubstr("not run"));
  EXPECT_EQ(order(), "a\nb\n");
}

TEST_F(HookSequenceTest, NoHooksEndsAtOnce) {
  std::optional<SequenceOutcome> outcome;
  sequence_->run({}, kNoBudget, true, [&](SequenceOutcome o) { outcome = std::move(o); });
  ASSERT_TRUE(outcome.has_value());
  EXPECT_TRUE(outcome->ok);
  EXPECT_TRUE(outcome->results.empty());
}

TEST_F(HookSequenceTest, CountersAccumulatePerHook) {
  parse(hook_toml("good", "sleep 0.1") + hook_toml("bad", "exit 2") +
        hook_toml("stuck", "sleep 30", "timeout = \"200ms\""));
  run(kNoBudget, false);
  run(kNoBudget, false);
  const auto& c = sequence_->counters();
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c.at("good").ok, 2u);
  EXPECT_EQ(c.at("good").failed, 0u);
  EXPECT_GE(c.at("good").last_duration, 90ms);
  EXPECT_EQ(c.at("bad").failed, 2u);
  EXPECT_EQ(c.at("bad").ok, 0u);
  EXPECT_EQ(c.at("stuck").timed_out, 2u);
  EXPECT_EQ(c.at("stuck").failed, 0u);
  EXPECT_GE(c.at("stuck").last_duration, 190ms);
}

TEST_F(HookSequenceTest, EachResultIsLogged) {
  parse(hook_toml("fine", "true") + hook_toml("broken", "exit 7"));
  ::testing::internal::CaptureStderr();
  run(kNoBudget, false);
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(err, HasSubstr("info: hook started hook=fine phase=pre-stop limit_ms=10000"));
  EXPECT_THAT(err, HasSubstr("info: hook finished hook=fine phase=pre-stop ok=true exit_code=0 "
                             "duration_ms="));
  EXPECT_THAT(err, HasSubstr("warning: hook finished hook=broken phase=pre-stop ok=false "
                             "exit_code=7 duration_ms="));
  EXPECT_THAT(err, HasSubstr("message=\"exited with code 7\""));
}

TEST_F(HookSequenceTest, CancelAbandonsTheSequence) {
  parse(hook_toml("a", "echo $$ > " + scratch_.file("leader") + "; sleep 30") +
        hook_toml("b", "true"));
  int calls = 0;
  sequence_->run(all(), kNoBudget, false, [&](SequenceOutcome) { ++calls; });
  const pid_t leader = pid_from("leader");
  ASSERT_GT(leader, 0);
  EXPECT_TRUE(sequence_->running());
  sequence_->cancel();
  EXPECT_FALSE(sequence_->running());
  EXPECT_TRUE(run_until([&] { return !test::is_alive(leader); }, 3s));
  run_for(300ms);
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(order(), "a\n") << "b never started";
}

}  // namespace
}  // namespace graced::hooks
