// Each fuzz target gives its driver a few well-formed inputs to mutate from.
#pragma once

#include <string>
#include <vector>

namespace graced::fuzz {
std::vector<std::string> seeds();
}  // namespace graced::fuzz
