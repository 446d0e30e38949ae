// Signals sent to graced reach the child (or its process group), rewritten as configured.
#include <gtest/gtest.h>

#include <thread>

#include "harness/graced_process.hpp"
#include "harness/paths.hpp"
#include "harness/proc.hpp"
#include "harness/temp_dir.hpp"
#include "harness/test_child.hpp"
#include "peers/http_get.hpp"

namespace graced::test {
namespace {

using std::chrono::seconds;

class SignalForwarding : public ::testing::Test {
 protected:
  TempDir dir;
  std::string record = dir.file("signals");
  std::string ready = dir.file("ready");
};

TEST_F(SignalForwarding, EachSignalSentToGracedReachesTheChildOnce) {
  // SIGINT is a shutdown trigger by default; here it is forwarded like the others.
  GracedProcess graced({.args = run_test_child({"record-signals", record, "--ready", ready}),
                        .config = "[shutdown]\nsignals = [\"SIGTERM\"]\ndrain_delay = \"0s\"\n"});
  ASSERT_TRUE(wait_for_ready(ready, seconds(10))) << graced.stderr_text();
  // SIGSEGV sent with kill() is meant for the child, unlike a fault of graced's own.
  const std::vector<int> sent = {SIGHUP, SIGUSR1, SIGUSR2, SIGWINCH, SIGQUIT, SIGINT, SIGSEGV};
  std::vector<std::string> expected;
  for (int signo : sent) {
    graced.signal(signo);
    expected.push_back(signal_name(signo));
    EXPECT_TRUE(wait_for_signal(record, signal_name(signo), seconds(5)))
        << signal_name(signo) << " did not reach the child\n"
        << graced.stderr_text();
  }
  // SIGTERM starts the shutdown, which sends the child SIGTERM; the child exits 0 then.
  graced.signal(SIGTERM);
  expected.push_back("SIGTERM");
  EXPECT_EQ(graced.wait(seconds(10)), 0) << graced.stderr_text();
  EXPECT_EQ(recorded_signals(record), expected);
}

// Job-control stop signals are forwarded, never acted on: graced keeps running (a stopped
// PID 1 would freeze the container) and the child gets them.
TEST_F(SignalForwarding, StopSignalsNeverStopGraced) {
  GracedProcess graced({.args = run_test_child({"record-signals", record, "--ready", ready}),
                        .config = "[shutdown]\ndrain_delay = \"0s\"\n"});
  ASSERT_TRUE(wait_for_ready(ready, seconds(10))) << graced.stderr_text();
  for (int signo : {SIGTTIN, SIGTTOU, SIGTSTP}) {
    graced.signal(signo);
    EXPECT_TRUE(wait_for_signal(record, signal_name(signo), seconds(5)))
        << signal_name(signo) << " did not reach the child\n"
        << graced.stderr_text();
    EXPECT_NE(process_state(graced.graced_pid()), 'T') << signal_name(signo) << " stopped graced";
  }
  EXPECT_EQ(http_get(graced.http_port(), "/livez").status, 200);
  graced.signal(SIGTERM);
  EXPECT_EQ(graced.wait(seconds(10)), 0) << graced.stderr_text();
}

TEST_F(SignalForwarding, ShutdownSignalsReachTheChildAsTheStopSignal) {
  for (int trigger : {SIGTERM, SIGINT}) {
    TempDir run;
    const std::string run_record = run.file("signals");
    const std::string run_ready = run.file("ready");
    GracedProcess graced(
        {.args = run_test_child({"record-signals", run_record, "--ready", run_ready}),
         .config = kNoDrainConfig});
    ASSERT_TRUE(wait_for_ready(run_ready, seconds(10))) << graced.stderr_text();
    graced.signal(trigger);
    EXPECT_EQ(graced.wait(seconds(10)), 0) << graced.stderr_text();
    EXPECT_EQ(recorded_signals(run_record), std::vector<std::string>{"SIGTERM"})
        << "after " << signal_name(trigger);
  }
}

TEST_F(SignalForwarding, RewriteForwardsTheConfiguredSignal) {
  GracedProcess graced({.args = run_test_child({"record-signals", record, "--ready", ready}),
                        .config = "[signals]\nrewrite = { SIGHUP = \"SIGUSR1\" }\n"});
  ASSERT_TRUE(wait_for_ready(ready, seconds(10))) << graced.stderr_text();
  graced.signal(SIGHUP);
  ASSERT_TRUE(wait_for_signal(record, "SIGUSR1", seconds(5))) << graced.stderr_text();
  graced.signal(SIGUSR2);  // not rewritten
  ASSERT_TRUE(wait_for_signal(record, "SIGUSR2", seconds(5))) << graced.stderr_text();
  EXPECT_EQ(recorded_signals(record), (std::vector<std::string>{"SIGUSR1", "SIGUSR2"}));
}

class SignalGroup : public SignalForwarding {
 protected:
  GracedOptions options(const std::string& config) {
    return {.args = run_test_child({"spawn-grandchild", grandchild_record, "--then",
                                    "record-signals", record, "--ready", ready}),
            .config = config};
  }
  std::string grandchild_record = dir.file("grandchild-signals");
};

TEST_F(SignalGroup, WithSignalGroupTheGrandchildReceivesTheSignalToo) {
  GracedProcess graced(options("[process]\nsignal_group = true\n"));
  ASSERT_TRUE(wait_for_ready(ready, seconds(10))) << graced.stderr_text();
  graced.signal(SIGUSR1);
  EXPECT_TRUE(wait_for_signal(record, "SIGUSR1", seconds(5))) << graced.stderr_text();
  EXPECT_TRUE(wait_for_signal(grandchild_record, "SIGUSR1", seconds(5))) << graced.stderr_text();
}

TEST_F(SignalGroup, WithoutSignalGroupOnlyTheChildReceivesIt) {
  GracedProcess graced(options(""));
  ASSERT_TRUE(wait_for_ready(ready, seconds(10))) << graced.stderr_text();
  graced.signal(SIGUSR1);
  EXPECT_TRUE(wait_for_signal(record, "SIGUSR1", seconds(5))) << graced.stderr_text();
  // A group-wide kill() would have reached both at once; give a late one time to show.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(recorded_signals(grandchild_record), std::vector<std::string>{});
}

}  // namespace
}  // namespace graced::test
