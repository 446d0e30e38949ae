// The grpc.health.v1 messages, encoded and decoded by hand against the protobuf wire
// format: three tiny messages do not justify a code generator. Decoding skips unknown
// fields of every wire type (as protobuf does) and rejects malformed input: a varint
// longer than 10 bytes, a length running past the end, a field number 0, an unbalanced
// group, a string that is not UTF-8.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace graced::grpc {

enum class ServingStatus : std::int32_t {
  unknown = 0,
  serving = 1,
  not_serving = 2,
  service_unknown = 3,  // only Watch sends it
};

// "UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"; the number for other values.
std::string serving_status_name(std::int32_t status);
inline std::string serving_status_name(ServingStatus s) {
  return serving_status_name(static_cast<std::int32_t>(s));
}

// message HealthCheckRequest { string service = 1; }
struct HealthCheckRequest {
  std::string service;
};
std::string encode_health_check_request(const HealthCheckRequest& request);
// nullopt with `error` set ("truncated varint") when malformed.
std::optional<HealthCheckRequest> decode_health_check_request(std::string_view wire,
                                                              std::string& error);

// message HealthCheckResponse { ServingStatus status = 1; }
std::string encode_health_check_response(ServingStatus status);
// The status as sent, which may be a value this enum does not name.
std::optional<std::int32_t> decode_health_check_response(std::string_view wire, std::string& error);

// message HealthListRequest {}: only checked for being well-formed.
bool decode_health_list_request(std::string_view wire, std::string& error);

// message HealthListResponse { map<string, HealthCheckResponse> statuses = 1; }
// A map entry is a message with key = 1 and value = 2.
using StatusList = std::vector<std::pair<std::string, std::int32_t>>;
std::string encode_health_list_response(
    const std::vector<std::pair<std::string, ServingStatus>>& statuses);
std::optional<StatusList> decode_health_list_response(std::string_view wire, std::string& error);

}  // namespace graced::grpc
