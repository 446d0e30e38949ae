// A dependency that goes up and down every 300 ms, checked every 100 ms with thresholds
// of 2: the check's status follows the thresholds (it never flips on a single result), its
// transitions are bounded by the phases, and graced's memory does not grow.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <regex>
#include <thread>

#include "harness/graced_process.hpp"
#include "harness/paths.hpp"
#include "harness/ports.hpp"
#include "harness/temp_dir.hpp"
#include "harness/test_child.hpp"
#include "peers/http_get.hpp"
#include "soak_support.hpp"

namespace graced::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Listens on `port` (accepting and closing at once) during even phases, not at all during
// odd ones, until `stop`. Returns how many phases it went through.
int flap(std::uint16_t port, std::chrono::milliseconds phase, const std::atomic<bool>& stop,
         std::atomic<int>& phases) {
  bool up = true;
  while (!stop.load()) {
    const auto end = Clock::now() + phase;
    int fd = -1;
    if (up) {
      fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      int one = 1;
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(port);
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 64) != 0) {
        close(fd);
        fd = -1;
      }
    }
    while (Clock::now() < end && !stop.load()) {
      if (fd < 0) {
        std::this_thread::sleep_for(5ms);
        continue;
      }
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 5) > 0) {
        int c = accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (c >= 0) close(c);
      }
    }
    if (fd >= 0) close(fd);
    phases++;
    up = !up;
  }
  return phases.load();
}

struct CheckSample {
  std::string status;
  long failures = -1;
  long successes = -1;
};

std::optional<CheckSample> sample(std::uint16_t port) {
  HttpReply r = http_get(port, "/readyz?format=json", 2s);
  if (r.status != 200 && r.status != 503) return std::nullopt;
  static const std::regex entry(
      "\"flappy\":\\{[^}]*\"status\":\"([a-z]+)\"[^}]*\"consecutive_failures\":([0-9]+),"
      "\"consecutive_successes\":([0-9]+)");
  std::smatch m;
  if (!std::regex_search(r.body, m, entry)) return std::nullopt;
  return CheckSample{m[1].str(), std::stol(m[2].str()), std::stol(m[3].str())};
}

long transitions_metric(std::uint16_t port) {
  HttpReply r = http_get(port, "/metrics", 2s);
  static const std::regex line(
      "graced_check_transitions_total\\{[^}]*check=\"flappy\"[^}]*\\} ([0-9]+)");
  std::smatch m;
  return std::regex_search(r.body, m, line) ? std::stol(m[1].str()) : -1;
}

TEST(FlappingCheckSoak, TransitionsObeyTheThresholdsAndMemoryStaysFlat) {
  const auto duration = std::chrono::milliseconds(soak::sized(60000, 6000));
  const std::uint16_t dep_port = free_port();
  TempDir dir;
  GracedProcess graced(
      {.args =
           run_test_child({"record-signals", dir.file("signals"), "--ready", dir.file("ready")}),
       .config = std::string(kNoDrainConfig) +
                 "[[checks]]\nname = \"flappy\"\ntype = \"tcp\"\naddress = \"127.0.0.1:" +
                 std::to_string(dep_port) +
                 "\"\ninterval = \"100ms\"\ntimeout = \"80ms\"\nfailure_threshold = 2\n"
                 "success_threshold = 2\n"});
  ASSERT_TRUE(wait_for_ready(dir.file("ready"), 10s)) << graced.stderr_text();
  const std::uint16_t port = graced.http_port();
  ASSERT_TRUE(wait_until([&] { return http_get(port, "/livez").status == 200; }, 10s));
  const pid_t gpid = graced.pid();

  std::atomic<bool> stop{false};
  std::atomic<int> phases{0};
  std::thread flapper([&] { flap(dep_port, 300ms, stop, phases); });

  const auto start = Clock::now();
  long rss_warm = 0, rss_max = 0;
  int samples = 0, bad_samples = 0, unparsed = 0, status_changes = 0, judged_changes = 0;
  std::string first_bad, last_status;
  Clock::time_point last_asked{};
  while (Clock::now() - start < duration) {
    const auto asked = Clock::now();
    auto s = sample(port);
    const auto answered = Clock::now();
    if (!s) {
      ++unparsed;
    } else {
      ++samples;
      auto bad = [&](const std::string& why) {
        ++bad_samples;
        if (first_bad.empty())
          first_bad = why + ": " + s->status + " failures=" + std::to_string(s->failures) +
                      " successes=" + std::to_string(s->successes);
      };
      // With 2 results in a row against it, the check would have flipped already.
      if (s->status == "pass" && s->failures >= 2) bad("passing after 2 failures");
      if (s->status == "fail" && s->successes >= 2) bad("failing after 2 successes");
      // A change between two samples less than an interval apart came from one result at
      // most: the one that completed the streak, so the streak is at the threshold.
      if (!last_status.empty() && s->status != last_status) {
        ++status_changes;
        if (answered - last_asked < 95ms && (s->status == "pass" || s->status == "fail")) {
          ++judged_changes;
          const long streak = s->status == "pass" ? s->successes : s->failures;
          if (streak < 2) bad("flipped after a single result");
        }
      }
      last_status = s->status;
      last_asked = asked;
    }
    if (rss_warm == 0 && Clock::now() - start > duration / 4) rss_warm = soak::rss_kib(gpid);
    if (rss_warm != 0) rss_max = std::max(rss_max, soak::rss_kib(gpid));
    std::this_thread::sleep_for(40ms);
  }
  stop = true;
  flapper.join();
  const long transitions = transitions_metric(port);
  const long rss_end = soak::rss_kib(gpid);
  soak::report(std::to_string(phases.load()) + " up/down phases of 300 ms; " +
               std::to_string(samples) + " /readyz samples (" + std::to_string(unparsed) +
               " unparsed), " + std::to_string(status_changes) + " status changes seen (" +
               std::to_string(judged_changes) + " between samples under an interval apart), " +
               std::to_string(bad_samples) + " against the thresholds; " +
               "graced_check_transitions_total " + std::to_string(transitions) +
               "; RSS KiB at 1/4 " + std::to_string(rss_warm) + ", max " + std::to_string(rss_max) +
               ", end " + std::to_string(rss_end));

  EXPECT_EQ(bad_samples, 0) << "first: " << first_bad;
  EXPECT_GT(samples, 0);
  ASSERT_GE(transitions, 0) << "no graced_check_transitions_total for the check";
  // One transition per phase at most (plus the first, from unknown); at least some.
  EXPECT_LE(transitions, phases.load() + 1);
  EXPECT_GE(transitions, 2);
  EXPECT_LE(rss_end, rss_warm + 2048) << "graced's RSS grew by more than 2 MiB";
  EXPECT_EQ(http_get(port, "/livez").status, 200);

  graced.signal(SIGTERM);
  EXPECT_EQ(graced.wait(10s), 0) << graced.stderr_text().substr(0, 4000);
}

}  // namespace
}  // namespace graced::test
