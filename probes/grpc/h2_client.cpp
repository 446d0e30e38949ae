#include "probes/grpc/h2_client.hpp"

#include <cstring>

#include "grpc/grpc_metadata.hpp"
#include "grpc/message_framing.hpp"
#include "grpc/status_code.hpp"
#include "probes/common/address.hpp"
#include "version.hpp"

namespace graced::probes {
namespace {

// A health response is a few bytes; anything this large is not one.
constexpr std::size_t kMaxResponseBytes = 64 * 1024;

std::uint8_t* bytes(const std::string& s) {
  return reinterpret_cast<std::uint8_t*>(const_cast<char*>(s.data()));
}

GrpcUnaryClient* self(void* user_data) {
  return static_cast<GrpcUnaryClient*>(user_data);
}

bool allowed_metadata(const std::string& name) {
  if (name.empty() || name[0] == ':') return false;
  for (const char* n : {"content-type", "te", "grpc-timeout", "connection", "host",
                        "transfer-encoding", "upgrade", "keep-alive"}) {
    if (name == n) return false;
  }
  return true;
}

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

}  // namespace

int grpc_status_for_http(int http_status) {
  using grpc::StatusCode;
  switch (http_status) {
    case 400:
      return static_cast<int>(StatusCode::internal);
    case 401:
      return static_cast<int>(StatusCode::unauthenticated);
    case 403:
      return static_cast<int>(StatusCode::permission_denied);
    case 404:
      return static_cast<int>(StatusCode::unimplemented);
    case 429:
    case 502:
    case 503:
    case 504:
      return static_cast<int>(StatusCode::unavailable);
    default:
      return static_cast<int>(StatusCode::unknown);
  }
}

// The nghttp2 callbacks only record what arrives; the call is finished from outside
// nghttp2 (after mem_recv returns), since a session cannot be deleted from its callbacks.
nghttp2_session_callbacks* GrpcUnaryClient::callbacks() {
  static nghttp2_session_callbacks* cbs = [] {
    nghttp2_session_callbacks* c = nullptr;
    nghttp2_session_callbacks_new(&c);
    nghttp2_session_callbacks_set_on_header_callback(
        c, [](nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
              std::size_t namelen, const std::uint8_t* value, std::size_t valuelen, std::uint8_t,
              void* u) {
          auto* me = self(u);
          if (frame->hd.stream_id != me->stream_id_) return 0;
          const std::string_view n(reinterpret_cast<const char*>(name), namelen);
          const std::string_view v(reinterpret_cast<const char*>(value), valuelen);
          if (n == ":status") {
            int status = 0;
            for (char ch : v)
              status = (ch >= '0' && ch <= '9') ? status * 10 + (ch - '0') : 0;
            me->http_status_ = status;
          } else if (n == "grpc-status") {
            int status = 0;
            bool ok = !v.empty() && v.size() <= 3;
            for (char ch : v) {
              if (ch < '0' || ch > '9') ok = false;
              status = status * 10 + (ch - '0');
            }
            if (ok) me->grpc_status_ = status;
          } else if (n == "grpc-message") {
            me->grpc_message_ = grpc::percent_decode_message(v);
          }
          return 0;
        });
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(
        c, [](nghttp2_session*, std::uint8_t, std::int32_t id, const std::uint8_t* data,
              std::size_t len, void* u) {
          auto* me = self(u);
          if (id != me->stream_id_) return 0;
          if (me->body_.size() + len > kMaxResponseBytes) {
            me->body_too_large_ = true;
            return 0;
          }
          me->body_.append(reinterpret_cast<const char*>(data), len);
          return 0;
        });
    nghttp2_session_callbacks_set_on_stream_close_callback(
        c, [](nghttp2_session*, std::int32_t id, std::uint32_t error_code, void* u) {
          auto* me = self(u);
          if (id != me->stream_id_) return 0;
          me->stream_closed_ = true;
          me->reset_code_ = error_code;
          return 0;
        });
    return c;
  }();
  return cbs;
}

GrpcUnaryClient::GrpcUnaryClient(uv_loop_t* loop) : connector_(loop) {}

GrpcUnaryClient::~GrpcUnaryClient() {
  teardown();
}

void GrpcUnaryClient::start(GrpcCall call, Done done, Connected connected) {
  cancel();
  call_ = std::move(call);
  done_ = std::move(done);
  connected_ = std::move(connected);
  request_body_ = grpc::frame_message(call_.request);
  request_sent_ = 0;
  stream_id_ = -1;
  http_status_ = 0;
  grpc_status_.reset();
  grpc_message_.clear();
  body_.clear();
  body_too_large_ = false;
  stream_closed_ = false;
  reset_code_ = NGHTTP2_NO_ERROR;
  received_any_ = false;
  connector_.connect(call_.host, call_.port,
                     [this](Connection connection) { on_connected(std::move(connection)); });
}

void GrpcUnaryClient::cancel() {
  done_ = nullptr;
  connected_ = nullptr;
  teardown();
}

void GrpcUnaryClient::teardown() {
  connector_.cancel();
  stream_.reset();
  if (session_) {
    nghttp2_session_del(session_);
    session_ = nullptr;
  }
}

void GrpcUnaryClient::on_connected(Connection connection) {
  if (!connection.ok()) {
    fail(GrpcReply::Outcome::connect_failed, std::move(connection.error));
    return;
  }
  if (auto connected = std::move(connected_)) {
    std::weak_ptr<bool> alive = alive_;
    connected();
    if (alive.expired() || !done_) return;  // destroyed or cancelled by the callback
  }
  stream_ = std::make_unique<ClientStream>(std::move(connection.socket), nullptr, "");
  stream_->start({
      [this] { on_ready(); },
      [this](std::string_view data) { on_data(data); },
      [this](std::string error) { on_closed(error); },
  });
}

void GrpcUnaryClient::on_ready() {
  nghttp2_session_client_new(&session_, callbacks(), this);
  const nghttp2_settings_entry settings[] = {{NGHTTP2_SETTINGS_ENABLE_PUSH, 0}};
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, std::size(settings));

