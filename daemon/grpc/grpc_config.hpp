// [grpc]: the gRPC health service (grpc.health.v1.Health) and its HTTP/2 listener.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "config/diagnostics.hpp"
#include "config/duration.hpp"
#include "config/emitter.hpp"
#include "config/section.hpp"

namespace graced {

struct GrpcConfig {
  // A listener of its own; "" serves gRPC only on the HTTP listener's port (h2c).
  std::string listen;
  // Application service name -> probe name ("readiness") or check name.
  std::vector<std::pair<std::string, std::string>> services;
  std::uint32_t max_concurrent_streams = 100;
  std::uint32_t max_connections = 128;
  config::Duration idle_timeout{60000};
  config::Origin services_origin;  // where `services` was written, for later checks
};

GrpcConfig parse_grpc_config(config::Section& root);
void emit_grpc_config(const GrpcConfig& c, config::Emitter::Table root);

// grpc.services values that name neither a probe nor one of `check_names` are errors;
// only known once the checks are parsed.
void validate_grpc_services(const GrpcConfig& c, const std::vector<std::string>& check_names,
                            config::Diagnostics& diags);

}  // namespace graced
