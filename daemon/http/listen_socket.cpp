#include "http/listen_socket.hpp"

#include <netinet/in.h>

#include <cstring>

namespace graced::http {

namespace {
// Linux caps this at net.core.somaxconn; asking for more costs nothing.
constexpr int kBacklog = 511;
}  // namespace

int ListenSocket::open(uv_loop_t* loop, const sockaddr* addr, OnConnection on_connection) {
  close();
  h_ = new uv_tcp_t{};
  // _ex creates the socket now, so an unsupported address family fails here, by name.
  int rc = uv_tcp_init_ex(loop, h_, addr->sa_family);
  if (rc != 0) {
    delete h_;
    h_ = nullptr;
    return rc;
  }
  on_connection_ = std::move(on_connection);
  h_->data = this;
  // libuv defers a failed bind() (EADDRINUSE) to uv_listen, so both are checked.
  rc = uv_tcp_bind(h_, addr, 0);
  if (rc == 0) {
    rc = uv_listen(reinterpret_cast<uv_stream_t*>(h_), kBacklog, [](uv_stream_t* s, int status) {
      if (auto* self = static_cast<ListenSocket*>(s->data)) self->on_connection_(status);
    });
  }
  if (rc != 0) close();
  return rc;
}

int ListenSocket::port() const {
  if (!h_) return 0;
  sockaddr_storage ss{};
  int len = sizeof ss;
  if (uv_tcp_getsockname(h_, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
  if (ss.ss_family == AF_INET) {
    sockaddr_in v4{};
    std::memcpy(&v4, &ss, sizeof v4);
    return ntohs(v4.sin_port);
  }
  sockaddr_in6 v6{};
  std::memcpy(&v6, &ss, sizeof v6);
  return ntohs(v6.sin6_port);
}

}  // namespace graced::http
