// The single source of truth for startup, liveness and readiness. Checks (through the
// engine) and graced's own lifecycle write it; endpoints only read it. The aggregates are
// recomputed when something changes, never when a probe asks, so answering a probe is a
// lookup. Subscribers (gRPC Watch, metrics) are told about every visible change.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "health/probe.hpp"

namespace graced::health {

// One line of verbose output: graced's own state ("process", "shutdown") or a check.
struct Entry {
  std::string_view name;
  CheckStatus status = CheckStatus::unknown;
  std::string_view message;
  const CheckState* check = nullptr;  // null for graced's own entries
  bool counts_as_passing = false;     // for this probe (unknown passes liveness only)
};

// Names graced uses for its own entries; checks may not take them.
bool is_reserved_entry_name(std::string_view name);

class Health {
 public:
  using Listener = std::function<void()>;

  // graced's own state.
  void set_child_running(bool running);
  // Non-empty: readiness fails with this reason ("draining", "stopping").
  void set_shutting_down(std::string reason);
  // With process.notify the child must send READY=1 before startup passes.
  void require_ready_notification(bool required);
  void set_ready_notified();
  // Liveness fails while the sd_notify watchdog is late.
  void set_watchdog(bool enabled, bool ok, std::string message);
  // STATUS= from sd_notify, shown in verbose output.
  void set_service_status(std::string status);

  // Checks. Indices are stable; add them all before the loop starts.
  std::size_t add_check(CheckState initial);
  // Replaces a check's state; notifies only when the status (or startup) changed.
  void update_check(std::size_t index, CheckState state);
  const std::vector<CheckState>& checks() const { return checks_; }
  const CheckState* find_check(std::string_view name) const;
  // Whether the check counts towards a probe: startup uses the readiness checks when no
  // check names startup explicitly.
  bool feeds(const CheckState& check, Probe probe) const;

  bool passing(Probe probe) const { return passing_[index(probe)]; }
  bool startup_passed() const { return startup_passed_; }
  bool child_running() const { return child_running_; }
  const std::string& shutting_down() const { return shutting_down_; }
  const std::string& service_status() const { return service_status_; }

  // The lines of `?verbose` output for a probe, graced's own entries first.
  std::vector<Entry> entries(Probe probe) const;
  // The probe's result with some entries left out (`?exclude=`); the same rules as the
  // cached aggregate.
  bool passing_without(Probe probe, const std::vector<std::string_view>& excluded) const;

  std::size_t subscribe(Listener listener);
  void unsubscribe(std::size_t id);
  std::uint64_t version() const { return version_; }  // bumps on every visible change

 private:
  static std::size_t index(Probe p);
  void recompute_and_notify();

  std::vector<CheckState> checks_;
  bool has_explicit_startup_checks_ = false;
  bool child_running_ = false;
  std::string shutting_down_;
  bool ready_required_ = false;
  bool ready_notified_ = false;
  bool watchdog_enabled_ = false;
  bool watchdog_ok_ = true;
  std::string watchdog_message_;
  std::string service_status_;
  bool startup_passed_ = false;
  bool passing_[3] = {false, true, false};
  std::uint64_t version_ = 0;
  std::map<std::size_t, Listener> listeners_;
  std::size_t next_listener_ = 1;
};

}  // namespace graced::health
