#include "probes/common/tls_session.hpp"

#include <array>
#include <climits>

#include "probes/common/address.hpp"
#include "probes/common/openssl_library.hpp"

namespace graced::probes {

TlsSession::TlsSession(std::shared_ptr<const TlsContext> context, const std::string& server_name)
    : context_(std::move(context)) {
  const OpenSsl& ssl = openssl();
  ssl.ERR_clear_error();
  ssl_ = ssl.SSL_new(context_->get());
  in_ = ssl.BIO_new(ssl.BIO_s_mem());
  out_ = ssl.BIO_new(ssl.BIO_s_mem());
  if (!ssl_ || !in_ || !out_) {
    ssl.BIO_free(in_);
    ssl.BIO_free(out_);
    in_ = out_ = nullptr;
    fail("cannot set up TLS: " + take_openssl_error("out of memory"));
    return;
  }
  // An empty input BIO means "wait for more bytes", not end of stream.
  ssl.BIO_ctrl(in_, BIO_C_SET_BUF_MEM_EOF_RETURN, -1, nullptr);  // BIO_set_mem_eof_return
  ssl.SSL_set_bio(ssl_, in_, out_);
  ssl.SSL_set_connect_state(ssl_);
  const bool ip = is_ip_literal(server_name);
  // SSL_set_tlsext_host_name, without the macro's C cast.
  if (!ip && ssl.SSL_ctrl(ssl_, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                          const_cast<char*>(server_name.c_str())) != 1) {
    fail("cannot set TLS server name: " + take_openssl_error("invalid name"));
    return;
  }
  if (context_->verify()) {
    X509_VERIFY_PARAM* param = ssl.SSL_get0_param(ssl_);
    ssl.X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    const int ok =
        ip ? ssl.X509_VERIFY_PARAM_set1_ip_asc(param, server_name.c_str())
           : ssl.X509_VERIFY_PARAM_set1_host(param, server_name.c_str(), server_name.size());
    if (ok != 1) fail("cannot verify TLS host " + server_name);
  }
}

TlsSession::~TlsSession() {
  const OpenSsl& ssl = openssl();
  if (ssl_) ssl.SSL_free(ssl_);
}

void TlsSession::fail(std::string reason) {
  state_ = State::failed;
  error_ = std::move(reason);
}

void TlsSession::receive(std::string_view ciphertext) {
  const OpenSsl& ssl = openssl();
  if (!in_) return;
  while (!ciphertext.empty()) {
    const int chunk = static_cast<int>(std::min<std::size_t>(ciphertext.size(), INT_MAX));
    const int written = ssl.BIO_write(in_, ciphertext.data(), chunk);
    if (written <= 0) {
      fail("TLS: cannot buffer received data");
      return;
    }
    ciphertext.remove_prefix(static_cast<std::size_t>(written));
  }
}

TlsSession::State TlsSession::handshake() {
  const OpenSsl& ssl = openssl();
  if (state_ != State::handshaking) return state_;
  ssl.ERR_clear_error();
  const int rc = ssl.SSL_do_handshake(ssl_);
  if (rc == 1) {
    state_ = State::open;
    return state_;
  }
  const int err = ssl.SSL_get_error(ssl_, rc);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return state_;
  const long verify = ssl.SSL_get_verify_result(ssl_);
  if (verify != X509_V_OK) {
    ssl.ERR_clear_error();
    fail(std::string("TLS certificate verify failed: ") +
         ssl.X509_verify_cert_error_string(verify));
  } else {
    fail("TLS handshake failed: " + take_openssl_error("protocol error"));
  }
  return state_;
}

TlsSession::State TlsSession::read(std::string& plaintext) {
  const OpenSsl& ssl = openssl();
  if (state_ != State::open) return state_;
  std::array<char, 16384> buffer;
  for (;;) {
    ssl.ERR_clear_error();
    const int n = ssl.SSL_read(ssl_, buffer.data(), static_cast<int>(buffer.size()));
    if (n > 0) {
      plaintext.append(buffer.data(), static_cast<std::size_t>(n));
      continue;
    }
    const int err = ssl.SSL_get_error(ssl_, n);
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
  const OpenSsl& ssl = openssl();
  if (state_ != State::open) return false;
  while (!plaintext.empty()) {
    ssl.ERR_clear_error();
    const int chunk = static_cast<int>(std::min<std::size_t>(plaintext.size(), INT_MAX));
    const int n = ssl.SSL_write(ssl_, plaintext.data(), chunk);
    if (n <= 0) {
      fail("TLS error: " + take_openssl_error("write failed"));
      return false;
    }
    plaintext.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string TlsSession::take_outgoing() {
  const OpenSsl& ssl = openssl();
  std::string out;
  if (!out_) return out;
  std::array<char, 16384> buffer;
  while (ssl.BIO_ctrl_pending(out_) > 0) {
    const int n = ssl.BIO_read(out_, buffer.data(), static_cast<int>(buffer.size()));
    if (n <= 0) break;
    out.append(buffer.data(), static_cast<std::size_t>(n));
  }
  return out;
}

std::string TlsSession::alpn_selected() const {
  const OpenSsl& ssl = openssl();
  const unsigned char* data = nullptr;
  unsigned length = 0;
  if (ssl_) ssl.SSL_get0_alpn_selected(ssl_, &data, &length);
  return data ? std::string(reinterpret_cast<const char*>(data), length) : std::string();
}

}  // namespace graced::probes
