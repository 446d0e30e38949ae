// How one run of a hook ended.
#pragma once

#include <chrono>
#include <string>

namespace graced::hooks {

// What stopped a hook that did not finish by itself.
enum class Cut {
  none,
  timeout,  // its own timeout
  budget,   // what was left of the caller's budget, shorter than its timeout
};

struct HookResult {
  bool ok = false;
  int exit_code = -1;   // exec: the exit status as a shell reports it; -1 when it has none
  int http_status = 0;  // http: the response's status; 0 when there was none
  std::chrono::milliseconds duration{0};
  std::string message;  // short: "exited with code 3", "HTTP 503 (expected 200-399)"
  Cut cut = Cut::none;
};

const char* cut_name(Cut cut);  // "none", "timeout", "budget"

}  // namespace graced::hooks
