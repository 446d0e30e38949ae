#include "http/listen_address.hpp"

#include <arpa/inet.h>

#include <charconv>

namespace graced::http {

namespace {

std::string quoted(std::string_view text) {
  return "listen address \"" + std::string(text) + "\"";
}

bool parse_port(std::string_view text, std::uint16_t& port) {
  if (text.empty() || text.size() > 5) return false;
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value > 65535) return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

}  // namespace

std::string ListenAddress::to_string() const {
  auto p = std::to_string(port);
  return ipv6 ? "[" + host + "]:" + p : host + ":" + p;
}

std::optional<std::string> parse_listen_address(std::string_view text, ListenAddress* out) {
  if (text.empty()) return "listen address is empty (expected e.g. 0.0.0.0:8558 or [::]:8558)";

  ListenAddress addr;
  std::string_view port_text;
  if (text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos) return quoted(text) + " has no closing ']'";
    addr.host = std::string(text.substr(1, close - 1));
    addr.ipv6 = true;
    auto rest = text.substr(close + 1);
    if (!rest.starts_with(':'))
      return quoted(text) + " has no port after ']' (expected [host]:port)";
    port_text = rest.substr(1);
    in6_addr v6{};
    if (inet_pton(AF_INET6, addr.host.c_str(), &v6) != 1) {
      return quoted(text) + ": \"" + addr.host + "\" is not a numeric IPv6 address";
    }
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return quoted(text) + " has no port (expected host:port, e.g. 0.0.0.0:8558)";
    }
    if (text.find(':') != colon) {
      return quoted(text) + ": an IPv6 address must be written in brackets, e.g. [::1]:8558";
    }
    addr.host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
    in_addr v4{};
    if (inet_pton(AF_INET, addr.host.c_str(), &v4) != 1) {
      return quoted(text) + ": \"" + addr.host +
             "\" is not a numeric IPv4 address (host names are not resolved)";
    }
  }
  if (!parse_port(port_text, addr.port)) {
    return quoted(text) + ": port \"" + std::string(port_text) +
           "\" is not a number from 0 to 65535";
  }
  if (out) *out = std::move(addr);
  return std::nullopt;
}

}  // namespace graced::http
