// `graced manifest`: the Kubernetes container fields that must agree with graced's
// configuration (probe ports and paths, preStop, terminationGracePeriodSeconds, ports),
// derived from the same DaemonConfig graced runs with, so they cannot drift apart.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "config/duration.hpp"
#include "daemon_config.hpp"
#include "manifest/manifest_options.hpp"
#include "manifest/value.hpp"

namespace graced::manifest {

// How long graced may take, from its start, before /startupz can pass: the startup
// probe must tolerate at least this much.
//
//   window = sum of the pre-start hooks' timeouts        (they run before the service)
//          + startup.wait_timeout                        (the wait_for phase's bound, and
//                                                         the service's own start-up)
//          + max over startup checks of
//              initial_delay + success_threshold * (interval + jitter + timeout)
//
// Startup checks are those naming "startup" in `probes`, else the readiness checks (as
// Health::feeds decides). Each of the success_threshold passing attempts waits at most
// interval + jitter before it and lasts at most timeout; the first waits only
// initial_delay, which leaves one attempt's wait spare for a check that fails once while
// the service is still opening its port.
struct StartupWindow {
  config::Duration pre_start_hooks{0};
  config::Duration wait_timeout{0};
  config::Duration slowest_check{0};
  std::string slowest_check_name;  // "" without startup checks
  config::Duration total() const { return pre_start_hooks + wait_timeout + slowest_check; }
};
StartupWindow startup_window(const DaemonConfig& config);

// Probe timings. graced answers every probe from cached state and applies the checks'
// thresholds itself, so Kubernetes needs no hysteresis of its own on top.
struct ProbeTiming {
  long period_seconds = 0;
  long timeout_seconds = 1;
  long failure_threshold = 1;
  long success_threshold = 0;  // 0: left out (Kubernetes requires 1 for startup/liveness)
};
// periodSeconds 1; failureThreshold = ceil(window / 1s), at least 1.
ProbeTiming startup_timing(const DaemonConfig& config);
// periodSeconds 10, failureThreshold 3: a restart is expensive, and graced's liveness only
// fails for reasons that persist (the child is gone, the watchdog is late, a liveness check
// failed past its own threshold); three misses rule out a kubelet hiccup.
ProbeTiming liveness_timing(const DaemonConfig& config);
// failureThreshold 1, successThreshold 1; periodSeconds 2, or 1 when drain_delay is under
// 4s, so that the kubelet sees a readiness failure within half the drain window (when the
// service starts the shutdown with STOPPING=1, nothing else takes the pod out of the
// endpoints).
ProbeTiming readiness_timing(const DaemonConfig& config);

struct Manifest {
  Value document;
  std::vector<std::string> notes;     // also comments in the YAML
  std::vector<std::string> warnings;  // configurations that work, but probably not as meant
};
struct ManifestError {
  std::string message;
};
std::variant<Manifest, ManifestError> build_manifest(const DaemonConfig& config,
                                                     const Options& options);

// The manifest, appended to `out`, and warnings (and, for JSON, notes), appended to `err`,
// for stdout and stderr; returns the exit code: 0, or 2 when the configuration cannot be
// expressed (e.g. no probe port).
int run_manifest_command(const DaemonConfig& config, const Options& options, std::string& out,
                         std::string& err);

// The text of `graced manifest --help`.
std::string manifest_usage();

}  // namespace graced::manifest
