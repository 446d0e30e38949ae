// The gRPC health service (grpc.health.v1.Health: Check, Watch, List) over HTTP/2
// cleartext, on the daemon's loop. Connections come from a listener of its own
// (grpc.listen) and from the HTTP/1.1 listener, which hands over every connection that
// opens with the HTTP/2 preface. Plain HTTP requests over HTTP/2 (GET /readyz) go to the
// same handler as HTTP/1.1 ones. Answers come from Health's cached state; Watch streams
// are pushed from Health's change notifications, never polled.
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
#include <utility>
#include <vector>

#include "grpc/grpc_config.hpp"
#include "grpc/health_service.hpp"
#include "grpc/status_code.hpp"
#include "health/health.hpp"
#include "http/listen_socket.hpp"
#include "http/message.hpp"

namespace graced::grpc {

struct ServerOptions {
  std::string listen;  // "" for no listener of its own; see http::parse_listen_address
  std::vector<std::pair<std::string, std::string>> services;  // grpc.services
  std::uint32_t max_concurrent_streams = 100;
  std::size_t max_connections = 128;
  std::chrono::milliseconds idle_timeout{60'000};
  // A gRPC request message larger than this is answered RESOURCE_EXHAUSTED.
  std::size_t max_message_bytes = 4096;
  // Header fields of one request (name + value + 32 each, as HTTP/2 counts them).
  std::size_t max_header_list_bytes = 8192;
  // The body of a plain HTTP request over HTTP/2.
  std::size_t max_http_body_bytes = 64 * 1024;
  // Output the kernel would not take yet; a client that does not read is closed beyond it.
  std::size_t max_write_backlog = 1024 * 1024;
  // After shutdown(), how long a connection may take to flush its last frames.
  std::chrono::milliseconds close_grace{1000};
};

ServerOptions server_options(const GrpcConfig& config);

// The method a call named, for counting: bounded, whatever paths clients send.
enum class Method : std::uint8_t { check, watch, list, other };
inline constexpr std::size_t kMethodCount = 4;
std::string_view method_name(Method m);  // "Check", "Watch", "List", "other"

struct Stats {
  std::uint64_t connections_open = 0;
  std::uint64_t connections_accepted = 0;  // from the listener and handed over
  std::uint64_t connections_rejected = 0;  // over max_connections with none idle to close
  std::uint64_t connections_shed = 0;      // idle ones closed to make room
  std::uint64_t watch_streams_open = 0;
  std::uint64_t http_requests = 0;  // plain HTTP requests over HTTP/2
  // Finished calls by method and grpc-status; a call the client cancelled counts as
  // CANCELLED.
  std::array<std::array<std::uint64_t, kStatusCodeCount>, kMethodCount> calls{};

  std::uint64_t calls_for(Method m, StatusCode code) const {
    return calls[static_cast<std::size_t>(m)][static_cast<std::size_t>(code)];
  }
};

// Answers a plain HTTP request; the same routing as the HTTP/1.1 listener.
using HttpHandler = std::function<http::Response(const http::Request&)>;

class Connection;

class Server {
 public:
  // `health` must outlive the server; the server subscribes to it.
  Server(uv_loop_t* loop, health::Health& health, ServerOptions options, HttpHandler http_handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Opens the listener of its own when options.listen is set. Returns why it could not
  // ("cannot listen on 0.0.0.0:8559: address already in use"), or nullopt.
  std::optional<std::string> start();

  // Takes over a connection another listener accepted, once its first bytes were found to
  // be the HTTP/2 preface (see http/h2_preface.hpp). `already_read` (the preface and
  // whatever followed it) is fed to HTTP/2 before anything else is read.
  //
  // adopt(): `tcp` was allocated with `new uv_tcp_t` and is open; the caller has stopped
  // reading from it, has no write in flight on it and forgets it. The server sets its data
  // pointer, reads and writes it, uv_close()s it and deletes it.
  void adopt(uv_tcp_t* tcp, std::string_view already_read);
  // adopt_socket(): the same for a socket descriptor (e.g. a dup of the accepting
  // listener's handle, for an owner that embeds its uv_tcp_t and closes it itself). The
  // server owns the descriptor from then on.
  void adopt_socket(uv_os_sock_t socket, std::string_view already_read);

  // The end of graced: stops listening, ends every Watch and unfinished call with
  // UNAVAILABLE, sends GOAWAY and closes each connection once its last frames are out
  // (within options.close_grace). Connections handed over later are closed at once.
  // Health changes before this are still answered (NOT_SERVING while draining).
  void shutdown();

  int port() const { return listener_.port(); }  // the own listener's port; 0 without one
  const Stats& stats() const { return stats_; }
  const ServerOptions& options() const { return options_; }

 private:
  friend class Connection;
  static constexpr std::size_t kReadBufferSize = 64 * 1024;

  void on_connection(int status);
  void add(uv_tcp_t* tcp, std::string_view already_read);
  bool make_room();
  void forget(Connection* c);
  void health_changed();
  void count_call(Method m, StatusCode code) {
    ++stats_.calls[static_cast<std::size_t>(m)][static_cast<std::size_t>(code)];
  }

  uv_loop_t* loop_;
  health::Health& health_;
  ServerOptions options_;
  HttpHandler http_handler_;
  HealthService service_;
  Stats stats_;
  http::ListenSocket listener_;
  std::list<Connection*> connections_;
  std::size_t subscription_ = 0;
  bool shutting_down_ = false;
  std::unique_ptr<char[]> read_buffer_;
};

}  // namespace graced::grpc
