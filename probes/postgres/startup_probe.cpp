#include "probes/postgres/startup_probe.hpp"

#include <utility>

#include "probes/postgres/connect_error.hpp"

namespace graced::probes {
namespace {

struct WriteRequest {
  uv_write_t req{};
  std::string bytes;
};

// libpq's words, so that the two modes say it alike.
constexpr const char* kClosed = "server closed the connection unexpectedly";
// Bytes of another protocol: an HTTP or SSH server on the port, say.
constexpr const char* kNotPostgres = "not a PostgreSQL server: unexpected answer";

}  // namespace

void StartupProbe::start(Done done) {
  cancel();
  done_ = std::move(done);
  next_ = 0;
  rejected_.reset();
  last_error_.clear();
  try_next();
}

void StartupProbe::cancel() {
  done_ = nullptr;
  connector_.cancel();
  close_connection();
}

void StartupProbe::close_connection() {
  tcp_.close();
  unix_.close();
  stream_ = nullptr;
  tls_.reset();
  scram_.reset();
  inbox_.clear();
  phase_ = Phase::idle;
}

// Like libpq, every endpoint in turn until one accepts; a server that said 57P03 decides
// the failure over those that did not answer at all.
void StartupProbe::try_next() {
  const auto& endpoints = settings_->conninfo.endpoints();
  if (next_ == endpoints.size()) {
    const ConninfoSecrets& secrets = settings_->conninfo.secrets();
    if (rejected_) {
      finish(CheckResult::fail("rejecting connections: " + secrets.scrub(*rejected_)));
    } else {
      finish(CheckResult::fail(secrets.scrub(last_error_)));
    }
    return;
  }
  const Conninfo::Endpoint& endpoint = endpoints[next_++];
  if (endpoint.unix_socket) {
    std::string error;
    unix_ = UnixSocket::connect(loop_, endpoint.address, error);
    if (!unix_) {
      last_error_ = "socket \"" + endpoint.address + "\": " + error;
      try_next();
      return;
    }
    connected(unix_.stream(), false);
    return;
  }
  connector_.connect(endpoint.address, endpoint.port, [this](Connection connection) {
    if (!connection.ok()) {
      last_error_ = std::move(connection.error);
      try_next();
      return;
    }
    tcp_ = std::move(connection.socket);
    connected(tcp_.stream(), true);
  });
}

void StartupProbe::connected(uv_stream_t* stream, bool tcp) {
  stream_ = stream;
  stream_->data = this;
  const int rc = uv_read_start(
      stream_,
      [](uv_handle_t* handle, std::size_t, uv_buf_t* buf) {
        auto* self = static_cast<StartupProbe*>(handle->data);
        *buf = self ? uv_buf_init(self->buffer_.data(), static_cast<unsigned>(self->buffer_.size()))
                    : uv_buf_init(nullptr, 0);
      },
      [](uv_stream_t* handle, ssize_t nread, const uv_buf_t* buf) {
        auto* self = static_cast<StartupProbe*>(handle->data);
        if (!self) return;
        if (nread > 0) {
          self->received(std::string_view(buf->base, static_cast<std::size_t>(nread)));
        } else if (nread < 0) {
          self->connection_lost(nread == UV_EOF ? kClosed : uv_strerror(static_cast<int>(nread)));
        }
      });
  if (rc != 0) {
    connection_lost(uv_strerror(rc));
    return;
  }
  if (tcp && settings_->tls) {
    phase_ = Phase::ssl_answer;
    std::string error = send_raw(pgwire::ssl_request());
    if (!error.empty()) connection_lost(std::move(error));
    return;
  }
  start_session();
}

void StartupProbe::start_session() {
  phase_ = Phase::first_answer;
  std::string error = send(settings_->startup_message);
  if (!error.empty()) connection_lost(std::move(error));
}

void StartupProbe::received(std::string_view bytes) {
  if (phase_ == Phase::ssl_answer) {
    if (bytes.front() == 'N') {
      if (settings_->tls_required) {
        connection_lost("server does not support SSL, but SSL was required");
      } else if (bytes.size() > 1) {
        connection_lost(kNotPostgres);
      } else {
        start_session();  // sslmode=prefer: in clear text, on the same connection
      }
      return;
    }
    if (bytes.front() != 'S') {
      // An error instead: a server that cannot even start a backend says so first.
      phase_ = Phase::first_answer;
      received_plaintext(bytes, false);
      return;
    }
    if (bytes.size() > 1) {
      // Whatever came with the 'S' was not protected by TLS (CVE-2021-23222).
      connection_lost("received unencrypted data after SSL response");
      return;
    }
    const Conninfo::Endpoint& endpoint = settings_->conninfo.endpoints()[next_ - 1];
    tls_ = std::make_unique<TlsSession>(settings_->tls,
                                        endpoint.host.empty() ? endpoint.address : endpoint.host);
    phase_ = Phase::tls_handshake;
    bytes = {};  // the client speaks first: the ClientHello
  }
  if (!tls_) {
    received_plaintext(bytes, false);
    return;
  }
  tls_->receive(bytes);
  std::string error;
  if (phase_ == Phase::tls_handshake) {
    const auto state = tls_->handshake();
    if (state == TlsSession::State::failed) {
      connection_lost(tls_->error());
      return;
    }
    // The handshake's next flight; once it is done, the StartupMessage along with it.
    if (state == TlsSession::State::open) phase_ = Phase::first_answer;
    error = send(phase_ == Phase::first_answer ? std::string_view(settings_->startup_message)
                                               : std::string_view());
    if (!error.empty()) connection_lost(std::move(error));
    return;
  }
  std::string plaintext;
  const auto state = tls_->read(plaintext);
  if (state == TlsSession::State::failed) {
    connection_lost(tls_->error());
    return;
  }
  error = send({});  // what reading produced, e.g. a key update's answer
  if (!error.empty()) {
    connection_lost(std::move(error));
    return;
  }
  received_plaintext(plaintext, state == TlsSession::State::closed);
}

void StartupProbe::received_plaintext(std::string_view bytes, bool ended) {
  inbox_.append(bytes);
  for (;;) {
    std::string error;
    auto message = pgwire::take_message(inbox_, error);
    if (!message) {
      if (!error.empty()) {
        connection_lost(std::move(error));
      } else if (ended) {
        connection_lost(kClosed);
      }
      return;
    }
    if (!read_message(*message)) return;
  }
}

bool StartupProbe::read_message(const pgwire::Message& message) {
  if (message.type == pgwire::kNoticeResponse || message.type == pgwire::kNegotiateProtocolVersion)
    return true;  // the verdict comes with the next message
  if (phase_ == Phase::session_start) {
    if (message.type == pgwire::kReadyForQuery) {
      say_goodbye();
      answered(Answer::accepting, {});
      return false;
    }
    if (message.type == pgwire::kErrorResponse) {
      // Let in, then turned away (e.g. the database does not exist): still an answer.
      answered(Answer::accepting, pgwire::parse_error_fields(message.body).message);
      return false;
    }
    return true;  // ParameterStatus, BackendKeyData
  }
  switch (message.type) {
    case pgwire::kAuthentication: {
      const auto request = pgwire::authentication_code(message.body);
      if (!request) break;
      return authenticate(*request, std::string_view(message.body).substr(4));
    }
    case pgwire::kErrorResponse: {
      if (message.legacy) {
        connection_lost(message.body);
        return false;
      }
      const auto fields = pgwire::parse_error_fields(message.body);
      if (fields.sqlstate == kCannotConnectNow) {
        answered(Answer::rejecting, fields.message);
      } else if (fields.sqlstate.empty()) {
        answered(Answer::none, fields.message);  // as libpq's ping: no SQLSTATE, no answer
      } else {
        answered(Answer::accepting, fields.message);
      }
      return false;
    }
    default:
      break;
  }
  connection_lost(kNotPostgres);
  return false;
}

bool StartupProbe::authenticate(std::uint32_t request, std::string_view data) {
  if (request == pgwire::kAuthOk) {
    phase_ = Phase::session_start;
    return true;
  }
  if (request == pgwire::kAuthSaslFinal) return true;  // AuthenticationOk comes next
  const std::string& password = settings_->password;
  const bool asks_password = request == pgwire::kAuthCleartextPassword ||
                             request == pgwire::kAuthMd5Password || request == pgwire::kAuthSasl;
  if (asks_password && password.empty()) {
    // Leaves at the prompt, which the server does not log (psql asks its user then).
    answered(Answer::accepting, "no password supplied");
    return false;
  }
  std::string reply;
  if (request == pgwire::kAuthCleartextPassword) {
    reply = pgwire::cleartext_password_message(password);
  } else if (request == pgwire::kAuthMd5Password && data.size() >= 4) {
    reply = pgwire::md5_password_message(settings_->user, password, data.substr(0, 4));
  } else if (request == pgwire::kAuthSasl && pgwire::offers_scram_sha_256(data)) {
    scram_ = std::make_unique<pgwire::ScramClient>(password);
    reply = scram_->initial_response();
  } else if (request == pgwire::kAuthSaslContinue && scram_) {
    std::string error;
    auto response = scram_->final_response(data, error);
    if (!response) {
      answered(Answer::accepting, std::move(error));
      return false;
    }
    reply = std::move(*response);
  } else {
    // Kerberos, GSSAPI, SSPI, or a SASL mechanism of the future: the server is up.
    answered(Answer::accepting,
             "authentication method " + std::to_string(request) + " not supported");
    return false;
  }
  phase_ = Phase::login;
  std::string error = send(reply);
  if (!error.empty()) {
    connection_lost(std::move(error));
    return false;
  }
  return true;
}

void StartupProbe::connection_lost(std::string error) {
  if (phase_ == Phase::session_start) {
    answered(Answer::accepting, {});  // it had let us in already
  } else if (phase_ == Phase::login) {
    answered(Answer::accepting, std::move(error));  // it had asked for a password
  } else {
    answered(Answer::none, std::move(error));
  }
}

void StartupProbe::answered(Answer answer, std::string detail) {
  close_connection();
  switch (answer) {
    case Answer::accepting:
      finish(CheckResult::pass(detail.empty()
                                   ? "accepting connections"
                                   : "accepting connections (" +
                                         settings_->conninfo.secrets().scrub(detail) + ")"));
      return;
    case Answer::rejecting:
      rejected_ = std::move(detail);
      break;
    case Answer::none:
      last_error_ = std::move(detail);
      break;
  }
  try_next();
}

// Best effort, without waiting: five bytes into a socket that has sent nothing else.
void StartupProbe::say_goodbye() {
  std::string bytes = pgwire::terminate();
  if (tls_) bytes = tls_->write(bytes) ? tls_->take_outgoing() : std::string();
  if (bytes.empty()) return;
  uv_buf_t buf = uv_buf_init(bytes.data(), static_cast<unsigned>(bytes.size()));
  (void)uv_try_write(stream_, &buf, 1);
}

std::string StartupProbe::send(std::string_view plaintext) {
  if (!tls_) return send_raw(std::string(plaintext));
  if (!plaintext.empty() && !tls_->write(plaintext)) return tls_->error();
  std::string ciphertext = tls_->take_outgoing();
  return ciphertext.empty() ? std::string() : send_raw(std::move(ciphertext));
}

std::string StartupProbe::send_raw(std::string bytes) {
  auto* request = new WriteRequest;
  request->bytes = std::move(bytes);
  request->req.data = request;
  uv_buf_t buf = uv_buf_init(request->bytes.data(), static_cast<unsigned>(request->bytes.size()));
  const int rc = uv_write(&request->req, stream_, &buf, 1, [](uv_write_t* req, int status) {
    auto* owned = static_cast<WriteRequest*>(req->data);
    auto* self = static_cast<StartupProbe*>(req->handle->data);
    delete owned;
    if (self && status < 0) self->connection_lost(uv_strerror(status));
  });
  if (rc == 0) return {};
  delete request;
  return uv_strerror(rc);
}

void StartupProbe::finish(CheckResult result) {
  Done done = std::move(done_);
  done_ = nullptr;
  if (done) done(std::move(result));  // last: it may destroy this check
}

}  // namespace graced::probes
