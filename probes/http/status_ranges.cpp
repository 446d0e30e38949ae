#include "probes/http/status_ranges.hpp"

#include <charconv>

namespace graced::probes {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

std::optional<int> status_code(std::string_view s) {
  if (s.size() != 3) return std::nullopt;
  int value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  if (value < 100 || value > 599) return std::nullopt;
  return value;
}

}  // namespace

std::optional<StatusRanges> StatusRanges::parse(std::string_view text, std::string& error) {
  StatusRanges out;
  std::string_view rest = text;
  while (true) {
    const auto comma = rest.find(',');
    const std::string_view item = trim(rest.substr(0, comma));
    const auto dash = item.find('-');
    auto low = status_code(trim(item.substr(0, dash)));
    auto high = dash == std::string_view::npos ? low : status_code(trim(item.substr(dash + 1)));
    if (!low || !high) {
      error = "\"" + std::string(item) +
              "\" is not a status code (100-599) or range (e.g. \"200-399\", \"200,204\")";
      return std::nullopt;
    }
    if (*low > *high) {
      error = "\"" + std::string(item) + "\" is an empty range (write the lower code first)";
      return std::nullopt;
    }
    out.ranges_.emplace_back(*low, *high);
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  return out;
}

bool StatusRanges::contains(int status) const {
  for (const auto& [low, high] : ranges_)
    if (status >= low && status <= high) return true;
  return false;
}

std::string StatusRanges::str() const {
  std::string out;
  for (const auto& [low, high] : ranges_) {
    if (!out.empty()) out += ",";
    out += std::to_string(low);
    if (high != low) out += "-" + std::to_string(high);
  }
  return out;
}

}  // namespace graced::probes
