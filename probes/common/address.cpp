#include "probes/common/address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>

namespace graced::probes {
namespace {

std::string quoted(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  if (value == 0 || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

bool valid_host_name(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  for (char c : host) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::optional<HostPort> parse_host_port(std::string_view text, std::string& error,
                                        std::optional<std::uint16_t> default_port) {
  HostPort out;
  std::string_view port_text;
  bool has_port = false;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos) {
      error = "missing \"]\" in " + quoted(text);
      return std::nullopt;
    }
    out.host = std::string(text.substr(1, close - 1));
    if (!is_ipv6_literal(out.host)) {
      error = quoted(out.host) + " is not an IPv6 address";
      return std::nullopt;
    }
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        error = "expected \":port\" after \"]\" in " + quoted(text);
        return std::nullopt;
      }
      port_text = rest.substr(1);
      has_port = true;
    }
  } else {
    auto colon = text.rfind(':');
    if (colon != std::string_view::npos && text.find(':') != colon) {
      // Several colons: an IPv6 address, which needs brackets to tell it from the port.
      error = "write IPv6 addresses in brackets, e.g. \"[::1]:6379\" (got " + quoted(text) + ")";
      return std::nullopt;
    }
    if (colon == std::string_view::npos) {
      out.host = std::string(text);
    } else {
      out.host = std::string(text.substr(0, colon));
      port_text = text.substr(colon + 1);
      has_port = true;
    }
    if (out.host.empty()) {
      error = "missing host in " + quoted(text);
      return std::nullopt;
    }
    if (!valid_host_name(out.host)) {
      error = quoted(out.host) + " is not a valid host name";
      return std::nullopt;
    }
  }
  if (!has_port) {
    if (!default_port) {
      error = "missing port in " + quoted(text) + " (use host:port)";
      return std::nullopt;
    }
    out.port = *default_port;
    return out;
  }
  auto port = parse_port(port_text);
  if (!port) {
    error = quoted(port_text) + " is not a port (1-65535)";
    return std::nullopt;
  }
  out.port = *port;
  return out;
}

std::string format_host_port(std::string_view host, std::uint16_t port) {
  std::string out;
  if (host.find(':') != std::string_view::npos) {
    out = "[" + std::string(host) + "]";
  } else {
    out = std::string(host);
  }
  return out + ":" + std::to_string(port);
}

bool is_ipv6_literal(std::string_view host) {
  in6_addr addr{};
  return inet_pton(AF_INET6, std::string(host).c_str(), &addr) == 1;
}

bool is_ip_literal(std::string_view host) {
  in_addr addr{};
  return inet_pton(AF_INET, std::string(host).c_str(), &addr) == 1 || is_ipv6_literal(host);
}

std::optional<sockaddr_storage> ip_socket_address(std::string_view host, std::uint16_t port) {
  sockaddr_storage out{};
  const std::string h(host);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out);
  if (inet_pton(AF_INET, h.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    return out;
  }
  out = {};
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out);
  if (inet_pton(AF_INET6, h.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    return out;
  }
  return std::nullopt;
}

std::string format_socket_address(const sockaddr_storage& address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&address);
    inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
    return format_host_port(text, ntohs(v4->sin_port));
  }
  if (address.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&address);
    inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
    return format_host_port(text, ntohs(v6->sin6_port));
  }
  return "?";
}

}  // namespace graced::probes
