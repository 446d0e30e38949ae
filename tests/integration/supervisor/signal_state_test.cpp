// The child starts with the signal state graced was started with (blocked mask and
// ignored signals), not with graced's own.
#include <gtest/gtest.h>

#include <csignal>

#include "harness/graced_process.hpp"
#include "harness/paths.hpp"

namespace graced::test {
namespace {

TEST(SignalState, ChildInheritsTheIgnoredAndBlockedSignalsGracedStartedWith) {
  auto r = run_graced({.args = run_test_child({"print-sigstate"}),
                       .ignored_signals = {SIGUSR1},
                       .blocked_signals = {SIGUSR2}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "blocked: SIGUSR2\nignored: SIGUSR1\n");
}

TEST(SignalState, ChildStartsCleanWhenGracedDid) {
  // graced itself blocks every signal; none of that may leak into the child.
  auto r = run_graced({.args = run_test_child({"print-sigstate"})});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "blocked:\nignored:\n");
}

}  // namespace
}  // namespace graced::test
