// One TLS client connection as a pure state machine over OpenSSL memory BIOs: ciphertext
// goes in and out as strings, so the socket stays a libuv stream that never blocks.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "probes/common/tls_context.hpp"

struct ssl_st;
struct bio_st;

namespace graced::probes {

class TlsSession {
 public:
  enum class State { handshaking, open, closed, failed };

  // `server_name` is sent as SNI (unless it is an IP literal) and, when the context
  // verifies, is the name or address the certificate must match.
  TlsSession(std::shared_ptr<const TlsContext> context, const std::string& server_name);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  State state() const { return state_; }
  // Why the state is `failed`: "TLS certificate verify failed: hostname mismatch".
  const std::string& error() const { return error_; }

  // Ciphertext from the peer.
  void receive(std::string_view ciphertext);
  // Drives the handshake as far as the received bytes allow.
  State handshake();
  // Appends the plaintext decrypted so far; the state becomes `closed` at the peer's
  // close_notify, `failed` on a TLS error.
  State read(std::string& plaintext);
  // Encrypts plaintext (after the handshake); false when the session has failed.
  bool write(std::string_view plaintext);
  // Ciphertext waiting to go to the peer.
  std::string take_outgoing();
  // The protocol the server picked by ALPN, or "".
  std::string alpn_selected() const;

 private:
  void fail(std::string reason);

  std::shared_ptr<const TlsContext> context_;
  ssl_st* ssl_ = nullptr;
  bio_st* in_ = nullptr;   // owned by ssl_
  bio_st* out_ = nullptr;  // owned by ssl_
  State state_ = State::handshaking;
  std::string error_;
};

}  // namespace graced::probes
