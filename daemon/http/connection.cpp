#include "http/connection.hpp"

#include <fcntl.h>

#include <algorithm>
#include <cctype>
#include <exception>

#include "http/h2_preface.hpp"
#include "http/target.hpp"
#include "log/log.hpp"

namespace graced::http {

// Pipelining: a connection hands the handler one request at a time. When a request is
// complete, llhttp is paused (on_message_complete returns HPE_PAUSED) and the handler
// runs. If it answers at once, parsing resumes on the same bytes. If it defers, reading
// stops and whatever pipelined bytes already arrived are kept in held_input_ until the
// answer is sent; the kernel's buffers then push back on the client. Answers therefore
// leave in request order by construction, and a client cannot make the server buffer
// more than one read of unparsed requests.

namespace {

// Bounds the flush of a last answer plus the linger that follows it: reading (and
// discarding) after the answer lets the client read it before the kernel sees unread
// input at close and resets the connection.
constexpr std::chrono::milliseconds kCloseGrace{5'000};

Connection* owner(const void* handle_data) {
  return static_cast<Connection*>(const_cast<void*>(handle_data));
}

// Empties `r` for the next request on the connection, keeping the header list's memory
// (up to a typical request's worth) so that a kept-alive connection does not allocate it
// again for each request. Everything else starts afresh.
void start_request(Request& r) {
  constexpr std::size_t kKeepHeaders = 32;
  Fields headers = std::move(r.headers);
  headers.clear();
  r = Request{};
  if (headers.capacity() <= kKeepHeaders) r.headers = std::move(headers);
}

std::uint64_t to_ms(std::chrono::milliseconds d) {
  return static_cast<std::uint64_t>(std::max<std::chrono::milliseconds::rep>(d.count(), 0));
}

std::string_view trim(std::string_view s) {
  auto blank = [](char c) { return c == ' ' || c == '\t'; };
  while (!s.empty() && blank(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && blank(s.back()))
    s.remove_suffix(1);
  return s;
}

struct WriteRequest {
  uv_write_t req{};
  std::string head;
  std::string body;
};

}  // namespace

const llhttp_settings_t& Connection::parser_settings() {
  static const llhttp_settings_t settings = [] {
    llhttp_settings_t s;
    llhttp_settings_init(&s);
    s.on_message_begin = [](llhttp_t* p) {
      return static_cast<Connection*>(p->data)->on_message_begin();
    };
    s.on_url = [](llhttp_t* p, const char* at, std::size_t len) {
      auto* c = static_cast<Connection*>(p->data);
      return c->on_head_data(c->request_.target, at, len);
    };
    s.on_header_field = [](llhttp_t* p, const char* at, std::size_t len) {
      auto* c = static_cast<Connection*>(p->data);
      return c->on_head_data(c->field_, at, len);
    };
    s.on_header_value = [](llhttp_t* p, const char* at, std::size_t len) {
      auto* c = static_cast<Connection*>(p->data);
      return c->on_head_data(c->value_, at, len);
    };
    s.on_header_value_complete = [](llhttp_t* p) {
      return static_cast<Connection*>(p->data)->on_header_value_complete();
    };
    s.on_headers_complete = [](llhttp_t* p) {
      return static_cast<Connection*>(p->data)->on_headers_complete();
    };
    s.on_body = [](llhttp_t* p, const char* at, std::size_t len) {
      return static_cast<Connection*>(p->data)->on_body(at, len);
    };
    s.on_message_complete = [](llhttp_t* p) {
      return static_cast<Connection*>(p->data)->on_message_complete();
    };
    return s;
  }();
  return settings;
}

Connection::Connection(Server& server)
    : server_(&server),
      loop_(server.loop_),
      sniffing_(static_cast<bool>(server.options_.on_http2_preface)) {}

Connection* Connection::accept(Server& server, uv_stream_t* listener) {
  auto* c = new Connection(server);
  if (uv_tcp_init(c->loop_, &c->tcp_) != 0) {
    delete c;
    return nullptr;
  }
  c->tcp_.data = c;
  uv_timer_init(c->loop_, &c->timer_);
  c->timer_.data = c;
  c->open_handles_ = 2;
  if (uv_accept(listener, c->stream()) != 0) {
    c->server_ = nullptr;
    c->abort();
    return nullptr;
  }
  uv_tcp_nodelay(&c->tcp_, 1);
  sockaddr_storage ss{};
  int len = sizeof ss;
  if (uv_tcp_getpeername(&c->tcp_, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
    c->peer_ = describe_peer(reinterpret_cast<const sockaddr*>(&ss));
  }
  llhttp_init(&c->parser_, HTTP_REQUEST, &parser_settings());
  c->parser_.data = c;
  c->idle_since_ = uv_now(c->loop_);
  c->arm_timer(server.options_.header_timeout);
  c->start_reading();
  return c;
}

void Connection::start_reading() {
  uv_read_start(
      stream(),
      [](uv_handle_t* h, std::size_t, uv_buf_t* buf) {
        auto* c = owner(h->data);
        // A closed or detached connection reads nothing more; a zero-length buffer makes
        // libuv report UV_ENOBUFS, which ends the connection.
        if (c->server_ == nullptr) {
          *buf = uv_buf_init(nullptr, 0);
          return;
        }
        *buf = uv_buf_init(c->server_->read_buffer_.get(), Server::kReadBufferSize);
      },
      [](uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
        auto* c = owner(s->data);
        if (nread > 0) {
          c->on_read(buf->base, static_cast<std::size_t>(nread));
        } else if (nread < 0) {
          c->on_read_end(nread);
        }
      });
}

void Connection::on_read(const char* data, std::size_t len) {
  if (phase_ == Phase::handling) {
    held_input_.append(data, len);  // reading stops with the handler's answer pending
    return;
  }
  if (!reading_requests()) return;  // lingering: the client's leftovers are discarded
  if (sniffing_) {
    sniff(data, len);
    return;
  }
  feed(data, len);
}

void Connection::sniff(const char* data, std::size_t len) {
  sniffed_.append(data, len);
  switch (match_h2_preface(sniffed_)) {
    case PrefaceMatch::partial:
      return;  // a prefix of the preface so far; the header timeout bounds the wait
    case PrefaceMatch::full:
      hand_over_http2();
      return;
    case PrefaceMatch::no: {
      sniffing_ = false;
      const std::string first = std::move(sniffed_);
      sniffed_.clear();
      feed(first.data(), first.size());
      return;
    }
  }
}

void Connection::hand_over_http2() {
  // The uv_tcp_t lives inside this object and closes with it, so the other protocol gets
  // a duplicate of the descriptor: closing ours then leaves the connection open.
  uv_os_fd_t fd = -1;
  const int copy = uv_fileno(reinterpret_cast<uv_handle_t*>(&tcp_), &fd) == 0
                       ? fcntl(fd, F_DUPFD_CLOEXEC, 0)
                       : -1;
  Server* server = server_;
  std::string already_read = std::move(sniffed_);
  sniffed_.clear();
  sniffing_ = false;
  uv_read_stop(stream());
  abort();
  if (copy < 0) return;
  ++server->stats_.http2_handovers;
  server->options_.on_http2_preface(copy, already_read);
}

void Connection::on_read_end(ssize_t status) {
  if (phase_ == Phase::closed) return;
  if (status != UV_EOF || phase_ == Phase::closing) {
    abort();
    return;
  }
  // The client finished sending. Answers already written still go out; a request cut short
  // by the EOF is dropped.
  close_after_flush(false);
}

void Connection::feed(const char* data, std::size_t len) {
  std::size_t offset = 0;
  while (offset < len && reading_requests()) {
    exec_begin_ = data + offset;
    auto err = llhttp_execute(&parser_, data + offset, len - offset);
    if (err == HPE_OK) {
      if (phase_ == Phase::head) {
        // Each execute starts at a message boundary or inside the current message, so
        // a read that ends inside the head was all head.
        head_bytes_ += len - offset;
        if (head_bytes_ > server_->options_.max_header_bytes) {
          reject(431, "request head too large");
          return;
        }
      }
      offset = len;
      break;
    }
    if (request_ready_ && (err == HPE_PAUSED || err == HPE_PAUSED_UPGRADE)) {
      offset = static_cast<std::size_t>(llhttp_get_error_pos(&parser_) - data);
      if (err == HPE_PAUSED) llhttp_resume(&parser_);
      dispatch();
      continue;
    }
    reject(fail_status_ != 0 ? fail_status_ : 400, llhttp_errno_name(err));
    return;
  }
  if (phase_ == Phase::handling && offset < len) held_input_.assign(data + offset, len - offset);
}

void Connection::dispatch() {
  request_ready_ = false;
  phase_ = Phase::handling;
  clear_deadline();
  ++server_->stats_.requests;
  exchange_ = std::make_shared<detail::Exchange>(detail::Exchange{this});
  in_dispatch_ = true;
  const char* failure = nullptr;
  try {
    server_->handler_(request_, Responder(exchange_));
  } catch (const std::exception& e) {
    log::error("http handler failed", {{"path", request_.path}, {"error", e.what()}});
    failure = "handler threw";
  } catch (...) {
    log::error("http handler failed", {{"path", request_.path}, {"error", "unknown exception"}});
    failure = "handler threw";
  }
  in_dispatch_ = false;
  if (failure && exchange_) {
    Response r{500, {{"Content-Type", "text/plain"}}, "Internal Server Error\n"};
    respond(std::move(r));
  }
  // Still unanswered: hold further pipelined requests until it is.
  if (phase_ == Phase::handling) uv_read_stop(stream());
}

void Connection::respond(Response response) {
  if (phase_ != Phase::handling || !exchange_) return;
  exchange_->connection = nullptr;
  exchange_.reset();
  if (response.status < 200 || response.status > 599) {
    log::error("http handler answered with an invalid status",
               {{"path", request_.path}, {"status", response.status}});
    response = Response{500, {{"Content-Type", "text/plain"}}, "Internal Server Error\n"};
  }
  const bool close = !request_.keep_alive || asks_to_close(response) || server_ == nullptr;
  Framing framing;
  framing.head_request = request_.method == "HEAD";
  framing.close = close;
  framing.http10_keep_alive = !close && request_.http_major == 1 && request_.http_minor == 0;
  write_response(response, framing);
  if (phase_ == Phase::closed) return;  // the write failed, or earlier answers were unread
  if (close) {
    close_after_flush(true);
    return;
  }
  enter_waiting();
  if (in_dispatch_) return;  // feed() goes on with the bytes after this request
  if (held_input_.empty()) {
    start_reading();
  } else {
    // Parse the held requests from the loop, not from inside send(): the caller may be
    // walking its own list of Responders, and the handler could otherwise re-enter it.
    resume_pending_ = true;
    uv_timer_start(&timer_, &Connection::timer_fired, 0, 0);
  }
}

void Connection::resume_held_input() {
  std::string held = std::move(held_input_);
  held_input_.clear();
  feed(held.data(), held.size());
  if (reading_requests()) start_reading();
}

void Connection::reject(int status, const char* why) {
  if (server_ == nullptr) return;
  if (status != 408) ++server_->stats_.bad_requests;
  log::debug("http request rejected",
             {{"peer", peer_.address}, {"status", status}, {"reason", why}});
  Response r{status, {{"Content-Type", "text/plain"}}, std::string(reason_phrase(status)) + "\n"};
  Framing framing;
  framing.close = true;
  write_response(r, framing);
  close_after_flush(true);
}

void Connection::write_response(const Response& response, const Framing& framing) {
  if (server_) server_->count_response(response.status);
  std::string body;
  if (status_allows_body(response.status) && !framing.head_request) body = response.body;
  write(serialize_head(response, framing), std::move(body));
}

void Connection::write(std::string head, std::string body) {
  if (phase_ == Phase::closed) return;
  // Output of earlier answers the kernel has not taken yet means a client that does not
  // read them. Measured before this answer is queued, so one answer larger than the limit
  // (/metrics with thousands of checks) still goes out whole to a client that reads.
  if (server_ && uv_stream_get_write_queue_size(stream()) > server_->options_.max_write_backlog) {
    ++server_->stats_.write_backlog_overflows;
    log::debug("http client not reading its answers; closing", {{"peer", peer_.address}});
    abort();
    return;
  }
  // Most answers fit in the socket buffer and go out here, with no request: one that libuv
  // queues and completes at once still costs an epoll_ctl per answer. uv_try_write takes
  // nothing while earlier output is queued, so answers stay in order.
  uv_buf_t now[2] = {uv_buf_init(head.data(), static_cast<unsigned>(head.size())),
                     uv_buf_init(body.data(), static_cast<unsigned>(body.size()))};
  const int written = uv_try_write(stream(), now, body.empty() ? 1 : 2);
  if (written < 0 && written != UV_EAGAIN) {
    abort();
    return;
  }
  if (written > 0) {
    const auto n = static_cast<std::size_t>(written);
    if (n == head.size() + body.size()) return;
    const auto from_head = std::min(n, head.size());
    head.erase(0, from_head);
    body.erase(0, n - from_head);
  }
  auto* w = new WriteRequest{};
  w->head = std::move(head);
  w->body = std::move(body);
  uv_buf_t bufs[2] = {
      uv_buf_init(w->head.data(), static_cast<unsigned>(w->head.size())),
      uv_buf_init(w->body.data(), static_cast<unsigned>(w->body.size())),
  };
  const unsigned nbufs = w->body.empty() ? 1 : 2;
  // Write callbacks (ECANCELED ones too) run before the handle's close callback, so the
  // connection outlives every WriteRequest.
  int rc = uv_write(&w->req, stream(), bufs, nbufs, [](uv_write_t* req, int status) {
    auto* c = owner(req->handle->data);
    delete reinterpret_cast<WriteRequest*>(req);
    if (status < 0 && status != UV_ECANCELED) {
      c->abort();
      return;
    }
    // The client took its last answer: from now on it is merely idle.
    if (status == 0 && c->phase_ == Phase::waiting &&
        uv_stream_get_write_queue_size(c->stream()) == 0) {
      c->arm_timer(c->server_->options_.idle_timeout);
    }
  });
  if (rc != 0) {
    delete w;
    abort();
  }
}

void Connection::close_after_flush(bool linger) {
  if (phase_ == Phase::closing || phase_ == Phase::closed) return;
  phase_ = Phase::closing;
  idle_since_ = 0;  // the first to go when room is needed
  linger_ = linger;
  resume_pending_ = false;
  held_input_.clear();
  if (exchange_) {
    exchange_->connection = nullptr;
    exchange_.reset();
  }
  arm_timer(kCloseGrace);
  auto* req = new uv_shutdown_t{};
  int rc = uv_shutdown(req, stream(), [](uv_shutdown_t* r, int status) {
    auto* c = owner(r->handle->data);
    delete r;
    if (status == UV_ECANCELED) return;
    if (status < 0 || !c->linger_) c->abort();
  });
  if (rc != 0) {
    delete req;
    abort();
    return;
  }
  if (linger) {
    start_reading();
  } else {
    uv_read_stop(stream());
  }
}

void Connection::abort() {
  if (phase_ == Phase::closed) return;
  phase_ = Phase::closed;
  if (exchange_) {
    exchange_->connection = nullptr;
    exchange_.reset();
  }
  held_input_.clear();
  if (server_) server_->forget(this);
  server_ = nullptr;
  auto on_close = [](uv_handle_t* h) {
    auto* c = owner(h->data);
    if (--c->open_handles_ == 0) delete c;
  };
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), on_close);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), on_close);
}

