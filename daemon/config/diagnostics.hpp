// Configuration errors and warnings, collected (not thrown) so one run reports them all.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace graced::config {

// Where a value came from: a file and line, or a command-line flag (line 0).
struct Origin {
  std::string source;  // "graced.toml", "--set", "defaults"
  std::uint32_t line = 0;

  // "graced.toml:12" or "--set"
  std::string str() const;
};

struct Diagnostic {
  enum class Severity { error, warning };
  Severity severity = Severity::error;
  Origin origin;
  std::string key;  // dotted path: "shutdown.drain_delay", "checks[2].timeout"
  std::string message;

  // graced.toml:12: shutdown.drain_delay: "5 sec" is not a duration (use e.g. "5s")
  std::string str() const;
};

class Diagnostics {
 public:
  void error(Origin origin, std::string key, std::string message);
  void warning(Origin origin, std::string key, std::string message);

  bool has_errors() const;
  const std::vector<Diagnostic>& all() const { return items_; }
  std::vector<Diagnostic> errors() const;
  std::vector<Diagnostic> warnings() const;

 private:
  std::vector<Diagnostic> items_;
};

}  // namespace graced::config
