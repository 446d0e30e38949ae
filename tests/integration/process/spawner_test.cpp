// The spawner starts a child by fork, or, for the service, in graced's memory until it
// execs (clone with CLONE_VM | CLONE_VFORK): either way what the child does before its
// exec must reach the child and never graced itself. These start real commands both ways
// and read what they print.
#include "process/spawner.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "harness/files.hpp"
#include "harness/temp_dir.hpp"
#include "harness/wait.hpp"

extern char** environ;

namespace graced::process {
namespace {

using namespace std::chrono_literals;

// The parameter: SpawnRequest::suspend_until_exec.
class SpawnerTest : public ::testing::TestWithParam<bool> {
 protected:
  // Runs `req` to its end and returns what it wrote to stdout.
  std::string run(SpawnRequest req) {
    req.suspend_until_exec = GetParam();
    int out[2];
    EXPECT_EQ(pipe2(out, O_CLOEXEC), 0);
    req.stdout_fd = out[1];
    if (req.env.empty()) req.env = {"PATH=/usr/bin:/bin"};
    std::optional<ExitStatus> status;
    auto result = spawner_.spawn(req, [&](pid_t, const ExitStatus& s) { status = s; });
    close(out[1]);
    EXPECT_TRUE(std::holds_alternative<pid_t>(result));
    std::string text;
    char buf[4096];
    ssize_t n;
    while ((n = read(out[0], buf, sizeof buf)) > 0)
      text.append(buf, static_cast<size_t>(n));
    close(out[0]);
    EXPECT_TRUE(test::wait_until(
        [&] {
          spawner_.reap();
          return status.has_value();
        },
        10s));
    exit_ = status;
    return text;
  }

  InheritedSignals inherited_ = InheritedSignals::capture();
  Spawner spawner_{inherited_};
  std::optional<ExitStatus> exit_;
};

TEST_P(SpawnerTest, GracedsOwnEnvironmentIsUntouched) {
  // The child points `environ` at its environment before exec, in graced's memory.
  char** const before = environ;
  const std::string path_before = std::getenv("PATH") ? std::getenv("PATH") : "";
  SpawnRequest req;
  req.argv = {"sh", "-c", "printf %s \"$ONLY_IN_CHILD\""};
  req.env = {"PATH=/usr/bin:/bin", "ONLY_IN_CHILD=yes"};
  EXPECT_EQ(run(req), "yes");
  EXPECT_EQ(environ, before);
  EXPECT_EQ(std::getenv("ONLY_IN_CHILD"), nullptr);
  EXPECT_EQ(std::getenv("PATH") ? std::getenv("PATH") : "", path_before);
}

TEST_P(SpawnerTest, TheChildsOwnPathIsSearchedToItsEnd) {
  // The search uses the child's PATH, not graced's, all ~100 KiB of it: the command is in
  // its last directory.
  test::TempDir dir;
  test::write_file(dir.path() + "/only-here", "#!/bin/sh\necho found\n", 0755);
  std::string path = "PATH=";
  for (int i = 0; i < 2000; ++i)
    path += "/nonexistent/directory/number/" + std::to_string(i) + "/with/some/length:";
  path += dir.path();
  ASSERT_GT(path.size(), 100u * 1024);
  SpawnRequest req;
  req.argv = {"only-here"};
  req.env = {path};
  EXPECT_EQ(run(req), "found\n");
  ASSERT_TRUE(exit_.has_value());
  EXPECT_EQ(exit_->code, 0);
}

TEST_P(SpawnerTest, AScriptWithoutAnInterpreterLineRunsWithManyArguments) {
  // Without #! execvp retries through /bin/sh with an argv it builds on the child's
  // stack: 20,000 arguments take 160 KiB there.
  test::TempDir dir;
  test::write_file(dir.path() + "/count", "echo $#\n", 0755);
  SpawnRequest req;
  req.argv = {dir.path() + "/count"};
  for (int i = 0; i < 20000; ++i)
    req.argv.push_back("a");
  EXPECT_EQ(run(req), "20000\n");
}

TEST_P(SpawnerTest, TheChildKnowsItsOwnPid) {
  SpawnRequest req;
  req.argv = {"sh", "-c", "[ \"$MY_PID\" = \"$$\" ] && echo same"};
  req.pid_variable = "MY_PID";
  EXPECT_EQ(run(req), "same\n");
}

TEST_P(SpawnerTest, AFailedExecIsReportedWithTheExitStatus) {
  SpawnRequest req;
  req.argv = {"/nonexistent/command"};
  EXPECT_EQ(run(req), "");
  ASSERT_TRUE(exit_.has_value());
  ASSERT_TRUE(exit_->exec_failure.has_value());
  EXPECT_EQ(exit_->exec_failure->stage, std::string("exec"));
  EXPECT_EQ(exit_->exec_failure->error, ENOENT);
}

TEST_P(SpawnerTest, StopSignalsHaveTheirDefaultActionAgainAfterExec) {
  // Until exec the child catches them with a handler that does nothing; exec resets
  // caught signals to the default, so the command itself catches none.
  SpawnRequest req;
  req.argv = {"/bin/cat", "/proc/self/status"};
  const std::string status = run(req);
  auto mask = [&](const std::string& key) {
    const auto at = status.find("\n" + key + ":\t");
    EXPECT_NE(at, std::string::npos) << key;
    return at == std::string::npos ? 0
                                   : std::stoull(status.substr(at + key.size() + 3), nullptr, 16);
  };
  EXPECT_EQ(mask("SigCgt"), 0u);
  for (int signo : {SIGTSTP, SIGTTIN, SIGTTOU}) {
    const bool ignored = (mask("SigIgn") >> (signo - 1) & 1) != 0;
    EXPECT_EQ(ignored, inherited_.ignored(signo)) << signo;
  }
}

TEST_P(SpawnerTest, HasChildrenSeesAnExitedChildUntilItIsReaped) {
  ASSERT_FALSE(has_children())
      << "needs a process with no other child (ctest runs each test alone)";
  std::optional<ExitStatus> status;
  SpawnRequest req;
  req.argv = {"/bin/true"};
  req.suspend_until_exec = GetParam();
  auto result = spawner_.spawn(req, [&](pid_t, const ExitStatus& s) { status = s; });
  ASSERT_TRUE(std::holds_alternative<pid_t>(result));
  const pid_t pid = std::get<pid_t>(result);
  EXPECT_TRUE(has_children());
  // Exited but not reaped: a zombie is still a child, and has_children() leaves it be.
  siginfo_t info{};
  ASSERT_EQ(waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT), 0);
  EXPECT_TRUE(has_children());
  EXPECT_TRUE(has_children());
  spawner_.reap();
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->code, 0);
  EXPECT_FALSE(has_children());
}

INSTANTIATE_TEST_SUITE_P(Modes, SpawnerTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& mode) {
                           return mode.param ? "SharingMemoryUntilExec" : "Forked";
                         });

}  // namespace
}  // namespace graced::process
