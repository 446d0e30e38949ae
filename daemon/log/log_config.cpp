#include "log/log_config.hpp"

namespace graced {
namespace {

const config::SectionSpec& log_spec() {
  static const auto& spec = config::register_section({
      "log",
      "graced's own log on stderr.",
      {
          {"format", "string", "\"text\"",
           "\"text\" (one line per event) or \"json\" (one JSON object per line with ts, level, "
           "msg and the event's fields)."},
          {"level", "string", "\"info\"", "\"debug\", \"info\", \"warn\", \"error\" or \"off\"."},
      },
  });
  return spec;
}
[[maybe_unused]] const bool kRegistered = (log_spec(), true);

const char* level_name(log::Level l) {
  switch (l) {
    case log::Level::debug:
      return "debug";
    case log::Level::info:
      return "info";
    case log::Level::warn:
      return "warn";
    case log::Level::error:
      return "error";
    case log::Level::off:
      return "off";
  }
  return "info";
}

}  // namespace

LogConfig parse_log_config(config::Section& root) {
  LogConfig c;
  config::Section s = root.table("log", log_spec());
  if (auto v = s.string("format")) {
    if (auto f = log::parse_format(*v)) {
      c.format = *f;
    } else {
      s.error("format", "\"" + *v + "\" is not a log format (use \"text\" or \"json\")");
    }
  }
  if (auto v = s.string("level")) {
    if (auto l = log::parse_level(*v)) {
      c.level = *l;
    } else {
      s.error("level", "\"" + *v + "\" is not a log level (use debug, info, warn, error, off)");
    }
  }
  s.check_unknown_keys();
  return c;
}

void emit_log_config(const LogConfig& c, config::Emitter::Table root) {
  auto t = root.sub("log");
  t.set("format", c.format == log::Format::json ? "json" : "text");
  t.set("level", level_name(c.level));
}

}  // namespace graced
