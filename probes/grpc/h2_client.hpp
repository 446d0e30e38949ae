// One unary gRPC call over HTTP/2 cleartext (h2c with prior knowledge), on the loop:
// dial, send the request, read the response and its trailers, hang up. nghttp2 does the
// framing on its client side. Used by the grpc check and by `graced probe grpc`.
#pragma once

#include <nghttp2/nghttp2.h>
#include <uv.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "probes/common/client_stream.hpp"
#include "probes/common/connector.hpp"

namespace graced::probes {

struct GrpcCall {
  std::string host;  // a name or an IP literal
  std::uint16_t port = 0;
  std::string authority;  // :authority; "" for host:port
  std::string path;       // "/grpc.health.v1.Health/Check"
  std::string request;    // the serialized request message, unframed
  std::vector<std::pair<std::string, std::string>> metadata;  // extra request headers
  // Sent as grpc-timeout so the server can give up too; the caller keeps its own timer.
  std::optional<std::chrono::milliseconds> timeout;
};

struct GrpcReply {
  enum class Outcome {
    connect_failed,  // no connection: `error` says why ("connection refused")
    failed,          // connected, but no gRPC answer: reset, closed, not HTTP/2, ...
    answered,        // a grpc-status arrived (or was derived from the HTTP status)
  };
  Outcome outcome = Outcome::failed;
  std::string error;
  int grpc_status = 2;       // answered: 0 is OK
  std::string grpc_message;  // answered: percent-decoded
  std::string response;      // answered with OK: the first response message, unframed
};

class GrpcUnaryClient {
 public:
  using Done = std::function<void(GrpcReply)>;
  using Connected = std::function<void()>;

  explicit GrpcUnaryClient(uv_loop_t* loop);
  ~GrpcUnaryClient();
  GrpcUnaryClient(const GrpcUnaryClient&) = delete;
  GrpcUnaryClient& operator=(const GrpcUnaryClient&) = delete;

  // `done` runs exactly once unless cancel() comes first, possibly before start()
  // returns; it may destroy the client. `connected` runs when the TCP connection is up.
  void start(GrpcCall call, Done done, Connected connected = {});
  // Abandons the call: closes the socket, `done` is not called. Safe when idle.
  void cancel();

 private:
  static nghttp2_session_callbacks* callbacks();
  void on_connected(Connection connection);
  void on_ready();
  void on_data(std::string_view data);
  void on_closed(const std::string& error);
  void flush();
  GrpcReply result() const;
  void fail(GrpcReply::Outcome outcome, std::string error);
  void finish(GrpcReply reply);
  void teardown();

  Connector connector_;
  std::unique_ptr<ClientStream> stream_;
  nghttp2_session* session_ = nullptr;
  int in_nghttp2_ = 0;
  GrpcCall call_;
  Done done_;
  Connected connected_;

  std::string request_body_;  // framed
  std::size_t request_sent_ = 0;
  std::int32_t stream_id_ = -1;
  int http_status_ = 0;
  std::optional<int> grpc_status_;
  std::string grpc_message_;
  std::string body_;
  bool body_too_large_ = false;
  bool stream_closed_ = false;
  bool received_any_ = false;
  std::uint32_t reset_code_ = NGHTTP2_NO_ERROR;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// What a non-200 HTTP status means as a gRPC status (the gRPC spec's table).
int grpc_status_for_http(int http_status);

}  // namespace graced::probes
