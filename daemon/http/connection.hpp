// One accepted client connection of a Server: reads, parses with llhttp, hands complete
// requests to the handler one at a time, writes answers, enforces limits and timeouts.
// Internal to the server; only server.cpp and connection.cpp include it.
#pragma once

#include <llhttp.h>
#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <string>

#include "http/message.hpp"
#include "http/peer.hpp"
#include "http/response_head.hpp"
#include "http/server.hpp"

namespace graced::http {

namespace detail {
// The link between one outstanding request and its connection; Responders hold it weakly.
struct Exchange {
  Connection* connection = nullptr;  // null once answered or closed
};
}  // namespace detail

class Connection {
 public:
  // Accepts the pending connection on the server's listener. Returns null (the pending
  // connection dropped) when libuv refuses.
  static Connection* accept(Server& server, uv_stream_t* listener);

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Closes at once, dropping unsent output. The object frees itself once its handles are
  // closed, so it stays valid until the loop runs the close callbacks.
  void abort();
  // The server is going away: stop reporting to it, then abort.
  void detach_and_abort();
  // Waiting for a request's first byte, or already closing: shedding it loses no work.
  bool idle() const { return phase_ == Phase::waiting || phase_ == Phase::closing; }
  std::uint64_t idle_since() const { return idle_since_; }

  void respond(Response response);

  std::list<Connection*>::iterator position;  // in the server's list, for O(1) removal

 private:
  enum class Phase {
    waiting,   // between requests (or before the first): idle or header timeout running
    head,      // request line and headers arriving: header timeout running
    body,      // body arriving: body timeout running
    handling,  // the handler has the request: no timer, reading paused
    closing,   // last answer flushing, then lingering until the client closes
    closed,    // uv_close called
  };

  explicit Connection(Server& server);
  ~Connection() = default;

  uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&tcp_); }
  bool reading_requests() const {
    return phase_ == Phase::waiting || phase_ == Phase::head || phase_ == Phase::body;
  }

  void start_reading();
  void on_read(const char* data, std::size_t len);
  void sniff(const char* data, std::size_t len);
  void hand_over_http2();
  void on_read_end(ssize_t status);
  void feed(const char* data, std::size_t len);
  void dispatch();
  void resume_held_input();
  void reject(int status, const char* why);
  void write_response(const Response& response, const Framing& framing);
  void write(std::string head, std::string body);
  void close_after_flush(bool linger);
  void enter_waiting();
  // The one timer serves the phase's deadline: arm_timer() sets it `timeout` from now,
  // clear_deadline() removes it (while the handler has the request).
  void arm_timer(std::chrono::milliseconds timeout);
  void clear_deadline();
  void on_timer();
  static void timer_fired(uv_timer_t* timer);

  // llhttp callbacks.
  int on_message_begin();
  int on_head_data(std::string& into, const char* at, std::size_t len);
  int on_header_value_complete();
  int on_headers_complete();
  int on_body(const char* at, std::size_t len);
  int on_message_complete();
  static const llhttp_settings_t& parser_settings();

  Server* server_;
  uv_loop_t* loop_;
  uv_tcp_t tcp_{};
  uv_timer_t timer_{};
  int open_handles_ = 0;
  Phase phase_ = Phase::waiting;
  bool answered_any_ = false;
  bool resume_pending_ = false;  // the timer fires at once to parse held input
  bool linger_ = false;
  bool in_dispatch_ = false;
  std::uint64_t idle_since_ = 0;
  static constexpr std::uint64_t kNoDeadline = UINT64_MAX;
  std::uint64_t deadline_ = kNoDeadline;  // loop time (ms) when the phase's timeout ends
  Peer peer_;

  llhttp_t parser_{};
  Request request_;
  std::string field_;
  std::string value_;
  bool head_done_ = false;
  bool request_ready_ = false;
  std::size_t head_bytes_ = 0;  // of the current request, in earlier reads
  const char* exec_begin_ = nullptr;
  int fail_status_ = 0;  // set by a callback that rejects the request
  std::shared_ptr<detail::Exchange> exchange_;
  // Pipelined bytes that arrived after a request whose answer is still pending.
  std::string held_input_;
  // Until the first bytes tell HTTP/1.1 from the HTTP/2 preface (only when the server
  // hands HTTP/2 over): what was read so far.
  bool sniffing_ = false;
  std::string sniffed_;
};

}  // namespace graced::http
