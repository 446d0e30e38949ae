// The whole configuration graced runs with, and where it comes from: --config, else
// $GRACED_CONFIG, else /etc/graced/graced.toml if it exists, else built-in defaults;
// command-line overrides on top. Each section is parsed by the code of the feature it
// configures; this file only puts them together.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostics.hpp"
#include "endpoints/http_config.hpp"
#include "grpc/grpc_config.hpp"
#include "hooks/hook_config.hpp"
#include "lifecycle/lifecycle_config.hpp"
#include "log/log_config.hpp"
#include "metrics/metrics_config.hpp"
#include "probes/check_config.hpp"
#include "supervisor/process_config.hpp"

namespace graced {

struct DaemonConfig {
  std::string source = "defaults";  // the file it came from
  ProcessConfig process;
  SignalsConfig signals;
  LogConfig log;
  HttpConfig http;
  GrpcConfig grpc;
  MetricsConfig metrics;
  ShutdownConfig shutdown;
  StartupConfig startup;
  std::vector<probes::CheckConfig> checks;
  std::vector<hooks::HookConfig> hooks;
};

// The shutdown budget: what the sequence needs and the terminationGracePeriodSeconds
// Kubernetes must allow for it.
struct Budget {
  config::Duration drain;                     // drain_delay
  config::Duration pre_stop_hooks;            // sum of pre-stop hook timeouts
  config::Duration left_to_stop;              // grace_period - drain - hooks (may be negative)
  long termination_grace_period_seconds = 0;  // >= grace_period + post_stop_timeout + 2s
};
Budget shutdown_budget(const DaemonConfig& config);

struct ConfigRequest {
  std::optional<std::string> path;     // --config
  std::vector<std::string> overrides;  // --set
  std::vector<std::string> command;    // after --
  bool require_command = true;
};

struct LoadedConfig {
  DaemonConfig config;
  config::Diagnostics diagnostics;
};

// Never throws: every problem is a diagnostic.
LoadedConfig load_config(const ConfigRequest& request);
// The same with the file's text given rather than read (request.path is not used);
// `source` is the name messages give it. The fuzz target uses it.
LoadedConfig load_config_from_string(std::string_view text, const std::string& source,
                                     const ConfigRequest& request);

// The effective configuration as TOML, secrets redacted.
std::string effective_config_toml(const DaemonConfig& config);

inline constexpr const char* kDefaultConfigPath = "/etc/graced/graced.toml";

}  // namespace graced
