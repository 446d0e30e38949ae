// exec hooks through HookRunner with real commands and the real spawner: exit codes, the
// timeout killing the whole process group, the caller's budget cutting a hook short, the
// output logged line by line under the hook's name, commands that cannot run.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <optional>

#include "hook_fixture.hpp"
#include "hooks/hook_runner.hpp"

namespace graced::hooks {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::uint64_t kNoBudget = UINT64_MAX / 4;

class ExecHookTest : public HookTest {
 protected:
  void SetUp() override {
    HookTest::SetUp();
    runner_ = std::make_unique<HookRunner>(&loop_, spawner_);
  }
  void release() override { runner_.reset(); }

  // Runs `h` to its end; fails the test when it does not end within `limit`.
  HookResult run(const HookConfig& h, std::uint64_t budget_ms = kNoBudget,
                 std::chrono::milliseconds limit = 15s) {
    std::optional<HookResult> result;
    int calls = 0;
    runner_->run(h, budget_ms, [&](HookResult r) {
      ++calls;
      result = std::move(r);
    });
    EXPECT_TRUE(run_until([&] { return result.has_value(); }, limit)) << "no result in time";
    // A second call would show up while the loop runs on.
    run_for(50ms);
    EXPECT_EQ(calls, 1);
    return result.value_or(HookResult{});
  }

  std::unique_ptr<HookRunner> runner_;
};

TEST_F(ExecHookTest, ExitZeroSucceeds) {
  const auto r = run(hook("ok", sh("exit 0")));
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.http_status, 0);
  EXPECT_EQ(r.cut, Cut::none);
  EXPECT_EQ(r.message, "exited with code 0");
  EXPECT_LT(r.duration, 5s);
}

TEST_F(ExecHookTest, NonZeroExitFailsWithItsCode) {
  const auto r = run(hook("three", sh("exit 3")));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.cut, Cut::none);
  EXPECT_EQ(r.message, "exited with code 3");
}

TEST_F(ExecHookTest, DeathBySignalFailsWithTheShellCode) {
  const auto r = run(hook("killed", sh("kill -TERM $$")));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.exit_code, 128 + 15);
  EXPECT_EQ(r.message, "killed by SIGTERM");
}

TEST_F(ExecHookTest, CommandNotFoundFailsWith127) {
  auto r = run(hook("missing", "exec = [\"/nonexistent/bin/migrate\", \"--up\"]"));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.exit_code, 127);
  EXPECT_THAT(r.message, HasSubstr("cannot run \"/nonexistent/bin/migrate\""));
  EXPECT_THAT(r.message, HasSubstr("No such file or directory"));
  // Looked up in PATH too.
  r = run(hook("missing2", "exec = [\"graced-no-such-command-4711\"]"));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.exit_code, 127);
}

TEST_F(ExecHookTest, NotExecutableFailsWith126) {
  const std::string script = scratch_.file("script.sh");
  test::write_file(script, "#!/bin/sh\nexit 0\n", 0644);
  const auto r = run(hook("noexec", "exec = [" + toml_string(script) + "]"));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.exit_code, 126);
  EXPECT_THAT(r.message, HasSubstr("Permission denied"));
}

TEST_F(ExecHookTest, RunsInItsWorkdirWithItsEnvironmentAndStdinFromDevNull) {
  // `cat` ends at once on /dev/null; on an inherited terminal or pipe it could block.
  const auto r = run(hook("env", sh("cat; pwd > out; echo \"$HOOK_MODE\" >> out; "
                                    "test -n \"$PATH\"") +
                                     "\nworkdir = " + toml_string(scratch_.path()) +
                                     "\nenv = { HOOK_MODE = \"warm\" }\ntimeout = \"5s\""));
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(test::read_file(scratch_.file("out")).value_or(""), scratch_.path() + "\nwarm\n");
}

