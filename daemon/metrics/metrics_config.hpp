// [metrics]: the Prometheus endpoint on the HTTP listener.
#pragma once

#include <string>

#include "config/emitter.hpp"
#include "config/section.hpp"

namespace graced {

struct MetricsConfig {
  bool enabled = true;
  std::string path = "/metrics";
};

MetricsConfig parse_metrics_config(config::Section& root);
void emit_metrics_config(const MetricsConfig& c, config::Emitter::Table root);

}  // namespace graced
