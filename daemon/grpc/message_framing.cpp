#include "grpc/message_framing.hpp"

#include <cstdint>

namespace graced::grpc {

void append_framed_message(std::string& out, std::string_view payload) {
  const auto n = static_cast<std::uint32_t>(payload.size());
  out.push_back('\0');
  out.push_back(static_cast<char>((n >> 24) & 0xff));
  out.push_back(static_cast<char>((n >> 16) & 0xff));
  out.push_back(static_cast<char>((n >> 8) & 0xff));
  out.push_back(static_cast<char>(n & 0xff));
  out.append(payload);
}

std::string frame_message(std::string_view payload) {
  std::string out;
  out.reserve(kMessagePrefixBytes + payload.size());
  append_framed_message(out, payload);
  return out;
}

std::size_t announced_length(std::string_view prefix) {
  std::size_t n = 0;
  for (std::size_t i = 1; i < kMessagePrefixBytes; ++i) {
    n = (n << 8) | static_cast<unsigned char>(prefix[i]);
  }
  return n;
}

Deframed deframe(std::string_view body, std::size_t max_message_bytes) {
  Deframed out;
  while (!body.empty()) {
    if (body.size() < kMessagePrefixBytes) {
      out.error = DeframeError::truncated;
      return out;
    }
    const auto flag = static_cast<unsigned char>(body[0]);
    if (flag == 1) {
      out.error = DeframeError::compressed;
      return out;
    }
    if (flag != 0) {
      out.error = DeframeError::bad_flag;
      return out;
    }
    const std::size_t n = announced_length(body);
    if (n > max_message_bytes) {
      out.error = DeframeError::too_large;
      return out;
    }
    if (body.size() - kMessagePrefixBytes < n) {
      out.error = DeframeError::truncated;
      return out;
    }
    out.messages.push_back(body.substr(kMessagePrefixBytes, n));
    body.remove_prefix(kMessagePrefixBytes + n);
  }
  return out;
}

}  // namespace graced::grpc
