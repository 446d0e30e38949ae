// ${VAR} and ${VAR:-default} expansion of configuration strings; "$$" is a literal "$".
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace graced::config {

struct ExpandError {
  std::string message;  // e.g. "environment variable DB_PASSWORD is not set"
};

using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// Looks variables up in the process environment.
EnvLookup process_environment();

std::variant<std::string, ExpandError> expand_env(std::string_view text, const EnvLookup& lookup);

}  // namespace graced::config
