// gRPC status codes, as sent in the grpc-status trailer.
#pragma once

#include <cstdint>
#include <string_view>

namespace graced::grpc {

enum class StatusCode : std::uint8_t {
  ok = 0,
  cancelled = 1,
  unknown = 2,
  invalid_argument = 3,
  deadline_exceeded = 4,
  not_found = 5,
  already_exists = 6,
  permission_denied = 7,
  resource_exhausted = 8,
  failed_precondition = 9,
  aborted = 10,
  out_of_range = 11,
  unimplemented = 12,
  internal = 13,
  unavailable = 14,
  data_loss = 15,
  unauthenticated = 16,
};

inline constexpr int kStatusCodeCount = 17;

// "OK", "NOT_FOUND", ...; "UNRECOGNIZED" for a number outside the table.
std::string_view status_code_name(int code);
inline std::string_view status_code_name(StatusCode code) {
  return status_code_name(static_cast<int>(code));
}

}  // namespace graced::grpc
