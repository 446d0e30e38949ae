#include "notify/watchdog.hpp"

#include "log/log.hpp"

namespace graced::notify {

Watchdog::Watchdog(uv_loop_t* loop, health::Health& health, config::Duration timeout)
    : health_(health), timeout_(timeout), timer_(loop) {}

void Watchdog::start() {
  if (!enabled() || triggered_) return;
  late_ = false;
  health_.set_watchdog(true, true, "");
  arm();
}

void Watchdog::ping() {
  if (!enabled() || triggered_) return;
  if (late_) {
    late_ = false;
    log::info("watchdog ping resumed", {});
    health_.set_watchdog(true, true, "");
  }
  arm();
}

void Watchdog::trigger() {
  if (triggered_) return;
  triggered_ = true;
  timer_.stop();
  log::warn("service sent WATCHDOG=trigger: liveness fails", {});
  health_.set_watchdog(true, false, "service sent WATCHDOG=trigger");
}

void Watchdog::stop() {
  timer_.stop();
}

void Watchdog::arm() {
  timer_.start(static_cast<std::uint64_t>(timeout_.count()), [this] { expired(); });
}

void Watchdog::expired() {
  late_ = true;
  const std::string message = "no WATCHDOG=1 for " + config::format_duration(timeout_);
  log::warn("watchdog expired: liveness fails", {{"reason", message}});
  health_.set_watchdog(true, false, message);
}

}  // namespace graced::notify
