#include "probes/common/tcp_socket.hpp"

#include <stdexcept>
#include <string>

namespace graced::probes {

TcpSocket::TcpSocket(uv_loop_t* loop) {
  h_ = new uv_tcp_t{};
  if (int rc = uv_tcp_init(loop, h_); rc != 0) {
    delete h_;
    h_ = nullptr;
    throw std::runtime_error(std::string("uv_tcp_init: ") + uv_strerror(rc));
  }
}

}  // namespace graced::probes
