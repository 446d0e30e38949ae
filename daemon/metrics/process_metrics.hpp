// The standard process_* metrics every Prometheus client library exports, read from
// /proc/self: CPU time, memory, file descriptors, start time.
#pragma once

#include "metrics/exposition.hpp"

namespace graced::metrics {

void write_process_metrics(Exposition& out);

}  // namespace graced::metrics
