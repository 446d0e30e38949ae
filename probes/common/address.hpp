// Network addresses as users write them ("db:5432", "[::1]:6379") and as messages show
// them. Shared by every kind that dials a host.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace graced::probes {

struct HostPort {
  std::string host;  // a name or an IP literal, without brackets
  std::uint16_t port = 0;
};

// Parses "host:port", "[v6]:port" or "1.2.3.4:port". Without a port, `default_port` is
// used when given; otherwise it is an error. On failure, returns nullopt and sets `error`
// to a short reason ("missing port in \"db\"").
std::optional<HostPort> parse_host_port(std::string_view text, std::string& error,
                                        std::optional<std::uint16_t> default_port = {});

// "db:5432", "[::1]:6379": the form parse_host_port reads back.
std::string format_host_port(std::string_view host, std::uint16_t port);

// True for a literal IPv4 or IPv6 address: such hosts need no name resolution.
bool is_ip_literal(std::string_view host);
bool is_ipv6_literal(std::string_view host);

// The socket address of an IP literal and port, or nullopt when `host` is not one.
std::optional<sockaddr_storage> ip_socket_address(std::string_view host, std::uint16_t port);

// "127.0.0.1:5432", "[::1]:6379".
std::string format_socket_address(const sockaddr_storage& address);

}  // namespace graced::probes
