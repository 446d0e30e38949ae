#include "config/duration.hpp"

#include <cstdint>
#include <limits>

namespace graced::config {

std::optional<Duration> parse_duration(std::string_view text) {
  if (text == "0") return Duration{0};
  if (text.empty()) return std::nullopt;
  std::int64_t total_ms = 0;
  size_t i = 0;
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max() / 4;
  while (i < text.size()) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    std::int64_t n = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      n = n * 10 + (text[i] - '0');
      if (n > kMax / 3600000) return std::nullopt;
      ++i;
    }
    std::int64_t unit_ms;
    if (text.substr(i, 2) == "ms") {
      unit_ms = 1;
      i += 2;
    } else if (i < text.size() && text[i] == 'h') {
      unit_ms = 3600000;
      ++i;
    } else if (i < text.size() && text[i] == 'm') {
      unit_ms = 60000;
      ++i;
    } else if (i < text.size() && text[i] == 's') {
      unit_ms = 1000;
      ++i;
    } else {
      return std::nullopt;
    }
    total_ms += n * unit_ms;
    if (total_ms > kMax) return std::nullopt;
  }
  return Duration{total_ms};
}

std::string format_duration(Duration d) {
  if (d.count() == 0) return "0s";
  std::string out = d.count() < 0 ? "-" : "";
  // The magnitude as unsigned, so that even Duration::min() has one.
  const auto ms = d.count() < 0 ? 0 - static_cast<std::uint64_t>(d.count())
                                : static_cast<std::uint64_t>(d.count());
  const std::uint64_t h = ms / 3600000, m = ms / 60000 % 60, s = ms / 1000 % 60, rest = ms % 1000;
  if (h) out += std::to_string(h) + "h";
  if (m) out += std::to_string(m) + "m";
  if (s) out += std::to_string(s) + "s";
  if (rest) out += std::to_string(rest) + "ms";
  return out;
}

}  // namespace graced::config