void Connection::detach_and_abort() {
  server_ = nullptr;
  abort();
}

void Connection::enter_waiting() {
  phase_ = Phase::waiting;
  answered_any_ = true;
  idle_since_ = uv_now(loop_);
  // Part of the answer still unsent: the client has the header timeout to take it, not the
  // idle timeout, or one that never reads would hold the answer's memory (megabytes of
  // /metrics with thousands of checks) for a minute. The write callback starts the idle
  // timeout once it is taken.
  const bool answer_unsent = uv_stream_get_write_queue_size(stream()) > 0;
  arm_timer(answer_unsent ? server_->options_.header_timeout : server_->options_.idle_timeout);
}

void Connection::arm_timer(std::chrono::milliseconds timeout) {
  const std::uint64_t ms = to_ms(timeout);
  deadline_ = uv_now(loop_) + ms;
  // Moving a libuv timer is a removal from its heap and an insertion, and a kept-alive
  // request would move it several times (header, body, idle timeouts). A timer already
  // due no later than the new deadline is left alone: on_timer() re-arms it for the rest.
  if (uv_is_active(reinterpret_cast<uv_handle_t*>(&timer_)) && uv_timer_get_due_in(&timer_) <= ms) {
    return;
  }
  uv_timer_start(&timer_, &Connection::timer_fired, ms, 0);
}

