// Signal names as users write them: "SIGTERM", "TERM", or a number.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace graced::config {

// Accepts "SIGTERM", "TERM" (case-insensitive), "15" or "SIG15", and real-time "SIGRTMIN+3".
std::optional<int> parse_signal(std::string_view text);

// "SIGTERM" for 15; "SIGRTMIN+3" for real-time signals; "SIG<n>" for anything else.
std::string signal_name(int signo);

}  // namespace graced::config
