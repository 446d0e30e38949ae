// graced: the entrypoint of a container. See README.md.
#include <string>
#include <vector>

#include "cli/console.hpp"
#include "cli/invocation.hpp"
#include "daemon.hpp"
#include "daemon_config.hpp"
#include "log/log.hpp"
#include "manifest/manifest.hpp"
#include "probe_client/probe_command.hpp"
#include "process/signal_state.hpp"
#include "supervisor/signal_source.hpp"
#include "version.hpp"

namespace {

constexpr int kUsageError = 2;

int print_diagnostics(const graced::config::Diagnostics& diags) {
  for (const auto& d : diags.all())
    graced::cli::print_err("graced: " + d.str() + "\n");
  return diags.has_errors() ? kUsageError : 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Before anything else: the signal state graced inherited is what every child gets.
  const auto inherited = graced::process::InheritedSignals::capture();

  std::vector<std::string> args(argv + 1, argv + argc);
  auto parsed = graced::cli::parse_invocation(args);
  if (auto* err = std::get_if<graced::cli::UsageError>(&parsed)) {
    graced::cli::print_err("graced: " + err->message + "\nRun 'graced --help' for usage.\n");
    return kUsageError;
  }
  const auto& inv = std::get<graced::cli::Invocation>(parsed);

  switch (inv.verb) {
    case graced::cli::Verb::help:
      graced::cli::print_out(graced::cli::usage(inv.help_topic));
      return 0;
    case graced::cli::Verb::version:
      graced::cli::print_out(std::string("graced ") + graced::kVersion + "\n");
      return 0;
    case graced::cli::Verb::check_config: {
      auto loaded = graced::load_config({inv.config_path, inv.overrides, inv.command, false});
      int rc = print_diagnostics(loaded.diagnostics);
      if (rc != 0) return rc;
      const auto budget = graced::shutdown_budget(loaded.config);
      graced::cli::print_out(
          "# effective configuration (from " + loaded.config.source + ")\n" +
          "# Kubernetes: set terminationGracePeriodSeconds >= " +
          std::to_string(budget.termination_grace_period_seconds) +
          " (grace_period + post_stop_timeout + 2s; a preStop hook's own time counts "
          "against it too)\n" +
          graced::effective_config_toml(loaded.config));
      return 0;
    }
    case graced::cli::Verb::probe:
      return graced::probe_client::run_probe_command(inv.probe_args);
    case graced::cli::Verb::manifest: {
      auto loaded = graced::load_config({inv.config_path, inv.overrides, inv.command, false});
      int rc = print_diagnostics(loaded.diagnostics);
      if (rc != 0) return rc;
      std::string out, err;
      rc = graced::manifest::run_manifest_command(loaded.config, inv.manifest, out, err);
      graced::cli::print_err(err);
      graced::cli::print_out(out);
      return rc;
    }
    case graced::cli::Verb::run:
      break;
  }

  graced::supervisor::SignalSource::block_all();
  auto loaded = graced::load_config({inv.config_path, inv.overrides, inv.command, true});
  if (print_diagnostics(loaded.diagnostics) != 0) return kUsageError;
  graced::log::configure(loaded.config.log.format, loaded.config.log.level);
  graced::log::info("configuration loaded",
                    {{"source", loaded.config.source},
                     {"version", graced::kVersion},
                     {"termination_grace_period_seconds",
                      graced::shutdown_budget(loaded.config).termination_grace_period_seconds}});
  return graced::run_daemon(loaded.config, inherited);
}
