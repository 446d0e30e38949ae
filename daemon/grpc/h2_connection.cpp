#include "grpc/h2_connection.hpp"

#include <cstring>

#include "grpc/grpc_metadata.hpp"
#include "grpc/message_framing.hpp"

namespace graced::grpc {
namespace {

constexpr std::string_view kCheckPath = "/grpc.health.v1.Health/Check";
constexpr std::string_view kWatchPath = "/grpc.health.v1.Health/Watch";
constexpr std::string_view kListPath = "/grpc.health.v1.Health/List";

struct WriteRequest {
  uv_write_t req{};
  std::string data;
  Connection* connection = nullptr;
};

std::string_view view(const std::uint8_t* p, std::size_t n) {
  return {reinterpret_cast<const char*>(p), n};
}

std::uint8_t* bytes(const std::string& s) {
  return reinterpret_cast<std::uint8_t*>(const_cast<char*>(s.data()));
}

std::vector<nghttp2_nv> to_nv(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::vector<nghttp2_nv> nv;
  nv.reserve(fields.size());
  for (const auto& [name, value] : fields) {
    nv.push_back({bytes(name), bytes(value), name.size(), value.size(), NGHTTP2_NV_FLAG_NONE});
  }
  return nv;
}

std::vector<std::pair<std::string, std::string>> grpc_status_fields(StatusCode code,
                                                                    std::string_view message) {
  std::vector<std::pair<std::string, std::string>> f;
  f.emplace_back("grpc-status", std::to_string(static_cast<int>(code)));
  if (!message.empty()) f.emplace_back("grpc-message", percent_encode_message(message));
  return f;
}

Method method_of(std::string_view path) {
  if (path == kCheckPath) return Method::check;
  if (path == kWatchPath) return Method::watch;
  if (path == kListPath) return Method::list;
  return Method::other;
}

}  // namespace

nghttp2_session_callbacks* Connection::callbacks() {
  // Built once: the callbacks are the same for every connection.
  static nghttp2_session_callbacks* cbs = [] {
    nghttp2_session_callbacks* c = nullptr;
    nghttp2_session_callbacks_new(&c);
    nghttp2_session_callbacks_set_on_begin_headers_callback(
        c, [](nghttp2_session*, const nghttp2_frame* f, void* u) {
          return self(u)->on_begin_headers(f);
        });
    nghttp2_session_callbacks_set_on_header_callback(
        c,
        [](nghttp2_session*, const nghttp2_frame* f, const std::uint8_t* name, std::size_t namelen,
           const std::uint8_t* value, std::size_t valuelen, std::uint8_t,
           void* u) { return self(u)->on_header(f, view(name, namelen), view(value, valuelen)); });
    nghttp2_session_callbacks_set_on_frame_recv_callback(
        c, [](nghttp2_session*, const nghttp2_frame* f, void* u) {
          return self(u)->on_frame_recv(f);
        });
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(
        c, [](nghttp2_session*, std::uint8_t, std::int32_t id, const std::uint8_t* data,
              std::size_t len, void* u) { return self(u)->on_data_chunk(id, view(data, len)); });
    nghttp2_session_callbacks_set_on_frame_send_callback(
        c, [](nghttp2_session*, const nghttp2_frame* f, void* u) {
          return self(u)->on_frame_send(f);
        });
    nghttp2_session_callbacks_set_on_stream_close_callback(
        c, [](nghttp2_session*, std::int32_t id, std::uint32_t, void* u) {
          return self(u)->on_stream_close(id);
        });
    return c;
  }();
  return cbs;
}

Connection::Connection(Server& server, uv_tcp_t* tcp)
    : server_(&server), options_(server.options_), tcp_(tcp) {
  tcp_->data = this;
  sockaddr_storage addr{};
  int len = sizeof addr;
  if (uv_tcp_getpeername(tcp_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    peer_ = http::describe_peer(reinterpret_cast<const sockaddr*>(&addr));
  }
  nghttp2_option* opt = nullptr;
  nghttp2_option_new(&opt);
  // nghttp2 refuses streams beyond our SETTINGS_MAX_CONCURRENT_STREAMS before the client
  // has acknowledged them; these bound what a client can make us keep in memory.
  nghttp2_option_set_max_outbound_ack(opt, 1000);
  nghttp2_option_set_max_settings(opt, 32);
  nghttp2_session_server_new2(&session_, callbacks(), this, opt);
  nghttp2_option_del(opt);
  idle_timer_ = loop::Timer(tcp_->loop);
  grace_timer_ = loop::Timer(tcp_->loop);
}

Connection::~Connection() {
  // No callbacks run from here: nghttp2_session_del calls none, and the timers are closed
  // by their owners.
  nghttp2_session_del(session_);
}

void Connection::start(std::string_view already_read) {
  const auto& o = options_;
  const nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, o.max_concurrent_streams},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, static_cast<std::uint32_t>(o.max_header_list_bytes)},
  };
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, std::size(settings));
  update_idle_timer();
  if (!already_read.empty()) feed(already_read.data(), already_read.size());
  if (closed_) return;
  int rc = uv_read_start(
      reinterpret_cast<uv_stream_t*>(tcp_),
      [](uv_handle_t* h, std::size_t, uv_buf_t* buf) {
        auto* c = static_cast<Connection*>(h->data);
        if (!c || !c->server_) {
          *buf = uv_buf_init(nullptr, 0);
          return;
        }
        *buf = uv_buf_init(c->server_->read_buffer_.get(),
                           static_cast<unsigned>(Server::kReadBufferSize));
      },
      [](uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
        auto* c = static_cast<Connection*>(s->data);
        if (!c || c->closed_) return;
        if (nread < 0) {
          c->close();  // EOF or error: the client is gone, so are its calls
          return;
        }
        if (nread > 0) c->feed(buf->base, static_cast<std::size_t>(nread));
      });
  if (rc != 0) {
    close();
    return;
  }
  flush();
}

