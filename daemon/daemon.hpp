// Wires the parts together on one libuv loop and runs until the service is gone.
#pragma once

#include "daemon_config.hpp"
#include "process/signal_state.hpp"

namespace graced {

// Runs the supervisor; returns the exit code graced exits with.
int run_daemon(const DaemonConfig& config, const process::InheritedSignals& inherited);

}  // namespace graced
