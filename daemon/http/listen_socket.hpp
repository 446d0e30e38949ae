// The listening TCP socket of a Server, owned like every other handle.
#pragma once

#include <uv.h>

#include <functional>

#include "loop/handle.hpp"

namespace graced::http {

class ListenSocket : public loop::Handle<uv_tcp_t> {
 public:
  using OnConnection = std::function<void(int status)>;

  ListenSocket() = default;
  ListenSocket(const ListenSocket&) = delete;
  ListenSocket& operator=(const ListenSocket&) = delete;

  // Binds and listens; returns 0 or a libuv error code (the handle is closed on error).
  // The socket is IPv6 dual-stack when the system allows it, so "[::]:port" also takes
  // IPv4 clients.
  int open(uv_loop_t* loop, const sockaddr* addr, OnConnection on_connection);
  // The bound port (the kernel's choice when asked for port 0); 0 when not listening.
  int port() const;

 private:
  OnConnection on_connection_;
};

}  // namespace graced::http
