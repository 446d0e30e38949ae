// All configured checks: builds each from its kind, registers it with Health, and starts
// and stops them.
#pragma once

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "health/health.hpp"
#include "probes/check_config.hpp"
#include "probes/engine/check_runner.hpp"

namespace graced::probes {

class CheckEngine {
 public:
  CheckEngine(uv_loop_t* loop, process::Spawner& spawner, health::Health& health,
              const std::vector<CheckConfig>& checks);
  ~CheckEngine();
  CheckEngine(const CheckEngine&) = delete;
  CheckEngine& operator=(const CheckEngine&) = delete;

  void start_all();
  // Starts only the named checks (startup.wait_for); the others start with start_all().
  void start(const std::vector<std::string>& names);
  void stop_all();

  const std::vector<std::unique_ptr<CheckRunner>>& runners() const { return runners_; }
  CheckRunner* find(std::string_view name) const;

 private:
  std::mt19937_64 rng_;
  std::vector<std::unique_ptr<CheckRunner>> runners_;
};

}  // namespace graced::probes
