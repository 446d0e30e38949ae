// Durations as users write them in the configuration: "250ms", "5s", "1m30s".
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace graced::config {

using Duration = std::chrono::milliseconds;

// Parses a sequence of <integer><unit> with units h, m, s, ms (e.g. "1m30s"). A bare "0"
// is accepted; anything else without a unit is rejected so "5" never silently means 5ms.
std::optional<Duration> parse_duration(std::string_view text);

// Largest units first, in the form parse_duration reads back ("1m30s", "1s500ms", "0s").
std::string format_duration(Duration d);

}  // namespace graced::config
