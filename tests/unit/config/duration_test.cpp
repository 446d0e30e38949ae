#include "config/duration.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace graced::config {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(DurationParse, AcceptsEachUnit) {
  EXPECT_EQ(parse_duration("250ms"), milliseconds(250));
  EXPECT_EQ(parse_duration("5s"), seconds(5));
  EXPECT_EQ(parse_duration("2m"), minutes(2));
  EXPECT_EQ(parse_duration("3h"), hours(3));
}

TEST(DurationParse, AcceptsCompoundForms) {
  EXPECT_EQ(parse_duration("1m30s"), seconds(90));
  EXPECT_EQ(parse_duration("1h2m3s4ms"), hours(1) + minutes(2) + seconds(3) + milliseconds(4));
  EXPECT_EQ(parse_duration("1s500ms"), milliseconds(1500));
}

TEST(DurationParse, AcceptsZeroWithAndWithoutUnit) {
  EXPECT_EQ(parse_duration("0"), milliseconds(0));
  EXPECT_EQ(parse_duration("0s"), milliseconds(0));
  EXPECT_EQ(parse_duration("0ms"), milliseconds(0));
}

TEST(DurationParse, RejectsANumberWithoutUnit) {
  // "5" must never silently mean 5ms or 5s.
  EXPECT_EQ(parse_duration("5"), std::nullopt);
  EXPECT_EQ(parse_duration("00"), std::nullopt);
  EXPECT_EQ(parse_duration("1m30"), std::nullopt);
}

TEST(DurationParse, RejectsWhatIsNotADuration) {
  for (const char* bad : {"", "5 sec", "5sec", "-1s", "+1s", "1.5s", ".5s", "s", "ms", "5S", "5MS",
                          " 5s", "5s ", "5d", "5us", "5ns", "1m 30s", "five seconds", "5s\n"}) {
    EXPECT_EQ(parse_duration(bad), std::nullopt) << '"' << bad << '"';
  }
}

TEST(DurationParse, RejectsOverflowInsteadOfWrapping) {
  EXPECT_EQ(parse_duration("9223372036854775807ms"), std::nullopt);
  EXPECT_EQ(parse_duration("99999999999999999999s"), std::nullopt);
  EXPECT_EQ(parse_duration("9999999999999h"), std::nullopt);
  // Many components that each fit but add up past the limit.
  std::string many;
  for (int i = 0; i < 2000; ++i)
    many += "2000000000h";
  EXPECT_EQ(parse_duration(many), std::nullopt);
  // A long but sane value still parses.
  EXPECT_EQ(parse_duration("8760h"), hours(8760));
}

TEST(DurationFormat, UsesTheLargestUnitsThatFit) {
  EXPECT_EQ(format_duration(milliseconds(0)), "0s");
  EXPECT_EQ(format_duration(milliseconds(250)), "250ms");
  EXPECT_EQ(format_duration(seconds(5)), "5s");
  EXPECT_EQ(format_duration(seconds(90)), "1m30s");
  EXPECT_EQ(format_duration(hours(2)), "2h");
  EXPECT_EQ(format_duration(hours(1) + seconds(1)), "1h1s");
}

TEST(DurationFormat, KeepsMillisecondsAfterLargerUnits) {
  EXPECT_EQ(format_duration(milliseconds(1500)), "1s500ms");
  EXPECT_EQ(format_duration(milliseconds(60500)), "1m500ms");
  EXPECT_EQ(format_duration(milliseconds(90250)), "1m30s250ms");
}

TEST(DurationFormat, NegativeValuesKeepTheirSign) {
  // Not something a user can write, but a computed remainder may be negative.
  EXPECT_EQ(format_duration(milliseconds(-1500)), "-1s500ms");
  EXPECT_EQ(format_duration(-seconds(90)), "-1m30s");
  EXPECT_EQ(format_duration(Duration::min()), "-2562047788015h12m55s808ms");
}

TEST(DurationFormat, RoundTripsThroughParse) {
  for (std::int64_t ms : {0LL, 1LL, 999LL, 1000LL, 1001LL, 59999LL, 60000LL, 90000LL, 3599999LL,
                          3600000LL, 86400000LL, 123456789LL}) {
    const std::string text = format_duration(milliseconds(ms));
    EXPECT_EQ(parse_duration(text), milliseconds(ms)) << text;
  }
}

}  // namespace
}  // namespace graced::config
