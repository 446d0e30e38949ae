// [http]: the listener probes, metrics and the pre-stop endpoint are served on.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "config/duration.hpp"
#include "config/emitter.hpp"
#include "config/section.hpp"
#include "endpoints/health_endpoint.hpp"
#include "health/probe.hpp"

namespace graced {

struct HttpConfig {
  std::string listen = "0.0.0.0:8558";  // "" disables the listener
  std::vector<std::pair<health::Probe, std::string>> aliases;
  endpoints::ShowDetails show_details = endpoints::ShowDetails::loopback;
  std::uint32_t max_connections = 1024;
  config::Duration header_timeout{10000};
  config::Duration idle_timeout{60000};
};

HttpConfig parse_http_config(config::Section& root);
void emit_http_config(const HttpConfig& c, config::Emitter::Table root);

}  // namespace graced
