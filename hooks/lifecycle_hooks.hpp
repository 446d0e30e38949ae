// The configured hooks as the lifecycle runs them, phase by phase (PhaseHooks), with what
// a failure means in each phase: pre-start stops at the first failure and fails the
// phase; post-start fails only for a fatal hook (which also ends the phase); pre-stop and
// post-stop run every hook and report a failure, which the lifecycle only logs.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "hooks/hook_config.hpp"
#include "hooks/hook_sequence.hpp"
#include "lifecycle/phase_hooks.hpp"
#include "process/spawner.hpp"

namespace graced::hooks {

class LifecycleHooks : public PhaseHooks {
 public:
  LifecycleHooks(uv_loop_t* loop, process::Spawner& spawner, std::vector<HookConfig> hooks);

  bool has(HookPhase phase) const override;
  void run(HookPhase phase, std::uint64_t budget_ms,
           std::function<void(PhaseOutcome)> done) override;
  void cancel() override;

  const std::vector<HookConfig>& hooks() const { return hooks_; }
  const std::map<std::string, HookCounters>& counters() const { return sequence_.counters(); }

  // What the lifecycle is told about a phase that ran: its exit code is that of the first
  // hook whose failure counts (its exit status, or 1 when it has none).
  static PhaseOutcome phase_outcome(HookPhase phase, const SequenceOutcome& outcome);

 private:
  std::vector<const HookConfig*> of_phase(HookPhase phase) const;

  std::vector<HookConfig> hooks_;
  HookSequence sequence_;
};

}  // namespace graced::hooks
