#include "process/environment.hpp"

#include <string_view>

extern char** environ;

namespace graced::process {

std::vector<std::string> environment_with(
    const std::vector<std::pair<std::string, std::string>>& overrides) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    const std::string_view entry(*e);
    const std::string_view key = entry.substr(0, entry.find('='));
    bool overridden = false;
    for (const auto& [k, v] : overrides)
      if (k == key) overridden = true;
    if (!overridden) env.emplace_back(entry);
  }
  for (const auto& [k, v] : overrides)
    env.push_back(k + "=" + v);
  return env;
}

}  // namespace graced::process
