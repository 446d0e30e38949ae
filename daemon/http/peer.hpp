// Who is on the other end of an accepted connection.
#pragma once

#include <sys/socket.h>

#include <string>

namespace graced::http {

struct Peer {
  std::string address;  // "127.0.0.1", "::1", "::ffff:127.0.0.1"
  int port = 0;
  bool loopback = false;
};

// 127.0.0.0/8, ::1, and IPv4-mapped ::ffff:127.0.0.0/104 (what a dual-stack [::] listener
// sees for a client connecting to 127.0.0.1).
bool is_loopback(const sockaddr* addr);

Peer describe_peer(const sockaddr* addr);

}  // namespace graced::http
