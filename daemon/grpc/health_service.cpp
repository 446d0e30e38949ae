#include "grpc/health_service.hpp"

#include <algorithm>
#include <map>

namespace graced::grpc {
namespace {
ServingStatus serving(bool passing) {
  return passing ? ServingStatus::serving : ServingStatus::not_serving;
}
}  // namespace

HealthService::HealthService(const health::Health& health,
                             std::vector<std::pair<std::string, std::string>> services)
    : health_(health), services_(std::move(services)) {}

std::optional<ServingStatus> HealthService::target_status(std::string_view target) const {
  if (target.empty()) return serving(health_.passing(health::Probe::readiness));
  if (auto probe = health::parse_probe(target)) return serving(health_.passing(*probe));
  if (const auto* check = health_.find_check(target)) {
    return serving(check->status == health::CheckStatus::passing);
  }
  return std::nullopt;
}

std::optional<ServingStatus> HealthService::status_of(std::string_view service) const {
  // Probe names first: they are graced's own vocabulary. Then the configured mapping, which
  // is explicit, and last the checks.
  if (service.empty() || health::parse_probe(service)) return target_status(service);
  for (const auto& [name, target] : services_) {
    if (name == service) return target_status(target);
  }
  return target_status(service);
}

std::vector<std::pair<std::string, ServingStatus>> HealthService::list() const {
  std::map<std::string, ServingStatus> all;
  auto add = [&](const std::string& name) {
    if (auto s = status_of(name)) all.emplace(name, *s);
  };
  add("");
  for (auto p : {health::Probe::startup, health::Probe::liveness, health::Probe::readiness}) {
    add(std::string(health::probe_name(p)));
  }
  for (const auto& [name, target] : services_)
    add(name);
  for (const auto& c : health_.checks())
    add(c.name);
  return {all.begin(), all.end()};
}

}  // namespace graced::grpc
