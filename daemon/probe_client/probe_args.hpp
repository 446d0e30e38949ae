// The arguments of `graced probe`: one check of a gRPC or HTTP endpoint, run from a
// container's exec probe or a shell. No configuration file is read.
#pragma once

#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "config/duration.hpp"
#include "probes/common/address.hpp"
#include "probes/http/url.hpp"

namespace graced::probe_client {

// grpc_health_probe's exit codes, so scripts written for it keep working.
enum ExitCode : int {
  kServing = 0,  // SERVING, or an HTTP 2xx/3xx
  kBadArguments = 1,
  kConnectFailed = 2,  // no connection (refused, no such host, connect timeout)
  kRpcFailed = 3,      // connected, but no answer in time, or a gRPC error status
  kUnhealthy = 4,      // answered NOT_SERVING (or another status), or an HTTP 4xx/5xx
};

struct GrpcProbeArgs {
  std::string address;  // as given, for messages
  probes::HostPort target;
  std::string service;
  std::string authority;
  config::Duration connect_timeout{1000};
  config::Duration rpc_timeout{1000};
  std::vector<std::pair<std::string, std::string>> headers;
};

struct HttpProbeArgs {
  std::string url_text;
  probes::Url url;
  config::Duration timeout{1000};
};

struct HelpArgs {};

struct ArgsError {
  std::string message;
};

using ProbeArgs = std::variant<GrpcProbeArgs, HttpProbeArgs, HelpArgs, ArgsError>;

// `args` are the words after "probe": {"grpc", "127.0.0.1:8558", "--service", "x"}.
ProbeArgs parse_probe_args(const std::vector<std::string>& args);

}  // namespace graced::probe_client
