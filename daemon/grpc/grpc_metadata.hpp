// The gRPC-specific header values: grpc-timeout, grpc-message and content-type.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace graced::grpc {

// "100m", "5S", "1H": at most 8 digits and one unit (H M S m u n). nullopt when malformed.
// In whole milliseconds, rounded up: graced's timers tick in milliseconds, and a deadline
// must not pass early.
std::optional<std::chrono::milliseconds> parse_grpc_timeout(std::string_view text);
// The shortest exact form with at most 8 digits, rounding up so a deadline never shrinks.
std::string format_grpc_timeout(std::chrono::milliseconds timeout);

// grpc-message is percent-encoded: every byte outside space..'~', and '%' itself, as %XX.
std::string percent_encode_message(std::string_view text);
// Lenient, as the spec asks: a '%' not followed by two hex digits stays as it is.
std::string percent_decode_message(std::string_view text);

enum class ContentType {
  not_grpc,     // anything else: the request is plain HTTP
  grpc,         // application/grpc, application/grpc+proto, with or without parameters
  unsupported,  // application/grpc+json and other codecs graced does not speak
};
ContentType classify_content_type(std::string_view value);

}  // namespace graced::grpc