void Connection::feed(const char* data, std::size_t len) {
  ++in_nghttp2_;
  const auto rc =
      nghttp2_session_mem_recv(session_, reinterpret_cast<const std::uint8_t*>(data), len);
  --in_nghttp2_;
  if (closed_) return;
  if (rc < 0) {
    // Fatal (bad preface, flooding, a callback failure): whatever nghttp2 queued (GOAWAY)
    // goes out if it can, then the connection closes.
    close_after_flush();
    return;
  }
  flush();
}

void Connection::flush() {
  if (closed_ || in_nghttp2_ > 0) return;
  auto* stream = reinterpret_cast<uv_stream_t*>(tcp_);
  std::string out;
  for (;;) {
    while (uv_stream_get_write_queue_size(stream) + out.size() < options_.max_write_backlog) {
      const std::uint8_t* data = nullptr;
      ++in_nghttp2_;
      const auto n = nghttp2_session_mem_send(session_, &data);
      --in_nghttp2_;
      if (n < 0) {
        close();
        return;
      }
      if (n == 0) break;
      out.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
    }
    // What the socket takes now goes out with no request: a queued write that completes at
    // once still costs an epoll_ctl per flush. Only with nothing queued, to keep the order.
    if (out.empty() || writes_in_flight_ > 0) break;
    uv_buf_t now = uv_buf_init(out.data(), static_cast<unsigned>(out.size()));
    const int written = uv_try_write(stream, &now, 1);
    if (written < 0 && written != UV_EAGAIN) {
      close();
      return;
    }
    if (written > 0) out.erase(0, static_cast<std::size_t>(written));
    if (!out.empty()) break;  // the rest is queued below
    // All taken: nghttp2 may have more than the backlog limit let through.
  }
  if (!out.empty()) {
    auto* w = new WriteRequest;
    w->data = std::move(out);
    w->connection = this;
    w->req.data = w;
    uv_buf_t buf = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
    ++writes_in_flight_;
    int rc = uv_write(&w->req, stream, &buf, 1, [](uv_write_t* req, int status) {
      auto* wr = static_cast<WriteRequest*>(req->data);
      Connection* c = wr->connection;
      delete wr;
      --c->writes_in_flight_;
      if (c->closed_) return;
      if (status < 0) {
        c->close();
        return;
      }
      c->flush();
    });
    if (rc != 0) {
      --writes_in_flight_;
      delete w;
      close();
      return;
    }
  }
  const bool nothing_to_send = !nghttp2_session_want_write(session_) && writes_in_flight_ == 0;
  if (nothing_to_send && (closing_after_flush_ || !nghttp2_session_want_read(session_))) close();
}

