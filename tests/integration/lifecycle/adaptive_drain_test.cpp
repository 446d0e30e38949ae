// shutdown.drain_until_idle: the drain window ends early once no new connection arrives on
// the service's ports, and lasts the full drain_delay while new ones keep coming.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <regex>
#include <thread>

#include "lifecycle_fixture.hpp"

namespace graced::test {
namespace {

int connect_to(std::uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

class AdaptiveDrainTest : public ::testing::Test {
 protected:
  void start() {
    app_ = free_port();
    GracedOptions opts;
    opts.config =
        "[shutdown]\ndrain_delay = \"4s\"\ndrain_until_idle = true\n"
        "min_drain_delay = \"300ms\"\nquiet_period = \"500ms\"\n"
        "[process]\nports = [" +
        std::to_string(app_) + "]\ncommand = [\"python3\", \"" + kSourceDir +
        "/tests/integration/lifecycle/zero_downtime/backend.py\", \"b\", \"" +
        std::to_string(app_) + "\"]\n";
    graced_ = std::make_unique<GracedProcess>(opts);
    ASSERT_TRUE(wait_until(
        [&] {
          int fd = connect_to(app_);
          if (fd >= 0) close(fd);
          return fd >= 0;
        },
        10s))
        << graced_->stderr_text();
    ASSERT_TRUE(
        wait_until([&] { return http_get(graced_->http_port(), "/readyz").status == 200; }, 10s));
  }

  // The drain window's length as graced logged it.
  long drain_ms() const {
    std::smatch m;
    std::string log = graced_->stderr_text();
    if (std::regex_search(log, m,
                          std::regex(R"re(drain window over reason="([^"]*)" offset_ms=(\d+))re")))
      return std::stol(m[2]);
    return -1;
  }

  std::uint16_t app_ = 0;
  std::unique_ptr<GracedProcess> graced_;
};

TEST_F(AdaptiveDrainTest, EndsEarlyWhenNoNewConnectionsArriveEvenWithAnIdleKeepAliveOpen) {
  start();
  // A long-idle keep-alive client: open before the trigger, silent during the drain.
  int idle = connect_to(app_);
  ASSERT_GE(idle, 0);
  graced_->signal(SIGTERM);
  ASSERT_TRUE(graced_->wait(10s).has_value());
  close(idle);
  const long ms = drain_ms();
  EXPECT_GE(ms, 450) << "at least quiet_period (and min_drain_delay)\n" << graced_->stderr_text();
  EXPECT_LT(ms, 2500) << "well before drain_delay = 4s\n" << graced_->stderr_text();
  EXPECT_TRUE(graced_->wait_for_log("no new connections for quiet_period", 0ms));
}

TEST_F(AdaptiveDrainTest, WaitsTheFullDrainDelayWhileNewConnectionsKeepArriving) {
  start();
  std::atomic<bool> stop{false};
  std::thread client([&] {
    // A new connection every 100ms, bounded to 8s.
    for (int i = 0; i < 80 && !stop; ++i) {
      auto r = http_get(app_, "/", 1s);
      (void)r;
      std::this_thread::sleep_for(100ms);
    }
  });
  std::this_thread::sleep_for(300ms);
  graced_->signal(SIGTERM);
  auto code = graced_->wait(15s);
  stop = true;
  client.join();
  ASSERT_TRUE(code.has_value());
  const long ms = drain_ms();
  EXPECT_GE(ms, 4000 - 50) << graced_->stderr_text();
  EXPECT_LT(ms, 4000 + 600);
  EXPECT_TRUE(graced_->wait_for_log("drain_delay elapsed", 0ms));
}

}  // namespace
}  // namespace graced::test
