#include "http/peer.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace graced::http {

namespace {

sockaddr_in as_v4(const sockaddr* addr) {
  sockaddr_in v4{};
  std::memcpy(&v4, addr, sizeof v4);
  return v4;
}

sockaddr_in6 as_v6(const sockaddr* addr) {
  sockaddr_in6 v6{};
  std::memcpy(&v6, addr, sizeof v6);
  return v6;
}

}  // namespace

bool is_loopback(const sockaddr* addr) {
  if (addr->sa_family == AF_INET) {
    return (ntohl(as_v4(addr).sin_addr.s_addr) >> 24) == 127;
  }
  if (addr->sa_family == AF_INET6) {
    const auto a = as_v6(addr).sin6_addr;
    static constexpr unsigned char kLoopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    static constexpr unsigned char kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(a.s6_addr, kLoopback, sizeof kLoopback) == 0) return true;
    return std::memcmp(a.s6_addr, kMappedPrefix, sizeof kMappedPrefix) == 0 && a.s6_addr[12] == 127;
  }
  return false;
}

Peer describe_peer(const sockaddr* addr) {
  Peer peer;
  char text[INET6_ADDRSTRLEN] = {};
  if (addr->sa_family == AF_INET) {
    auto v4 = as_v4(addr);
    inet_ntop(AF_INET, &v4.sin_addr, text, sizeof text);
    peer.port = ntohs(v4.sin_port);
  } else if (addr->sa_family == AF_INET6) {
    auto v6 = as_v6(addr);
    inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof text);
    peer.port = ntohs(v6.sin6_port);
  }
  peer.address = text;
  peer.loopback = is_loopback(addr);
  return peer;
}

}  // namespace graced::http
