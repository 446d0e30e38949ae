#include "hooks/lifecycle_hooks.hpp"

namespace graced::hooks {

LifecycleHooks::LifecycleHooks(uv_loop_t* loop, process::Spawner& spawner,
                               std::vector<HookConfig> hooks)
    : hooks_(std::move(hooks)), sequence_(loop, spawner) {}

std::vector<const HookConfig*> LifecycleHooks::of_phase(HookPhase phase) const {
  std::vector<const HookConfig*> out;
  for (const auto& h : hooks_)
    if (h.phase == phase) out.push_back(&h);
  return out;
}

bool LifecycleHooks::has(HookPhase phase) const {
  return !of_phase(phase).empty();
}

void LifecycleHooks::run(HookPhase phase, std::uint64_t budget_ms,
                         std::function<void(PhaseOutcome)> done) {
  sequence_.run(of_phase(phase), budget_ms, phase == HookPhase::pre_start,
                [phase, done = std::move(done)](SequenceOutcome outcome) {
                  done(phase_outcome(phase, outcome));
                });
}

void LifecycleHooks::cancel() {
  sequence_.cancel();
}

PhaseOutcome LifecycleHooks::phase_outcome(HookPhase phase, const SequenceOutcome& outcome) {
  for (const auto& r : outcome.results) {
    if (r.result.ok) continue;
    // After the service started, only a fatal hook's failure is the phase's.
    if (phase == HookPhase::post_start && !r.hook->fatal) continue;
    return PhaseOutcome{false, r.result.exit_code > 0 ? r.result.exit_code : 1};
  }
  return PhaseOutcome{};
}

}  // namespace graced::hooks