void Connection::close() {
  if (closed_) return;
  closed_ = true;
  for (auto& [id, s] : streams_) {
    if (!s->finished) end_call(*s, StatusCode::cancelled);  // the client is gone
  }
  idle_timer_.close();
  grace_timer_.close();
  if (server_) server_->forget(this);
  auto* handle = reinterpret_cast<uv_handle_t*>(tcp_);
  uv_read_stop(reinterpret_cast<uv_stream_t*>(tcp_));
  // Write callbacks (cancelled) run before the close callback, so the object stays valid
  // for them; it is deleted last.
  uv_close(handle, [](uv_handle_t* h) {
    auto* c = static_cast<Connection*>(h->data);
    delete reinterpret_cast<uv_tcp_t*>(h);
    delete c;
  });
}

void Connection::close_after_flush() {
  if (closed_) return;
  closing_after_flush_ = true;
  idle_timer_.stop();
  if (!grace_timer_.active()) {
    grace_timer_.start(static_cast<std::uint64_t>(options_.close_grace.count()),
                       [this] { close(); });
  }
  flush();
}

void Connection::go_away_now() {
  if (closed_) return;
  nghttp2_session_terminate_session(session_, NGHTTP2_NO_ERROR);
  flush();
  close();
}

void Connection::shutdown() {
  if (closed_ || going_away_) return;
  going_away_ = true;
  for (auto& [id, s] : streams_) {
    if (s->finished || !s->headers_done) continue;
    if (s->grpc) {
      finish(*s, StatusCode::unavailable, "graced is shutting down");
    } else {
      respond_http(*s, {503, {{"Content-Type", "text/plain; charset=utf-8"}}, "shutting down\n"});
    }
  }
  nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE,
                        nghttp2_session_get_last_proc_stream_id(session_), NGHTTP2_NO_ERROR,
                        nullptr, 0);
  close_after_flush();
}

void Connection::update_idle_timer() {
  if (closed_ || going_away_ || closing_after_flush_) {
    idle_timer_.stop();
    return;
  }
  if (active_calls_ > 0) {
    idle_timer_.stop();
    return;
  }
  if (idle_timer_.active()) return;
  idle_timer_.start(static_cast<std::uint64_t>(options_.idle_timeout.count()), [this] {
    if (active_calls_ > 0 || closed_) return;
    going_away_ = true;
    // GOAWAY with the last stream processed; nghttp2 then wants neither to read nor to
    // write, and flush() closes the connection.
    nghttp2_session_terminate_session(session_, NGHTTP2_NO_ERROR);
    close_after_flush();
  });
}

void Connection::health_changed() {
  if (closed_) return;
  for (auto& [id, s] : streams_) {
    if (s->watching && !s->finished) push_watch(*s);
  }
  flush();
}

void Connection::push_watch(Stream& s) {
  if (!server_) return;
  const ServingStatus status =
      server_->service_.status_of(s.service).value_or(ServingStatus::service_unknown);
  if (s.last_sent == status) return;
  s.last_sent = status;
  send_message(s, encode_health_check_response(status), true);
}

Connection::Stream* Connection::find(std::int32_t id) {
  auto it = streams_.find(id);
  return it == streams_.end() ? nullptr : it->second.get();
}

// nghttp2 callbacks. A non-zero return would make nghttp2 fail the whole session, so
// problems with one request are answered on its stream and 0 is returned.

