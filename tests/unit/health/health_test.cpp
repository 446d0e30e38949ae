#include "health/health.hpp"

#include <gtest/gtest.h>

namespace graced::health {
namespace {

CheckState check(std::string name, ProbeSet probes) {
  CheckState s;
  s.name = std::move(name);
  s.type = "tcp";
  s.probes = probes;
  return s;
}

void set_status(Health& h, std::size_t i, CheckStatus status) {
  CheckState s = h.checks()[i];
  s.status = status;
  if (status == CheckStatus::passing) s.ever_passed = true;
  h.update_check(i, s);
}

TEST(Health, NothingPassesBeforeTheChildRuns) {
  Health h;
  EXPECT_FALSE(h.passing(Probe::startup));
  EXPECT_FALSE(h.passing(Probe::readiness));
  // Kubernetes does not judge liveness before startup; neither does graced.
  EXPECT_TRUE(h.passing(Probe::liveness));
}

TEST(Health, ChildRunningWithoutChecksIsReadyAndLive) {
  Health h;
  h.set_child_running(true);
  EXPECT_TRUE(h.passing(Probe::startup));
  EXPECT_TRUE(h.passing(Probe::readiness));
  EXPECT_TRUE(h.passing(Probe::liveness));
}

TEST(Health, UnknownReadinessCheckIsNotReady) {
  Health h;
  auto i = h.add_check(check("db", {Probe::readiness}));
  h.set_child_running(true);
  EXPECT_FALSE(h.passing(Probe::readiness));
  EXPECT_FALSE(h.passing(Probe::startup)) << "readiness checks are the default startup checks";
  set_status(h, i, CheckStatus::passing);
  EXPECT_TRUE(h.passing(Probe::startup));
  EXPECT_TRUE(h.passing(Probe::readiness));
}

TEST(Health, StartupStaysPassedOnceItPassed) {
  Health h;
  auto i = h.add_check(check("db", {Probe::readiness}));
  h.set_child_running(true);
  set_status(h, i, CheckStatus::passing);
  set_status(h, i, CheckStatus::failing);
  EXPECT_TRUE(h.passing(Probe::startup));
  EXPECT_FALSE(h.passing(Probe::readiness));
}

TEST(Health, ExplicitStartupChecksReplaceTheReadinessDefault) {
  Health h;
  auto s = h.add_check(check("warmup", {Probe::startup}));
  h.add_check(check("db", {Probe::readiness}));
  h.set_child_running(true);
  EXPECT_FALSE(h.passing(Probe::startup));
  set_status(h, s, CheckStatus::passing);
  EXPECT_TRUE(h.passing(Probe::startup));
  EXPECT_FALSE(h.passing(Probe::readiness)) << "db is still unknown";
}

TEST(Health, UnknownLivenessCheckCountsAsPassingAndFailingFailsLiveness) {
  Health h;
  auto i = h.add_check(check("heartbeat", {Probe::liveness}));
  h.set_child_running(true);
  EXPECT_TRUE(h.passing(Probe::liveness));
  set_status(h, i, CheckStatus::failing);
  EXPECT_FALSE(h.passing(Probe::liveness));
  EXPECT_TRUE(h.passing(Probe::readiness)) << "a liveness-only check does not gate readiness";
}

TEST(Health, LivenessPassesBeforeStartupEvenWhenALivenessCheckFails) {
  Health h;
  h.add_check(check("db", {Probe::readiness}));
  auto l = h.add_check(check("heartbeat", {Probe::liveness}));
  h.set_child_running(true);
  set_status(h, l, CheckStatus::failing);
  EXPECT_FALSE(h.startup_passed());
  EXPECT_TRUE(h.passing(Probe::liveness));
}

TEST(Health, ShuttingDownFailsReadinessOnlyAndNotifies) {
  Health h;
  h.set_child_running(true);
  int told = 0;
  h.subscribe([&] { ++told; });
  h.set_shutting_down("draining");
  EXPECT_EQ(told, 1);
  EXPECT_FALSE(h.passing(Probe::readiness));
  EXPECT_TRUE(h.passing(Probe::liveness));
  h.set_shutting_down("draining");
  EXPECT_EQ(told, 1) << "no change, no notification";
}

TEST(Health, ReadyNotificationGatesStartup) {
  Health h;
  h.require_ready_notification(true);
  h.set_child_running(true);
  EXPECT_FALSE(h.passing(Probe::startup));
  h.set_ready_notified();
  EXPECT_TRUE(h.passing(Probe::startup));
}

TEST(Health, WatchdogFailsLiveness) {
  Health h;
  h.set_child_running(true);
  h.set_watchdog(true, false, "no WATCHDOG=1 for 10s");
  EXPECT_FALSE(h.passing(Probe::liveness));
  auto entries = h.entries(Probe::liveness);
  bool found = false;
  for (const auto& e : entries) {
    if (e.name == "watchdog") {
      found = true;
      EXPECT_EQ(e.message, "no WATCHDOG=1 for 10s");
    }
  }
  EXPECT_TRUE(found);
}

TEST(Health, ChildExitFailsEverythingButStartup) {
  Health h;
  h.set_child_running(true);
  h.set_child_running(false);
  EXPECT_TRUE(h.passing(Probe::startup));
  EXPECT_FALSE(h.passing(Probe::readiness));
  EXPECT_FALSE(h.passing(Probe::liveness));
}

TEST(Health, MessageOnlyChangesDoNotNotify) {
  Health h;
  auto i = h.add_check(check("db", {Probe::readiness}));
  h.set_child_running(true);
  set_status(h, i, CheckStatus::passing);
  int told = 0;
  h.subscribe([&] { ++told; });
  CheckState s = h.checks()[i];
  s.message = "connected";
  s.duration_ms = 3;
  h.update_check(i, s);
  EXPECT_EQ(told, 0);
  EXPECT_EQ(h.checks()[i].message, "connected");
}

TEST(Health, PassingWithoutExcludedChecks) {
  Health h;
  auto a = h.add_check(check("a", {Probe::readiness}));
  auto b = h.add_check(check("b", {Probe::readiness}));
  h.set_child_running(true);
  set_status(h, a, CheckStatus::passing);
  set_status(h, b, CheckStatus::passing);
  set_status(h, b, CheckStatus::failing);
  EXPECT_FALSE(h.passing(Probe::readiness));
  EXPECT_TRUE(h.passing_without(Probe::readiness, {"b"}));
  EXPECT_FALSE(h.passing_without(Probe::readiness, {"a"}));
}

TEST(Health, UnsubscribedListenerIsNotCalled) {
  Health h;
  int told = 0;
  auto id = h.subscribe([&] { ++told; });
  h.unsubscribe(id);
  h.set_child_running(true);
  EXPECT_EQ(told, 0);
}

}  // namespace
}  // namespace graced::health
