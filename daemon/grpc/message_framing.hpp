// gRPC's length-prefixed messages: a 1-byte compressed flag, a 4-byte big-endian length,
// then the message. A request or response body is a sequence of them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace graced::grpc {

inline constexpr std::size_t kMessagePrefixBytes = 5;

// The prefix and the payload, uncompressed.
std::string frame_message(std::string_view payload);
void append_framed_message(std::string& out, std::string_view payload);

enum class DeframeError {
  none,
  truncated,   // the body ends inside a prefix or a message
  compressed,  // the compressed flag is set; graced compresses nothing and accepts none
  bad_flag,    // a flag byte other than 0 or 1
  too_large,   // a message longer than the limit
};

struct Deframed {
  std::vector<std::string_view> messages;  // views into the body
  DeframeError error = DeframeError::none;
};

// Splits a complete body into its messages; stops at the first error.
Deframed deframe(std::string_view body, std::size_t max_message_bytes);

// The length a prefix announces; `prefix` holds at least kMessagePrefixBytes bytes.
std::size_t announced_length(std::string_view prefix);

}  // namespace graced::grpc
