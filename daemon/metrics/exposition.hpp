// Writing the Prometheus text exposition format (version 0.0.4): one HELP and TYPE line
// per family, then its samples. Label values are escaped here, so callers pass them raw.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace graced::metrics {

using Labels = std::vector<std::pair<std::string_view, std::string>>;

class Exposition {
 public:
  // Starts a family: `type` is "counter", "gauge", "histogram" or "stateset"-style gauges.
  void family(std::string_view name, std::string_view type, std::string_view help);
  void sample(std::string_view name, const Labels& labels, double value);
  void sample(std::string_view name, double value) { sample(name, {}, value); }

  const std::string& text() const { return out_; }

 private:
  std::string out_;
};

// Cumulative histogram with fixed upper bounds (seconds), as Prometheus client libraries
// keep one: per-bucket counts, a sum and a count.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double value);
  // Writes name_bucket{...,le="..."}, name_sum and name_count with `labels` on each.
  void write(Exposition& out, std::string_view name, const Labels& labels) const;

 private:
  std::vector<double> bounds_;
  std::vector<std::uint64_t> counts_;  // per bound, not cumulative; last is +Inf
  double sum_ = 0;
  std::uint64_t count_ = 0;
};

// Upper bounds for durations of checks and hooks: 1 ms to 10 s.
std::vector<double> duration_buckets();

// A number as the format writes it: integers without a fraction, "+Inf", "NaN".
std::string format_value(double value);
// A label value with backslash, double quote and newline escaped.
std::string escape_label_value(std::string_view value);

}  // namespace graced::metrics
