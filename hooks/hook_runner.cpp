#include "hooks/hook_runner.hpp"

#include <algorithm>
#include <string>

#include "hooks/exec_hook.hpp"
#include "hooks/http_hook.hpp"

namespace graced::hooks {

const char* cut_name(Cut cut) {
  switch (cut) {
    case Cut::none:
      return "none";
    case Cut::timeout:
      return "timeout";
    case Cut::budget:
      return "budget";
  }
  return "none";
}

HookRunner::HookRunner(uv_loop_t* loop, process::Spawner& spawner)
    : loop_(loop), spawner_(spawner), timer_(loop) {}

HookRunner::~HookRunner() {
  cancel();
}

std::uint64_t HookRunner::limit_ms(const HookConfig& hook, std::uint64_t budget_ms, Cut& cut) {
  const auto timeout = static_cast<std::uint64_t>(std::max<std::int64_t>(hook.timeout.count(), 0));
  cut = timeout <= budget_ms ? Cut::timeout : Cut::budget;
  return std::min(timeout, budget_ms);
}

void HookRunner::run(const HookConfig& hook, std::uint64_t budget_ms, Done done) {
  cancel();
  // The previous action may be the one whose callback is running this: it is destroyed
  // here, which actions allow (they make their callback their last step).
  action_.reset();
  started_ns_ = uv_hrtime();
  limit_ms_ = limit_ms(hook, budget_ms, limit_cut_);
  done_ = std::move(done);
  if (limit_ms_ == 0) {
    HookResult r;
    r.cut = limit_cut_;
    r.message = "not run: no time left in the budget";
    finish(std::move(r));
    return;
  }
  if (const auto* exec = std::get_if<ExecAction>(&hook.action)) {
    action_ = std::make_unique<ExecHook>(loop_, spawner_, hook.name, *exec);
  } else {
    action_ =
        std::make_unique<HttpHook>(loop_, spawner_, hook.name, std::get<HttpAction>(hook.action),
                                   config::Duration(static_cast<std::int64_t>(limit_ms_)));
  }
  // The loop's clock may lag behind (it is updated once per iteration): the limit counts
  // from now.
  uv_update_time(loop_);
  timer_.start(limit_ms_, [this] { expire(); });
  action_->start([this](HookResult r) { finish(std::move(r)); });
}

void HookRunner::cancel() {
  timer_.stop();
  if (action_) action_->cancel();
  done_ = nullptr;
}

void HookRunner::expire() {
  if (!done_) return;
  action_->cancel();
  HookResult r;
  r.cut = limit_cut_;
  if (limit_cut_ == Cut::timeout) {
    r.message = "timeout after " + std::to_string(limit_ms_) + "ms";
  } else {
    r.message = "stopped after " + std::to_string(limit_ms_) + "ms: the budget was spent";
  }
  finish(std::move(r));
}

void HookRunner::finish(HookResult result) {
  timer_.stop();
  result.duration =
      std::chrono::milliseconds(static_cast<std::int64_t>((uv_hrtime() - started_ns_) / 1000000));
  Done done = std::move(done_);
  done_ = nullptr;
  // Last: `done` may start the next hook on this runner, or destroy it.
  if (done) done(std::move(result));
}

}  // namespace graced::hooks
