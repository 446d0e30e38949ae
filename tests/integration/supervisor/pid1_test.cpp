// graced as PID 1 of a PID namespace, as in a container: exit statuses, signal forwarding
// and orphan reaping work there too (no subreaper; orphans come to PID 1 by right).
#include <gtest/gtest.h>
#include <unistd.h>

#include "harness/graced_process.hpp"
#include "harness/paths.hpp"
#include "harness/proc.hpp"
#include "harness/temp_dir.hpp"
#include "harness/test_child.hpp"

namespace graced::test {
namespace {

using std::chrono::seconds;

class Pid1 : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root: a new PID namespace needs CAP_SYS_ADMIN";
    ASSERT_EQ(access("/usr/bin/unshare", X_OK), 0)
        << "needs unshare (util-linux, from scripts/install-deps)";
  }
  GracedOptions in_namespace(std::vector<std::string> args) {
    return {.args = std::move(args),
            .config = kNoDrainConfig,
            .launcher = {"unshare", "--pid", "--fork", "--mount-proc"}};
  }
  TempDir dir;
};

TEST_F(Pid1, GracedIsPid1AndExitCodesPassThrough) {
  auto ids = run_graced(in_namespace(run_test_child({"print-pids"})));
  ASSERT_EQ(ids.exit_code, 0) << ids.err;
  EXPECT_NE(ids.out.find(" ppid=1 "), std::string::npos) << ids.out;

  auto exited = run_graced(in_namespace(run_test_child({"exit", "42"})));
  EXPECT_EQ(exited.exit_code, 42) << exited.err;
  auto killed = run_graced(in_namespace(run_test_child({"kill-self", "SIGTERM"})));
  EXPECT_EQ(killed.exit_code, 128 + SIGTERM) << killed.err;
}

TEST_F(Pid1, SignalsFromOutsideTheNamespaceReachTheChild) {
  // The kernel drops signals sent to a namespace's init unless it handles them; graced
  // takes them from a signalfd, which must count.
  const std::string record = dir.file("signals");
  const std::string ready = dir.file("ready");
  GracedProcess graced(in_namespace(run_test_child({"record-signals", record, "--ready", ready})));
  ASSERT_TRUE(wait_for_ready(ready, seconds(10))) << graced.stderr_text();
  ASSERT_GT(graced.graced_pid(), 0);
  graced.signal(SIGUSR1);
  EXPECT_TRUE(wait_for_signal(record, "SIGUSR1", seconds(5))) << graced.stderr_text();
  graced.signal(SIGTERM);
  EXPECT_EQ(graced.wait(seconds(10)), 0) << graced.stderr_text();
  EXPECT_EQ(recorded_signals(record), (std::vector<std::string>{"SIGUSR1", "SIGTERM"}));
}

TEST_F(Pid1, OrphansAreReaped) {
  const std::string ready = dir.file("ready");
  GracedProcess graced(in_namespace(run_test_child(
      {"spawn-orphans", "200", "--ready", ready, "--then", "record-signals", dir.file("sig")})));
  ASSERT_TRUE(wait_for_ready(ready, seconds(60))) << graced.stderr_text();
  const pid_t init = graced.graced_pid();
  ASSERT_GT(init, 0);
  // The ready file holds the child's pid inside the namespace; from here, graced's only
  // remaining child must be a live one.
  EXPECT_TRUE(wait_until(
      [&] {
        auto children = children_of(init);
        return children.size() == 1 && is_alive(children[0]);
      },
      seconds(20)))
      << "graced's children: " << children_of(init).size();
  graced.signal(SIGTERM);
  EXPECT_EQ(graced.wait(seconds(10)), 0) << graced.stderr_text();
}

}  // namespace
}  // namespace graced::test
