#include "log/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <memory>

namespace graced::log {
namespace {

struct State {
  std::shared_ptr<spdlog::logger> logger;
  Format format = Format::text;
  Level level = Level::info;
};

void apply(State& s);

State& state() {
  static State s = [] {
    State st;
    // Unsynchronised sink: graced logs from its one event-loop thread only.
    st.logger = std::make_shared<spdlog::logger>("graced",
                                                 std::make_shared<spdlog::sinks::stderr_sink_st>());
    apply(st);
    return st;
  }();
  return s;
}

spdlog::level::level_enum to_spdlog(Level level) {
  switch (level) {
    case Level::debug:
      return spdlog::level::debug;
    case Level::info:
      return spdlog::level::info;
    case Level::warn:
      return spdlog::level::warn;
    case Level::error:
      return spdlog::level::err;
    case Level::off:
      return spdlog::level::off;
  }
  return spdlog::level::info;
}

bool needs_quotes(std::string_view v) {
  if (v.empty()) return true;
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20)
      return true;
  }
  return false;
}

}  // namespace

// JSON has no inf or nan: those stay strings.
Field::Field(std::string_view k, double v)
    : key(k), value(fmt::format("{:.6g}", v)), raw(std::isfinite(v)) {}

std::string json_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(static_cast<unsigned char>(c)));
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string format_text(std::string_view msg, Fields fields) {
  // One event, one line: a newline in the message must not start a line of its own.
  std::string out;
  for (char c : msg) {
    if (static_cast<unsigned char>(c) < 0x20) {
      out += json_escape(std::string_view(&c, 1));
    } else {
      out += c;
    }
  }
  for (const auto& f : fields) {
    out += ' ';
    out += f.key;
    out += '=';
    if (!f.raw && needs_quotes(f.value)) {
      out += '"';
      out += json_escape(f.value);
      out += '"';
    } else {
      out += f.value;
    }
  }
  return out;
}

std::string format_json(std::string_view msg, Fields fields) {
  std::string out = "\"msg\":\"" + json_escape(msg) + "\"";
  for (const auto& f : fields) {
    out += ",\"";
    out += json_escape(f.key);
    out += "\":";
    if (f.raw) {
      out += f.value;
    } else {
      out += '"';
      out += json_escape(f.value);
      out += '"';
    }
  }
  return out;
}

namespace {
void apply(State& s) {
  s.logger->set_level(to_spdlog(s.level));
  s.logger->flush_on(spdlog::level::trace);  // one line per event, visible at once
  if (s.format == Format::json) {
    s.logger->set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%v})",
                          spdlog::pattern_time_type::utc);
  } else {
    s.logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ graced %l: %v", spdlog::pattern_time_type::utc);
  }
}
}  // namespace

void configure(Format format, Level level) {
  auto& s = state();
  s.format = format;
  s.level = level;
  apply(s);
}

std::optional<Level> parse_level(std::string_view text) {
  // Case-insensitive: LOG_LEVEL=INFO is a common way to fill "${LOG_LEVEL}".
  std::string name(text);
  for (auto& c : name)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (name == "debug" || name == "trace") return Level::debug;
  if (name == "info") return Level::info;
  if (name == "warn" || name == "warning") return Level::warn;
  if (name == "error") return Level::error;
  if (name == "off") return Level::off;
  return std::nullopt;
}

std::optional<Format> parse_format(std::string_view text) {
  std::string name(text);
  for (auto& c : name)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (name == "text") return Format::text;
  if (name == "json") return Format::json;
  return std::nullopt;
}

bool enabled(Level level) {
  return level != Level::off && level >= state().level;
}

void write(Level level, std::string_view msg, Fields fields) {
  auto& s = state();
  if (!enabled(level)) return;
  std::string line = s.format == Format::json ? format_json(msg, fields) : format_text(msg, fields);
  s.logger->log(to_spdlog(level), "{}", line);
}

}  // namespace graced::log
