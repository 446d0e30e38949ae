#include "probes/engine/hysteresis.hpp"

#include <gtest/gtest.h>

#include "probes/engine/schedule.hpp"

namespace graced::probes {
namespace {

using health::CheckStatus;

TEST(Hysteresis, UnknownUntilAThresholdIsReached) {
  Hysteresis h(2, 3);
  EXPECT_EQ(h.status(), CheckStatus::unknown);
  EXPECT_EQ(h.record(true), CheckStatus::unknown);
  EXPECT_EQ(h.record(true), CheckStatus::passing);
}

TEST(Hysteresis, FailingAfterFailureThresholdConsecutiveFailures) {
  Hysteresis h(1, 3);
  EXPECT_EQ(h.record(true), CheckStatus::passing);
  EXPECT_EQ(h.record(false), CheckStatus::passing);
  EXPECT_EQ(h.record(false), CheckStatus::passing);
  EXPECT_EQ(h.record(false), CheckStatus::failing);
  EXPECT_EQ(h.consecutive_failures(), 3u);
}

TEST(Hysteresis, ASuccessResetsTheFailureCount) {
  Hysteresis h(1, 2);
  h.record(true);
  h.record(false);
  h.record(true);
  EXPECT_EQ(h.record(false), CheckStatus::passing);
  EXPECT_EQ(h.record(false), CheckStatus::failing);
}

TEST(Hysteresis, RecoveryNeedsSuccessThreshold) {
  Hysteresis h(3, 1);
  EXPECT_EQ(h.record(false), CheckStatus::failing);
  EXPECT_EQ(h.record(true), CheckStatus::failing);
  EXPECT_EQ(h.record(true), CheckStatus::failing);
  EXPECT_EQ(h.record(false), CheckStatus::failing) << "the streak is broken";
  h.record(true);
  h.record(true);
  EXPECT_EQ(h.record(true), CheckStatus::passing);
  EXPECT_EQ(h.consecutive_successes(), 3u);
}

TEST(Hysteresis, FromUnknownFailuresNeedTheThresholdToo) {
  Hysteresis h(1, 3);
  EXPECT_EQ(h.record(false), CheckStatus::unknown);
  EXPECT_EQ(h.record(false), CheckStatus::unknown);
  EXPECT_EQ(h.record(false), CheckStatus::failing);
}

TEST(Schedule, JitterStaysWithinBounds) {
  std::mt19937_64 rng(42);
  using D = config::Duration;
  std::uint64_t lo = UINT64_MAX, hi = 0;
  for (int i = 0; i < 10000; ++i) {
    auto d = next_delay_ms(D{1000}, D{200}, D{100}, false, rng);
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  EXPECT_GE(lo, 1000u);
  EXPECT_LE(hi, 1100u);
  EXPECT_LT(lo, 1010u) << "the whole range is used";
  EXPECT_GT(hi, 1090u);
}

TEST(Schedule, FailingIntervalAfterAFailedAttempt) {
  std::mt19937_64 rng(1);
  using D = config::Duration;
  EXPECT_EQ(next_delay_ms(D{1000}, D{200}, D{0}, true, rng), 200u);
  EXPECT_EQ(next_delay_ms(D{1000}, D{200}, D{0}, false, rng), 1000u);
}

}  // namespace
}  // namespace graced::probes
