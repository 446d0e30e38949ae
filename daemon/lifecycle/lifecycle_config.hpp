// [shutdown] and [startup]: the zero-downtime stop and the ordered start.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/diagnostics.hpp"
#include "config/duration.hpp"
#include "config/emitter.hpp"
#include "config/section.hpp"

namespace graced {

enum class OnRepeat { expedite, ignore, kill };

struct ShutdownConfig {
  std::vector<int> signals;  // triggers; default SIGTERM, SIGINT
  config::Duration drain_delay{5000};
  int stop_signal = 15;  // SIGTERM
  config::Duration grace_period{25000};
  int kill_signal = 9;  // SIGKILL
  config::Duration post_stop_timeout{2000};
  bool post_stop_outside_budget = false;
  bool exit_zero_on_stop_signal = false;
  OnRepeat on_repeat = OnRepeat::expedite;
  std::string prestop_path;                // "" = off
  std::vector<std::string> prestop_allow;  // CIDRs
  bool drain_until_idle = false;
  config::Duration min_drain_delay{1000};
  config::Duration quiet_period{1000};
  // Where the keys that other sections' settings must agree with were written (or the
  // [shutdown] table, when they were left out), for errors found across sections.
  config::Origin grace_period_origin;
  config::Origin drain_until_idle_origin;
  config::Origin prestop_path_origin;
};

struct StartupConfig {
  std::vector<std::string> wait_for;  // check names
  config::Duration wait_timeout{60000};
  config::Origin wait_for_origin;  // see ShutdownConfig's origins
};

ShutdownConfig parse_shutdown_config(config::Section& root);
StartupConfig parse_startup_config(config::Section& root);
void emit_shutdown_config(const ShutdownConfig& c, config::Emitter::Table root);
void emit_startup_config(const StartupConfig& c, config::Emitter::Table root);

const char* on_repeat_name(OnRepeat r);

}  // namespace graced
