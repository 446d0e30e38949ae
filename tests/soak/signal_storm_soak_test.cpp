// A storm of signals sent to graced while the child counts what reaches it.
//
// What is guaranteed (README, "Forwarding"): graced blocks every signal and reads them
// from a signalfd, forwarding each it reads with one kill().
//  - Standard signals coalesce, in graced as in the child: one sent while another of the
//    same kind is still pending is merged with it. So the child gets at least one of each
//    kind sent, never more than were sent, and the last one sent always arrives (a signal
//    of that kind reaches the child after it was sent).
//  - Real-time signals queue: the signalfd hands graced every queued instance and graced
//    forwards each one, which the kernel queues for the child again. Every one arrives,
//    as long as the user's queued-signal limit (RLIMIT_SIGPENDING) is not reached; past it
//    kill() still delivers the signal but without queueing it (it then coalesces like a
//    standard one). The storm stays far below that limit.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <map>
#include <sstream>
#include <thread>

#include "harness/files.hpp"
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

std::map<std::string, unsigned long> read_counts(const std::string& file) {
  std::map<std::string, unsigned long> counts;
  std::istringstream in(read_file(file).value_or(""));
  std::string name;
  unsigned long n = 0;
  while (in >> name >> n)
    counts[name] = n;
  return counts;
}

// graced-test-child's names: SIGRTMIN+N for the real-time ones.
std::string child_name(int signo) {
  if (signo >= SIGRTMIN && signo <= SIGRTMAX) return "SIGRTMIN+" + std::to_string(signo - SIGRTMIN);
  return signal_name(signo);
}

TEST(SignalStormSoak, StandardSignalsCoalesceRealtimeSignalsAllArriveAndGracedNeverWedges) {
  const int total = soak::sized(10000, 600);
  const std::vector<int> standard = {SIGUSR1, SIGUSR2, SIGHUP, SIGWINCH};
  const std::vector<int> realtime = {SIGRTMIN + 1, SIGRTMIN + 5, SIGRTMAX - 1};
  std::vector<int> kinds = standard;
  kinds.insert(kinds.end(), realtime.begin(), realtime.end());

  TempDir dir;
  const std::string counts_file = dir.file("counts");
  const std::string ready = dir.file("ready");
  GracedProcess graced({.args = run_test_child({"count-signals", counts_file, "--ready", ready}),
                        .config = kNoDrainConfig});
  ASSERT_TRUE(wait_for_ready(ready, 10s)) << graced.stderr_text();
  ASSERT_TRUE(
      wait_until([&] { return http_get(graced.http_port(), "/livez").status == 200; }, 10s));
  const pid_t gpid = graced.pid();

  // /livez asked over and over while the storm lasts.
  std::atomic<bool> storming{true};
  std::atomic<int> live_ok{0}, live_failed{0};
  std::vector<double> live_ms;
  std::thread prober([&] {
    while (storming.load()) {
      auto start = Clock::now();
      auto reply = http_get(graced.http_port(), "/livez", 5s);
      live_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
      (reply.status == 200 ? live_ok : live_failed)++;
      std::this_thread::sleep_for(10ms);
    }
  });

  // In batches, each followed by a short wait for the real-time ones to be delivered, so
  // that the queues stay far below RLIMIT_SIGPENDING whatever else the machine runs.
  std::map<int, unsigned long> sent;
  unsigned long rt_sent = 0;
  const int batch = 250;
  const auto storm_start = Clock::now();
  for (int i = 0; i < total; ++i) {
    const int signo = kinds[static_cast<std::size_t>(i) % kinds.size()];
    if (kill(gpid, signo) != 0) {
      ADD_FAILURE() << "kill: " << std::strerror(errno);
      break;
    }
    ++sent[signo];
    if (signo >= SIGRTMIN) ++rt_sent;
    if ((i + 1) % batch == 0) {
      wait_until(
          [&] {
            auto c = read_counts(counts_file);
            unsigned long got = 0;
            for (int rt : realtime)
              got += c[child_name(rt)];
            return got + 64 >= rt_sent;
          },
          5s, 2ms);
    }
  }
  const double storm_s = std::chrono::duration<double>(Clock::now() - storm_start).count();

  // Every real-time signal arrives, exactly once.
  bool all_rt = wait_until(
      [&] {
        auto c = read_counts(counts_file);
        for (int rt : realtime)
          if (c[child_name(rt)] < sent[rt]) return false;
        return true;
      },
      30s, 20ms);
  // The last one sent always arrives: one more of each standard kind, each of which must
  // show up after it was sent.
  std::map<int, bool> last_arrived;
  for (int signo : standard) {
    const unsigned long before = read_counts(counts_file)[child_name(signo)];
    EXPECT_EQ(kill(gpid, signo), 0);
    ++sent[signo];
    last_arrived[signo] =
        wait_until([&] { return read_counts(counts_file)[child_name(signo)] > before; }, 10s, 5ms);
  }
  std::this_thread::sleep_for(300ms);  // late arrivals, if any, would show up by now
  storming = false;
  prober.join();

  auto counts = read_counts(counts_file);
  std::string figures = std::to_string(total + static_cast<int>(standard.size())) + " signals in " +
                        std::to_string(storm_s).substr(0, 5) + " s; sent/received:";
  for (int signo : kinds)
    figures += " " + child_name(signo) + " " + std::to_string(sent[signo]) + "/" +
               std::to_string(counts[child_name(signo)]);
  figures += "; /livez during the storm " + std::to_string(live_ok.load()) + " ok, " +
             std::to_string(live_failed.load()) + " failed, p99 " +
             std::to_string(soak::percentile(live_ms, 99)).substr(0, 6) + " ms; graced RSS " +
             std::to_string(soak::rss_kib(gpid)) + " KiB";
  soak::report(figures);

  EXPECT_TRUE(all_rt) << "real-time signals were lost";
  for (int signo : realtime)
    EXPECT_EQ(counts[child_name(signo)], sent[signo]) << child_name(signo);
  for (int signo : standard) {
    EXPECT_GE(counts[child_name(signo)], 1u) << child_name(signo);
    EXPECT_LE(counts[child_name(signo)], sent[signo]) << child_name(signo);
    EXPECT_TRUE(last_arrived[signo]) << "the last " << child_name(signo) << " did not arrive";
  }
  // Nothing the test did not send.
  for (const auto& [name, n] : counts) {
    bool known = false;
    for (int signo : kinds)
      known = known || child_name(signo) == name;
    EXPECT_TRUE(known) << name << " x" << n << " was never sent";
  }
  EXPECT_EQ(live_failed.load(), 0);
  EXPECT_GT(live_ok.load(), 0);
  EXPECT_EQ(http_get(graced.http_port(), "/livez").status, 200);

  graced.signal(SIGTERM);
  EXPECT_EQ(graced.wait(10s), 0) << graced.stderr_text().substr(0, 4000);
  EXPECT_EQ(read_counts(counts_file)["SIGTERM"], 1u);
}

}  // namespace
}  // namespace graced::test
