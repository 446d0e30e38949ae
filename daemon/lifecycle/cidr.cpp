#include "lifecycle/cidr.hpp"

#include <arpa/inet.h>

#include <string>

namespace graced {
namespace {

bool parse_ip(std::string_view text, Cidr& out) {
  std::string s(text);
  if (inet_pton(AF_INET, s.c_str(), out.address.data()) == 1) {
    out.ipv6 = false;
    return true;
  }
  if (inet_pton(AF_INET6, s.c_str(), out.address.data()) == 1) {
    out.ipv6 = true;
    return true;
  }
  return false;
}

bool matches(const Cidr& net, const Cidr& addr) {
  if (net.ipv6 != addr.ipv6) return false;
  unsigned bits = net.prefix;
  for (std::size_t i = 0; bits > 0; ++i, bits = bits >= 8 ? bits - 8 : 0) {
    const auto mask = static_cast<std::uint8_t>(bits >= 8 ? 0xff : 0xff << (8 - bits));
    if ((net.address[i] & mask) != (addr.address[i] & mask)) return false;
  }
  return true;
}

}  // namespace

std::optional<Cidr> parse_cidr(std::string_view text) {
  Cidr c;
  auto slash = text.find('/');
  std::string_view ip = text.substr(0, slash);
  if (!parse_ip(ip, c)) return std::nullopt;
  const unsigned max = c.ipv6 ? 128 : 32;
  if (slash == std::string_view::npos) {
    c.prefix = max;
    return c;
  }
  std::string_view p = text.substr(slash + 1);
  if (p.empty() || p.size() > 3) return std::nullopt;
  unsigned prefix = 0;
  for (char ch : p) {
    if (ch < '0' || ch > '9') return std::nullopt;
    prefix = prefix * 10 + static_cast<unsigned>(ch - '0');
  }
  if (prefix > max) return std::nullopt;
  c.prefix = prefix;
  return c;
}

bool address_allowed(std::string_view address, const std::vector<Cidr>& networks) {
  Cidr addr;
  if (!parse_ip(address, addr)) return false;
  Cidr mapped;
  bool has_mapped = false;
  if (addr.ipv6) {
    static constexpr std::uint8_t kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    bool is_mapped = true;
    for (int i = 0; i < 12; ++i)
      if (addr.address[static_cast<std::size_t>(i)] != kPrefix[i]) is_mapped = false;
    if (is_mapped) {
      has_mapped = true;
      mapped.ipv6 = false;
      for (std::size_t i = 0; i < 4; ++i)
        mapped.address[i] = addr.address[12 + i];
    }
  }
  for (const auto& net : networks) {
    if (matches(net, addr)) return true;
    if (has_mapped && matches(net, mapped)) return true;
  }
  return false;
}

}  // namespace graced
