// process.workdir, process.env (with ${VAR:-default} expansion) and process.pdeathsig
// reach the child.
#include <gtest/gtest.h>

#include "harness/files.hpp"
#include "harness/graced_process.hpp"
#include "harness/paths.hpp"
#include "harness/temp_dir.hpp"
#include "harness/test_child.hpp"

namespace graced::test {
namespace {

using std::chrono::seconds;

TEST(ChildEnvironment, WorkdirIsTheChildsWorkingDirectory) {
  TempDir work;
  auto r = run_graced({.args = run_test_child({"pwd"}),
                       .config = "[process]\nworkdir = \"" + work.path() + "\"\n"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, work.path() + "\n");
}

TEST(ChildEnvironment, EnvIsAddedToTheInheritedEnvironmentWithExpansion) {
  const std::string config =
      "[process.env]\n"
      "FROM_ENV = \"${GRACED_TEST_GREETING:-unused}\"\n"
      "FROM_DEFAULT = \"${GRACED_TEST_SURELY_UNSET:-fallback}\"\n"
      "REPLACED = \"new\"\n";
  auto r = run_graced(
      {.args = run_test_child({"env", "FROM_ENV", "FROM_DEFAULT", "REPLACED", "INHERITED"}),
       .config = config,
       .env = {{"GRACED_TEST_GREETING", "hello"}, {"REPLACED", "old"}, {"INHERITED", "yes"}}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "FROM_ENV=hello\nFROM_DEFAULT=fallback\nREPLACED=new\nINHERITED=yes\n");
}

TEST(ChildEnvironment, PdeathsigReachesTheChildWhenGracedIsKilled) {
  TempDir dir;
  const std::string record = dir.file("signals");
  const std::string ready = dir.file("ready");
  GracedProcess graced({.args = run_test_child({"record-signals", record, "--ready", ready}),
                        .config = "[process]\npdeathsig = \"SIGUSR2\"\n"});
  ASSERT_TRUE(wait_for_ready(ready, seconds(10))) << graced.stderr_text();
  graced.signal(SIGKILL);
  EXPECT_EQ(graced.wait(seconds(5)), 128 + SIGKILL);
  EXPECT_TRUE(wait_for_signal(record, "SIGUSR2", seconds(5)));
  EXPECT_EQ(recorded_signals(record), std::vector<std::string>{"SIGUSR2"});
}

// Every descriptor graced opens for itself (listeners, the signalfd, the event loop's epoll
// and eventfd, the sd_notify socket, pipes) is close-on-exec: the child sees none of them.
// (What graced itself inherited is passed on on purpose, so only graced's kinds are looked
// for: sockets and anonymous inodes.)
TEST(ChildEnvironment, NoneOfGracedsOwnDescriptorsReachTheChild) {
  TempDir dir;
  const std::string script = dir.file("fds.sh");
  write_file(script, "for f in /proc/$$/fd/*; do echo \"${f##*/} $(readlink $f)\"; done\n");
  auto r = run_graced({.args = {"--set", "process.notify=true", "--set",
                                "grpc.listen=\"127.0.0.1:0\"", "--", "sh", script}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("0 "), std::string::npos) << r.out;  // the listing itself worked
  EXPECT_EQ(r.out.find("socket:"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("anon_inode:"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace graced::test