void Connection::clear_deadline() {
  deadline_ = kNoDeadline;
}

void Connection::timer_fired(uv_timer_t* timer) {
  owner(timer->data)->on_timer();
}

void Connection::on_timer() {
  if (resume_pending_) {
    resume_pending_ = false;
    arm_timer(server_->options_.idle_timeout);
    resume_held_input();
    return;
  }
  if (deadline_ == kNoDeadline) return;
  const std::uint64_t now = uv_now(loop_);
  if (now < deadline_) {  // the deadline moved on since the timer was armed
    uv_timer_start(&timer_, &Connection::timer_fired, deadline_ - now, 0);
    return;
  }
  switch (phase_) {
    case Phase::waiting:
      // Nothing of a request has arrived, so there is nothing to answer.
      if (uv_stream_get_write_queue_size(stream()) > 0) {
        ++server_->stats_.write_backlog_overflows;  // it did not take its last answer
      } else {
        ++(answered_any_ ? server_->stats_.idle_timeouts : server_->stats_.header_timeouts);
      }
      abort();
      break;
    case Phase::head:
      ++server_->stats_.header_timeouts;
      reject(408, "request head timed out");
      break;
    case Phase::body:
      ++server_->stats_.body_timeouts;
      reject(408, "request body timed out");
      break;
    case Phase::closing:
      abort();
      break;
    case Phase::handling:
    case Phase::closed:
      break;
  }
}

