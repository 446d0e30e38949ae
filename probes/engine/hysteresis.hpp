// Thresholds like Kubernetes probes: a check is unknown until decided; it becomes passing
// after success_threshold consecutive successes and failing after failure_threshold
// consecutive failures; otherwise it keeps its status. Starting from unknown, the same
// counts apply in both directions, so a liveness check (where unknown counts as passing)
// never fails before failure_threshold failures, and a readiness check (where unknown
// counts as failing) is never up before success_threshold successes.
#pragma once

#include <cstdint>

#include "health/probe.hpp"

namespace graced::probes {

class Hysteresis {
 public:
  Hysteresis(std::uint32_t success_threshold, std::uint32_t failure_threshold)
      : success_threshold_(success_threshold), failure_threshold_(failure_threshold) {}

  // Records one attempt's result; returns the status after it.
  health::CheckStatus record(bool ok);

  health::CheckStatus status() const { return status_; }
  std::uint32_t consecutive_successes() const { return successes_; }
  std::uint32_t consecutive_failures() const { return failures_; }

 private:
  std::uint32_t success_threshold_;
  std::uint32_t failure_threshold_;
  std::uint32_t successes_ = 0;
  std::uint32_t failures_ = 0;
  health::CheckStatus status_ = health::CheckStatus::unknown;
};

}  // namespace graced::probes
