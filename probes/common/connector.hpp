// Dials host:port on the loop: resolves the name (unless it is an IP literal), then tries
// each address in turn until one accepts. Shared by every kind that opens a TCP connection.
#pragma once

#include <sys/socket.h>
#include <uv.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "probes/common/resolver.hpp"
#include "probes/common/tcp_socket.hpp"

namespace graced::probes {

struct Connection {
  TcpSocket socket;   // connected, not reading; empty on failure
  std::string peer;   // "127.0.0.1:5432": the address that accepted
  std::string error;  // empty on success: "connection refused", "no such host \"db\""
  bool ok() const { return error.empty(); }
};

class Connector {
 public:
  using Done = std::function<void(Connection)>;

  explicit Connector(uv_loop_t* loop) : loop_(loop), resolver_(loop) {}
  Connector(const Connector&) = delete;
  Connector& operator=(const Connector&) = delete;

  // `done` runs once, possibly before connect() returns (e.g. on a synchronous error).
  void connect(const std::string& host, std::uint16_t port, Done done);
  // Abandons the lookup or connect in flight and closes its socket; `done` is not called.
  void cancel();

 private:
  void try_next();
  void finish(Connection connection);

  uv_loop_t* loop_;
  Resolver resolver_;
  std::vector<sockaddr_storage> addresses_;
  std::size_t next_ = 0;
  TcpSocket socket_;
  std::string last_error_;
  Done done_;
};

}  // namespace graced::probes