  const std::string authority =
      call_.authority.empty() ? format_host_port(call_.host, call_.port) : call_.authority;
  std::vector<std::pair<std::string, std::string>> fields{
      {":method", "POST"},
      {":scheme", "http"},
      {":path", call_.path},
      {":authority", authority},
      {"content-type", "application/grpc"},
      {"te", "trailers"},
      {"user-agent", std::string("graced/") + kVersion},
  };
  if (call_.timeout) fields.emplace_back("grpc-timeout", grpc::format_grpc_timeout(*call_.timeout));
  for (const auto& [name, value] : call_.metadata) {
    std::string n = lower(name);
    if (allowed_metadata(n)) fields.emplace_back(std::move(n), value);
  }
  std::vector<nghttp2_nv> nv;
  for (const auto& [name, value] : fields) {
    nv.push_back({bytes(name), bytes(value), name.size(), value.size(), NGHTTP2_NV_FLAG_NONE});
  }
  nghttp2_data_provider body{};
  body.source.ptr = this;
  body.read_callback = [](nghttp2_session*, std::int32_t, std::uint8_t* buf, std::size_t length,
                          std::uint32_t* flags, nghttp2_data_source* source, void*) -> ssize_t {
    auto* me = static_cast<GrpcUnaryClient*>(source->ptr);
    const std::size_t n = std::min(length, me->request_body_.size() - me->request_sent_);
    std::memcpy(buf, me->request_body_.data() + me->request_sent_, n);
    me->request_sent_ += n;
    if (me->request_sent_ == me->request_body_.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  };
  stream_id_ = nghttp2_submit_request(session_, nullptr, nv.data(), nv.size(), &body, nullptr);
  if (stream_id_ < 0) {
    fail(GrpcReply::Outcome::failed,
         std::string("cannot send the request: ") + nghttp2_strerror(stream_id_));
    return;
  }
  flush();
}

void GrpcUnaryClient::on_data(std::string_view data) {
  if (!session_) return;
  if (!received_any_) {
    // An HTTP/2 server's first frame is SETTINGS; an HTTP/1.x one answers the preface with
    // an error status line (or, thinking it HTTP/0.9, with a bare error page).
    if (data.starts_with("HTTP/1.")) {
      fail(GrpcReply::Outcome::failed, "not an HTTP/2 server (it answered in HTTP/1.x)");
      return;
    }
    if (data.size() >= 4 && static_cast<unsigned char>(data[3]) != NGHTTP2_SETTINGS) {
      fail(GrpcReply::Outcome::failed, "not an HTTP/2 server");
      return;
    }
  }
  received_any_ = true;
  ++in_nghttp2_;
  const auto rc = nghttp2_session_mem_recv(
      session_, reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
  --in_nghttp2_;
  if (rc < 0) {
    // Most often the peer is not an HTTP/2 server (an HTTP/1.1 answer to our preface).
    fail(GrpcReply::Outcome::failed,
         std::string("not an HTTP/2 answer (") + nghttp2_strerror(static_cast<int>(rc)) + ")");
    return;
  }
  if (stream_closed_) {
    finish(result());
    return;
  }
  std::weak_ptr<bool> alive = alive_;
  flush();
  if (alive.expired()) return;  // a failed write finished the call, and `done` freed us
  if (session_ && !nghttp2_session_want_read(session_) && !nghttp2_session_want_write(session_)) {
    // nghttp2 ended the session over a protocol error (and sent GOAWAY).
    fail(GrpcReply::Outcome::failed, "HTTP/2 protocol error from the server");
  }
}

void GrpcUnaryClient::on_closed(const std::string& error) {
  if (stream_closed_) {
    finish(result());
    return;
  }
  fail(GrpcReply::Outcome::failed,
       error.empty() ? "connection closed before an answer" : "connection lost: " + error);
}

void GrpcUnaryClient::flush() {
  std::string out;
  for (;;) {
    const std::uint8_t* data = nullptr;
    ++in_nghttp2_;
    const auto n = nghttp2_session_mem_send(session_, &data);
    --in_nghttp2_;
    if (n < 0) {
      fail(GrpcReply::Outcome::failed,
           std::string("HTTP/2 error: ") + nghttp2_strerror(static_cast<int>(n)));
      return;
    }
    if (n == 0) break;
    out.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
  }
  if (!out.empty() && stream_) stream_->write(out);  // may end in on_closed()
}

GrpcReply GrpcUnaryClient::result() const {
  GrpcReply r;
  if (!grpc_status_ && reset_code_ != NGHTTP2_NO_ERROR) {
    r.outcome = GrpcReply::Outcome::failed;
    r.error =
        std::string("stream reset by the server (") + nghttp2_http2_strerror(reset_code_) + ")";
    return r;
  }
  r.outcome = GrpcReply::Outcome::answered;
  if (http_status_ != 200) {
    r.grpc_status = grpc_status_for_http(http_status_);
    r.grpc_message = "HTTP status " + std::to_string(http_status_);
    return r;
  }
  if (!grpc_status_) {
    r.grpc_status = static_cast<int>(grpc::StatusCode::internal);
    r.grpc_message = "no grpc-status in the response";
    return r;
  }
  r.grpc_status = *grpc_status_;
  r.grpc_message = grpc_message_;
  if (r.grpc_status != 0) return r;
  const auto framed = grpc::deframe(body_, kMaxResponseBytes);
  if (body_too_large_ || framed.error != grpc::DeframeError::none || framed.messages.empty()) {
    r.grpc_status = static_cast<int>(grpc::StatusCode::internal);
    r.grpc_message = body_too_large_ ? "response too large"
                     : framed.messages.empty() && framed.error == grpc::DeframeError::none
                         ? "no response message"
                         : "malformed response message";
    return r;
  }
  r.response = std::string(framed.messages.front());
  return r;
}

void GrpcUnaryClient::fail(GrpcReply::Outcome outcome, std::string error) {
  GrpcReply r;
  r.outcome = outcome;
  r.error = std::move(error);
  finish(std::move(r));
}

void GrpcUnaryClient::finish(GrpcReply reply) {
  auto done = std::move(done_);
  done_ = nullptr;
  connected_ = nullptr;
  teardown();
  if (done) done(std::move(reply));  // last: it may destroy this client
}

}  // namespace graced::probes
