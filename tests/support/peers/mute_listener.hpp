// A TCP listener on 127.0.0.1 that never answers: the kernel completes handshakes into
// the accept queue and nothing is ever sent back, so a client stays waiting for the
// server's first word (a PostgreSQL startup reply, a Redis PONG) until it gives up or
// is cancelled. What the client sent, and whether it closed, stay observable.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace graced::test {

class MuteListener {
 public:
  // Throws std::runtime_error when it cannot listen.
  MuteListener();
  ~MuteListener();
  MuteListener(const MuteListener&) = delete;
  MuteListener& operator=(const MuteListener&) = delete;

  std::uint16_t port() const { return port_; }
  // "127.0.0.1:port".
  std::string address() const;

  // Accepts the next connection (waiting up to `timeout`) and reads until the client
  // closes it: the bytes it sent. nullopt when no connection came or it was still open
  // at the timeout.
  std::optional<std::string> read_until_closed(std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace graced::test
