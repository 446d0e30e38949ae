// One HTTP/2 connection of a grpc::Server: nghttp2's server session on a libuv TCP
// handle. Framing, flow control, PING and SETTINGS are nghttp2's; this file maps streams
// to gRPC calls (or plain HTTP requests) and enforces graced's limits. Internal to the
// server; only grpc_server.cpp and h2_connection.cpp include it.
#pragma once

#include <nghttp2/nghttp2.h>
#include <uv.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "grpc/grpc_server.hpp"
#include "grpc/health_codec.hpp"
#include "grpc/http_bridge.hpp"
#include "http/peer.hpp"
#include "loop/handle.hpp"

namespace graced::grpc {

class Connection {
 public:
  // Takes `tcp` (allocated with new, open, not reading); frees it after closing it.
  Connection(Server& server, uv_tcp_t* tcp);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends the server's SETTINGS, feeds `already_read`, then reads the socket.
  void start(std::string_view already_read);
  // Pushes the new status to every Watch whose status changed.
  void health_changed();
  // GOAWAY, UNAVAILABLE for every unfinished call, close once the output is out.
  void shutdown();
  // Sends GOAWAY if it can without waiting, then closes.
  void go_away_now();
  // Closes at once; unsent output is dropped. The object frees itself once its handle is
  // closed, so it stays valid until the loop runs the close callback.
  void close();
  // The server is going away: stop reporting to it.
  void detach() { server_ = nullptr; }
  // No call in progress: closing it loses no work.
  bool idle() const { return active_calls_ == 0; }

  std::list<Connection*>::iterator position;  // in the server's list, for O(1) removal

 private:
  struct Stream {
    std::int32_t id = 0;
    H2RequestHead head;
    std::string content_type;
    std::string grpc_encoding;
    std::optional<std::string> grpc_timeout;
    std::size_t header_bytes = 0;
    bool headers_too_large = false;
    bool headers_done = false;
    std::string body;
    bool request_complete = false;  // the client's END_STREAM arrived
    bool grpc = false;
    bool answered = false;  // the request was dispatched or refused: later input is ignored
    Method method = Method::other;

    bool responded = false;  // response headers submitted
    std::string out;         // DATA not yet handed to nghttp2
    // A Watch's latest status while `out` is still going out: a client that reads slowly
    // gets the newest status, not a backlog of stale ones.
    std::string latest;
    bool out_final = false;  // nothing follows `out` but the trailers, if any
    std::vector<std::pair<std::string, std::string>> trailers;

    bool active = false;    // counted in active_calls_
    bool finished = false;  // the call's status is decided (and counted)
    bool watching = false;
    std::string service;
    std::optional<ServingStatus> last_sent;
    loop::Timer deadline;
  };

  static nghttp2_session_callbacks* callbacks();
  static Connection* self(void* user_data) { return static_cast<Connection*>(user_data); }
  static ssize_t read_body(nghttp2_session* session, std::int32_t stream_id, std::uint8_t* buf,
                           std::size_t length, std::uint32_t* data_flags,
                           nghttp2_data_source* source, void* user_data);

  int on_begin_headers(const nghttp2_frame* frame);
  int on_header(const nghttp2_frame* frame, std::string_view name, std::string_view value);
  int on_frame_recv(const nghttp2_frame* frame);
  int on_data_chunk(std::int32_t stream_id, std::string_view data);
  int on_frame_send(const nghttp2_frame* frame);
  int on_stream_close(std::int32_t stream_id);

  Stream* find(std::int32_t id);
  void headers_complete(Stream& s);
  void dispatch(Stream& s);
  void dispatch_grpc(Stream& s);
  void dispatch_http(Stream& s);
  void on_deadline(std::int32_t id);

  // Responses.
  void submit(Stream& s, const std::vector<std::pair<std::string, std::string>>& fields,
              bool with_body);
  void send_message(Stream& s, std::string_view payload, bool supersedes = false);
  void finish(Stream& s, StatusCode code, std::string_view message = {});
  void reply(Stream& s, std::string_view payload);
  void respond_http(Stream& s, http::Response response);
  void end_call(Stream& s, StatusCode code);
  void push_watch(Stream& s);

  // I/O.
  void feed(const char* data, std::size_t len);
  void flush();
  void close_after_flush();
  void update_idle_timer();

  Server* server_;
  const ServerOptions options_;  // a copy: it outlives a detach
  uv_tcp_t* tcp_;
  nghttp2_session* session_ = nullptr;
  http::Peer peer_;
  std::map<std::int32_t, std::unique_ptr<Stream>> streams_;
  std::size_t active_calls_ = 0;
  int in_nghttp2_ = 0;  // flush() waits until nghttp2 has returned
  std::size_t writes_in_flight_ = 0;
  bool closed_ = false;
  bool closing_after_flush_ = false;
  bool going_away_ = false;
  loop::Timer idle_timer_;
  loop::Timer grace_timer_;
};

}  // namespace graced::grpc
