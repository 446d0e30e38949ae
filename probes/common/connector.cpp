#include "probes/common/connector.hpp"

#include <stdexcept>
#include <utility>

#include "probes/common/address.hpp"

namespace graced::probes {

void Connector::connect(const std::string& host, std::uint16_t port, Done done) {
  cancel();
  done_ = std::move(done);
  resolver_.resolve(host, port, [this](Resolution resolution) {
    if (!resolution.ok()) {
      finish(Connection{{}, {}, std::move(resolution.error)});
      return;
    }
    addresses_ = std::move(resolution.addresses);
    next_ = 0;
    last_error_.clear();
    try_next();
  });
}

void Connector::cancel() {
  resolver_.cancel();
  socket_.close();
  addresses_.clear();
  done_ = nullptr;
}

void Connector::try_next() {
  while (next_ < addresses_.size()) {
    const sockaddr_storage& address = addresses_[next_++];
    try {
      socket_ = TcpSocket(loop_);
    } catch (const std::exception& e) {
      last_error_ = e.what();
      continue;
    }
    socket_.set_owner(this);
    auto* request = new uv_connect_t{};
    int rc = uv_tcp_connect(
        request, socket_.get(), reinterpret_cast<const sockaddr*>(&address),
        [](uv_connect_t* req, int status) {
          auto* self = static_cast<Connector*>(req->handle->data);
          delete req;
          if (!self) return;  // cancelled: the socket is closing
          if (status == 0) {
            const auto& peer = self->addresses_[self->next_ - 1];
            self->finish(Connection{std::move(self->socket_), format_socket_address(peer), {}});
            return;
          }
          self->last_error_ = uv_strerror(status);
          self->socket_.close();
          self->try_next();
        });
    if (rc == 0) return;
    delete request;
    last_error_ = uv_strerror(rc);
    socket_.close();
  }
  std::string error = last_error_.empty() ? "no address to connect to" : last_error_;
  if (addresses_.size() > 1)
    error += " (tried " + std::to_string(addresses_.size()) + " addresses)";
  finish(Connection{{}, {}, std::move(error)});
}

void Connector::finish(Connection connection) {
  addresses_.clear();
  connection.socket.set_owner(nullptr);
  Done callback = std::move(done_);
  done_ = nullptr;
  // Last: the callback may destroy this connector or dial again.
  if (callback) callback(std::move(connection));
}

}  // namespace graced::probes
