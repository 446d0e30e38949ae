// Orphans in bursts: graced reaps every one of them while the child runs (no zombie
// lingers among its children), and its memory stays flat from burst to burst.
#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "harness/files.hpp"
#include "harness/graced_process.hpp"
#include "harness/paths.hpp"
#include "harness/proc.hpp"
#include "harness/temp_dir.hpp"
#include "harness/test_child.hpp"
#include "peers/http_get.hpp"
#include "soak_support.hpp"

namespace graced::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

int bursts_done(const std::string& progress) {
  auto text = read_file(progress);
  return text && !text->empty() ? std::stoi(*text) : 0;
}

TEST(ZombieSoak, OrphansInBurstsAreAllReapedAndMemoryStaysFlat) {
  const int bursts = 20;
  const int per_burst = soak::sized(10000) / bursts;
  TempDir dir;
  const std::string progress = dir.file("progress");
  // A pause between bursts long enough for each burst's orphans (20 ms each) to be gone.
  GracedProcess graced(
      {.args = run_test_child({"orphan-bursts", std::to_string(bursts), std::to_string(per_burst),
                               progress, "--pause", "150"}),
       .config = kNoDrainConfig});
  const pid_t gpid = graced.pid();
  ASSERT_TRUE(wait_until([&] { return http_get(graced.http_port(), "/livez").status == 200; }, 10s))
      << graced.stderr_text();
  const long rss_start = soak::rss_kib(gpid);

  // Zombies among graced's children, by identity: each may be seen only briefly (between
  // an orphan's exit and graced's waitpid), never for long.
  std::map<std::pair<pid_t, unsigned long long>, Clock::time_point> first_seen;
  std::size_t zombie_sightings = 0, max_at_once = 0;
  Clock::duration oldest_zombie{};
  long rss_after_first = 0;
  std::optional<pid_t> child;
  const auto deadline = Clock::now() + 120s;
  int done = 0;
  while (done < bursts && Clock::now() < deadline && graced.running()) {
    std::size_t at_once = 0;
    const auto now = Clock::now();
    for (const auto& p : all_processes()) {
      if (p.ppid != gpid) continue;
      if (p.state != 'Z') {
        if (!child) child = p.pid;
        continue;
      }
      ++at_once;
      ++zombie_sightings;
      auto [it, fresh] = first_seen.try_emplace({p.pid, p.start_time}, now);
      oldest_zombie = std::max(oldest_zombie, now - it->second);
    }
    max_at_once = std::max(max_at_once, at_once);
    const int now_done = bursts_done(progress);
    if (done == 0 && now_done >= 1) {
      std::this_thread::sleep_for(100ms);  // the first burst's orphans are gone by then
      rss_after_first = soak::rss_kib(gpid);
    }
    done = now_done;
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_EQ(done, bursts) << graced.stderr_text().substr(0, 4000);
  ASSERT_TRUE(child.has_value());

  // Once the last burst's orphans are gone, the child is graced's only child.
  EXPECT_TRUE(wait_until([&] { return children_of(gpid) == std::vector<pid_t>{*child}; }, 20s))
      << "graced's children: " << children_of(gpid).size();
  std::size_t zombies_after = 0;
  for (int sample = 0; sample < 5; ++sample) {
    for (const auto& p : all_processes())
      if (p.ppid == gpid && p.state == 'Z') ++zombies_after;
    std::this_thread::sleep_for(50ms);
  }
  const long rss_end = soak::rss_kib(gpid);
  const auto oldest_ms = std::chrono::duration_cast<std::chrono::milliseconds>(oldest_zombie);
  soak::report(std::to_string(bursts * per_burst) + " orphans in " + std::to_string(bursts) +
               " bursts; zombie sightings while running " + std::to_string(zombie_sightings) +
               " (distinct " + std::to_string(first_seen.size()) + ", at most " +
               std::to_string(max_at_once) + " at once, longest seen " +
               std::to_string(oldest_ms.count()) + " ms); after " + std::to_string(zombies_after) +
               "; RSS KiB start " + std::to_string(rss_start) + ", after burst 1 " +
               std::to_string(rss_after_first) + ", after all " + std::to_string(rss_end));

  EXPECT_EQ(zombies_after, 0u);
  // A zombie seen in one scan is reaped by the next ones: none lives on for a second.
  EXPECT_LT(oldest_ms.count(), 1000) << "a zombie lingered among graced's children";
  EXPECT_LE(rss_end, rss_after_first + 1024) << "graced's RSS grew by more than 1 MiB";

  graced.signal(SIGTERM);
  // The child (sleep) dies of the stop signal: 128 + SIGTERM.
  EXPECT_EQ(graced.wait(10s), 128 + SIGTERM) << graced.stderr_text().substr(0, 4000);
}

}  // namespace
}  // namespace graced::test
