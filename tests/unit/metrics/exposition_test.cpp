// The Prometheus text format as graced writes it: families, labels, escaping, numbers and
// histograms.
#include "metrics/exposition.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace graced::metrics {
namespace {

TEST(Exposition, FamilyThenSamplesWithLabels) {
  Exposition out;
  out.family("graced_probe_status", "gauge", "Whether a probe passes.");
  out.sample("graced_probe_status", {{"probe", "readiness"}}, 1);
  out.sample("graced_child_up", 0);
  EXPECT_EQ(out.text(),
            "# HELP graced_probe_status Whether a probe passes.\n"
            "# TYPE graced_probe_status gauge\n"
            "graced_probe_status{probe=\"readiness\"} 1\n"
            "graced_child_up 0\n");
}

TEST(Exposition, LabelValuesAreEscaped) {
  EXPECT_EQ(escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  Exposition out;
  out.sample("m", {{"check", "x\"y"}, {"type", "tcp"}}, 2);
  EXPECT_EQ(out.text(), "m{check=\"x\\\"y\",type=\"tcp\"} 2\n");
}

TEST(Exposition, NumbersAreWrittenAsPrometheusReadsThem) {
  EXPECT_EQ(format_value(0), "0");
  EXPECT_EQ(format_value(-1), "-1");
  EXPECT_EQ(format_value(1795432258), "1795432258");
  EXPECT_EQ(format_value(0.25), "0.25");
  EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_value(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

TEST(Histogram, BucketsAreCumulativeWithSumAndCount) {
  Histogram h({0.01, 0.1, 1});
  h.observe(0.005);
  h.observe(0.01);  // on a bound: counted in that bucket (le is "less or equal")
  h.observe(0.5);
  h.observe(3);
  Exposition out;
  h.write(out, "d", {{"check", "db"}});
  EXPECT_EQ(out.text(),
            "d_bucket{check=\"db\",le=\"0.01\"} 2\n"
            "d_bucket{check=\"db\",le=\"0.1\"} 2\n"
            "d_bucket{check=\"db\",le=\"1\"} 3\n"
            "d_bucket{check=\"db\",le=\"+Inf\"} 4\n"
            "d_sum{check=\"db\"} 3.515\n"
            "d_count{check=\"db\"} 4\n");
}

}  // namespace
}  // namespace graced::metrics
