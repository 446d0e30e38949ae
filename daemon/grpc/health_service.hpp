// Which health a gRPC service name stands for, answered from Health's cached state:
// ""                               readiness, the overall health of the pod
// "readiness" "liveness" "startup" that probe
// a configured service name        what grpc.services maps it to (a probe or a check)
// a check's name                   that check: SERVING when it is passing
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "grpc/health_codec.hpp"
#include "health/health.hpp"

namespace graced::grpc {

class HealthService {
 public:
  // `services`: grpc.services, application service name -> probe or check name.
  HealthService(const health::Health& health,
                std::vector<std::pair<std::string, std::string>> services);

  // SERVING or NOT_SERVING; nullopt for a name that stands for nothing.
  std::optional<ServingStatus> status_of(std::string_view service) const;
  // Every name status_of() answers, sorted, with its status (the List method).
  std::vector<std::pair<std::string, ServingStatus>> list() const;

 private:
  std::optional<ServingStatus> target_status(std::string_view target) const;

  const health::Health& health_;
  std::vector<std::pair<std::string, std::string>> services_;
};

}  // namespace graced::grpc
