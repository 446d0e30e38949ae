// A YAML emitter for manifests, small enough to check by reading: block style only
// (maps and lists indented by two spaces, the way Kubernetes documents are written),
// comments where the tree has them, and strings left plain only when every YAML 1.1
// reader (PyYAML, and the go-yaml behind kubectl) reads them back as the same string.
#pragma once

#include <string>
#include <string_view>

#include "manifest/value.hpp"

namespace graced::manifest {

// The whole document, ending with a newline.
std::string to_yaml(const Value& document);

// A string as a YAML scalar: plain when that is unambiguous, else double-quoted.
std::string yaml_string(std::string_view s);

}  // namespace graced::manifest
