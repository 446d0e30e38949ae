// Runs one hook with a deadline: the hook's own timeout, or what is left of the caller's
// budget when that is shorter. A hook never runs past the budget.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>

#include "hooks/hook_action.hpp"
#include "hooks/hook_config.hpp"
#include "hooks/hook_result.hpp"
#include "loop/handle.hpp"
#include "process/spawner.hpp"

namespace graced::hooks {

class HookRunner {
 public:
  using Done = std::function<void(HookResult)>;

  HookRunner(uv_loop_t* loop, process::Spawner& spawner);
  // Abandons a hook still running.
  ~HookRunner();
  HookRunner(const HookRunner&) = delete;
  HookRunner& operator=(const HookRunner&) = delete;

  // Runs `hook` for at most min(hook.timeout, budget_ms); at that limit the hook is
  // abandoned (its process group killed, its connection closed) and the result says
  // which of the two cut it. `done` is called once, possibly before run() returns (a
  // budget of 0, a command that cannot be started), unless cancel() comes first; it may
  // run the next hook on this runner. `hook` must outlive the run.
  void run(const HookConfig& hook, std::uint64_t budget_ms, Done done);
  // Abandons the hook in flight; `done` is not called. Safe when idle.
  void cancel();
  bool running() const { return static_cast<bool>(done_); }

  // The limit run() applies: min(timeout, budget), and which of them it is.
  static std::uint64_t limit_ms(const HookConfig& hook, std::uint64_t budget_ms, Cut& cut);

 private:
  void finish(HookResult result);
  void expire();

  uv_loop_t* loop_;
  process::Spawner& spawner_;
  loop::Timer timer_;
  std::unique_ptr<HookAction> action_;
  Done done_;
  std::uint64_t started_ns_ = 0;
  std::uint64_t limit_ms_ = 0;
  Cut limit_cut_ = Cut::timeout;
};

}  // namespace graced::hooks
