// The lifecycle state machine: the startup sequence (pre-start hooks, waiting for
// dependencies, the child, post-start hooks) and the zero-downtime shutdown sequence
// (draining, pre-stop hooks, stop signal, kill at the end of the grace budget, post-stop
// hooks, exit with the child's status). Every phase is logged with its offset from the
// trigger.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "health/health.hpp"
#include "lifecycle/connection_watch.hpp"
#include "lifecycle/lifecycle_config.hpp"
#include "lifecycle/phase_hooks.hpp"
#include "loop/handle.hpp"
#include "probes/engine/check_engine.hpp"
#include "supervisor/process_config.hpp"
#include "supervisor/supervisor.hpp"

namespace graced {

enum class Phase : std::uint8_t {
  starting,   // pre-start hooks, wait_for
  running,    // the child runs
  draining,   // readiness fails; endpoints propagate
  pre_stop,   // pre-stop hooks
  stopping,   // stop signal sent; waiting for the child
  killing,    // the budget is spent
  post_stop,  // post-stop hooks
  exited,
};
inline constexpr std::size_t kPhaseCount = 8;
std::string_view phase_name(Phase phase);

class Lifecycle {
 public:
  struct Parts {
    uv_loop_t* loop;
    supervisor::Supervisor& supervisor;
    health::Health& health;
    probes::CheckEngine& checks;
    PhaseHooks& hooks;
  };
  using Done = std::function<void(int exit_code)>;

  Lifecycle(Parts parts, const ShutdownConfig& shutdown, const StartupConfig& startup,
            const ProcessConfig& process, Done done);
  ~Lifecycle();
  Lifecycle(const Lifecycle&) = delete;
  Lifecycle& operator=(const Lifecycle&) = delete;

  // Runs the startup sequence.
  void start();
  // A signal graced received: true when it is a shutdown trigger (handled here), false
  // when it should be forwarded to the child.
  bool on_signal(int signo);
  // STOPPING=1 from the service.
  void on_service_stopping();
  // The pre-stop endpoint: starts the sequence like SIGTERM and calls `drained` once the
  // drain window is over (at once if it already is).
  void on_prestop_request(std::function<void()> drained);

  Phase phase() const { return phase_; }
  bool shutting_down() const { return shutdown_started_; }
  // Seconds spent in each phase so far (the current one up to now), for metrics.
  std::array<double, kPhaseCount> phase_seconds() const;

 private:
  void enter(Phase phase);
  std::uint64_t since_trigger_ms() const;
  std::uint64_t budget_left_ms() const;

  void run_pre_start();
  void wait_for_dependencies();
  void start_child();
  void trigger(const std::string& reason, int signo, bool from_prestop);
  void begin_shutdown(const std::string& reason);
  void repeat(const std::string& reason, int signo);
  void end_drain(const char* why);
  void send_stop();
  void kill_now(const char* why);
  void on_child_exit(const process::ExitStatus& status);
  void on_child_gone(int exit_code);
  void finish(int exit_code);
  void release_prestop_waiters();

  Parts parts_;
  const ShutdownConfig& shutdown_;
  const StartupConfig& startup_;
  const ProcessConfig& process_;
  Done done_;

  Phase phase_ = Phase::starting;
  bool shutdown_started_ = false;
  bool stop_sent_ = false;
  bool ignore_next_signal_ = false;  // the SIGTERM that follows a preStop call
  bool finished_ = false;
  bool ready_logged_ = false;
  std::optional<int> forced_exit_code_;
  std::uint64_t start_ms_ = 0;
  std::uint64_t trigger_ms_ = 0;
  std::uint64_t graced_start_ns_ = 0;
  std::array<std::uint64_t, kPhaseCount> phase_ms_{};  // accumulated
  std::uint64_t phase_entered_ms_ = 0;

  loop::Timer drain_timer_;
  loop::Timer budget_timer_;
  loop::Timer followup_kill_timer_;
  loop::Timer wait_timer_;
  ConnectionWatch connections_;
  std::size_t wait_subscription_ = 0;
  std::size_t ready_subscription_ = 0;
  std::vector<std::function<void()>> prestop_waiters_;
};

}  // namespace graced