TEST_F(ExecHookTest, RunsInItsOwnProcessGroup) {
  const auto r = run(hook("group", sh("cut -d' ' -f5 /proc/$$/stat > " + scratch_.file("pgid") +
                                      "; echo $$ > " + scratch_.file("pid"))));
  ASSERT_TRUE(r.ok) << r.message;
  const auto pgid = test::read_file(scratch_.file("pgid")).value_or("x");
  const auto pid = test::read_file(scratch_.file("pid")).value_or("y");
  EXPECT_EQ(pgid, pid) << "the hook leads its own group";
  EXPECT_NE(std::stoi(pgid), getpgrp());
}

TEST_F(ExecHookTest, TimeoutKillsTheWholeGroup) {
  const auto& h =
      hook("slow", sh("echo $$ > " + scratch_.file("leader") + "; sleep 30 & echo $! > " +
                      scratch_.file("grandchild") + "; wait") +
                       "\ntimeout = \"400ms\"");
  const auto start = Clock::now();
  const auto r = run(h);
  const auto elapsed = since(start);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.cut, Cut::timeout);
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_EQ(r.message, "timeout after 400ms");
  EXPECT_GE(r.duration, 390ms);
  EXPECT_LT(r.duration, 2500ms);
  EXPECT_GE(elapsed, 390ms);
  const pid_t leader = pid_from("leader");
  const pid_t grandchild = pid_from("grandchild");
  ASSERT_GT(leader, 0);
  ASSERT_GT(grandchild, 0);
  EXPECT_TRUE(run_until([&] { return !test::is_alive(grandchild) && !test::is_alive(leader); }, 3s))
      << "the hook's background sleep survived its timeout";
}

TEST_F(ExecHookTest, ABudgetShorterThanTheTimeoutCutsTheHookAtTheBudget) {
  const auto& h =
      hook("long", sh("sleep 30 & echo $! > " + scratch_.file("grandchild") + "; wait") +
                       "\ntimeout = \"20s\"");
  const auto start = Clock::now();
  const auto r = run(h, 600);
  const auto elapsed = since(start);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.cut, Cut::budget);
  EXPECT_THAT(r.message, HasSubstr("600ms"));
  EXPECT_THAT(r.message, HasSubstr("budget"));
  // Ends at the budget: not before it, and nowhere near the 20s timeout.
  EXPECT_GE(elapsed, 590ms);
  EXPECT_LT(elapsed, 3s);
  EXPECT_GE(r.duration, 590ms);
  EXPECT_LT(r.duration, 3s);
  const pid_t grandchild = pid_from("grandchild");
  ASSERT_GT(grandchild, 0);
  EXPECT_TRUE(run_until([&] { return !test::is_alive(grandchild); }, 3s));
}

TEST_F(ExecHookTest, ATimeoutShorterThanTheBudgetIsTheTimeout) {
  const auto r = run(hook("t", sh("sleep 30") + "\ntimeout = \"300ms\""), 5000);
  EXPECT_EQ(r.cut, Cut::timeout);
  EXPECT_EQ(r.message, "timeout after 300ms");
}

TEST_F(ExecHookTest, NoBudgetLeftMeansTheHookDoesNotRun) {
  const auto& h = hook("late", sh("touch " + scratch_.file("ran")));
  std::optional<HookResult> result;
  runner_->run(h, 0, [&](HookResult r) { result = std::move(r); });
  ASSERT_TRUE(result.has_value()) << "answered at once";
  EXPECT_FALSE(result->ok);
  EXPECT_EQ(result->cut, Cut::budget);
  EXPECT_THAT(result->message, HasSubstr("not run"));
  run_for(200ms);
  EXPECT_FALSE(test::file_exists(scratch_.file("ran")));
}

