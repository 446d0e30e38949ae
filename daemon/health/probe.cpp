#include "health/probe.hpp"

namespace graced::health {

std::string_view probe_name(Probe p) {
  switch (p) {
    case Probe::startup:
      return "startup";
    case Probe::liveness:
      return "liveness";
    case Probe::readiness:
      return "readiness";
  }
  return "readiness";
}

std::optional<Probe> parse_probe(std::string_view name) {
  if (name == "startup") return Probe::startup;
  if (name == "liveness") return Probe::liveness;
  if (name == "readiness") return Probe::readiness;
  return std::nullopt;
}

std::string_view probe_path_word(Probe p) {
  switch (p) {
    case Probe::startup:
      return "startupz";
    case Probe::liveness:
      return "livez";
    case Probe::readiness:
      return "readyz";
  }
  return "readyz";
}

std::string_view status_name(CheckStatus s) {
  switch (s) {
    case CheckStatus::unknown:
      return "unknown";
    case CheckStatus::passing:
      return "pass";
    case CheckStatus::failing:
      return "fail";
  }
  return "unknown";
}

}  // namespace graced::health
