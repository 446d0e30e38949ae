// The sd_notify receiver with real services: python3 children started through the real
// spawner send datagrams to $NOTIFY_SOCKET, and Health shows what they said. Senders
// outside the service are refused.
#include "notify/notify_socket.hpp"

#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <string>

#include "harness/proc.hpp"
#include "loop/handle.hpp"
#include "process/environment.hpp"
#include "process/spawner.hpp"
#include "supervisor/supervisor.hpp"

namespace graced::notify {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Prepended to every service script: send("READY=1") sends one datagram.
const std::string kPrelude = R"PY(
import os, socket, sys, time
def send(msg):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.connect(os.environ["NOTIFY_SOCKET"])
    s.send(msg.encode() if isinstance(msg, str) else msg)
    s.close()
)PY";

// Sends one datagram to `path` from the test process itself.
void send_from_here(const std::string& path, const std::string& datagram) {
  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  const auto n = sendto(fd, datagram.data(), datagram.size(), 0,
                        reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  close(fd);
  ASSERT_EQ(n, static_cast<ssize_t>(datagram.size())) << std::strerror(errno);
}

std::size_t open_fd_count() {
  std::size_t n = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (readdir(d))
      ++n;
    closedir(d);
  }
  return n;
}

class NotifySocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    uv_loop_init(&loop_);
    reaper_ = loop::Timer(&loop_);
    reaper_.start(
        5, [this] { spawner_.reap(); }, 5);
  }

  void TearDown() override {
    if (child_ > 0 && spawner_.running(child_)) kill(-child_, SIGKILL);
    run_until([] { return test::children_of(getpid()).empty(); }, 5s);
    spawner_.reap();
    notify_.reset();
    reaper_.close();
    uv_run(&loop_, UV_RUN_NOWAIT);
    EXPECT_EQ(uv_loop_close(&loop_), 0);
  }

  NotifySocket& open_socket(config::Duration watchdog = config::Duration{0}) {
    notify_ = std::make_unique<NotifySocket>(&loop_, health_, watchdog);
    auto err = notify_->open();
    EXPECT_FALSE(err) << *err;
    return *notify_;
  }

  // Starts `script` (after kPrelude) as the service, the way the daemon does.
  void start_service(const std::string& script, std::vector<std::string> args = {}) {
    process::SpawnRequest req;
    req.argv = {"python3", "-c", kPrelude + script};
    req.argv.insert(req.argv.end(), args.begin(), args.end());
    req.env = process::environment_with({});
    notify_->apply_child_env(req.env);
    req.pid_variable = notify_->watchdog_pid_variable();
    auto spawned = spawner_.spawn(req, [this](pid_t, const process::ExitStatus& s) {
      exit_ = s;
      notify_->child_exited();
    });
    ASSERT_TRUE(std::holds_alternative<pid_t>(spawned));
    child_ = std::get<pid_t>(spawned);
    notify_->set_child(child_);
    health_.set_child_running(true);
  }

  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    while (!done()) {
      if (Clock::now() >= deadline) return false;
      uv_run(&loop_, UV_RUN_ONCE);
    }
    return true;
  }

  // Runs the loop for `d` no matter what.
  void run_for(std::chrono::milliseconds d) {
    run_until([] { return false; }, d);
  }

  uv_loop_t loop_{};
  health::Health health_;
  process::InheritedSignals inherited_ = process::InheritedSignals::capture();
  process::Spawner spawner_{inherited_};
  loop::Timer reaper_;
  std::unique_ptr<NotifySocket> notify_;
  pid_t child_ = 0;
  std::optional<process::ExitStatus> exit_;
};

