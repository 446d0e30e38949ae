// What `graced manifest` was asked for, beyond the configuration it reads.
#pragma once

#include <optional>
#include <string>

namespace graced::manifest {

enum class Format { yaml, json };
enum class ProbeKind { http, grpc };

struct Options {
  Format format = Format::yaml;
  ProbeKind probe = ProbeKind::http;
  std::string container = "app";
  std::optional<std::string> image;  // --deployment IMAGE: a whole Deployment
};

}  // namespace graced::manifest
