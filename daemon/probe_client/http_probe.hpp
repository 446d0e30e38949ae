// `graced probe http`: one GET on a loop of its own; only the status line is read.
#pragma once

#include <optional>
#include <string_view>

#include "probe_client/probe_args.hpp"
#include "probe_client/probe_outcome.hpp"

namespace graced::probe_client {

ProbeOutcome run_http_probe(const HttpProbeArgs& args);

// The status code of a response's first line ("HTTP/1.1 503 Service Unavailable\r\n"), or
// nullopt when `line` is not a status line.
std::optional<int> parse_status_line(std::string_view line);

}  // namespace graced::probe_client
