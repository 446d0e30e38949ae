// JSON for manifests (`graced manifest --format json`): the same tree as the YAML, indented
// by two spaces; comments are left out.
#pragma once

#include <string>
#include <string_view>

#include "manifest/value.hpp"

namespace graced::manifest {

// The whole document, ending with a newline.
std::string to_json(const Value& document);

// A string as a JSON string literal, quotes included.
std::string json_string(std::string_view s);

}  // namespace graced::manifest
