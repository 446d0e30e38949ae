// The environment a process graced starts gets: graced's own, with some variables set.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace graced::process {

// Every "KEY=value" of graced's environment, except those `overrides` sets, then
// `overrides` in their order.
std::vector<std::string> environment_with(
    const std::vector<std::pair<std::string, std::string>>& overrides);

}  // namespace graced::process
