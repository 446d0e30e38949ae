// Adaptive drain: watches the service's ports for *new* TCP connections without touching
// the traffic. Every poll reads the kernel's socket table (/proc/net/tcp and tcp6, graced's
// network namespace, which a container shares with its service) and records each
// connection by its address/port 4-tuple, in every state but LISTEN. A tuple not seen
// before is a new connection — whether still in the accept queue (SYN_RECV or not yet
// accepted), established, or already closing (TIME_WAIT). A keep-alive connection that
// stays open is the same tuple on every poll, so long-idle clients never count as new.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "loop/handle.hpp"

namespace graced {

// Parses one /proc/net/tcp{,6} table; returns the tuples of non-listening sockets whose
// local port is one of `ports`. Exposed for tests.
std::set<std::string> connection_tuples(const std::string& table_text,
                                        const std::vector<std::uint16_t>& ports);

class ConnectionWatch {
 public:
  ConnectionWatch(uv_loop_t* loop, std::vector<std::uint16_t> ports);

  // Polls every `poll_ms` and calls `on_quiet` on each poll once no new connection arrived
  // for `quiet_ms`. The clock starts now: connections open at start are not new.
  void start(std::uint64_t quiet_ms, std::function<void()> on_quiet, std::uint64_t poll_ms = 100);
  void stop();
  std::uint64_t new_connections() const { return new_connections_; }

 private:
  std::set<std::string> snapshot() const;
  void poll();

  uv_loop_t* loop_;
  std::vector<std::uint16_t> ports_;
  loop::Timer timer_;
  std::set<std::string> seen_;
  std::uint64_t last_new_ms_ = 0;
  std::uint64_t quiet_ms_ = 0;
  std::uint64_t new_connections_ = 0;
  std::function<void()> on_quiet_;
};

}  // namespace graced
