// [process] and [signals]: what graced runs and how signals reach it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "config/duration.hpp"
#include "config/emitter.hpp"
#include "config/section.hpp"

namespace graced {

struct ProcessConfig {
  std::vector<std::string> command;
  std::string workdir;                                   // empty: graced's own working directory
  std::vector<std::pair<std::string, std::string>> env;  // added to graced's environment
  std::string user;                                      // name or numeric id; empty: unchanged
  std::string group;          // name or numeric id; empty: the user's primary group
  bool signal_group = false;  // forward signals to the child's whole process group
  int pdeathsig = 0;          // 0: off
  std::map<int, int> exit_code_map;
  config::Duration orphan_grace{2000};
  bool notify = false;               // sd_notify socket for the child
  config::Duration watchdog{0};      // 0: no watchdog
  std::vector<std::uint16_t> ports;  // the service's own ports (adaptive drain)
};

struct SignalsConfig {
  std::map<int, int> rewrite;  // received signal -> signal forwarded
};

ProcessConfig parse_process_config(config::Section& root);
SignalsConfig parse_signals_config(config::Section& root);
void emit_process_config(const ProcessConfig& c, config::Emitter::Table root);
void emit_signals_config(const SignalsConfig& c, config::Emitter::Table root);

}  // namespace graced
