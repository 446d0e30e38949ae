// [[checks]]: the keys every check has, whatever its kind. The kind's own keys are parsed
// by the kind (CheckKind::parse), next to its implementation.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/duration.hpp"
#include "config/emitter.hpp"
#include "config/section.hpp"
#include "health/probe.hpp"
#include "probes/check.hpp"

namespace graced::probes {

struct CheckConfig {
  std::string name;
  std::string type;
  health::ProbeSet probes{health::Probe::readiness};
  config::Duration interval{10000};
  config::Duration timeout{1000};
  config::Duration initial_delay{0};
  config::Duration interval_when_failing{10000};
  config::Duration jitter{1000};
  std::uint32_t failure_threshold = 3;
  std::uint32_t success_threshold = 1;
  const CheckKind* kind = nullptr;
  std::shared_ptr<const CheckSettings> settings;
};

std::vector<CheckConfig> parse_checks_config(config::Section& root);
void emit_checks_config(const std::vector<CheckConfig>& checks, config::Emitter::Table root);

}  // namespace graced::probes
