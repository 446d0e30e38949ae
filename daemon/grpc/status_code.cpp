#include "grpc/status_code.hpp"

namespace graced::grpc {

std::string_view status_code_name(int code) {
  static constexpr std::string_view kNames[kStatusCodeCount] = {
      "OK",
      "CANCELLED",
      "UNKNOWN",
      "INVALID_ARGUMENT",
      "DEADLINE_EXCEEDED",
      "NOT_FOUND",
      "ALREADY_EXISTS",
      "PERMISSION_DENIED",
      "RESOURCE_EXHAUSTED",
      "FAILED_PRECONDITION",
      "ABORTED",
      "OUT_OF_RANGE",
      "UNIMPLEMENTED",
      "INTERNAL",
      "UNAVAILABLE",
      "DATA_LOSS",
      "UNAUTHENTICATED",
  };
  if (code < 0 || code >= kStatusCodeCount) return "UNRECOGNIZED";
  return kNames[code];
}

}  // namespace graced::grpc
