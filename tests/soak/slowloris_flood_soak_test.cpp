// Slowloris connections dribbling a request head byte by byte and a flood of connections
// past http.max_connections, while a well-behaved client keeps asking /readyz: it keeps
// getting answers, the header timeout closes the slow ones, and once it is over graced's
// descriptors are back to where they were and its memory close to it.
//
// How many slow connections are open at once is kept below max_connections on purpose:
// a connection in the middle of its headers is busy, and when every connection is busy a
// new one is refused (docs/health.md, "Limits"), the well-behaved one included. The flood's
// connections say nothing, so they are idle and are the ones shed to make room.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <deque>
#include <thread>

#include "harness/graced_process.hpp"
#include "harness/paths.hpp"
#include "harness/temp_dir.hpp"
#include "harness/test_child.hpp"
#include "peers/http_get.hpp"
#include "soak_support.hpp"

namespace graced::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A blocking connect to 127.0.0.1:port; -1 when it fails.
int connect_to(std::uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// True when the peer has closed `fd` (end of stream or reset); reads what it sent.
bool peer_closed(int fd) {
  pollfd p{fd, POLLIN | POLLRDHUP, 0};
  if (poll(&p, 1, 0) <= 0) return false;
  char buf[4096];
  ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
  if (n > 0) return (p.revents & (POLLRDHUP | POLLHUP)) != 0;
  return n == 0 || (errno != EAGAIN && errno != EINTR);
}

struct SlowlorisResult {
  int opened = 0;
  int connect_failed = 0;
  int closed_by_graced = 0;
  int outlived_limit = 0;  // still open after 10 s: closed by the test
  std::vector<double> lifetimes_ms;
};

SlowlorisResult run_slowloris(std::uint16_t port, int total, std::size_t concurrency) {
  struct Slow {
    int fd;
    Clock::time_point opened;
    std::size_t sent;
  };
  const std::string head =
      "GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slowloris\r\nX-Slow: " +
      std::string(4000, 'a');
  SlowlorisResult r;
  std::vector<Slow> open;
  auto next_drip = Clock::now();
  while (r.opened + r.connect_failed < total || !open.empty()) {
    while (open.size() < concurrency && r.opened + r.connect_failed < total) {
      int fd = connect_to(port);
      if (fd < 0) {
        ++r.connect_failed;
        continue;
      }
      ++r.opened;
      send(fd, head.data(), 1, MSG_NOSIGNAL);
      open.push_back({fd, Clock::now(), 1});
    }
    std::this_thread::sleep_for(20ms);
    const auto now = Clock::now();
    const bool drip = now >= next_drip;
    if (drip) next_drip = now + 100ms;
    for (std::size_t i = 0; i < open.size();) {
      Slow& s = open[i];
      bool closed = peer_closed(s.fd);
      if (!closed && drip && s.sent < head.size()) {
        closed =
            send(s.fd, head.data() + s.sent, 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 && errno != EAGAIN;
        ++s.sent;
      }
      const bool too_old = now - s.opened > 10s;
      if (closed || too_old) {
        if (closed) {
          ++r.closed_by_graced;
          r.lifetimes_ms.push_back(
              std::chrono::duration<double, std::milli>(now - s.opened).count());
        } else {
          ++r.outlived_limit;
        }
        close(s.fd);
        open[i] = open.back();
        open.pop_back();
      } else {
        ++i;
      }
    }
  }
  return r;
}

struct FloodResult {
  int opened = 0;
  int connect_failed = 0;
  int closed_by_graced = 0;  // shed or refused
};

// Waves of connections that never say anything, each held up to 2 s.
FloodResult run_flood(std::uint16_t port, int total, int wave, const std::atomic<bool>& stop) {
  FloodResult r;
  std::deque<std::pair<int, Clock::time_point>> held;
  while (r.opened + r.connect_failed < total && !stop.load()) {
    for (int i = 0; i < wave && r.opened + r.connect_failed < total; ++i) {
      int fd = connect_to(port);
      if (fd < 0) {
        ++r.connect_failed;
        continue;
      }
      ++r.opened;
      held.emplace_back(fd, Clock::now());
    }
    std::this_thread::sleep_for(50ms);
    const auto now = Clock::now();
    for (auto it = held.begin(); it != held.end();) {
      const bool closed = peer_closed(it->first);
      if (closed || now - it->second > 2s) {
        if (closed) ++r.closed_by_graced;
        close(it->first);
        it = held.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& [fd, at] : held)
    close(fd);
  return r;
}

TEST(SlowlorisFloodSoak, AWellBehavedClientKeepsGettingAnswersAndEverythingIsReleased) {
  const int slow_total = soak::sized(1000, 100);
  const int flood_total = soak::sized(3000, 300);
  const std::size_t slow_at_once = 32;
  TempDir dir;
  GracedProcess graced({.args = run_test_child(
                            {"record-signals", dir.file("signals"), "--ready", dir.file("ready")}),
                        .config = std::string(kNoDrainConfig) +
                                  "[http]\nmax_connections = 64\nheader_timeout = \"1s\"\n"});
  ASSERT_TRUE(wait_for_ready(dir.file("ready"), 10s)) << graced.stderr_text();
  const std::uint16_t port = graced.http_port();
  ASSERT_TRUE(wait_until([&] { return http_get(port, "/readyz").status == 200; }, 10s))
      << graced.stderr_text();
  const pid_t gpid = graced.pid();
  for (int i = 0; i < 20; ++i)
    http_get(port, "/readyz");
  std::this_thread::sleep_for(300ms);
  const int fds_before = soak::fd_count(gpid);
  const long rss_before = soak::rss_kib(gpid);

  std::atomic<bool> slow_done{false}, flood_stop{false};
  SlowlorisResult slow;
  FloodResult flood;
  long rss_peak = rss_before;
  int fds_peak = fds_before;
  std::thread slow_thread([&] {
    slow = run_slowloris(port, slow_total, slow_at_once);
    slow_done = true;
  });
  std::thread flood_thread([&] { flood = run_flood(port, flood_total, 8, flood_stop); });

  std::vector<double> latencies_ms;
  int ok = 0, failed = 0, slow_answers = 0;
  std::string first_failure;
  while (!slow_done.load()) {
    const auto start = Clock::now();
    HttpReply reply = http_get(port, "/readyz", 5s);
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    latencies_ms.push_back(ms);
    if (reply.status == 200) {
      ++ok;
    } else {
      ++failed;
      if (first_failure.empty())
        first_failure = "status " + std::to_string(reply.status) + " " + reply.error;
    }
    if (ms > 2000) ++slow_answers;
    rss_peak = std::max(rss_peak, soak::rss_kib(gpid));
    fds_peak = std::max(fds_peak, soak::fd_count(gpid));
    std::this_thread::sleep_for(5ms);
  }
  flood_stop = true;
  slow_thread.join();
  flood_thread.join();

  // Every slow connection is gone once the header timeout has passed for the last one.
  const bool fds_back = wait_until([&] { return soak::fd_count(gpid) == fds_before; }, 15s, 50ms);
  const int fds_after = soak::fd_count(gpid);
  for (int i = 0; i < 20; ++i)
    http_get(port, "/readyz");
  const long rss_after = soak::rss_kib(gpid);
  const double p50 = soak::percentile(latencies_ms, 50);
  const double p99 = soak::percentile(latencies_ms, 99);
  const double max_ms = latencies_ms.empty() ? 0 : latencies_ms.back();
  const double slow_life_p50 = soak::percentile(slow.lifetimes_ms, 50);
  const double slow_life_max = slow.lifetimes_ms.empty() ? 0 : slow.lifetimes_ms.back();
  soak::report(
      "slowloris " + std::to_string(slow.opened) + " opened (" + std::to_string(slow_at_once) +
      " at once), " + std::to_string(slow.closed_by_graced) + " closed by graced (lifetime p50 " +
      std::to_string(slow_life_p50).substr(0, 6) + " ms, max " +
      std::to_string(slow_life_max).substr(0, 6) + " ms), " + std::to_string(slow.connect_failed) +
      " connects failed; flood " + std::to_string(flood.opened) + " opened, " +
      std::to_string(flood.closed_by_graced) + " shed/refused, " +
      std::to_string(flood.connect_failed) + " connects failed; /readyz " + std::to_string(ok) +
      " ok, " + std::to_string(failed) + " failed, p50 " + std::to_string(p50).substr(0, 6) +
      " ms, p99 " + std::to_string(p99).substr(0, 6) + " ms, max " +
      std::to_string(max_ms).substr(0, 6) + " ms; fds " + std::to_string(fds_before) + " -> peak " +
      std::to_string(fds_peak) + " -> " + std::to_string(fds_after) + "; RSS KiB " +
      std::to_string(rss_before) + " -> peak " + std::to_string(rss_peak) + " -> " +
      std::to_string(rss_after));

  EXPECT_EQ(failed, 0) << "first failure: " << first_failure;
  EXPECT_GT(ok, 0);
  EXPECT_EQ(slow_answers, 0) << "answers slower than 2 s";
  EXPECT_EQ(slow.outlived_limit, 0) << "slow connections graced did not close within 10 s";
  EXPECT_EQ(slow.closed_by_graced, slow.opened);
  EXPECT_GT(flood.closed_by_graced, 0) << "the flood never went past max_connections";
  EXPECT_TRUE(fds_back) << "graced's fds: " << fds_before << " before, " << fds_after << " after";
  EXPECT_LE(rss_after, rss_before + 8 * 1024) << "graced's RSS grew by more than 8 MiB";
  // Refused connections are accepted and closed, so a few more may be open for a moment.
  EXPECT_LE(fds_peak, fds_before + 64 + 16) << "more connections open than max_connections";

  graced.signal(SIGTERM);
  EXPECT_EQ(graced.wait(10s), 0) << graced.stderr_text().substr(0, 4000);
}

}  // namespace
}  // namespace graced::test