int Connection::on_begin_headers(const nghttp2_frame* frame) {
  if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
  auto s = std::make_unique<Stream>();
  s->id = frame->hd.stream_id;
  s->active = true;
  ++active_calls_;
  streams_[s->id] = std::move(s);
  update_idle_timer();
  return 0;
}

int Connection::on_header(const nghttp2_frame* frame, std::string_view name,
                          std::string_view value) {
  // Trailers a client sends after its request body carry nothing graced needs.
  if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
  Stream* s = find(frame->hd.stream_id);
  if (!s || s->headers_too_large) return 0;
  s->header_bytes += name.size() + value.size() + 32;
  if (s->header_bytes > options_.max_header_list_bytes) {
    s->headers_too_large = true;
    s->head = {};
    return 0;
  }
  if (!name.empty() && name[0] == ':') {
    if (name == ":method") s->head.method = value;
    if (name == ":path") s->head.path = value;
    if (name == ":authority") s->head.authority = value;
    return 0;
  }
  if (name == "content-type") s->content_type = value;
  if (name == "grpc-timeout") s->grpc_timeout = std::string(value);
  if (name == "grpc-encoding") s->grpc_encoding = value;
  s->head.headers.emplace_back(name, value);
  return 0;
}

int Connection::on_frame_recv(const nghttp2_frame* frame) {
  if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) return 0;
  Stream* s = find(frame->hd.stream_id);
  if (!s) return 0;
  if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
    headers_complete(*s);
  }
  if (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) {
    s->request_complete = true;
    dispatch(*s);
  }
  return 0;
}

int Connection::on_data_chunk(std::int32_t stream_id, std::string_view data) {
  Stream* s = find(stream_id);
  if (!s || s->answered) return 0;  // already answered: the rest is dropped
  const std::size_t limit =
      s->grpc ? options_.max_message_bytes + kMessagePrefixBytes : options_.max_http_body_bytes;
  if (s->body.size() + data.size() > limit) {
    s->answered = true;
    s->body.clear();
    if (s->grpc) {
      finish(
          *s, StatusCode::resource_exhausted,
          "request message larger than " + std::to_string(options_.max_message_bytes) + " bytes");
    } else {
      respond_http(
          *s, {413, {{"Content-Type", "text/plain; charset=utf-8"}}, "request body too large\n"});
    }
    return 0;
  }
  s->body.append(data);
  return 0;
}

int Connection::on_frame_send(const nghttp2_frame* frame) {
  if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) return 0;
  if ((frame->hd.flags & NGHTTP2_FLAG_END_STREAM) == 0) return 0;
  // Answered before the client finished sending (an error, a deadline): tell it to stop,
  // so the stream does not linger half-open.
  Stream* s = find(frame->hd.stream_id);
  if (s && !s->request_complete) {
    nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_NO_ERROR);
  }
  return 0;
}

int Connection::on_stream_close(std::int32_t stream_id) {
  auto it = streams_.find(stream_id);
  if (it == streams_.end()) return 0;
  // Closed before graced decided the call's status: the client cancelled (RST_STREAM).
  if (!it->second->finished) end_call(*it->second, StatusCode::cancelled);
  streams_.erase(it);
  return 0;
}

ssize_t Connection::read_body(nghttp2_session* session, std::int32_t stream_id, std::uint8_t* buf,
                              std::size_t length, std::uint32_t* data_flags,
                              nghttp2_data_source* source, void*) {
  auto* s = static_cast<Stream*>(source->ptr);
  if (s->out.empty()) s->out.swap(s->latest);
  const std::size_t n = std::min(length, s->out.size());
  std::memcpy(buf, s->out.data(), n);
  s->out.erase(0, n);
  if (s->out.empty() && s->latest.empty()) {
    if (s->out_final) {
      *data_flags |= NGHTTP2_DATA_FLAG_EOF;
      if (!s->trailers.empty()) {
        auto nv = to_nv(s->trailers);
        if (nghttp2_submit_trailer(session, stream_id, nv.data(), nv.size()) == 0) {
          *data_flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
        }
      }
    } else if (n == 0) {
      return NGHTTP2_ERR_DEFERRED;  // a Watch waiting for the next change
    }
  }
  return static_cast<ssize_t>(n);
}

