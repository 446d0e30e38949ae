// Structured logging for lifecycle events: one line per event on stderr, as text or JSON.
// Only log.cpp includes spdlog; everything else sees this small interface.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace graced::log {

enum class Level { debug, info, warn, error, off };
enum class Format { text, json };

// One key/value pair attached to an event. Numbers and booleans stay unquoted in JSON.
struct Field {
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(v) {}
  Field(std::string_view k, bool v) : key(k), value(v ? "true" : "false"), raw(true) {}
  Field(std::string_view k, int v) : key(k), value(std::to_string(v)), raw(true) {}
  Field(std::string_view k, long v) : key(k), value(std::to_string(v)), raw(true) {}
  Field(std::string_view k, long long v) : key(k), value(std::to_string(v)), raw(true) {}
  Field(std::string_view k, unsigned v) : key(k), value(std::to_string(v)), raw(true) {}
  Field(std::string_view k, unsigned long v) : key(k), value(std::to_string(v)), raw(true) {}
  Field(std::string_view k, unsigned long long v) : key(k), value(std::to_string(v)), raw(true) {}
  Field(std::string_view k, double v);

  std::string_view key;
  std::string value;
  bool raw = false;  // emitted without quotes in JSON
};

using Fields = std::initializer_list<Field>;

void configure(Format format, Level level);
std::optional<Level> parse_level(std::string_view name);
std::optional<Format> parse_format(std::string_view name);
bool enabled(Level level);

void write(Level level, std::string_view msg, Fields fields = {});
inline void debug(std::string_view msg, Fields fields = {}) {
  write(Level::debug, msg, fields);
}
inline void info(std::string_view msg, Fields fields = {}) {
  write(Level::info, msg, fields);
}
inline void warn(std::string_view msg, Fields fields = {}) {
  write(Level::warn, msg, fields);
}
inline void error(std::string_view msg, Fields fields = {}) {
  write(Level::error, msg, fields);
}

// Formats one event's payload (without timestamp and level); exposed for tests.
std::string format_text(std::string_view msg, Fields fields);
std::string format_json(std::string_view msg, Fields fields);
std::string json_escape(std::string_view s);

}  // namespace graced::log
