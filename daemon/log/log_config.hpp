// [log]: how graced's own lifecycle log is written.
#pragma once

#include "config/emitter.hpp"
#include "config/section.hpp"
#include "log/log.hpp"

namespace graced {

struct LogConfig {
  log::Format format = log::Format::text;
  log::Level level = log::Level::info;
};

LogConfig parse_log_config(config::Section& root);
void emit_log_config(const LogConfig& c, config::Emitter::Table root);

}  // namespace graced
