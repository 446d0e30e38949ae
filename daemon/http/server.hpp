// A small, hardened HTTP/1.1 server on the daemon's libuv loop: keep-alive, pipelining,
// deferred answers, and limits that keep one misbehaving client from starving the others
// (header/body/idle timeouts, size limits, a write backlog cap, a connection cap that
// sheds idle connections first). Routing is the handler's business.
//
// Everything runs on the loop's thread; nothing here is thread-safe.
#pragma once

#include <uv.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "http/listen_address.hpp"
#include "http/listen_socket.hpp"
#include "http/message.hpp"
#include "http/responder.hpp"

namespace graced::http {

struct ServerOptions {
  std::string listen = "0.0.0.0:8558";  // see parse_listen_address
  std::size_t max_connections = 1024;
  // Request line plus headers. Over it: 431 and close.
  std::size_t max_header_bytes = 8192;
  // Over it (announced by Content-Length or reached while reading chunks): 413 and close.
  std::size_t max_body_bytes = 64 * 1024;
  // From accept until the first request's headers are complete; on a keep-alive connection,
  // from the first byte of the next request until its headers are complete. A client that
  // dribbles a request (slowloris) is answered 408 and closed; one that never sent a byte
  // is just closed.
  std::chrono::milliseconds header_timeout{10'000};
  // From the end of the headers until the body is complete; 408 and close on expiry.
  std::chrono::milliseconds body_timeout{10'000};
  // How long a keep-alive connection may wait, after its last response, for the first byte
  // of its next request.
  std::chrono::milliseconds idle_timeout{60'000};
  // Output the kernel would not take yet. A client whose earlier responses still exceed
  // this when the next one is ready is not reading them, and is closed; a single response
  // may be larger, and the client then has header_timeout to take the rest of it.
  std::size_t max_write_backlog = 1024 * 1024;
  // When set, a connection that opens with the HTTP/2 prior-knowledge preface (kubelet's
  // gRPC probe, grpc_health_probe) is handed over instead of answered 400: the callback
  // gets a duplicate of its socket, which it owns from then on, and every byte read so
  // far. This server then forgets the connection.
  std::function<void(uv_os_sock_t socket, std::string_view already_read)> on_http2_preface;
};

struct ServerStats {
  std::uint64_t connections_open = 0;
  std::uint64_t connections_accepted = 0;
  std::uint64_t connections_rejected = 0;  // over max_connections with none idle to shed
  std::uint64_t connections_shed = 0;      // idle ones closed to make room for a new one
  std::uint64_t requests = 0;              // complete requests handed to the handler
  std::uint64_t http2_handovers = 0;       // connections given to on_http2_preface
  std::uint64_t bad_requests = 0;          // answered 400, 413 or 431 by the server itself
  std::uint64_t header_timeouts = 0;
  std::uint64_t body_timeouts = 0;
  std::uint64_t idle_timeouts = 0;
  std::uint64_t write_backlog_overflows = 0;
  // Responses written, by status class: [1] is 1xx (100 Continue) ... [5] is 5xx.
  std::array<std::uint64_t, 6> responses_by_class{};
};

// Called once per complete request. The Request is valid only during the call: a handler
// that answers later copies what it needs and keeps the Responder.
using Handler = std::function<void(const Request&, Responder)>;

class Connection;

class Server {
 public:
  Server(uv_loop_t* loop, ServerOptions options, Handler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Starts listening; returns why it could not ("cannot listen on 0.0.0.0:8558: address
  // already in use"), or nullopt.
  std::optional<std::string> start();
  // Closes the listener and every connection at once; unsent output is dropped and
  // outstanding Responders become no-ops. May be called from inside the handler; the
  // Server itself must not be destroyed from inside its handler.
  void stop();

  int port() const { return listener_.port(); }  // the bound port; 0 when not listening
  const ServerStats& stats() const { return stats_; }
  const ServerOptions& options() const { return options_; }

 private:
  friend class Connection;
  static constexpr std::size_t kReadBufferSize = 64 * 1024;

  void on_connection(int status);
  void reject_connection();
  // Closes the connection that has waited longest for a request; false if every one is busy.
  bool shed_idle_connection();
  void forget(Connection* connection);
  void count_response(int status);

  uv_loop_t* loop_;
  ServerOptions options_;
  Handler handler_;
  ServerStats stats_;
  ListenSocket listener_;
  std::list<Connection*> connections_;
  // Every read lands here and is parsed at once; only a connection waiting on a deferred
  // answer keeps bytes, in a copy of its own.
  std::unique_ptr<char[]> read_buffer_;
};

}  // namespace graced::http
