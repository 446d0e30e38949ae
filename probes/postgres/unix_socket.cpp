#include "probes/postgres/unix_socket.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

namespace graced::probes {

UnixSocket UnixSocket::connect(uv_loop_t* loop, const std::string& path, std::string& error) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof address.sun_path) {
    error = "socket path \"" + path + "\" is too long";
    return {};
  }
  std::memcpy(address.sun_path, path.data(), path.size());
  socklen_t length = sizeof address;
  if (path.front() == '@') {
    // Abstract: a leading NUL, and the name is exactly as long as given.
    address.sun_path[0] = '\0';
    length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size());
  }
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    error = uv_strerror(uv_translate_sys_error(errno));
    return {};
  }
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), length) != 0) {
    error = uv_strerror(uv_translate_sys_error(errno));
    ::close(fd);
    return {};
  }
  UnixSocket socket;
  socket.h_ = new uv_pipe_t{};
  int rc = uv_pipe_init(loop, socket.h_, 0);
  if (rc != 0) {
    delete socket.h_;
    socket.h_ = nullptr;
    ::close(fd);
    error = uv_strerror(rc);
    return {};
  }
  rc = uv_pipe_open(socket.h_, fd);
  if (rc != 0) {
    ::close(fd);  // the handle does not own it yet
    socket.close();
    error = uv_strerror(rc);
  }
  return socket;
}

}  // namespace graced::probes
