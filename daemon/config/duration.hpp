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

// A form parse_duration reads back: largest units first ("1m30s", "2h", "0s"), except that
// under a minute a value with milliseconds is written in ms alone ("1500ms", "250ms").
std::string format_duration(Duration d);

}  // namespace graced::config
