// LifecycleHooks, the PhaseHooks the lifecycle drives: which hooks belong to a phase, and
// what a failure means in each phase (pre-start aborts with the hook's exit code,
// post-start only when fatal, pre-stop and post-stop run every hook and report).
#include "hooks/lifecycle_hooks.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <optional>

#include "hook_fixture.hpp"

namespace graced::hooks {
namespace {

constexpr std::uint64_t kNoBudget = UINT64_MAX / 4;

class LifecycleHooksTest : public HookTest {
 protected:
  void release() override { hooks_under_test_.reset(); }

  std::string hook_toml(const std::string& name, const std::string& phase,
                        const std::string& script, const std::string& extra = "") {
    return "[[hooks]]\nname = " + toml_string(name) + "\nphase = " + toml_string(phase) + "\n" +
           sh("echo " + name + " >> " + scratch_.file("order") + "; " + script) + "\n" + extra +
           "\n";
  }

  LifecycleHooks& make(const std::string& toml) {
    hooks_under_test_ = std::make_unique<LifecycleHooks>(&loop_, spawner_, parse(toml));
    return *hooks_under_test_;
  }

  PhaseOutcome run(HookPhase phase, std::uint64_t budget_ms = kNoBudget) {
    std::optional<PhaseOutcome> outcome;
    hooks_under_test_->run(phase, budget_ms, [&](PhaseOutcome o) { outcome = o; });
    EXPECT_TRUE(run_until([&] { return outcome.has_value(); }, 20s)) << "no outcome in time";
    return outcome.value_or(PhaseOutcome{false, -1});
  }

  std::string order() const { return test::read_file(scratch_.file("order")).value_or(""); }

  std::unique_ptr<LifecycleHooks> hooks_under_test_;
};

TEST_F(LifecycleHooksTest, KnowsWhichPhasesHaveHooks) {
  auto& hooks = make(hook_toml("m", "pre-start", "true") + hook_toml("d", "pre-stop", "true"));
  EXPECT_TRUE(hooks.has(HookPhase::pre_start));
  EXPECT_FALSE(hooks.has(HookPhase::post_start));
  EXPECT_TRUE(hooks.has(HookPhase::pre_stop));
  EXPECT_FALSE(hooks.has(HookPhase::post_stop));
}

TEST_F(LifecycleHooksTest, RunsOnlyThePhasesHooks) {
  make(hook_toml("m", "pre-start", "true") + hook_toml("d1", "pre-stop", "true") +
       hook_toml("d2", "pre-stop", "true") + hook_toml("p", "post-stop", "true"));
  const auto o = run(HookPhase::pre_stop);
  EXPECT_TRUE(o.ok);
  EXPECT_EQ(order(), "d1\nd2\n");
}

TEST_F(LifecycleHooksTest, PreStartStopsAtTheFirstFailureWithItsExitCode) {
  make(hook_toml("a", "pre-start", "exit 3") + hook_toml("b", "pre-start", "true"));
  const auto o = run(HookPhase::pre_start);
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.exit_code, 3);
  EXPECT_EQ(order(), "a\n");
}

TEST_F(LifecycleHooksTest, PostStartFailsOnlyForAFatalHook) {
  make(hook_toml("soft", "post-start", "exit 2") + hook_toml("after", "post-start", "true"));
  auto o = run(HookPhase::post_start);
  EXPECT_TRUE(o.ok) << "a non-fatal failure is only logged";
  EXPECT_EQ(order(), "soft\nafter\n");

  test::write_file(scratch_.file("order"), "");
  make(hook_toml("soft", "post-start", "exit 2") +
       hook_toml("hard", "post-start", "exit 6", "fatal = true") +
       hook_toml("after", "post-start", "true"));
  o = run(HookPhase::post_start);
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.exit_code, 6) << "the fatal hook's code, not the first failure's";
  EXPECT_EQ(order(), "soft\nhard\n");
}

TEST_F(LifecycleHooksTest, PreStopRunsEveryHookAndReportsAFailure) {
  make(hook_toml("a", "pre-stop", "exit 4") + hook_toml("b", "pre-stop", "true"));
  const auto o = run(HookPhase::pre_stop);
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.exit_code, 4);
  EXPECT_EQ(order(), "a\nb\n");
}

TEST_F(LifecycleHooksTest, AHookWithoutAnExitCodeFailsWithOne) {
  make(hook_toml("stuck", "pre-start", "sleep 30", "timeout = \"200ms\""));
  const auto o = run(HookPhase::pre_start);
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.exit_code, 1);
}

TEST_F(LifecycleHooksTest, APhaseWithoutHooksSucceedsAtOnce) {
  auto& hooks = make(hook_toml("m", "pre-start", "true"));
  std::optional<PhaseOutcome> outcome;
  hooks.run(HookPhase::post_stop, 100, [&](PhaseOutcome o) { outcome = o; });
  ASSERT_TRUE(outcome.has_value());
  EXPECT_TRUE(outcome->ok);
}

TEST_F(LifecycleHooksTest, TheBudgetBoundsThePhase) {
  make(hook_toml("a", "post-stop", "sleep 30", "timeout = \"20s\""));
  const auto start = Clock::now();
  const auto o = run(HookPhase::post_stop, 300);
  EXPECT_FALSE(o.ok);
  EXPECT_GE(since(start), 290ms);
  EXPECT_LT(since(start), 3s);
}

TEST_F(LifecycleHooksTest, CountersAreKeptAcrossPhases) {
  auto& hooks = make(hook_toml("a", "pre-start", "true") + hook_toml("b", "post-stop", "exit 1"));
  run(HookPhase::pre_start);
  run(HookPhase::post_stop);
  EXPECT_EQ(hooks.counters().at("a").ok, 1u);
  EXPECT_EQ(hooks.counters().at("b").failed, 1u);
}

}  // namespace
}  // namespace graced::hooks