TEST_F(NotifySocketTest, SocketLivesInAPrivateDirectoryAndIsRemovedAtTheEnd) {
  auto& n = open_socket();
  const std::string path = n.path();
  const std::string dir = path.substr(0, path.rfind('/'));
  struct stat st {};
  ASSERT_EQ(stat(dir.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  notify_.reset();
  EXPECT_NE(stat(path.c_str(), &st), 0);
  EXPECT_NE(stat(dir.c_str(), &st), 0);
}

TEST_F(NotifySocketTest, ChildEnvironment) {
  auto& n = open_socket(config::Duration{10000});
  const auto env = n.child_env();
  ASSERT_EQ(env.size(), 2u);
  EXPECT_EQ(env[0], (std::pair<std::string, std::string>{"NOTIFY_SOCKET", n.path()}));
  EXPECT_EQ(env[1], (std::pair<std::string, std::string>{"WATCHDOG_USEC", "10000000"}));
  // What graced inherited from a supervisor of its own is replaced, not passed on.
  std::vector<std::string> full{"PATH=/bin", "NOTIFY_SOCKET=/run/systemd/notify", "WATCHDOG_PID=1",
                                "WATCHDOG_USEC=5", "HOME=/root"};
  n.apply_child_env(full);
  EXPECT_EQ(full, (std::vector<std::string>{"PATH=/bin", "HOME=/root", "NOTIFY_SOCKET=" + n.path(),
                                            "WATCHDOG_USEC=10000000"}));
}

TEST_F(NotifySocketTest, NoWatchdogNoWatchdogUsec) {
  auto& n = open_socket();
  std::vector<std::string> env{"WATCHDOG_USEC=5"};
  n.apply_child_env(env);
  EXPECT_EQ(env, (std::vector<std::string>{"NOTIFY_SOCKET=" + n.path()}));
}

TEST_F(NotifySocketTest, ReadyAfterADelayLetsStartupPass) {
  open_socket();
  start_service("time.sleep(0.5)\nsend('READY=1\\nSTATUS=serving')\ntime.sleep(60)");
  run_for(100ms);
  EXPECT_FALSE(health_.startup_passed()) << "startup passed before READY=1";
  EXPECT_FALSE(health_.passing(health::Probe::readiness));
  ASSERT_TRUE(run_until([&] { return health_.startup_passed(); }, 10s));
  EXPECT_TRUE(notify_->ready());
  EXPECT_EQ(health_.service_status(), "serving");
  EXPECT_TRUE(health_.passing(health::Probe::readiness));
  EXPECT_EQ(notify_->stats().accepted, 1u);
}

TEST_F(NotifySocketTest, StatusUpdatesAreStored) {
  open_socket();
  start_service(
      "send('STATUS=loading 1/2')\nsend('STATUS=loading 2/2')\nsend('READY=1')\ntime.sleep(60)");
  ASSERT_TRUE(run_until([&] { return notify_->stats().accepted == 3; }, 10s));
  EXPECT_EQ(health_.service_status(), "loading 2/2");
}

TEST_F(NotifySocketTest, WatchdogPingsThatStopMakeLivenessFail) {
  open_socket(config::Duration{1000});
  // Pings every 100ms for 1.5s (a late one would need a 900ms stall), then says so in
  // STATUS and stops pinging. It also reports the watchdog variables it was given.
  start_service(R"PY(
send("READY=1\nSTATUS=usec=%s pid=%s" % (os.environ.get("WATCHDOG_USEC"), os.environ.get("WATCHDOG_PID", "none")))
for _ in range(15):
    send("WATCHDOG=1")
    time.sleep(0.1)
send("STATUS=stopped pinging")
time.sleep(60)
)PY");
  bool failed_while_pinging = false;
  Clock::time_point failed_at{};
  const auto listener = health_.subscribe([&] {
    if (health_.passing(health::Probe::liveness)) return;
    if (health_.service_status() != "stopped pinging") failed_while_pinging = true;
    if (failed_at == Clock::time_point{}) failed_at = Clock::now();
  });
  ASSERT_TRUE(run_until([&] { return health_.startup_passed(); }, 10s));
  EXPECT_EQ(health_.service_status(), "usec=1000000 pid=" + std::to_string(child_));
  ASSERT_TRUE(run_until([&] { return health_.service_status() == "stopped pinging"; }, 10s));
  const auto stopped_at = Clock::now();
  EXPECT_TRUE(health_.passing(health::Probe::liveness));
  ASSERT_TRUE(run_until([&] { return !health_.passing(health::Probe::liveness); }, 5s));
  EXPECT_FALSE(failed_while_pinging);
  // The last ping came at most ~100ms before the status: the watchdog waits its full second.
  EXPECT_GE(failed_at - stopped_at, 700ms);
  const auto entries = health_.entries(health::Probe::liveness);
  bool found = false;
  for (const auto& e : entries) {
    if (e.name != "watchdog") continue;
    found = true;
    EXPECT_EQ(e.status, health::CheckStatus::failing);
    EXPECT_EQ(e.message, "no WATCHDOG=1 for 1s");
  }
  EXPECT_TRUE(found);
  health_.unsubscribe(listener);
}

TEST_F(NotifySocketTest, LatePingMakesLivenessPassAgain) {
  open_socket(config::Duration{300});
  start_service(R"PY(
send("READY=1")
time.sleep(1.0)
send("WATCHDOG=1\nSTATUS=pinged")
time.sleep(60)
)PY");
  ASSERT_TRUE(run_until([&] { return health_.startup_passed(); }, 10s));
  ASSERT_TRUE(run_until([&] { return !health_.passing(health::Probe::liveness); }, 5s));
  EXPECT_NE(health_.service_status(), "pinged");
  ASSERT_TRUE(run_until([&] { return health_.passing(health::Probe::liveness); }, 5s));
  EXPECT_EQ(health_.service_status(), "pinged");
}

TEST_F(NotifySocketTest, WatchdogTriggerFailsLivenessAtOnceAndForGood) {
  open_socket(config::Duration{60000});
  start_service(R"PY(
send("READY=1")
time.sleep(0.2)
send("WATCHDOG=trigger")
time.sleep(0.2)
send("WATCHDOG=1\nSTATUS=pinged after trigger")
time.sleep(60)
)PY");
  ASSERT_TRUE(run_until([&] { return health_.startup_passed(); }, 10s));
  EXPECT_TRUE(health_.passing(health::Probe::liveness));
  ASSERT_TRUE(run_until([&] { return !health_.passing(health::Probe::liveness); }, 5s));
  ASSERT_TRUE(run_until([&] { return health_.service_status() == "pinged after trigger"; }, 5s));
  EXPECT_FALSE(health_.passing(health::Probe::liveness));
}

TEST_F(NotifySocketTest, StoppingFailsReadinessAndTellsTheLifecycleOnce) {
  auto& n = open_socket();
  int stopping_calls = 0;
  n.on_stopping([&] { ++stopping_calls; });
  start_service(R"PY(
send("READY=1")
time.sleep(0.3)
send("STOPPING=1")
send("STOPPING=1\nSTATUS=done")
time.sleep(60)
)PY");
  ASSERT_TRUE(run_until([&] { return health_.passing(health::Probe::readiness); }, 10s));
  ASSERT_TRUE(run_until([&] { return !health_.passing(health::Probe::readiness); }, 5s));
  EXPECT_EQ(health_.shutting_down(), "service sent STOPPING=1");
  ASSERT_TRUE(run_until([&] { return health_.service_status() == "done"; }, 5s));
  EXPECT_EQ(stopping_calls, 1);
  EXPECT_TRUE(health_.passing(health::Probe::liveness));  // stopping is not dying
}

TEST_F(NotifySocketTest, StoppingKeepsAShutdownReasonGracedAlreadyGave) {
  open_socket();
  start_service("send('READY=1')\ntime.sleep(0.3)\nsend('STOPPING=1')\ntime.sleep(60)");
  ASSERT_TRUE(run_until([&] { return health_.startup_passed(); }, 10s));
  health_.set_shutting_down("draining");
  ASSERT_TRUE(run_until([&] { return notify_->stats().accepted == 2; }, 5s));
  EXPECT_EQ(health_.shutting_down(), "draining");
}

TEST_F(NotifySocketTest, DatagramFromAnUnrelatedProcessIsRejected) {
  auto& n = open_socket();
  start_service("time.sleep(60)");
  send_from_here(n.path(), "READY=1");
  ASSERT_TRUE(run_until([&] { return n.stats().rejected == 1; }, 5s));
  run_for(100ms);
  EXPECT_FALSE(health_.startup_passed());
  EXPECT_EQ(n.stats().accepted, 0u);
}

TEST_F(NotifySocketTest, DatagramBeforeAnyChildIsRejected) {
  auto& n = open_socket();
  send_from_here(n.path(), "READY=1");
  ASSERT_TRUE(run_until([&] { return n.stats().rejected == 1; }, 5s));
  EXPECT_FALSE(n.ready());
}

TEST_F(NotifySocketTest, GrandchildDatagramIsAccepted) {
  auto& n = open_socket();
  // The grandchild sends while its parent (the service) waits for it.
  start_service(R"PY(
pid = os.fork()
if pid == 0:
    send("READY=1\nSTATUS=from grandchild %d" % os.getpid())
    time.sleep(1)
    os._exit(0)
os.waitpid(pid, 0)
time.sleep(60)
)PY");
  ASSERT_TRUE(run_until([&] { return n.ready(); }, 10s));
  EXPECT_EQ(health_.service_status().rfind("from grandchild ", 0), 0u);
  EXPECT_NE(health_.service_status(), "from grandchild " + std::to_string(child_));
  EXPECT_EQ(n.stats().rejected, 0u);
}

TEST_F(NotifySocketTest, DaemonizedGrandchildInTheServiceSessionIsAccepted) {
  auto& n = open_socket();
  // A double fork: the middle process exits, so the sender's parent chain no longer leads
  // to the service; it is still in the session the service leads.
  start_service(R"PY(
if os.fork() == 0:
    if os.fork() == 0:
        time.sleep(0.5)
        send("READY=1\nSTATUS=ppid %d" % os.getppid())
        time.sleep(1)
    os._exit(0)
time.sleep(60)
)PY");
  ASSERT_TRUE(run_until([&] { return n.ready(); }, 10s));
  EXPECT_NE(health_.service_status(), "ppid " + std::to_string(child_));
  EXPECT_EQ(n.stats().rejected, 0u);
}

TEST_F(NotifySocketTest, AnnouncedMainPidMaySend) {
  auto& n = open_socket();
  // The service names the test process as its main pid: datagrams from it count after that.
  start_service("time.sleep(0.3)\nsend('MAINPID=%s' % sys.argv[1])\ntime.sleep(60)",
                {std::to_string(getpid())});
  send_from_here(n.path(), "STATUS=too early");
  ASSERT_TRUE(run_until([&] { return n.main_pid() == getpid(); }, 10s));
  EXPECT_EQ(n.stats().rejected, 1u);
  send_from_here(n.path(), "READY=1");
  ASSERT_TRUE(run_until([&] { return n.ready(); }, 5s));
  EXPECT_TRUE(health_.startup_passed());
  EXPECT_EQ(health_.service_status(), "");
}

TEST_F(NotifySocketTest, MalformedDatagramsAreDroppedAndCounted) {
  auto& n = open_socket();
  start_service(R"PY(
send("just some text")
send("READY=1\nnot an assignment")
send("STATUS=" + "x" * 5000)
send(b"READY=1\x00")
send("READY=1")
time.sleep(60)
)PY");
  ASSERT_TRUE(run_until([&] { return n.ready(); }, 10s));
  EXPECT_EQ(n.stats().malformed, 4u);
  EXPECT_EQ(n.stats().accepted, 1u);
  EXPECT_EQ(health_.service_status(), "");
}

TEST_F(NotifySocketTest, PassedDescriptorsAreClosed) {
  auto& n = open_socket();
  start_service(R"PY(
time.sleep(0.3)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.connect(os.environ["NOTIFY_SOCKET"])
r, w = os.pipe()
for _ in range(5):
    socket.send_fds(s, [b"FDSTORE=1\nFDNAME=x"], [r, w])
s.send(b"READY=1")
time.sleep(60)
)PY");
  // Counted once the service runs (the spawner holds a descriptor per child meanwhile).
  const std::size_t before = open_fd_count();
  ASSERT_TRUE(run_until([&] { return n.ready(); }, 10s));
  EXPECT_EQ(n.stats().accepted, 6u);
  EXPECT_EQ(open_fd_count(), before);
}

TEST_F(NotifySocketTest, FloodFromTheServiceIsAllRead) {
  auto& n = open_socket();
  start_service(R"PY(
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.connect(os.environ["NOTIFY_SOCKET"])
for i in range(500):
    s.send(b"STATUS=%d" % i)
s.send(b"READY=1")
time.sleep(60)
)PY");
  ASSERT_TRUE(run_until([&] { return n.ready(); }, 20s));
  EXPECT_EQ(n.stats().accepted, 501u);
  EXPECT_EQ(health_.service_status(), "499");
}

}  // namespace
}  // namespace graced::notify