// Requests.

void Connection::headers_complete(Stream& s) {
  s.headers_done = true;
  s.grpc = classify_content_type(s.content_type) != ContentType::not_grpc;
  s.method = s.grpc ? method_of(s.head.path) : Method::other;
  if (s.headers_too_large) {
    s.answered = true;
    const std::string why =
        "request headers larger than " + std::to_string(options_.max_header_list_bytes) + " bytes";
    if (s.grpc) {
      finish(s, StatusCode::resource_exhausted, why);
    } else {
      respond_http(s, {431, {{"Content-Type", "text/plain; charset=utf-8"}}, why + "\n"});
    }
    return;
  }
  if (!s.grpc || !s.grpc_timeout) return;
  auto timeout = parse_grpc_timeout(*s.grpc_timeout);
  if (!timeout) {
    s.answered = true;
    finish(s, StatusCode::internal, "malformed grpc-timeout \"" + *s.grpc_timeout + "\"");
    return;
  }
  // The deadline runs from the request's arrival, so it also bounds a client that never
  // finishes sending it.
  s.deadline = loop::Timer(tcp_->loop);
  const std::int32_t id = s.id;
  s.deadline.start(static_cast<std::uint64_t>(timeout->count()), [this, id] { on_deadline(id); });
}

void Connection::on_deadline(std::int32_t id) {
  Stream* s = find(id);
  if (!s || s->finished || closed_) return;
  s->answered = true;
  finish(*s, StatusCode::deadline_exceeded, "deadline exceeded");
  flush();
}

void Connection::dispatch(Stream& s) {
  if (s.answered || !server_) return;
  s.answered = true;
  if (s.grpc) {
    dispatch_grpc(s);
  } else {
    dispatch_http(s);
  }
}

void Connection::dispatch_http(Stream& s) {
  ++server_->stats_.http_requests;
  auto request = to_http_request(s.head, std::move(s.body), peer_);
  if (!request) {
    respond_http(
        s, {400, {{"Content-Type", "text/plain; charset=utf-8"}}, "malformed request target\n"});
    return;
  }
  if (!server_->http_handler_) {
    respond_http(s, {404, {{"Content-Type", "text/plain; charset=utf-8"}}, "not found\n"});
    return;
  }
  respond_http(s, server_->http_handler_(*request));
}

void Connection::dispatch_grpc(Stream& s) {
  if (s.head.method != "POST") {
    finish(s, StatusCode::internal, "gRPC requests must use POST");
    return;
  }
  if (classify_content_type(s.content_type) == ContentType::unsupported) {
    finish(s, StatusCode::internal,
           "content-type " + s.content_type + " is not supported (use application/grpc)");
    return;
  }
  if (s.method == Method::other) {
    finish(s, StatusCode::unimplemented, "unknown method " + s.head.path);
    return;
  }
  const Deframed body = deframe(s.body, options_.max_message_bytes);
  switch (body.error) {
    case DeframeError::none:
      break;
    case DeframeError::compressed:
      if (s.grpc_encoding.empty() || s.grpc_encoding == "identity") {
        finish(s, StatusCode::internal, "compressed flag set without a grpc-encoding");
      } else {
        finish(s, StatusCode::unimplemented,
               "grpc-encoding " + s.grpc_encoding + " is not supported (use identity)");
      }
      return;
    case DeframeError::bad_flag:
      finish(s, StatusCode::internal, "malformed message prefix");
      return;
    case DeframeError::truncated:
      finish(s, StatusCode::internal, "request ends inside a message");
      return;
    case DeframeError::too_large:
      finish(
          s, StatusCode::resource_exhausted,
          "request message larger than " + std::to_string(options_.max_message_bytes) + " bytes");
      return;
  }
  if (body.messages.size() != 1) {
    finish(s, StatusCode::internal,
           body.messages.empty() ? "no request message" : "more than one request message");
    return;
  }
  const std::string_view message = body.messages.front();
  std::string error;
  if (s.method == Method::list) {
    if (!decode_health_list_request(message, error)) {
      finish(s, StatusCode::invalid_argument, "malformed HealthListRequest: " + error);
      return;
    }
    reply(s, encode_health_list_response(server_->service_.list()));
    return;
  }
  auto request = decode_health_check_request(message, error);
  if (!request) {
    finish(s, StatusCode::invalid_argument, "malformed HealthCheckRequest: " + error);
    return;
  }
  if (s.method == Method::check) {
    auto status = server_->service_.status_of(request->service);
    if (!status) {
      finish(s, StatusCode::not_found, "unknown service " + request->service);
      return;
    }
    reply(s, encode_health_check_response(*status));
    return;
  }
  if (going_away_) {
    finish(s, StatusCode::unavailable, "graced is shutting down");
    return;
  }
  // Watch: the current status now, then one message per change (health_changed()).
  s.watching = true;
  s.service = request->service;
  ++server_->stats_.watch_streams_open;
  push_watch(s);
}

