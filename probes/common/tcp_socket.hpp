// An owned libuv TCP handle, freed only in its close callback (see loop::Handle).
#pragma once

#include <uv.h>

#include "loop/handle.hpp"

namespace graced::probes {

class TcpSocket : public loop::Handle<uv_tcp_t> {
 public:
  TcpSocket() = default;
  // Throws std::runtime_error when the handle cannot be initialised.
  explicit TcpSocket(uv_loop_t* loop);

  uv_stream_t* stream() const { return reinterpret_cast<uv_stream_t*>(h_); }
  // The owner callbacks reach through handle->data; close() resets it to null, which is
  // how a late callback knows its owner is gone.
  void set_owner(void* owner) const {
    if (h_) h_->data = owner;
  }
};

}  // namespace graced::probes
