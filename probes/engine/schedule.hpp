// When the next attempt of a check runs.
#pragma once

#include <cstdint>
#include <random>

#include "config/duration.hpp"

namespace graced::probes {

// The time from one attempt's due time to the next one's: the interval
// (interval_when_failing after a failed attempt) plus a uniformly random jitter in
// [0, jitter], so replicas drift apart instead of hitting a dependency in lock-step.
std::uint64_t next_delay_ms(config::Duration interval, config::Duration interval_when_failing,
                            config::Duration jitter, bool last_failed, std::mt19937_64& rng);

}  // namespace graced::probes
