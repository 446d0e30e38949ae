#include "probe_client/probe_command.hpp"

#include <csignal>

#include "cli/console.hpp"

#include "probe_client/grpc_probe.hpp"
#include "probe_client/http_probe.hpp"
#include "probe_client/probe_args.hpp"

namespace graced::probe_client {

int run_probe_command(const std::vector<std::string>& args) {
  auto parsed = parse_probe_args(args);
  if (std::holds_alternative<HelpArgs>(parsed)) {
    cli::print_out(probe_usage());
    return 0;
  }
  if (auto* err = std::get_if<ArgsError>(&parsed)) {
    cli::print_err("graced probe: " + err->message + "\nRun 'graced probe --help' for usage.\n");
    return kBadArguments;
  }
  // A server that hangs up while the request is written must not kill the probe.
  std::signal(SIGPIPE, SIG_IGN);
  ProbeOutcome outcome = std::holds_alternative<GrpcProbeArgs>(parsed)
                             ? run_grpc_probe(std::get<GrpcProbeArgs>(parsed))
                             : run_http_probe(std::get<HttpProbeArgs>(parsed));
  (outcome.exit_code == kServing ? cli::print_out : cli::print_err)(outcome.line + "\n");
  return outcome.exit_code;
}

}  // namespace graced::probe_client
