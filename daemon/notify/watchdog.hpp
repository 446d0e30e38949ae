// The sd_notify watchdog: the service promises a WATCHDOG=1 at least every `timeout`;
// while it is late, liveness fails. A late ping that arrives after all makes liveness pass
// again (the kubelet's own failure threshold decides whether to restart), while
// WATCHDOG=trigger is the service asking to be restarted and stays failed.
#pragma once

#include "config/duration.hpp"
#include "health/health.hpp"
#include "loop/handle.hpp"

namespace graced::notify {

class Watchdog {
 public:
  // A zero timeout disables the timer; WATCHDOG=trigger still fails liveness.
  Watchdog(uv_loop_t* loop, health::Health& health, config::Duration timeout);
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  bool enabled() const { return timeout_.count() > 0; }
  config::Duration timeout() const { return timeout_; }

  // The child was started: the first ping is due within `timeout` from now.
  void start();
  void ping();
  void trigger();
  // The child is gone: nothing is due any more.
  void stop();

 private:
  void arm();
  void expired();

  health::Health& health_;
  config::Duration timeout_;
  loop::Timer timer_;
  bool late_ = false;
  bool triggered_ = false;
};

}  // namespace graced::notify
