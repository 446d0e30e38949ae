#include "hooks/hook_sequence.hpp"

#include <limits>

#include "log/log.hpp"

namespace graced::hooks {
namespace {

std::uint64_t now_ms() {
  return uv_hrtime() / 1000000;
}

void log_result(const HookConfig& hook, const HookResult& r) {
  const log::Level level = r.ok ? log::Level::info : log::Level::warn;
  const std::string_view phase = phase_name(hook.phase);
  const auto ms = static_cast<std::int64_t>(r.duration.count());
  if (r.exit_code >= 0) {
    log::write(level, "hook finished",
               {{"hook", hook.name},
                {"phase", phase},
                {"ok", r.ok},
                {"exit_code", r.exit_code},
                {"duration_ms", static_cast<long long>(ms)},
                {"message", r.message}});
  } else if (r.http_status > 0) {
    log::write(level, "hook finished",
               {{"hook", hook.name},
                {"phase", phase},
                {"ok", r.ok},
                {"status", r.http_status},
                {"duration_ms", static_cast<long long>(ms)},
                {"message", r.message}});
  } else {
    log::write(level, "hook finished",
               {{"hook", hook.name},
                {"phase", phase},
                {"ok", r.ok},
                {"duration_ms", static_cast<long long>(ms)},
                {"message", r.message}});
  }
}

}  // namespace

const HookOutcome* SequenceOutcome::first_failure() const {
  for (const auto& r : results)
    if (!r.result.ok) return &r;
  return nullptr;
}

void HookSequence::run(std::vector<const HookConfig*> hooks, std::uint64_t budget_ms,
                       bool stop_on_failure, Done done) {
  cancel();
  hooks_ = std::move(hooks);
  index_ = 0;
  const std::uint64_t start = now_ms();
  // Budgets like "no limit" (UINT64_MAX / 4) must not wrap around.
  deadline_ms_ = budget_ms > std::numeric_limits<std::uint64_t>::max() - start
                     ? std::numeric_limits<std::uint64_t>::max()
                     : start + budget_ms;
  stop_on_failure_ = stop_on_failure;
  outcome_ = SequenceOutcome{};
  done_ = std::move(done);
  next();
}

void HookSequence::cancel() {
  runner_.cancel();
  done_ = nullptr;
}

void HookSequence::next() {
  if (index_ >= hooks_.size()) {
    Done done = std::move(done_);
    done_ = nullptr;
    if (done) done(std::move(outcome_));
    return;
  }
  const HookConfig& hook = *hooks_[index_];
  const std::uint64_t now = now_ms();
  const std::uint64_t left = deadline_ms_ > now ? deadline_ms_ - now : 0;
  Cut cut = Cut::none;
  const std::uint64_t limit = HookRunner::limit_ms(hook, left, cut);
  log::info("hook started", {{"hook", hook.name},
                             {"phase", phase_name(hook.phase)},
                             {"limit_ms", static_cast<unsigned long long>(limit)}});
  runner_.run(hook, left, [this, &hook](HookResult r) {
    record(hook, r);
    const bool failed = !r.ok;
    outcome_.results.push_back({&hook, std::move(r)});
    ++index_;
    if (failed) {
      outcome_.ok = false;
      // The rest is left out: next() finds nothing more to run.
      if (stop_on_failure_ || hook.fatal) index_ = hooks_.size();
    }
    next();
  });
}

void HookSequence::record(const HookConfig& hook, const HookResult& result) {
  log_result(hook, result);
  HookCounters& c = counters_[hook.name];
  if (result.ok) {
    ++c.ok;
  } else if (result.cut != Cut::none) {
    ++c.timed_out;
  } else {
    ++c.failed;
  }
  c.last_duration = result.duration;
}

}  // namespace graced::hooks
