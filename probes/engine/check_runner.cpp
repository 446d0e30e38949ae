#include "probes/engine/check_runner.hpp"

#include "config/duration.hpp"
#include "log/log.hpp"
#include "probes/engine/schedule.hpp"

namespace graced::probes {

CheckRunner::CheckRunner(uv_loop_t* loop, const CheckConfig& config, std::unique_ptr<Check> check,
                         health::Health& health, std::size_t health_index, std::mt19937_64& rng)
    : loop_(loop),
      config_(config),
      check_(std::move(check)),
      health_(health),
      index_(health_index),
      rng_(rng),
      hysteresis_(config.success_threshold, config.failure_threshold),
      next_(loop),
      deadline_(loop) {}

CheckRunner::~CheckRunner() {
  stop();
}

void CheckRunner::start() {
  if (running_) return;
  running_ = true;
  due_ms_ = uv_now(loop_) + static_cast<std::uint64_t>(config_.initial_delay.count());
  schedule_due();
}

void CheckRunner::stop() {
  if (!running_) return;
  running_ = false;
  next_.stop();
  deadline_.stop();
  if (in_flight_) {
    in_flight_ = false;
    ++attempt_id_;
    check_->cancel();
  }
}

void CheckRunner::schedule_due() {
  const std::uint64_t now = uv_now(loop_);
  // An attempt that outlasted the interval (interval_when_failing may be shorter than the
  // timeout) is followed at once; the slots it missed are not made up.
  if (due_ms_ < now) due_ms_ = now;
  next_.start(due_ms_ - now, [this] { attempt(); });
}

void CheckRunner::attempt() {
  if (!running_ || in_flight_) return;
  in_flight_ = true;
  const std::uint64_t id = ++attempt_id_;
  started_ns_ = uv_hrtime();
  deadline_.start(static_cast<std::uint64_t>(config_.timeout.count()), [this, id] {
    if (id != attempt_id_ || !in_flight_) return;
    // Invalidate the attempt first so a late `done` from cancel() is ignored.
    ++attempt_id_;
    check_->cancel();
    finish(CheckResult::fail("timeout after " + std::to_string(config_.timeout.count()) + "ms"),
           true);
  });
  check_->start([this, id](CheckResult result) {
    if (id != attempt_id_ || !in_flight_) return;  // cancelled or timed out meanwhile
    finish(std::move(result), false);
  });
}

void CheckRunner::finish(CheckResult result, bool timed_out) {
  in_flight_ = false;
  deadline_.stop();
  const double seconds = static_cast<double>(uv_hrtime() - started_ns_) / 1e9;
  if (result.ok) {
    ++counters_.successes;
  } else {
    ++counters_.failures;
  }
  if (timed_out) ++counters_.timeouts;

  const health::CheckStatus before = hysteresis_.status();
  const health::CheckStatus after = hysteresis_.record(result.ok);
  health::CheckState state = health_.checks().at(index_);
  state.status = after;
  if (after == health::CheckStatus::passing) state.ever_passed = true;
  state.message = result.message;
  state.duration_ms = seconds * 1000.0;
  state.consecutive_failures = hysteresis_.consecutive_failures();
  state.consecutive_successes = hysteresis_.consecutive_successes();
  if (before != after) {
    ++counters_.transitions;
    state.since = std::chrono::system_clock::now();
    if (after == health::CheckStatus::passing) {
      log::info("check passing", {{"check", config_.name}, {"type", config_.type}});
    } else {
      log::warn("check failing",
                {{"check", config_.name}, {"type", config_.type}, {"reason", result.message}});
    }
  }
  health_.update_check(index_, std::move(state));
  if (observer_) observer_(config_, result, seconds);
  if (running_) {
    // Counted from when this attempt was due, not from when it ended: neither the time
    // attempts take nor a busy loop's lateness accumulates into the interval.
    due_ms_ += next_delay_ms(config_.interval, config_.interval_when_failing, config_.jitter,
                             !result.ok, rng_);
    schedule_due();
  }
}

}  // namespace graced::probes
