#include "health/health.hpp"

namespace graced::health {

bool is_reserved_entry_name(std::string_view name) {
  return name == "process" || name == "notify" || name == "watchdog" || name == "startup" ||
         name == "shutdown";
}

std::size_t Health::index(Probe p) {
  switch (p) {
    case Probe::startup:
      return 0;
    case Probe::liveness:
      return 1;
    case Probe::readiness:
      return 2;
  }
  return 2;
}

void Health::set_child_running(bool running) {
  if (child_running_ == running) return;
  child_running_ = running;
  recompute_and_notify();
}

void Health::set_shutting_down(std::string reason) {
  if (shutting_down_ == reason) return;
  shutting_down_ = std::move(reason);
  recompute_and_notify();
}

void Health::require_ready_notification(bool required) {
  ready_required_ = required;
  recompute_and_notify();
}

void Health::set_ready_notified() {
  if (ready_notified_) return;
  ready_notified_ = true;
  recompute_and_notify();
}

void Health::set_watchdog(bool enabled, bool ok, std::string message) {
  if (watchdog_enabled_ == enabled && watchdog_ok_ == ok && watchdog_message_ == message) return;
  watchdog_enabled_ = enabled;
  watchdog_ok_ = ok;
  watchdog_message_ = std::move(message);
  recompute_and_notify();
}

void Health::set_service_status(std::string status) {
  service_status_ = std::move(status);  // display only: no probe changes
}

std::size_t Health::add_check(CheckState initial) {
  if (initial.probes.has(Probe::startup)) has_explicit_startup_checks_ = true;
  checks_.push_back(std::move(initial));
  recompute_and_notify();
  return checks_.size() - 1;
}

void Health::update_check(std::size_t i, CheckState state) {
  CheckState& current = checks_.at(i);
  const bool visible = current.status != state.status || current.ever_passed != state.ever_passed;
  current = std::move(state);
  if (visible) recompute_and_notify();
}

const CheckState* Health::find_check(std::string_view name) const {
  for (const auto& c : checks_)
    if (c.name == name) return &c;
  return nullptr;
}

bool Health::feeds(const CheckState& check, Probe probe) const {
  if (probe == Probe::startup && !has_explicit_startup_checks_) {
    return check.probes.has(Probe::readiness);
  }
  return check.probes.has(probe);
}

void Health::recompute_and_notify() {
  bool startup = child_running_ && (!ready_required_ || ready_notified_);
  bool liveness = child_running_ && (!watchdog_enabled_ || watchdog_ok_);
  bool readiness = shutting_down_.empty() && child_running_;
  for (const auto& c : checks_) {
    if (feeds(c, Probe::startup) && !c.ever_passed) startup = false;
    // Unknown counts as passing for liveness: never restart a pod before a first result.
    if (feeds(c, Probe::liveness) && c.status == CheckStatus::failing) liveness = false;
    // ...and as failing for readiness: never route traffic before a first success.
    if (feeds(c, Probe::readiness) && c.status != CheckStatus::passing) readiness = false;
  }
  if (startup) startup_passed_ = true;  // once passed, it stays passed
  // Kubernetes does not judge liveness before startup has passed; neither does graced.
  if (!startup_passed_) liveness = true;
  readiness = readiness && startup_passed_;
  passing_[0] = startup_passed_;
  passing_[1] = liveness;
  passing_[2] = readiness;
  ++version_;
  // Listeners may subscribe or unsubscribe while being told: iterate over a copy.
  auto listeners = listeners_;
  for (auto& [id, l] : listeners)
    l();
}

std::vector<Entry> Health::entries(Probe probe) const {
  std::vector<Entry> out;
  out.push_back({"process", child_running_ ? CheckStatus::passing : CheckStatus::failing,
                 child_running_ ? std::string_view{} : std::string_view{"not running"}, nullptr});
  if (probe == Probe::startup && ready_required_) {
    out.push_back({"notify", ready_notified_ ? CheckStatus::passing : CheckStatus::failing,
                   ready_notified_ ? std::string_view{} : "waiting for READY=1", nullptr});
  }
  if (probe == Probe::liveness && watchdog_enabled_) {
    out.push_back({"watchdog", watchdog_ok_ ? CheckStatus::passing : CheckStatus::failing,
                   watchdog_message_, nullptr});
  }
  if (probe == Probe::readiness) {
    out.push_back({"startup", startup_passed_ ? CheckStatus::passing : CheckStatus::failing,
                   startup_passed_ ? std::string_view{} : "startup has not passed yet", nullptr});
    out.push_back({"shutdown", shutting_down_.empty() ? CheckStatus::passing : CheckStatus::failing,
                   shutting_down_, nullptr});
  }
  for (auto& e : out)
    e.counts_as_passing = e.status == CheckStatus::passing;
  for (const auto& c : checks_) {
    if (!feeds(c, probe)) continue;
    CheckStatus s = c.status;
    bool ok = s == CheckStatus::passing;
    if (probe == Probe::startup) {
      ok = c.ever_passed;
      if (ok) s = CheckStatus::passing;
    }
    if (probe == Probe::liveness) ok = s != CheckStatus::failing;
    out.push_back({c.name, s, c.message, &c, ok});
  }
  return out;
}

bool Health::passing_without(Probe probe, const std::vector<std::string_view>& excluded) const {
  if (excluded.empty()) return passing(probe);
  if (probe == Probe::startup && startup_passed_) return true;
  if (probe == Probe::liveness && !startup_passed_) return true;
  for (const auto& e : entries(probe)) {
    bool skip = false;
    for (auto x : excluded)
      if (x == e.name) skip = true;
    if (!skip && !e.counts_as_passing) return false;
  }
  return true;
}

std::size_t Health::subscribe(Listener listener) {
  std::size_t id = next_listener_++;
  listeners_.emplace(id, std::move(listener));
  return id;
}

void Health::unsubscribe(std::size_t id) {
  listeners_.erase(id);
}

}  // namespace graced::health
