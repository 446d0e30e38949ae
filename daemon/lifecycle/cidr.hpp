// Networks as users write them ("10.0.0.0/8", "::1/128"), for the pre-stop allow list.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace graced {

struct Cidr {
  bool ipv6 = false;
  std::array<std::uint8_t, 16> address{};
  unsigned prefix = 0;
};

std::optional<Cidr> parse_cidr(std::string_view text);

// Whether an address (text form, as the HTTP server reports peers) is in any network.
// IPv4-mapped IPv6 addresses (::ffff:10.1.2.3) match IPv4 networks.
bool address_allowed(std::string_view address, const std::vector<Cidr>& networks);

}  // namespace graced
