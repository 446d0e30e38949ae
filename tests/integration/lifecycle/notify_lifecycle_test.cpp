// sd_notify through the real binary: READY=1 gates startup, STOPPING=1 starts the shutdown
// sequence. The service is a few lines of python3 writing to $NOTIFY_SOCKET.
#include <sstream>

#include "lifecycle_fixture.hpp"

namespace graced::test {
namespace {

const char* kNotifyingService = R"PY(
import os, socket, sys, time, signal
def notify(msg):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.sendto(msg.encode(), os.environ["NOTIFY_SOCKET"])
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
time.sleep(float(sys.argv[1]))
notify("READY=1\nSTATUS=serving")
time.sleep(float(sys.argv[2]))
notify("STOPPING=1")
time.sleep(60)
)PY";

class NotifyLifecycleTest : public ::testing::Test {
 protected:
  void start(const std::string& ready_after, const std::string& stopping_after) {
    write_file(dir_.file("service.py"), kNotifyingService);
    GracedOptions opts;
    opts.config =
        "[shutdown]\ndrain_delay = \"600ms\"\n[process]\nnotify = true\ncommand = "
        "[\"python3\", \"" +
        dir_.file("service.py") + "\", \"" + ready_after + "\", \"" + stopping_after + "\"]\n";
    graced_ = std::make_unique<GracedProcess>(opts);
    port_ = graced_->http_port();
    ASSERT_TRUE(wait_until([&] { return http_get(port_, "/livez").status == 200; }, 10s))
        << graced_->stderr_text();
  }

  TempDir dir_;
  std::unique_ptr<GracedProcess> graced_;
  std::uint16_t port_ = 0;
};

TEST_F(NotifyLifecycleTest, StartupWaitsForReadyThenStoppingStartsTheShutdownSequence) {
  start("1.0", "1.0");
  EXPECT_EQ(http_get(port_, "/startupz").status, 503) << "no READY=1 yet";
  EXPECT_EQ(http_get(port_, "/readyz").status, 503);
  auto v = http_get(port_, "/startupz?verbose");
  EXPECT_NE(v.body.find("[-]notify failed: waiting for READY=1"), std::string::npos) << v.body;

  ASSERT_TRUE(wait_until([&] { return http_get(port_, "/readyz").status == 200; }, 5s))
      << graced_->stderr_text();
  EXPECT_EQ(http_get(port_, "/startupz").status, 200);
  EXPECT_NE(http_get(port_, "/readyz?verbose").body.find("status: serving"), std::string::npos);

  // STOPPING=1: readiness fails, and the shutdown sequence runs as for SIGTERM.
  ASSERT_TRUE(wait_until([&] { return http_get(port_, "/readyz").status == 503; }, 5s));
  EXPECT_EQ(http_get(port_, "/livez").status, 200);
  auto code = graced_->wait(10s);
  ASSERT_TRUE(code.has_value()) << graced_->stderr_text();
  EXPECT_EQ(*code, 0) << "the service exits 0 on the stop signal";
  EXPECT_TRUE(graced_->wait_for_log("trigger=\"service sent STOPPING=1\"", 0ms))
      << graced_->stderr_text();
  EXPECT_TRUE(graced_->wait_for_log("drain window over", 0ms));
}

TEST(NotifyWatchdogEnvironment, TheChildGetsWatchdogUsecAndItsOwnPid) {
  TempDir dir;
  const std::string out = dir.file("env");
  // A script file: the configuration would expand the $ references itself.
  write_file(dir.file("service.sh"),
             "echo $WATCHDOG_USEC $WATCHDOG_PID $$ > " + out + "\nexec sleep 1000\n");
  GracedOptions opts;
  opts.config = "[process]\nnotify = true\nwatchdog = \"10s\"\ncommand = [\"sh\", \"" +
                dir.file("service.sh") + "\"]\n";
  GracedProcess graced(opts);
  ASSERT_TRUE(wait_until([&] { return read_file(out).value_or("").ends_with("\n"); }, 10s))
      << graced.stderr_text();
  std::istringstream words(*read_file(out));
  std::string usec, watchdog_pid, own_pid;
  words >> usec >> watchdog_pid >> own_pid;
  EXPECT_EQ(usec, "10000000");
  EXPECT_EQ(watchdog_pid, own_pid);
  EXPECT_FALSE(own_pid.empty());
}

}  // namespace
}  // namespace graced::test
