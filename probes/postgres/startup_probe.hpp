// The postgres check's default mode: pg_isready's question ("is the server accepting
// connections", libpq's PQping) asked on the wire, without libpq. For each endpoint in
// turn it connects (TCP through the shared connector, or the server's Unix socket), sends
// a protocol 3.0 StartupMessage, and reads the answers:
//   - an authentication request: accepting connections. It logs in as PQping does, with
//     the URL's password (cleartext, MD5 or SCRAM-SHA-256), so that a refused login says
//     why; once let in it waits for ReadyForQuery and says goodbye with Terminate;
//   - an ErrorResponse with SQLSTATE 57P03 (starting up, shutting down, in recovery):
//     rejecting connections, and the next endpoint is tried;
//   - any other error (wrong password, unknown user or database, no pg_hba.conf entry,
//     too many clients): the server answered, so it is accepting connections;
//   - nothing, or bytes that are not PostgreSQL's: the next endpoint is tried.
// TLS follows sslmode as libpq does over TCP: prefer (the default) sends SSLRequest when
// there is a password to protect and goes on in clear text on the same connection when
// the server answers 'N'; require and verify-* fail then (PQping says "no response");
// disable and allow never ask. The
// certificate is not checked: the probe trusts nothing but the server's answer to "are
// you up", and the service's own connections check it. Unix sockets never use TLS, and
// GSSAPI encryption is not attempted, both as in libpq.
#pragma once

#include <uv.h>

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "probes/check.hpp"
#include "probes/common/connector.hpp"
#include "probes/common/tcp_socket.hpp"
#include "probes/common/tls_session.hpp"
#include "probes/postgres/password_auth.hpp"
#include "probes/postgres/postgres_check.hpp"
#include "probes/postgres/unix_socket.hpp"
#include "probes/postgres/wire_message.hpp"

namespace graced::probes {

class StartupProbe : public Check {
 public:
  StartupProbe(std::shared_ptr<const PostgresSettings> settings, const CheckContext& context)
      : settings_(std::move(settings)), loop_(context.loop), connector_(context.loop) {}
  ~StartupProbe() override { cancel(); }
  StartupProbe(const StartupProbe&) = delete;
  StartupProbe& operator=(const StartupProbe&) = delete;

  void start(Done done) override;
  void cancel() override;

 private:
  enum class Phase {
    idle,
    ssl_answer,     // SSLRequest sent: one byte, 'S' or 'N'
    tls_handshake,  // 'S': TLS handshake in progress
    first_answer,   // StartupMessage sent: waiting for an authentication request
    login,          // answering the server's authentication requests
    session_start,  // let in: waiting for ReadyForQuery, to say goodbye with Terminate
  };
  enum class Answer { accepting, rejecting, none };

  // Each of these may end the attempt, and the check with it (the engine's callback may
  // destroy it): callers return right after.
  void try_next();
  void connected(uv_stream_t* stream, bool tcp);
  void received(std::string_view bytes);
  void received_plaintext(std::string_view bytes, bool ended);
  bool read_message(const pgwire::Message& message);  // false once it ended the connection
  bool authenticate(std::uint32_t request, std::string_view data);  // the same
  void start_session();
  void connection_lost(std::string error);
  void answered(Answer answer, std::string detail);
  void finish(CheckResult result);

  // Queue bytes for the server, through TLS when it is on; an error only when they cannot
  // even be queued (a write that fails later ends the connection from its callback).
  std::string send(std::string_view plaintext);
  std::string send_raw(std::string bytes);
  void say_goodbye();
  void close_connection();

  std::shared_ptr<const PostgresSettings> settings_;
  uv_loop_t* loop_;
  Connector connector_;
  TcpSocket tcp_;
  UnixSocket unix_;
  uv_stream_t* stream_ = nullptr;  // tcp_'s or unix_'s
  std::unique_ptr<TlsSession> tls_;
  std::unique_ptr<pgwire::ScramClient> scram_;
  Phase phase_ = Phase::idle;
  std::string inbox_;                    // plaintext not yet read as messages
  std::size_t next_ = 0;                 // the endpoint to try next
  std::optional<std::string> rejected_;  // what the last server that said 57P03 said
  std::string last_error_;
  Done done_;
  std::array<char, 16384> buffer_{};
};

}  // namespace graced::probes
