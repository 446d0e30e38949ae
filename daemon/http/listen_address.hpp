// The address a listener binds, as users write it: "0.0.0.0:8558", "[::1]:0".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace graced::http {

struct ListenAddress {
  std::string host;        // a numeric IP, without brackets
  std::uint16_t port = 0;  // 0: the kernel picks a free port
  bool ipv6 = false;

  std::string to_string() const;  // "0.0.0.0:8558", "[::]:8558"
};

// Validates "IPv4:port" or "[IPv6]:port". Hosts must be numeric: resolving a name would
// block the loop, and a probe port bound to whatever a name resolves to at start-up is a
// surprise nobody wants. Returns an error message for bad input; otherwise nullopt, and
// the parsed address goes to *out when out is given.
std::optional<std::string> parse_listen_address(std::string_view text,
                                                ListenAddress* out = nullptr);

}  // namespace graced::http
