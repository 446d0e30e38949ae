// The table of every configuration key graced accepts, with its type, default and
// meaning. Parsers read keys through it (an unlisted key is an error), and the docs are
// checked against it, so code and documentation cannot drift.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace graced::config {

struct KeySpec {
  std::string_view name;
  std::string_view type;  // "string", "duration", "bool", "integer", "signal", "array", "table"
  // As written in TOML; "" for a key that must be given, "unset" for an optional key with
  // no default.
  std::string_view default_value;
  std::string_view meaning;
};

struct SectionSpec {
  std::string_view name;   // "process", "shutdown", "checks", "checks.redis"
  std::string_view title;  // one line for the docs
  std::vector<KeySpec> keys;

  const KeySpec* find(std::string_view key) const;
};

// Every section registers itself once; the docs test walks them all.
class Schema {
 public:
  static Schema& instance();
  const SectionSpec& add(SectionSpec spec);
  const SectionSpec* find(std::string_view name) const;
  std::vector<const SectionSpec*> sections() const;

 private:
  std::vector<std::unique_ptr<SectionSpec>> sections_;
};

// Registers a section at static-initialisation time: `const SectionSpec& kX =
// register_section({...});`
const SectionSpec& register_section(SectionSpec spec);

}  // namespace graced::config
