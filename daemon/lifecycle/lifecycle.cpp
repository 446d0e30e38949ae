#include "lifecycle/lifecycle.hpp"

#include <unistd.h>

#include <algorithm>
#include <csignal>

#include "config/duration.hpp"
#include "config/signal_names.hpp"
#include "lifecycle/descendants.hpp"
#include "log/log.hpp"

namespace graced {
namespace {

// After a core-dump kill signal (SIGQUIT, SIGABRT), SIGKILL follows after this long.
constexpr std::uint64_t kCoreDumpGraceMs = 2000;

long long ms(std::uint64_t v) {
  return static_cast<long long>(v);
}

}  // namespace

std::string_view phase_name(Phase phase) {
  switch (phase) {
    case Phase::starting:
      return "starting";
    case Phase::running:
      return "running";
    case Phase::draining:
      return "draining";
    case Phase::pre_stop:
      return "pre_stop";
    case Phase::stopping:
      return "stopping";
    case Phase::killing:
      return "killing";
    case Phase::post_stop:
      return "post_stop";
    case Phase::exited:
      return "exited";
  }
  return "running";
}

std::string_view hook_phase_name(HookPhase phase) {
  switch (phase) {
    case HookPhase::pre_start:
      return "pre-start";
    case HookPhase::post_start:
      return "post-start";
    case HookPhase::pre_stop:
      return "pre-stop";
    case HookPhase::post_stop:
      return "post-stop";
  }
  return "pre-stop";
}

Lifecycle::Lifecycle(Parts parts, const ShutdownConfig& shutdown, const StartupConfig& startup,
                     const ProcessConfig& process, Done done)
    : parts_(parts),
      shutdown_(shutdown),
      startup_(startup),
      process_(process),
      done_(std::move(done)),
      graced_start_ns_(uv_hrtime()),
      drain_timer_(parts.loop),
      budget_timer_(parts.loop),
      followup_kill_timer_(parts.loop),
      wait_timer_(parts.loop),
      connections_(parts.loop, process.ports) {
  start_ms_ = uv_now(parts_.loop);
  phase_entered_ms_ = start_ms_;
  parts_.supervisor.on_exit([this](const process::ExitStatus& s) { on_child_exit(s); });
}

Lifecycle::~Lifecycle() {
  // Unsubscribed only here: a listener must not unsubscribe itself while Health is
  // iterating its copy of the listeners.
  if (wait_subscription_) parts_.health.unsubscribe(wait_subscription_);
  if (ready_subscription_) parts_.health.unsubscribe(ready_subscription_);
}

void Lifecycle::enter(Phase phase) {
  const std::uint64_t now = uv_now(parts_.loop);
  phase_ms_[static_cast<std::size_t>(phase_)] += now - phase_entered_ms_;
  phase_entered_ms_ = now;
  phase_ = phase;
  if (shutdown_started_) {
    log::info("shutdown phase",
              {{"phase", std::string(phase_name(phase))}, {"offset_ms", ms(since_trigger_ms())}});
  }
}

std::array<double, kPhaseCount> Lifecycle::phase_seconds() const {
  std::array<double, kPhaseCount> out{};
  for (std::size_t i = 0; i < kPhaseCount; ++i)
    out[i] = static_cast<double>(phase_ms_[i]) / 1e3;
  out[static_cast<std::size_t>(phase_)] +=
      static_cast<double>(uv_now(parts_.loop) - phase_entered_ms_) / 1e3;
  return out;
}

std::uint64_t Lifecycle::since_trigger_ms() const {
  return shutdown_started_ ? uv_now(parts_.loop) - trigger_ms_ : 0;
}

std::uint64_t Lifecycle::budget_left_ms() const {
  const auto budget = static_cast<std::uint64_t>(shutdown_.grace_period.count());
  const auto spent = since_trigger_ms();
  return spent >= budget ? 0 : budget - spent;
}

// ---- startup ---------------------------------------------------------------------------

void Lifecycle::start() {
  if (parts_.hooks.has(HookPhase::pre_start)) {
    // Each pre-start hook is bounded by its own timeout; there is no overall budget yet.
    parts_.hooks.run(HookPhase::pre_start, UINT64_MAX / 4, [this](PhaseOutcome outcome) {
      if (phase_ != Phase::starting || finished_) return;
      if (!outcome.ok) {
        log::error("a pre-start hook failed; the service is not started",
                   {{"exit_code", outcome.exit_code}});
        finish(outcome.exit_code);
        return;
      }
      wait_for_dependencies();
    });
    return;
  }
  wait_for_dependencies();
}

void Lifecycle::wait_for_dependencies() {
  if (startup_.wait_for.empty()) {
    start_child();
    return;
  }
  auto all_passing = [this] {
    for (const auto& name : startup_.wait_for) {
      const auto* c = parts_.health.find_check(name);
      if (!c || c->status != health::CheckStatus::passing) return false;
    }
    return true;
  };
  log::info("waiting for dependencies before starting the service",
            {{"checks",
              [&] {
                std::string s;
                for (const auto& n : startup_.wait_for)
                  s += (s.empty() ? "" : ",") + n;
                return s;
              }()},
             {"timeout_ms", static_cast<long long>(startup_.wait_timeout.count())}});
  parts_.checks.start(startup_.wait_for);
  wait_subscription_ = parts_.health.subscribe([this, all_passing] {
    if (phase_ != Phase::starting || !all_passing()) return;
    parts_.health.unsubscribe(wait_subscription_);
    wait_subscription_ = 0;
    wait_timer_.stop();
    log::info("dependencies are up", {{"waited_ms", ms(uv_now(parts_.loop) - start_ms_)}});
    start_child();
  });
  wait_timer_.start(static_cast<std::uint64_t>(startup_.wait_timeout.count()), [this] {
    if (phase_ != Phase::starting) return;
    for (const auto& name : startup_.wait_for) {
      const auto* c = parts_.health.find_check(name);
      if (c && c->status != health::CheckStatus::passing) {
        log::error("dependency not ready", {{"check", name},
                                            {"status", std::string(health::status_name(c->status))},
                                            {"reason", c->message}});
      }
    }
    log::error("gave up waiting for dependencies; the service is not started",
               {{"timeout_ms", static_cast<long long>(startup_.wait_timeout.count())}});
    finish(1);
  });
}

void Lifecycle::start_child() {
  if (!parts_.supervisor.start([this](int code) { on_child_gone(code); })) {
    finish(1);
    return;
  }
  parts_.health.set_child_running(true);
  parts_.checks.start_all();
  enter(Phase::running);
  auto log_ready = [this] {
    if (!parts_.health.startup_passed() || ready_logged_) return;
    ready_logged_ = true;
    log::info("service ready",
              {{"since_start_ms", ms((uv_hrtime() - graced_start_ns_) / 1000000)}});
  };
  log_ready();
  if (!ready_logged_) ready_subscription_ = parts_.health.subscribe(log_ready);
  if (parts_.hooks.has(HookPhase::post_start)) {
    parts_.hooks.run(HookPhase::post_start, UINT64_MAX / 4, [this](PhaseOutcome outcome) {
      if (outcome.ok || finished_) return;
      log::error("a fatal post-start hook failed; stopping the service",
                 {{"exit_code", outcome.exit_code}});
      forced_exit_code_ = outcome.exit_code;
      trigger("post-start hook failed", 0, false);
    });
  }
}

// ---- shutdown --------------------------------------------------------------------------

bool Lifecycle::on_signal(int signo) {
  if (std::find(shutdown_.signals.begin(), shutdown_.signals.end(), signo) ==
      shutdown_.signals.end()) {
    return false;
  }
  trigger(config::signal_name(signo), signo, false);
  return true;
}

void Lifecycle::on_service_stopping() {
  trigger("service sent STOPPING=1", 0, false);
}

void Lifecycle::on_prestop_request(std::function<void()> drained) {
  const bool drain_over = shutdown_started_ && phase_ != Phase::draining;
  if (drain_over || finished_) {
    drained();
    return;
  }
  prestop_waiters_.push_back(std::move(drained));
  if (!shutdown_started_) trigger("pre-stop endpoint", 0, true);
}

void Lifecycle::trigger(const std::string& reason, int signo, bool from_prestop) {
  if (finished_) return;
  if (phase_ == Phase::starting) {
    // Nothing was routed to a service that never started: stop at once.
    log::info("shutdown requested before the service started", {{"trigger", reason}});
    parts_.checks.stop_all();
    parts_.hooks.cancel();
    finish(forced_exit_code_ ? *forced_exit_code_ : (signo ? 128 + signo : 0));
    return;
  }
  if (shutdown_started_) {
    repeat(reason, signo);
    return;
  }
  ignore_next_signal_ = from_prestop;
  begin_shutdown(reason);
}

void Lifecycle::begin_shutdown(const std::string& reason) {
  shutdown_started_ = true;
  trigger_ms_ = uv_now(parts_.loop);
  log::info("shutdown started",
            {{"trigger", reason},
             {"drain_delay_ms", static_cast<long long>(shutdown_.drain_delay.count())},
             {"grace_period_ms", static_cast<long long>(shutdown_.grace_period.count())}});
  parts_.health.set_shutting_down("draining");
  budget_timer_.start(static_cast<std::uint64_t>(shutdown_.grace_period.count()),
                      [this] { kill_now("grace period spent"); });
  if (!parts_.supervisor.child_running()) return;  // the exit path is already under way
  if (!parts_.health.startup_passed()) {
    enter(Phase::draining);
    end_drain("the service was not ready yet: nothing to drain");
    return;
  }
  enter(Phase::draining);
  drain_timer_.start(static_cast<std::uint64_t>(shutdown_.drain_delay.count()),
                     [this] { end_drain("drain_delay elapsed"); });
  if (shutdown_.drain_until_idle && !process_.ports.empty()) {
    connections_.start(static_cast<std::uint64_t>(shutdown_.quiet_period.count()), [this] {
      if (since_trigger_ms() >= static_cast<std::uint64_t>(shutdown_.min_drain_delay.count())) {
        end_drain("no new connections for quiet_period");
      }
    });
  }
}

void Lifecycle::repeat(const std::string& reason, int signo) {
  if (signo != 0 && ignore_next_signal_) {
    // The kubelet sends SIGTERM after a preStop hook returns: that is the same stop.
    ignore_next_signal_ = false;
    log::info("shutdown signal after the pre-stop endpoint: already stopping",
              {{"trigger", reason}});
    return;
  }
  switch (shutdown_.on_repeat) {
    case OnRepeat::ignore:
      log::info("repeated shutdown trigger ignored", {{"trigger", reason}});
      return;
    case OnRepeat::expedite:
      log::info("repeated shutdown trigger: stopping now", {{"trigger", reason}});
      if (phase_ == Phase::draining || phase_ == Phase::pre_stop) {
        drain_timer_.stop();
        connections_.stop();
        parts_.hooks.cancel();
        release_prestop_waiters();
        send_stop();
      }
      return;
    case OnRepeat::kill:
      log::info("repeated shutdown trigger: killing now", {{"trigger", reason}});
      kill_now("repeated trigger with on_repeat = \"kill\"");
      return;
  }
}

void Lifecycle::end_drain(const char* why) {
  if (phase_ != Phase::draining) return;
  drain_timer_.stop();
  connections_.stop();
  log::info("drain window over", {{"reason", why}, {"offset_ms", ms(since_trigger_ms())}});
  release_prestop_waiters();
  if (!parts_.hooks.has(HookPhase::pre_stop)) {
    send_stop();
    return;
  }
  enter(Phase::pre_stop);
  parts_.hooks.run(HookPhase::pre_stop, budget_left_ms(), [this](PhaseOutcome outcome) {
    if (phase_ != Phase::pre_stop) return;
    if (!outcome.ok) log::warn("a pre-stop hook failed; stopping the service anyway");
    send_stop();
  });
}

void Lifecycle::send_stop() {
  if (phase_ == Phase::stopping || phase_ == Phase::killing || !parts_.supervisor.child_running())
    return;
  enter(Phase::stopping);
  stop_sent_ = true;
  log::info("sending the stop signal", {{"signal", config::signal_name(shutdown_.stop_signal)},
                                        {"pid", static_cast<long>(parts_.supervisor.child_pid())},
                                        {"offset_ms", ms(since_trigger_ms())}});
  parts_.supervisor.signal_child(shutdown_.stop_signal);
}

void Lifecycle::kill_now(const char* why) {
  if (finished_ || phase_ == Phase::post_stop || phase_ == Phase::exited) return;
  drain_timer_.stop();
  connections_.stop();
  parts_.hooks.cancel();
  release_prestop_waiters();
  if (phase_ != Phase::killing) enter(Phase::killing);
  const int signo = shutdown_.kill_signal;
  log::warn("killing the service", {{"reason", why},
                                    {"signal", config::signal_name(signo)},
                                    {"offset_ms", ms(since_trigger_ms())}});
  auto kill_all = [](int sig, pid_t group) {
    if (group > 0) kill(-group, sig);
    // As PID 1 everything in the container is ours; otherwise our descendants are
    // (including those that left the group with setsid).
    if (getpid() == 1) kill(-1, sig);
    signal_descendants(sig);
  };
  kill_all(signo, parts_.supervisor.child_pid());
  if (signo != SIGKILL) {
    const pid_t group = parts_.supervisor.child_pid();
    followup_kill_timer_.start(kCoreDumpGraceMs, [kill_all, group] { kill_all(SIGKILL, group); });
  }
}

void Lifecycle::on_child_exit(const process::ExitStatus&) {
  parts_.health.set_child_running(false);
  parts_.checks.stop_all();
  if (phase_ == Phase::starting) return;  // exec failed before startup finished
  drain_timer_.stop();
  connections_.stop();
  if (phase_ == Phase::draining || phase_ == Phase::pre_stop || phase_ == Phase::running) {
    parts_.hooks.cancel();
  }
  release_prestop_waiters();
}

void Lifecycle::on_child_gone(int exit_code) {
  const auto& status = parts_.supervisor.exit_status();
  if (shutdown_.exit_zero_on_stop_signal && stop_sent_ && status && !status->exec_failure) {
    const int stop = shutdown_.stop_signal;
    if ((status->signaled && status->signo == stop) ||
        (!status->signaled && status->code == 128 + stop)) {
      exit_code = 0;
    }
  }
  if (forced_exit_code_) exit_code = *forced_exit_code_;
  if (!parts_.hooks.has(HookPhase::post_stop)) {
    finish(exit_code);
    return;
  }
  std::uint64_t budget = static_cast<std::uint64_t>(shutdown_.post_stop_timeout.count());
  if (shutdown_started_ && !shutdown_.post_stop_outside_budget) {
    budget = std::min(budget, budget_left_ms());
  }
  followup_kill_timer_.stop();
  budget_timer_.stop();
  enter(Phase::post_stop);
  parts_.hooks.run(HookPhase::post_stop, budget,
                   [this, exit_code](PhaseOutcome) { finish(exit_code); });
}

void Lifecycle::finish(int exit_code) {
  if (finished_) return;
  finished_ = true;
  drain_timer_.stop();
  budget_timer_.stop();
  followup_kill_timer_.stop();
  wait_timer_.stop();
  connections_.stop();
  release_prestop_waiters();
  // Nothing the service started outlives graced.
  const int left = signal_descendants(SIGKILL);
  if (getpid() == 1) kill(-1, SIGKILL);
  if (left > 0) log::info("killed processes left behind", {{"count", left}});
  enter(Phase::exited);
  if (shutdown_started_) log::info("shutdown complete", {{"offset_ms", ms(since_trigger_ms())}});
  if (done_) done_(exit_code);
}

void Lifecycle::release_prestop_waiters() {
  auto waiters = std::move(prestop_waiters_);
  prestop_waiters_.clear();
  for (auto& w : waiters)
    w();
}

}  // namespace graced