int Connection::on_message_begin() {
  start_request(request_);
  request_.peer_address = peer_.address;
  request_.peer_port = peer_.port;
  request_.peer_is_loopback = peer_.loopback;
  field_.clear();
  value_.clear();
  head_done_ = false;
  head_bytes_ = 0;
  fail_status_ = 0;
  // On a fresh connection the header timeout has run since accept; on a kept-alive one it
  // starts with the request's first byte.
  if (answered_any_) arm_timer(server_->options_.header_timeout);
  phase_ = Phase::head;
  return 0;
}

int Connection::on_head_data(std::string& into, const char* at, std::size_t len) {
  if (head_done_) return 0;  // trailers after a chunked body: read and ignored
  const auto in_this_read = static_cast<std::size_t>(at + len - exec_begin_);
  if (head_bytes_ + in_this_read > server_->options_.max_header_bytes) {
    fail_status_ = 431;
    llhttp_set_error_reason(&parser_, "request head too large");
    return HPE_USER;
  }
  into.append(at, len);
  return 0;
}

int Connection::on_header_value_complete() {
  if (head_done_) return 0;
  // RFC 9112 5.1: whitespace between a field name and the colon must be rejected (a
  // request-smuggling vector behind proxies). llhttp 8 only does so for a few names.
  if (field_.empty() || field_.back() == ' ' || field_.back() == '\t') {
    fail_status_ = 400;
    llhttp_set_error_reason(&parser_, "whitespace before a header field's colon");
    return HPE_USER;
  }
  std::string name = std::move(field_);
  std::transform(name.begin(), name.end(), name.begin(), [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  });
  request_.headers.emplace_back(std::move(name), std::string(trim(value_)));
  field_.clear();
  value_.clear();
  return 0;
}

