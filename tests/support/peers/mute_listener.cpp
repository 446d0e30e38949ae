#include "peers/mute_listener.hpp"

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

[[noreturn]] void fail(const char* what) {
  throw std::runtime_error(std::string(what) + ": " + std::strerror(errno));
}

// Milliseconds left until `deadline`, for poll().
int remaining_ms(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

bool wait_readable(int fd, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    int n = poll(&p, 1, remaining_ms(deadline));
    if (n > 0) return true;
    if (n == 0 || errno != EINTR) return false;
  }
}

}  // namespace

MuteListener::MuteListener() {
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) fail("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd_, 16) != 0 ||
      getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    int err = errno;
    close(fd_);
    errno = err;
    fail("listen on 127.0.0.1");
  }
  port_ = ntohs(addr.sin_port);
}

MuteListener::~MuteListener() {
  close(fd_);
}

std::string MuteListener::address() const {
  return "127.0.0.1:" + std::to_string(port_);
}

std::optional<std::string> MuteListener::read_until_closed(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  if (!wait_readable(fd_, deadline)) return std::nullopt;
  const int conn = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (conn < 0) return std::nullopt;
  std::string received;
  std::optional<std::string> out;
  while (wait_readable(conn, deadline)) {
    char buf[4096];
    const ssize_t n = recv(conn, buf, sizeof buf, 0);
    if (n == 0) {
      out = received;
      break;
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == ECONNRESET) out = received;  // closed with unread data: a reset
      break;
    }
    received.append(buf, static_cast<std::size_t>(n));
  }
  close(conn);
  return out;
}

}  // namespace graced::test
