#include "lifecycle/descendants.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <thread>

namespace graced {
namespace {

// A process tree below the test process, stopped by SIGKILL at the end:
// child -> grandchild (which left the session with setsid) -> great-grandchild.
class ProcessTree {
 public:
  ProcessTree() {
    int ready[2];
    EXPECT_EQ(pipe(ready), 0);
    child_ = fork();
    if (child_ == 0) {
      if (fork() == 0) {
        setsid();
        if (fork() == 0) {
          (void)!write(ready[1], "x", 1);
          pause();
          _exit(0);
        }
        pause();
        _exit(0);
      }
      pause();
      _exit(0);
    }
    close(ready[1]);
    char byte = 0;
    EXPECT_EQ(read(ready[0], &byte, 1), 1);  // the whole tree exists
    close(ready[0]);
  }
  ~ProcessTree() {
    for (pid_t pid : find_descendants_by_scan(child_))
      kill(pid, SIGKILL);
    kill(child_, SIGKILL);
    waitpid(child_, nullptr, 0);
  }
  pid_t child() const { return child_; }

 private:
  pid_t child_ = -1;
};

std::vector<pid_t> sorted(std::vector<pid_t> pids) {
  std::sort(pids.begin(), pids.end());
  return pids;
}

TEST(Descendants, TheChildrenListsFindTheWholeTreeIncludingWhatLeftTheSession) {
  ProcessTree tree;
  auto walked = find_descendants_by_children_lists(getpid());
  ASSERT_TRUE(walked.has_value()) << "this kernel has no /proc/PID/task/TID/children";
  auto scanned = find_descendants_by_scan(getpid());
  EXPECT_EQ(scanned.size(), 3u);
  EXPECT_EQ(sorted(*walked), sorted(scanned));
  EXPECT_NE(std::find(walked->begin(), walked->end(), tree.child()), walked->end());
}

TEST(Descendants, AProcessWithNoChildrenHasNoDescendants) {
  ProcessTree tree;
  auto below = find_descendants(tree.child());
  ASSERT_EQ(below.size(), 2u);
  // The great-grandchild is the last one found and has no children of its own.
  auto walked = find_descendants_by_children_lists(below.back());
  ASSERT_TRUE(walked.has_value());
  EXPECT_TRUE(walked->empty());
  EXPECT_TRUE(find_descendants_by_scan(below.back()).empty());
}

TEST(Descendants, AChildForkedByAnotherThreadIsFound) {
  std::mutex mutex;
  std::condition_variable changed;
  pid_t forked = -1;
  bool checked = false;
  // The thread stays alive while the tree is read: its children are listed under its
  // own task, not under the main thread's.
  std::thread forker([&] {
    pid_t pid = fork();
    if (pid == 0) {
      pause();
      _exit(0);
    }
    std::unique_lock lock(mutex);
    forked = pid;
    changed.notify_all();
    changed.wait(lock, [&] { return checked; });
  });
  std::vector<pid_t> found;
  {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return forked > 0; });
    found = find_descendants(getpid());
    checked = true;
    changed.notify_all();
  }
  forker.join();
  kill(forked, SIGKILL);
  waitpid(forked, nullptr, 0);
  EXPECT_NE(std::find(found.begin(), found.end(), forked), found.end());
}

}  // namespace
}  // namespace graced