// Responses.

void Connection::submit(Stream& s, const std::vector<std::pair<std::string, std::string>>& fields,
                        bool with_body) {
  auto nv = to_nv(fields);
  nghttp2_data_provider provider{};
  provider.source.ptr = &s;
  provider.read_callback = read_body;
  // Fails only when the stream is already gone (reset by the client): nothing to answer.
  nghttp2_submit_response(session_, s.id, nv.data(), nv.size(), with_body ? &provider : nullptr);
  s.responded = true;
}

void Connection::send_message(Stream& s, std::string_view payload, bool supersedes) {
  if (s.finished) return;
  if (supersedes) {
    // `out` may be half sent and must finish; a status waiting behind it is replaced.
    s.latest.clear();
    append_framed_message(s.out.empty() ? s.out : s.latest, payload);
  } else {
    append_framed_message(s.out, payload);
  }
  if (!s.responded) {
    submit(s, {{":status", "200"}, {"content-type", "application/grpc"}}, true);
  } else {
    nghttp2_session_resume_data(session_, s.id);
  }
}

void Connection::finish(Stream& s, StatusCode code, std::string_view message) {
  if (s.finished) return;
  s.answered = true;
  if (!s.responded) {
    // Trailers-Only: status in the only HEADERS frame, which ends the stream.
    std::vector<std::pair<std::string, std::string>> fields{{":status", "200"},
                                                            {"content-type", "application/grpc"}};
    for (auto& f : grpc_status_fields(code, message))
      fields.push_back(std::move(f));
    submit(s, fields, false);
  } else {
    s.trailers = grpc_status_fields(code, message);
    s.out_final = true;
    nghttp2_session_resume_data(session_, s.id);
  }
  end_call(s, code);
}

void Connection::reply(Stream& s, std::string_view payload) {
  send_message(s, payload);
  finish(s, StatusCode::ok);
}

void Connection::respond_http(Stream& s, http::Response response) {
  if (s.finished) return;
  s.answered = true;
  H2Response h2 = to_h2_response(std::move(response), s.head.method == "HEAD");
  s.out = std::move(h2.body);
  s.out_final = true;
  submit(s, h2.fields, !s.out.empty());
  end_call(s, StatusCode::ok);
}

void Connection::end_call(Stream& s, StatusCode code) {
  if (s.finished) return;
  s.finished = true;
  s.deadline.stop();
  if (server_ && s.grpc && s.headers_done) server_->count_call(s.method, code);
  if (server_ && s.watching) --server_->stats_.watch_streams_open;
  if (s.active) {
    s.active = false;
    --active_calls_;
    update_idle_timer();
  }
}

}  // namespace graced::grpc
