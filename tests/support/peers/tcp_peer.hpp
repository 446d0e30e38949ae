// A TCP listener on loopback for the tcp check's tests, in the test process itself: it
// listens but never accepts on its own, so what reaches it stays observable.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace graced::test {

class TcpListener {
 public:
  enum class Family { ipv4, ipv6 };

  // Listens on 127.0.0.1 (or ::1) at a port the kernel picks. Throws std::runtime_error.
  explicit TcpListener(Family family = Family::ipv4);
  ~TcpListener();
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;

  std::uint16_t port() const { return port_; }
  // "127.0.0.1:4242" or "[::1]:4242".
  std::string address() const;

  // Accepts one pending connection (waiting up to `timeout`) and tells whether the peer
  // closed it within `timeout`. False when none arrived.
  bool next_connection_closed_by_peer(std::chrono::milliseconds timeout);

  // On a thread of its own: accepts the next connection (waiting up to 10s), sends
  // `bytes` at once, whatever the client says, and closes it. A peer speaking the wrong
  // protocol.
  void reply_to_next_connection(std::string bytes);

  // Fills the accept queue with connections of its own until a new connect gets no answer:
  // further connects then hang like ones to a blackholed address. Throws when the kernel
  // keeps answering.
  void fill_backlog();

 private:
  int fd_ = -1;
  Family family_;
  std::uint16_t port_ = 0;
  std::vector<int> fillers_;
  std::thread replier_;
};

}  // namespace graced::test
