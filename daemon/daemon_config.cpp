#include "daemon_config.hpp"

#include <unistd.h>

#include <cstdlib>

#include "config/emitter.hpp"
#include "config/section.hpp"

namespace graced {
namespace {

// Settings of different sections that must agree with each other.
void check_cross_references(const DaemonConfig& c, config::Section& root) {
  auto& diags = root.diagnostics();
  for (const auto& name : c.startup.wait_for) {
    bool found = false;
    for (const auto& check : c.checks)
      if (check.name == name) found = true;
    if (!found) {
      diags.error(c.startup.wait_for_origin, "startup.wait_for",
                  "\"" + name + "\" is not the name of a check");
    }
  }
  if (c.shutdown.drain_until_idle && c.process.ports.empty()) {
    diags.error(c.shutdown.drain_until_idle_origin, "shutdown.drain_until_idle",
                "needs process.ports, the ports to watch for new connections");
  }
  const Budget b = shutdown_budget(c);
  if (b.left_to_stop.count() <= 0) {
    diags.error(c.shutdown.grace_period_origin, "shutdown.grace_period",
                config::format_duration(c.shutdown.grace_period) +
                    " leaves no time to stop the service after drain_delay (" +
                    config::format_duration(b.drain) + ") and the pre-stop hooks' timeouts (" +
                    config::format_duration(b.pre_stop_hooks) + ")");
  }
  std::vector<std::string> check_names;
  for (const auto& check : c.checks)
    check_names.push_back(check.name);
  validate_grpc_services(c.grpc, check_names, diags);
  if (c.metrics.enabled && !c.shutdown.prestop_path.empty() &&
      c.metrics.path == c.shutdown.prestop_path) {
    diags.error(c.shutdown.prestop_path_origin, "shutdown.prestop_path",
                "\"" + c.shutdown.prestop_path + "\" is also metrics.path");
  }
  if (!c.shutdown.prestop_path.empty() && c.http.listen.empty()) {
    diags.error(c.shutdown.prestop_path_origin, "shutdown.prestop_path",
                "needs the HTTP listener (http.listen is \"\")");
  }
}

}  // namespace

Budget shutdown_budget(const DaemonConfig& c) {
  Budget b;
  b.drain = c.shutdown.drain_delay;
  b.pre_stop_hooks = config::Duration{0};
  for (const auto& h : c.hooks)
    if (h.phase == HookPhase::pre_stop) b.pre_stop_hooks += h.timeout;
  b.left_to_stop = c.shutdown.grace_period - b.drain - b.pre_stop_hooks;
  const auto total_ms =
      c.shutdown.grace_period.count() + c.shutdown.post_stop_timeout.count() + 2000;
  b.termination_grace_period_seconds = static_cast<long>((total_ms + 999) / 1000);
  return b;
}

namespace {

// Everything after the file's text is parsed: overrides, every section, the settings that
// must agree across sections, the command.
void build_config(config::Document& doc, const ConfigRequest& request, LoadedConfig& out) {
  auto& diags = out.diagnostics;
  for (const auto& o : request.overrides)
    doc.set_override(o, diags);

  // The root table accepts exactly the top-level sections that features registered.
  config::Section root = doc.schema_root(diags);
  out.config.log = parse_log_config(root);
  out.config.process = parse_process_config(root);
  out.config.signals = parse_signals_config(root);
  out.config.http = parse_http_config(root);
  out.config.grpc = parse_grpc_config(root);
  out.config.metrics = parse_metrics_config(root);
  out.config.checks = probes::parse_checks_config(root);
  out.config.shutdown = parse_shutdown_config(root);
  out.config.startup = parse_startup_config(root);
  out.config.hooks = hooks::parse_hooks_config(root);
  root.check_unknown_keys();
  check_cross_references(out.config, root);

  if (!request.command.empty()) out.config.process.command = request.command;
  if (out.config.process.command.empty() && request.require_command) {
    diags.error(config::Origin{out.config.source, 0}, "process.command",
                "no command to run: set process.command or give one after --, e.g. "
                "graced -- myapp --port 8080");
  }
}

}  // namespace

LoadedConfig load_config(const ConfigRequest& request) {
  LoadedConfig out;
  config::Document doc;

  std::optional<std::string> path = request.path;
  if (!path) {
    if (const char* env = std::getenv("GRACED_CONFIG"); env && *env) {
      path = env;
    } else if (access(kDefaultConfigPath, F_OK) == 0) {
      path = kDefaultConfigPath;
    }
  }
  if (path && !doc.load_file(*path, out.diagnostics)) return out;
  if (path) out.config.source = *path;
  build_config(doc, request, out);
  return out;
}

LoadedConfig load_config_from_string(std::string_view text, const std::string& source,
                                     const ConfigRequest& request) {
  LoadedConfig out;
  config::Document doc;
  if (!doc.load_string(text, source, out.diagnostics)) return out;
  out.config.source = source;
  build_config(doc, request, out);
  return out;
}

std::string effective_config_toml(const DaemonConfig& c) {
  config::Emitter e;
  emit_log_config(c.log, e.root());
  emit_process_config(c.process, e.root());
  emit_signals_config(c.signals, e.root());
  emit_http_config(c.http, e.root());
  emit_grpc_config(c.grpc, e.root());
  emit_metrics_config(c.metrics, e.root());
  emit_shutdown_config(c.shutdown, e.root());
  emit_startup_config(c.startup, e.root());
  probes::emit_checks_config(c.checks, e.root());
  hooks::emit_hooks_config(c.hooks, e.root());
  return e.str();
}

}  // namespace graced
