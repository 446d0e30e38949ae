// Asynchronous name resolution on the loop. c-ares does the lookups; its sockets are
// watched with uv_poll and its retransmission timeouts with a uv timer, so a slow or dead
// DNS server never blocks the loop (and the static binary needs no NSS modules).
#pragma once

#include <sys/socket.h>
#include <uv.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace graced::probes {

struct Resolution {
  std::vector<sockaddr_storage> addresses;  // in the order to try them, port filled in
  std::string error;                        // empty on success: "no such host \"db\""
  bool ok() const { return error.empty(); }
};

class Resolver {
 public:
  using Done = std::function<void(Resolution)>;

  explicit Resolver(uv_loop_t* loop) : loop_(loop) {}
  ~Resolver() { cancel(); }
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // Looks up IPv4 and IPv6 addresses of `host`. An IP literal needs no lookup, and names
  // in /etc/hosts are found at once: then `done` runs before resolve() returns. A new
  // lookup abandons the one in flight.
  void resolve(const std::string& host, std::uint16_t port, Done done);
  // Abandons the lookup in flight: `done` is not called. Safe when idle.
  void cancel();
  bool busy() const { return lookup_ != nullptr; }

 private:
  struct Lookup;
  uv_loop_t* loop_;
  Lookup* lookup_ = nullptr;  // frees itself once its handles are closed
};

// Sends lookups to these DNS servers ("127.0.0.1:5353", comma-separated, IPv6 in
// brackets) instead of those in /etc/resolv.conf; empty restores the system's. Lets tests
// use a DNS server on loopback.
void set_dns_servers(std::string servers);

}  // namespace graced::probes
