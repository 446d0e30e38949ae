#include "probes/common/tls_session.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <array>
#include <climits>

#include "probes/common/address.hpp"

namespace graced::probes {

TlsSession::TlsSession(std::shared_ptr<const TlsContext> context, const std::string& server_name)
    : context_(std::move(context)) {
  ERR_clear_error();
  ssl_ = SSL_new(context_->get());
  in_ = BIO_new(BIO_s_mem());
  out_ = BIO_new(BIO_s_mem());
  if (!ssl_ || !in_ || !out_) {
    BIO_free(in_);
    BIO_free(out_);
    in_ = out_ = nullptr;
    fail("cannot set up TLS: " + take_openssl_error("out of memory"));
    return;
  }
  // An empty input BIO means "wait for more bytes", not end of stream.
  BIO_set_mem_eof_return(in_, -1);
  SSL_set_bio(ssl_, in_, out_);
  SSL_set_connect_state(ssl_);
  const bool ip = is_ip_literal(server_name);
  // SSL_set_tlsext_host_name, without the macro's C cast.
  if (!ip && SSL_ctrl(ssl_, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                      const_cast<char*>(server_name.c_str())) != 1) {
    fail("cannot set TLS server name: " + take_openssl_error("invalid name"));
    return;
  }
  if (context_->verify()) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    const int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, server_name.c_str())
                      : X509_VERIFY_PARAM_set1_host(param, server_name.c_str(), server_name.size());
    if (ok != 1) fail("cannot verify TLS host " + server_name);
  }
}

TlsSession::~TlsSession() {
  if (ssl_) SSL_free(ssl_);
}

void TlsSession::fail(std::string reason) {
  state_ = State::failed;
  error_ = std::move(reason);
}

void TlsSession::receive(std::string_view ciphertext) {
  if (!in_) return;
  while (!ciphertext.empty()) {
    const int chunk = static_cast<int>(std::min<std::size_t>(ciphertext.size(), INT_MAX));
    const int written = BIO_write(in_, ciphertext.data(), chunk);
    if (written <= 0) {
      fail("TLS: cannot buffer received data");
      return;
    }
    ciphertext.remove_prefix(static_cast<std::size_t>(written));
  }
}

TlsSession::State TlsSession::handshake() {
  if (state_ != State::handshaking) return state_;
  ERR_clear_error();
  const int rc = SSL_do_handshake(ssl_);
  if (rc == 1) {
    state_ = State::open;
    return state_;
  }
  const int err = SSL_get_error(ssl_, rc);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return state_;
  const long verify = SSL_get_verify_result(ssl_);
  if (verify != X509_V_OK) {
    ERR_clear_error();
    fail(std::string("TLS certificate verify failed: ") + X509_verify_cert_error_string(verify));
  } else {
    fail("TLS handshake failed: " + take_openssl_error("protocol error"));
  }
  return state_;
}

TlsSession::State TlsSession::read(std::string& plaintext) {
  if (state_ != State::open) return state_;
  std::array<char, 16384> buffer;
  for (;;) {
    ERR_clear_error();
    const int n = SSL_read(ssl_, buffer.data(), static_cast<int>(buffer.size()));
    if (n > 0) {
      plaintext.append(buffer.data(), static_cast<std::size_t>(n));
      continue;
    }
    const int err = SSL_get_error(ssl_, n);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return state_;
    if (err == SSL_ERROR_ZERO_RETURN) {
      state_ = State::closed;
    } else {
      fail("TLS error: " + take_openssl_error("protocol error"));
    }
    return state_;
  }
}

bool TlsSession::write(std::string_view plaintext) {
  if (state_ != State::open) return false;
  while (!plaintext.empty()) {
    ERR_clear_error();
    const int chunk = static_cast<int>(std::min<std::size_t>(plaintext.size(), INT_MAX));
    const int n = SSL_write(ssl_, plaintext.data(), chunk);
    if (n <= 0) {
      fail("TLS error: " + take_openssl_error("write failed"));
      return false;
    }
    plaintext.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string TlsSession::take_outgoing() {
  std::string out;
  if (!out_) return out;
  std::array<char, 16384> buffer;
  while (BIO_ctrl_pending(out_) > 0) {
    const int n = BIO_read(out_, buffer.data(), static_cast<int>(buffer.size()));
    if (n <= 0) break;
    out.append(buffer.data(), static_cast<std::size_t>(n));
  }
  return out;
}

std::string TlsSession::alpn_selected() const {
  const unsigned char* data = nullptr;
  unsigned length = 0;
  if (ssl_) SSL_get0_alpn_selected(ssl_, &data, &length);
  return data ? std::string(reinterpret_cast<const char*>(data), length) : std::string();
}

}  // namespace graced::probes
