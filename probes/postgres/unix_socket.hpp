// A connected Unix-domain stream socket as an owned libuv pipe handle: how the postgres
// check reaches a server through its socket directory (host=/var/run/postgresql), and an
// abstract socket name ("@name") too.
#pragma once

#include <uv.h>

#include <string>

#include "loop/handle.hpp"

namespace graced::probes {

class UnixSocket : public loop::Handle<uv_pipe_t> {
 public:
  UnixSocket() = default;
  // Connects to `path`; a leading '@' names an abstract socket. A Unix-domain connect()
  // succeeds or fails at once, so this never waits. On failure the socket is empty and
  // `error` says why ("no such file or directory").
  static UnixSocket connect(uv_loop_t* loop, const std::string& path, std::string& error);

  uv_stream_t* stream() const { return reinterpret_cast<uv_stream_t*>(h_); }
  // Callbacks reach the owner through handle->data; close() resets it (see TcpSocket).
  void set_owner(void* owner) const {
    if (h_) h_->data = owner;
  }
};

}  // namespace graced::probes
