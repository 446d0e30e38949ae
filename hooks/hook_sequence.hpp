// Runs the hooks of one phase in order, each bounded by its own timeout and by what is
// left of the phase's overall budget; logs each result and keeps counters per hook.
#pragma once

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "hooks/hook_config.hpp"
#include "hooks/hook_result.hpp"
#include "hooks/hook_runner.hpp"
#include "process/spawner.hpp"

namespace graced::hooks {

// Per hook, over graced's lifetime (for /metrics).
struct HookCounters {
  std::uint64_t ok = 0;
  std::uint64_t failed = 0;     // finished, unsuccessfully
  std::uint64_t timed_out = 0;  // cut by its timeout or by the budget
  std::chrono::milliseconds last_duration{0};
};

struct HookOutcome {
  const HookConfig* hook = nullptr;
  HookResult result;
};

struct SequenceOutcome {
  bool ok = true;                    // every hook ran and succeeded
  std::vector<HookOutcome> results;  // in order, only of the hooks that ran
  // The first hook that failed, or null.
  const HookOutcome* first_failure() const;
};

class HookSequence {
 public:
  using Done = std::function<void(SequenceOutcome)>;

  HookSequence(uv_loop_t* loop, process::Spawner& spawner) : runner_(loop, spawner) {}
  HookSequence(const HookSequence&) = delete;
  HookSequence& operator=(const HookSequence&) = delete;

  // Runs `hooks` one after the other within `budget_ms` in all. A failed hook ends the
  // sequence when `stop_on_failure` is set or the hook is `fatal`; otherwise the next one
  // runs. A hook reached when the budget is spent is not started and fails ("no time
  // left"). `done` is called once, possibly before run() returns (no hooks), unless
  // cancel() comes first. The hooks must outlive the run.
  void run(std::vector<const HookConfig*> hooks, std::uint64_t budget_ms, bool stop_on_failure,
           Done done);
  // Abandons the hook in flight and the ones after it; `done` is not called.
  void cancel();
  bool running() const { return static_cast<bool>(done_); }

  const std::map<std::string, HookCounters>& counters() const { return counters_; }

 private:
  void next();
  void record(const HookConfig& hook, const HookResult& result);

  HookRunner runner_;
  std::vector<const HookConfig*> hooks_;
  std::size_t index_ = 0;
  std::uint64_t deadline_ms_ = 0;  // on uv_hrtime's clock
  bool stop_on_failure_ = false;
  SequenceOutcome outcome_;
  Done done_;
  std::map<std::string, HookCounters> counters_;
};

}  // namespace graced::hooks