TEST_F(ExecHookTest, AnExitedHookLeavesNothingBehind) {
  // The background sleep keeps the output pipe open: the result must not wait for it, and
  // it must not outlive the hook.
  const auto start = Clock::now();
  const auto r =
      run(hook("bg", sh("sleep 30 & echo $! > " + scratch_.file("grandchild") + "; exit 0")));
  EXPECT_TRUE(r.ok);
  EXPECT_LT(since(start), 5s);
  const pid_t grandchild = pid_from("grandchild");
  ASSERT_GT(grandchild, 0);
  EXPECT_TRUE(run_until([&] { return !test::is_alive(grandchild); }, 3s));
}

TEST_F(ExecHookTest, CancelAbandonsTheHookWithoutAResult) {
  const auto& h = hook("abandoned", sh("echo $$ > " + scratch_.file("leader") + "; sleep 30"));
  int calls = 0;
  runner_->run(h, kNoBudget, [&](HookResult) { ++calls; });
  EXPECT_TRUE(runner_->running());
  const pid_t leader = pid_from("leader");
  ASSERT_GT(leader, 0);
  runner_->cancel();
  EXPECT_FALSE(runner_->running());
  EXPECT_TRUE(run_until([&] { return !test::is_alive(leader); }, 3s));
  run_for(200ms);
  EXPECT_EQ(calls, 0);
}

TEST_F(ExecHookTest, ARunnerRunsTheNextHookFromInsideItsCallback) {
  const auto& hooks =
      parse("[[hooks]]\nname = \"one\"\nphase = \"pre-stop\"\n" + sh("exit 1") +
            "\n[[hooks]]\nname = \"two\"\nphase = \"pre-stop\"\n" + sh("exit 2") + "\n");
  ASSERT_EQ(hooks.size(), 2u);
  std::vector<int> codes;
  runner_->run(hooks[0], kNoBudget, [&](HookResult r) {
    codes.push_back(r.exit_code);
    runner_->run(hooks[1], kNoBudget, [&](HookResult r2) { codes.push_back(r2.exit_code); });
  });
  EXPECT_TRUE(run_until([&] { return codes.size() == 2; }, 10s));
  EXPECT_EQ(codes, (std::vector<int>{1, 2}));
}

TEST_F(ExecHookTest, OutputIsLoggedLineByLineWithTheHooksName) {
  ::testing::internal::CaptureStderr();
  const auto r = run(hook("talk", sh("printf 'first line\\nsecond\\n'; echo 'to stderr' >&2; "
                                     "printf 'partial'")));
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_TRUE(r.ok);
  const auto first = err.find("hook output hook=talk line=\"first line\"\n");
  const auto second = err.find("hook output hook=talk line=second\n");
  EXPECT_NE(first, std::string::npos) << err;
  EXPECT_NE(second, std::string::npos) << err;
  EXPECT_LT(first, second);
  EXPECT_THAT(err, HasSubstr("hook output hook=talk line=\"to stderr\"\n"));
  EXPECT_THAT(err, HasSubstr("hook output hook=talk line=partial\n"));
}

TEST_F(ExecHookTest, ALongLineIsLoggedCut) {
  ::testing::internal::CaptureStderr();
  const auto r = run(hook("chatty", sh("head -c 10000 /dev/zero | tr '\\0' x; echo; echo after")));
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_TRUE(r.ok);
  EXPECT_THAT(err, HasSubstr("line=" + std::string(4096, 'x') + " truncated=true\n"));
  EXPECT_THAT(err, Not(HasSubstr(std::string(4097, 'x'))));
  EXPECT_THAT(err, HasSubstr("hook output hook=chatty line=after\n"));
}

TEST_F(ExecHookTest, OutputBeforeATimeoutIsLogged) {
  ::testing::internal::CaptureStderr();
  const auto r =
      run(hook("stuck", sh("echo starting; printf 'half'; sleep 30") + "\ntimeout = \"500ms\""));
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(r.cut, Cut::timeout);
  EXPECT_THAT(err, HasSubstr("hook output hook=stuck line=starting\n"));
  EXPECT_THAT(err, HasSubstr("hook output hook=stuck line=half\n"));
}

}  // namespace
}  // namespace graced::hooks
