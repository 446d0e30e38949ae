#include "probes/common/client_stream.hpp"

#include <utility>

namespace graced::probes {
namespace {

struct WriteRequest {
  uv_write_t req{};
  std::string bytes;
};

}  // namespace

ClientStream::ClientStream(TcpSocket socket, std::shared_ptr<const TlsContext> tls,
                           const std::string& server_name)
    : socket_(std::move(socket)) {
  if (tls) tls_ = std::make_unique<TlsSession>(std::move(tls), server_name);
}

void ClientStream::close() {
  socket_.close();
  handlers_ = {};
  alive_ = std::make_shared<bool>(true);  // outstanding weak references now see it expired
}

void ClientStream::start(Handlers handlers) {
  handlers_ = std::move(handlers);
  socket_.set_owner(this);
  const int rc = uv_read_start(
      socket_.stream(),
      [](uv_handle_t* handle, std::size_t, uv_buf_t* buf) {
        auto* self = static_cast<ClientStream*>(handle->data);
        if (!self) {
          *buf = uv_buf_init(nullptr, 0);
          return;
        }
        *buf = uv_buf_init(self->buffer_.data(), static_cast<unsigned>(self->buffer_.size()));
      },
      [](uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
        auto* self = static_cast<ClientStream*>(stream->data);
        if (!self) return;
        if (nread > 0) {
          self->on_read(std::string_view(buf->base, static_cast<std::size_t>(nread)));
        } else if (nread == UV_EOF) {
          self->on_end("");
        } else if (nread < 0) {
          self->on_end(uv_strerror(static_cast<int>(nread)));
        }
      });
  if (rc != 0) {
    on_end(uv_strerror(rc));
    return;
  }
  if (!tls_) {
    ready_ = true;
    // A copy: the handler may destroy the stream, and with it handlers_.
    if (auto ready = handlers_.ready) ready();
    return;
  }
  // The client speaks first in TLS: send the ClientHello.
  tls_->handshake();
  if (tls_->state() == TlsSession::State::failed) {
    on_end(tls_->error());
    return;
  }
  flush_tls();
}

void ClientStream::write(std::string_view bytes) {
  if (!socket_) return;
  if (!tls_) {
    send_raw(std::string(bytes));
    return;
  }
  if (!tls_->write(bytes)) {
    on_end(tls_->error());
    return;
  }
  flush_tls();
}

void ClientStream::flush_tls() {
  std::string out = tls_->take_outgoing();
  if (!out.empty()) send_raw(std::move(out));
}

void ClientStream::send_raw(std::string bytes) {
  auto* request = new WriteRequest;
  request->bytes = std::move(bytes);
  request->req.data = request;
  uv_buf_t buf = uv_buf_init(request->bytes.data(), static_cast<unsigned>(request->bytes.size()));
  const int rc =
      uv_write(&request->req, socket_.stream(), &buf, 1, [](uv_write_t* req, int status) {
        auto* owned = static_cast<WriteRequest*>(req->data);
        auto* self = static_cast<ClientStream*>(req->handle->data);
        delete owned;
        if (self && status < 0) self->on_end(uv_strerror(status));
      });
  if (rc != 0) {
    delete request;
    on_end(uv_strerror(rc));
  }
}

void ClientStream::on_read(std::string_view ciphertext) {
  if (!tls_) {
    if (auto data = handlers_.data) data(ciphertext);
    return;
  }
  std::weak_ptr<bool> alive = alive_;
  tls_->receive(ciphertext);
  if (!ready_) {
    const auto state = tls_->handshake();
    flush_tls();
    if (alive.expired()) return;  // a failed write closed the stream
    if (state == TlsSession::State::failed) {
      on_end(tls_->error());
      return;
    }
    if (state == TlsSession::State::handshaking) return;
    ready_ = true;
    if (auto ready = handlers_.ready) ready();
    if (alive.expired() || !socket_) return;
  }
  std::string plaintext;
  const auto state = tls_->read(plaintext);
  flush_tls();  // e.g. a key update
  if (alive.expired() || !socket_) return;
  if (auto data = handlers_.data; data && !plaintext.empty()) {
    data(plaintext);
    if (alive.expired() || !socket_) return;
  }
  if (state == TlsSession::State::closed) {
    on_end("");
  } else if (state == TlsSession::State::failed) {
    on_end(tls_->error());
  }
}

void ClientStream::on_end(std::string error) {
  if (tls_ && !ready_ && error.empty()) error = "connection closed during the TLS handshake";
  auto closed = std::move(handlers_.closed);
  close();
  // Last: the handler may destroy the stream.
  if (closed) closed(std::move(error));
}

}  // namespace graced::probes
