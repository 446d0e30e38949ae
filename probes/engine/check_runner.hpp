// Runs one configured check on its own timer: at most one attempt in flight, cancelled
// at its timeout, results passed through the thresholds into Health.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <random>

#include "health/health.hpp"
#include "loop/handle.hpp"
#include "probes/check.hpp"
#include "probes/check_config.hpp"
#include "probes/engine/hysteresis.hpp"

namespace graced::probes {

// Counters the metrics endpoint reads.
struct CheckCounters {
  std::uint64_t successes = 0;
  std::uint64_t failures = 0;
  std::uint64_t timeouts = 0;
  std::uint64_t transitions = 0;
};

class CheckRunner {
 public:
  // Told after every attempt (duration in seconds), e.g. for histograms.
  using AttemptObserver = std::function<void(const CheckConfig&, const CheckResult&, double)>;

  CheckRunner(uv_loop_t* loop, const CheckConfig& config, std::unique_ptr<Check> check,
              health::Health& health, std::size_t health_index, std::mt19937_64& rng);
  ~CheckRunner();
  CheckRunner(const CheckRunner&) = delete;
  CheckRunner& operator=(const CheckRunner&) = delete;

  void start();
  void stop();
  bool running() const { return running_; }
  bool in_flight() const { return in_flight_; }
  const CheckConfig& config() const { return config_; }
  const CheckCounters& counters() const { return counters_; }
  void set_observer(AttemptObserver observer) { observer_ = std::move(observer); }

 private:
  void attempt();
  void finish(CheckResult result, bool timed_out);
  // Starts the timer for the attempt due at due_ms_.
  void schedule_due();

  uv_loop_t* loop_;
  const CheckConfig& config_;
  std::unique_ptr<Check> check_;
  health::Health& health_;
  std::size_t index_;
  std::mt19937_64& rng_;
  Hysteresis hysteresis_;
  loop::Timer next_;
  loop::Timer deadline_;
  bool running_ = false;
  bool in_flight_ = false;
  std::uint64_t attempt_id_ = 0;
  std::uint64_t started_ns_ = 0;
  std::uint64_t due_ms_ = 0;  // loop time (uv_now) the next or current attempt is due
  CheckCounters counters_;
  AttemptObserver observer_;
};

}  // namespace graced::probes
