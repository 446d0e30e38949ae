// `graced probe ...`: check one gRPC or HTTP endpoint once and exit with
// grpc_health_probe's exit codes. Small and quick to start: no configuration file, no
// logging setup, a short-lived loop of its own.
#pragma once

#include <string>
#include <vector>

namespace graced::probe_client {

// `args`: the words after "probe". Prints one line (stdout when healthy, stderr
// otherwise) and returns the exit code.
int run_probe_command(const std::vector<std::string>& args);

// The text of `graced probe --help`.
std::string probe_usage();

}  // namespace graced::probe_client
