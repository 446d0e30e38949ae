#include "probes/engine/schedule.hpp"

namespace graced::probes {

std::uint64_t next_delay_ms(config::Duration interval, config::Duration interval_when_failing,
                            config::Duration jitter, bool last_failed, std::mt19937_64& rng) {
  auto base = static_cast<std::uint64_t>((last_failed ? interval_when_failing : interval).count());
  auto spread = static_cast<std::uint64_t>(jitter.count() > 0 ? jitter.count() : 0);
  if (spread == 0) return base;
  std::uniform_int_distribution<std::uint64_t> dist(0, spread);
  return base + dist(rng);
}

}  // namespace graced::probes
