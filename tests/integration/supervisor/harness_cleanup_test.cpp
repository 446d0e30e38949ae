// The harness itself: a test leaves no process behind, whatever state graced is in.
#include <gtest/gtest.h>

#include <optional>

#include "harness/graced_process.hpp"
#include "harness/paths.hpp"
#include "harness/proc.hpp"
#include "harness/temp_dir.hpp"
#include "harness/test_child.hpp"

namespace graced::test {
namespace {

using std::chrono::seconds;

TEST(HarnessCleanup, GracedAndItsDescendantsDieWithTheHarness) {
  TempDir dir;
  const std::string ready = dir.file("ready");
  pid_t graced_pid = 0;
  std::optional<pid_t> grandchild;
  {
    GracedProcess graced({.args = run_test_child({"spawn-grandchild", dir.file("signals"),
                                                  "--ready", ready, "--ignore-term"})});
    grandchild = wait_for_ready(ready, seconds(10));
    ASSERT_TRUE(grandchild);
    graced_pid = graced.pid();
    EXPECT_EQ(process_group(graced_pid), graced_pid) << "graced must lead its own group";
  }
  EXPECT_FALSE(is_alive(graced_pid));
  EXPECT_TRUE(wait_until([&] { return !is_alive(*grandchild); }, seconds(2)));
}

TEST(HarnessCleanup, ProcessesOrphanedByAKilledGracedAreStillCleanedUp) {
  TempDir dir;
  const std::string ready = dir.file("ready");
  std::optional<pid_t> child;
  {
    GracedProcess graced({.args = run_test_child({"record-signals", dir.file("signals"), "--ready",
                                                  ready, "--ignore-term"})});
    child = wait_for_ready(ready, seconds(10));
    ASSERT_TRUE(child);
    graced.signal(SIGKILL);
    EXPECT_EQ(graced.wait(seconds(5)), 128 + SIGKILL);
    EXPECT_TRUE(is_alive(*child)) << "without pdeathsig the child outlives graced";
  }
  EXPECT_TRUE(wait_until([&] { return !is_alive(*child); }, seconds(2)));
}

}  // namespace
}  // namespace graced::test
