// graced reaps every orphan re-parented to it while the child runs, and leaves nothing
// behind when the child is done.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "harness/graced_process.hpp"
#include "harness/paths.hpp"
#include "harness/proc.hpp"
#include "harness/temp_dir.hpp"
#include "harness/test_child.hpp"

namespace graced::test {
namespace {

using std::chrono::seconds;

std::vector<pid_t> zombie_children(pid_t parent) {
  std::vector<pid_t> zombies;
  for (const auto& p : all_processes())
    if (p.ppid == parent && p.state == 'Z') zombies.push_back(p.pid);
  return zombies;
}

TEST(ZombieReaping, AThousandOrphansAreReapedWhileTheChildRuns) {
  TempDir dir;
  const std::string ready = dir.file("ready");
  GracedProcess graced({.args = run_test_child({"spawn-orphans", "1000", "--ready", ready, "--then",
                                                "record-signals", dir.file("sig")})});
  auto child = wait_for_ready(ready, seconds(120));
  ASSERT_TRUE(child) << graced.stderr_text();
  // Each orphan outlives its parent by 20 ms and then exits: once they are all reaped,
  // the child is graced's only child.
  EXPECT_TRUE(wait_until([&] { return children_of(graced.pid()) == std::vector<pid_t>{*child}; },
                         seconds(20)))
      << "graced's children: " << children_of(graced.pid()).size();
  for (int sample = 0; sample < 5; ++sample) {
    EXPECT_EQ(zombie_children(graced.pid()), std::vector<pid_t>{});
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(is_alive(*child));

  graced.signal(SIGTERM);
  EXPECT_EQ(graced.wait(seconds(10)), 0) << graced.stderr_text();
  // graced made the child a session leader: nothing of that session may remain.
  EXPECT_TRUE(wait_until([&] { return processes_in_session(*child).empty(); }, seconds(2)));
}

}  // namespace
}  // namespace graced::test
