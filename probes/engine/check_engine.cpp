#include "probes/engine/check_engine.hpp"

#include <unistd.h>

namespace graced::probes {

CheckEngine::CheckEngine(uv_loop_t* loop, process::Spawner& spawner, health::Health& health,
                         const std::vector<CheckConfig>& checks)
    // Seeded per process so that replicas started together still spread their attempts.
    : rng_(uv_hrtime() ^ (static_cast<std::uint64_t>(getpid()) << 32)) {
  for (const auto& c : checks) {
    health::CheckState state;
    state.name = c.name;
    state.type = c.type;
    state.probes = c.probes;
    state.since = std::chrono::system_clock::now();
    std::size_t index = health.add_check(std::move(state));
    CheckContext ctx{loop, &spawner, c.name, c.timeout};
    runners_.push_back(std::make_unique<CheckRunner>(loop, c, c.kind->create(c.settings, ctx),
                                                     health, index, rng_));
  }
}

CheckEngine::~CheckEngine() {
  stop_all();
}

void CheckEngine::start_all() {
  for (auto& r : runners_)
    r->start();
}

void CheckEngine::start(const std::vector<std::string>& names) {
  for (const auto& n : names)
    if (auto* r = find(n)) r->start();
}

void CheckEngine::stop_all() {
  for (auto& r : runners_)
    r->stop();
}

CheckRunner* CheckEngine::find(std::string_view name) const {
  for (const auto& r : runners_)
    if (r->config().name == name) return r.get();
  return nullptr;
}

}  // namespace graced::probes
