// Bytes to and from a connected peer over a libuv TCP socket, in clear or through TLS
// (handshake included). What a protocol client (HTTP, gRPC...) builds on.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "probes/common/tcp_socket.hpp"
#include "probes/common/tls_context.hpp"
#include "probes/common/tls_session.hpp"

namespace graced::probes {

class ClientStream {
 public:
  struct Handlers {
    std::function<void()> ready;                 // connected (and TLS handshake done)
    std::function<void(std::string_view)> data;  // bytes from the peer
    std::function<void(std::string)> closed;     // "" at end of stream, else the error
  };

  // `tls` null: clear text. Otherwise `server_name` is the TLS SNI and the name the
  // certificate must match.
  ClientStream(TcpSocket socket, std::shared_ptr<const TlsContext> tls,
               const std::string& server_name);
  ~ClientStream() { close(); }
  ClientStream(const ClientStream&) = delete;
  ClientStream& operator=(const ClientStream&) = delete;

  // Starts reading (and the TLS handshake). Each handler may destroy the stream.
  void start(Handlers handlers);
  // Sends bytes; call after `ready`.
  void write(std::string_view bytes);
  // Closes the socket at once; no handler runs afterwards.
  void close();

 private:
  void on_read(std::string_view ciphertext);
  void on_end(std::string error);
  void send_raw(std::string bytes);
  void flush_tls();

  TcpSocket socket_;
  std::unique_ptr<TlsSession> tls_;
  Handlers handlers_;
  bool ready_ = false;
  // Lets code that ran a handler tell whether the stream survived it.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::array<char, 16384> buffer_{};
};

}  // namespace graced::probes
