#include "metrics/daemon_metrics.hpp"

#include <chrono>

#include "config/signal_names.hpp"
#include "endpoints/router.hpp"
#include "grpc/grpc_server.hpp"
#include "health/health.hpp"
#include "hooks/lifecycle_hooks.hpp"
#include "http/server.hpp"
#include "lifecycle/lifecycle.hpp"
#include "metrics/process_metrics.hpp"
#include "notify/notify_socket.hpp"
#include "probes/engine/check_engine.hpp"
#include "process/spawner.hpp"
#include "supervisor/supervisor.hpp"
#include "version.hpp"

namespace graced::metrics {
namespace {

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

double as_double(std::uint64_t v) {
  return static_cast<double>(v);
}

void write_probes(Exposition& out, const health::Health& health) {
  out.family("graced_probe_status", "gauge", "Whether a probe passes (1) or fails (0).");
  for (auto p : {health::Probe::startup, health::Probe::liveness, health::Probe::readiness})
    out.sample("graced_probe_status", {{"probe", std::string(health::probe_name(p))}},
               health.passing(p) ? 1 : 0);
  out.family("graced_check_status", "gauge",
             "A check's state after its thresholds: 1 passing, 0 failing, -1 unknown.");
  for (const auto& c : health.checks()) {
    const double v = c.status == health::CheckStatus::passing   ? 1
                     : c.status == health::CheckStatus::failing ? 0
                                                                : -1;
    out.sample("graced_check_status", {{"check", c.name}, {"type", c.type}}, v);
  }
}

void write_check_counters(Exposition& out, const probes::CheckEngine& checks) {
  out.family("graced_check_runs_total", "counter", "Check attempts by result.");
  for (const auto& r : checks.runners()) {
    const auto& c = r->counters();
    const std::string& name = r->config().name;
    out.sample("graced_check_runs_total", {{"check", name}, {"result", "success"}},
               as_double(c.successes));
    out.sample("graced_check_runs_total", {{"check", name}, {"result", "failure"}},
               as_double(c.failures - c.timeouts));
    out.sample("graced_check_runs_total", {{"check", name}, {"result", "timeout"}},
               as_double(c.timeouts));
  }
  out.family("graced_check_transitions_total", "counter",
             "Times a check changed state (passing, failing) after its thresholds.");
  for (const auto& r : checks.runners())
    out.sample("graced_check_transitions_total", {{"check", r->config().name}},
               as_double(r->counters().transitions));
}

void write_lifecycle(Exposition& out, const Lifecycle& lifecycle) {
  out.family("graced_shutdown_phase", "gauge",
             "The lifecycle phase graced is in (1) among all phases (0).");
  const auto seconds = lifecycle.phase_seconds();
  for (std::size_t i = 0; i < kPhaseCount; ++i) {
    const auto phase = static_cast<Phase>(i);
    out.sample("graced_shutdown_phase", {{"phase", std::string(phase_name(phase))}},
               lifecycle.phase() == phase ? 1 : 0);
  }
  out.family("graced_shutdown_phase_duration_seconds", "gauge",
             "Seconds spent in each phase so far (the current one up to now).");
  for (std::size_t i = 0; i < kPhaseCount; ++i) {
    out.sample("graced_shutdown_phase_duration_seconds",
               {{"phase", std::string(phase_name(static_cast<Phase>(i)))}}, seconds[i]);
  }
}

void write_hooks(Exposition& out, const hooks::LifecycleHooks& hooks) {
  out.family("graced_hook_runs_total", "counter", "Hook runs by result.");
  for (const auto& [name, c] : hooks.counters()) {
    out.sample("graced_hook_runs_total", {{"hook", name}, {"result", "ok"}}, as_double(c.ok));
    out.sample("graced_hook_runs_total", {{"hook", name}, {"result", "failed"}},
               as_double(c.failed));
    out.sample("graced_hook_runs_total", {{"hook", name}, {"result", "timeout"}},
               as_double(c.timed_out));
  }
  out.family("graced_hook_last_duration_seconds", "gauge", "How long a hook's last run took.");
  for (const auto& [name, c] : hooks.counters()) {
    out.sample("graced_hook_last_duration_seconds", {{"hook", name}},
               std::chrono::duration<double>(c.last_duration).count());
  }
}

void write_signals(Exposition& out, std::string_view name, std::string_view help,
                   const std::map<int, std::uint64_t>& counts) {
  out.family(name, "counter", help);
  for (const auto& [signo, n] : counts)
    out.sample(name, {{"signal", config::signal_name(signo)}}, as_double(n));
}

void write_connections(Exposition& out, const http::Server* http, const grpc::Server* grpc) {
  out.family("graced_connections", "gauge", "Open client connections by protocol.");
  if (http)
    out.sample("graced_connections", {{"protocol", "http1"}},
               as_double(http->stats().connections_open));
  if (grpc)
    out.sample("graced_connections", {{"protocol", "h2"}},
               as_double(grpc->stats().connections_open));
}

void write_grpc(Exposition& out, const grpc::Server& grpc) {
  out.family("graced_grpc_requests_total", "counter",
             "Finished gRPC calls by method and grpc-status.");
  const auto& stats = grpc.stats();
  for (std::size_t m = 0; m < grpc::kMethodCount; ++m) {
    for (int code = 0; code < grpc::kStatusCodeCount; ++code) {
      const auto n = stats.calls[m][static_cast<std::size_t>(code)];
      if (n == 0) continue;
      out.sample("graced_grpc_requests_total",
                 {{"method", std::string(grpc::method_name(static_cast<grpc::Method>(m)))},
                  {"code", std::string(grpc::status_code_name(code))}},
                 as_double(n));
    }
  }
}

}  // namespace

DaemonMetrics::DaemonMetrics(Sources sources) : s_(sources) {
  if (!s_.checks) return;
  for (const auto& r : s_.checks->runners())
    check_durations_.emplace(r->config().name, Histogram(duration_buckets()));
  for (const auto& r : s_.checks->runners()) {
    r->set_observer(
        [this](const probes::CheckConfig& config, const probes::CheckResult&, double seconds) {
          auto it = check_durations_.find(config.name);
          if (it != check_durations_.end()) it->second.observe(seconds);
        });
  }
}

void DaemonMetrics::child_started() {
  child_start_time_ = unix_now();
}

std::string DaemonMetrics::render() const {
  Exposition out;
  out.family("graced_build_info", "gauge", "graced's version, as a label; the value is 1.");
  out.sample("graced_build_info", {{"version", kVersion}}, 1);

  if (s_.health) write_probes(out, *s_.health);
  if (s_.checks) {
    write_check_counters(out, *s_.checks);
    out.family("graced_check_duration_seconds", "histogram", "How long check attempts took.");
    for (const auto& [name, h] : check_durations_)
      h.write(out, "graced_check_duration_seconds", {{"check", name}});
  }
  if (s_.lifecycle) write_lifecycle(out, *s_.lifecycle);
  if (s_.hooks) write_hooks(out, *s_.hooks);

  write_signals(out, "graced_signals_received_total", "Signals graced received (SIGCHLD aside).",
                received_);
  write_signals(out, "graced_signals_forwarded_total",
                "Signals passed on to the service, as sent (after signals.rewrite).", forwarded_);

  if (s_.supervisor) {
    out.family("graced_child_up", "gauge", "Whether the service process is running.");
    out.sample("graced_child_up", s_.supervisor->child_running() ? 1 : 0);
  }
  out.family("graced_child_start_time_seconds", "gauge",
             "When the service was started, in unix seconds (0 before it was).");
  out.sample("graced_child_start_time_seconds", child_start_time_);
  if (s_.spawner) {
    out.family("graced_zombies_reaped_total", "counter",
               "Orphaned processes graced reaped (re-parented to it, not started by it).");
    out.sample("graced_zombies_reaped_total", as_double(s_.spawner->orphans_reaped()));
    out.family("graced_processes_reaped_total", "counter",
               "Every process graced reaped: its own children and orphans.");
    out.sample("graced_processes_reaped_total", as_double(s_.spawner->processes_reaped()));
  }

  if (s_.router) {
    out.family("graced_http_requests_total", "counter",
               "Requests answered, HTTP/1.1 and HTTP/2, by path class and status code.");
    for (const auto& [key, n] : s_.router->request_counts())
      out.sample("graced_http_requests_total",
                 {{"path_class", std::string(key.first)}, {"code", std::to_string(key.second)}},
                 as_double(n));
  }
  if (s_.grpc) write_grpc(out, *s_.grpc);
  write_connections(out, s_.http, s_.grpc);
  if (s_.notify) {
    const auto& n = s_.notify->stats();
    out.family("graced_notify_datagrams_total", "counter",
               "sd_notify datagrams by what became of them.");
    out.sample("graced_notify_datagrams_total", {{"result", "accepted"}}, as_double(n.accepted));
    out.sample("graced_notify_datagrams_total", {{"result", "rejected"}}, as_double(n.rejected));
    out.sample("graced_notify_datagrams_total", {{"result", "malformed"}}, as_double(n.malformed));
  }
  write_process_metrics(out);
  return out.text();
}

}  // namespace graced::metrics
