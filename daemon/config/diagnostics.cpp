#include "config/diagnostics.hpp"

#include <algorithm>

namespace graced::config {

std::string Origin::str() const {
  if (line == 0) return source;
  return source + ":" + std::to_string(line);
}

std::string Diagnostic::str() const {
  std::string out = origin.str();
  if (!out.empty()) out += ": ";
  if (severity == Severity::warning) out += "warning: ";
  if (!key.empty()) out += key + ": ";
  out += message;
  return out;
}

void Diagnostics::error(Origin origin, std::string key, std::string message) {
  items_.push_back(
      {Diagnostic::Severity::error, std::move(origin), std::move(key), std::move(message)});
}

void Diagnostics::warning(Origin origin, std::string key, std::string message) {
  items_.push_back(
      {Diagnostic::Severity::warning, std::move(origin), std::move(key), std::move(message)});
}

bool Diagnostics::has_errors() const {
  return std::any_of(items_.begin(), items_.end(),
                     [](const Diagnostic& d) { return d.severity == Diagnostic::Severity::error; });
}

std::vector<Diagnostic> Diagnostics::errors() const {
  std::vector<Diagnostic> out;
  for (const auto& d : items_)
    if (d.severity == Diagnostic::Severity::error) out.push_back(d);
  return out;
}

std::vector<Diagnostic> Diagnostics::warnings() const {
  std::vector<Diagnostic> out;
  for (const auto& d : items_)
    if (d.severity == Diagnostic::Severity::warning) out.push_back(d);
  return out;
}

}  // namespace graced::config
