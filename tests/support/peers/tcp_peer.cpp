#include "peers/tcp_peer.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace graced::test {
namespace {

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

bool wait_for(int fd, short events, std::chrono::milliseconds timeout) {
  pollfd p{fd, events, 0};
  return poll(&p, 1, static_cast<int>(timeout.count())) == 1;
}

}  // namespace

TcpListener::TcpListener(Family family) : family_(family) {
  const int domain = family == Family::ipv4 ? AF_INET : AF_INET6;
  fd_ = socket(domain, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) fail("socket");
  sockaddr_storage addr{};
  socklen_t len = 0;
  if (family == Family::ipv4) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
    v4->sin_family = AF_INET;
    v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    len = sizeof(sockaddr_in);
  } else {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
    v6->sin6_family = AF_INET6;
    v6->sin6_addr = in6addr_loopback;
    len = sizeof(sockaddr_in6);
  }
  // A backlog of 0 lets fill_backlog() saturate the queue with few connections.
  if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || listen(fd_, 0) != 0 ||
      getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const int err = errno;
    close(fd_);
    errno = err;
    fail("listen on loopback");
  }
  port_ = ntohs(family == Family::ipv4 ? reinterpret_cast<sockaddr_in*>(&addr)->sin_port
                                       : reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
}

TcpListener::~TcpListener() {
  if (replier_.joinable()) replier_.join();
  for (int fd : fillers_)
    close(fd);
  if (fd_ >= 0) close(fd_);
}

std::string TcpListener::address() const {
  return (family_ == Family::ipv4 ? "127.0.0.1:" : "[::1]:") + std::to_string(port_);
}

bool TcpListener::next_connection_closed_by_peer(std::chrono::milliseconds timeout) {
  if (!wait_for(fd_, POLLIN, timeout)) return false;
  const int conn = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (conn < 0) return false;
  bool closed = false;
  if (wait_for(conn, POLLIN, timeout)) {
    char byte = 0;
    closed = recv(conn, &byte, 1, 0) == 0;
  }
  close(conn);
  return closed;
}

void TcpListener::reply_to_next_connection(std::string bytes) {
  if (replier_.joinable()) replier_.join();
  replier_ = std::thread([fd = fd_, bytes = std::move(bytes)] {
    if (!wait_for(fd, POLLIN, std::chrono::seconds(10))) return;
    const int conn = accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn < 0) return;
    [[maybe_unused]] auto sent = send(conn, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    // Read what the client sends until it closes: closing with unread data would reset
    // the connection, possibly before the client has read the reply.
    shutdown(conn, SHUT_WR);
    char sink[4096];
    while (wait_for(conn, POLLIN, std::chrono::seconds(2)) &&
           recv(conn, sink, sizeof sink, 0) > 0) {
    }
    close(conn);
  });
}

void TcpListener::fill_backlog() {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) fail("getsockname");
  // Linux answers backlog+1 connections (more with syncookies); stop at the first that
  // stays unanswered.
  for (int i = 0; i < 64; ++i) {
    const int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) fail("socket");
    fillers_.push_back(fd);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0) continue;
    if (errno != EINPROGRESS) fail("connect");
    if (!wait_for(fd, POLLOUT, std::chrono::milliseconds(300))) return;
  }
  throw std::runtime_error("the accept queue never filled up");
}

}  // namespace graced::test
