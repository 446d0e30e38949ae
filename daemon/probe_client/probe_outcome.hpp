// What one `graced probe` run found: its exit code and the line it prints.
#pragma once

#include <string>

namespace graced::probe_client {

struct ProbeOutcome {
  int exit_code = 0;
  std::string line;  // "status: SERVING"; errors start with "error:" or "timeout:"
};

}  // namespace graced::probe_client
