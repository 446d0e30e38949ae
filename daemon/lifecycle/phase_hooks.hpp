// What the lifecycle needs from the hooks: run every hook of one phase within a time
// budget. Kept abstract so the state machine can be driven in tests without processes.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

namespace graced {

enum class HookPhase { pre_start, post_start, pre_stop, post_stop };

std::string_view hook_phase_name(HookPhase phase);

struct PhaseOutcome {
  bool ok = true;
  int exit_code = 0;  // of the first failed hook (its exit status, or 1)
};

class PhaseHooks {
 public:
  virtual ~PhaseHooks() = default;
  virtual bool has(HookPhase phase) const = 0;
  // Runs the phase's hooks in order, none past `budget_ms`; `done` is called once
  // (possibly at once when there are none) unless cancel() comes first.
  virtual void run(HookPhase phase, std::uint64_t budget_ms,
                   std::function<void(PhaseOutcome)> done) = 0;
  virtual void cancel() = 0;
};

}  // namespace graced
