// A blocking HTTP/1.1 client for tests that ask graced's endpoints something: one request
// per connection (Connection: close), bounded by a timeout.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace graced::test {

struct HttpReply {
  int status = 0;       // 0: no answer (connection refused, timeout, garbage)
  std::string headers;  // the raw header block
  std::string body;
  std::string error;  // why status is 0
};

HttpReply http_request(std::uint16_t port, const std::string& method, const std::string& target,
                       const std::vector<std::pair<std::string, std::string>>& headers = {},
                       std::chrono::milliseconds timeout = std::chrono::seconds(5),
                       const std::string& host = "127.0.0.1");

inline HttpReply http_get(std::uint16_t port, const std::string& target,
                          std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  return http_request(port, "GET", target, {}, timeout);
}

}  // namespace graced::test