int Connection::on_headers_complete() {
  head_done_ = true;
  request_.method = llhttp_method_name(static_cast<llhttp_method_t>(llhttp_get_method(&parser_)));
  request_.http_major = llhttp_get_http_major(&parser_);
  request_.http_minor = llhttp_get_http_minor(&parser_);
  auto target = parse_target(request_.target);
  if (!target) {
    fail_status_ = 400;
    llhttp_set_error_reason(&parser_, "malformed percent escape in request target");
    return -1;
  }
  request_.path = std::move(target->path);
  request_.query = std::move(target->query);
  const auto& options = server_->options_;
  if ((parser_.flags & F_CONTENT_LENGTH) != 0 && parser_.content_length > options.max_body_bytes) {
    fail_status_ = 413;
    llhttp_set_error_reason(&parser_, "announced body too large");
    return -1;
  }
  const bool has_body = (parser_.flags & F_CHUNKED) != 0 || parser_.content_length > 0;
  if (has_body && request_.http_minor >= 1) {
    if (auto expect = request_.header("expect"); expect && iequals(*expect, "100-continue")) {
      server_->count_response(100);
      write("HTTP/1.1 100 Continue\r\n\r\n", {});
      if (phase_ == Phase::closed) return -1;
    }
  }
  phase_ = Phase::body;
  arm_timer(options.body_timeout);
  return 0;
}

int Connection::on_body(const char* at, std::size_t len) {
  if (request_.body.size() + len > server_->options_.max_body_bytes) {
    fail_status_ = 413;
    llhttp_set_error_reason(&parser_, "body too large");
    return HPE_USER;
  }
  request_.body.append(at, len);
  return 0;
}

int Connection::on_message_complete() {
  // An Upgrade or CONNECT request is answered as a plain request; whatever follows it on
  // the wire is another protocol, so the connection closes after the answer.
  request_.keep_alive = llhttp_should_keep_alive(&parser_) != 0 && parser_.upgrade == 0;
  request_ready_ = true;
  return HPE_PAUSED;
}

void Responder::send(Response response) const {
  auto exchange = exchange_.lock();
  if (exchange && exchange->connection) exchange->connection->respond(std::move(response));
}

bool Responder::pending() const {
  auto exchange = exchange_.lock();
  return exchange && exchange->connection;
}

}  // namespace graced::http
