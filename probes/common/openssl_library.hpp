// OpenSSL, loaded with dlopen() when the configuration needs it, and only then: an https
// URL, a postgres check that sends a password or speaks TLS, Basic auth credentials in
// an http URL. Linked, libssl and libcrypto would be loaded and relocated at every start
// of graced, which costs each start a millisecond or more and each instance ~1.7 MiB of
// RSS, for features most configurations never use. The build still compiles against
// OpenSSL's headers, so the types and signatures are OpenSSL's. The fully static build
// links OpenSSL instead (it has no dynamic loader) and fills the same table with the
// linked functions.
#pragma once

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <string>
#include <string_view>

namespace graced::probes {

// Every OpenSSL function graced calls (probes/common/tls_*, probes/postgres/
// password_auth.cpp, probes/http/request.cpp). The macros OpenSSL defines over *_ctrl
// (SSL_CTX_set_min_proto_version, BIO_set_mem_eof_return, SSL_set_tlsext_host_name)
// are spelled out as the ctrl calls they expand to.
// clang-format off
#define GRACED_OPENSSL_FUNCTIONS(X) \
  X(ERR_get_error) X(ERR_reason_error_string) X(ERR_clear_error) \
  X(TLS_client_method) X(SSL_CTX_new) X(SSL_CTX_free) X(SSL_CTX_ctrl) X(SSL_CTX_set_verify) \
  X(SSL_CTX_load_verify_locations) X(SSL_CTX_set_default_verify_paths) \
  X(SSL_CTX_set_alpn_protos) \
  X(SSL_new) X(SSL_free) X(SSL_set_bio) X(SSL_set_connect_state) X(SSL_ctrl) \
  X(SSL_get0_param) X(SSL_do_handshake) X(SSL_get_error) X(SSL_get_verify_result) \
  X(SSL_read) X(SSL_write) X(SSL_get0_alpn_selected) \
  X(X509_VERIFY_PARAM_set_hostflags) X(X509_VERIFY_PARAM_set1_host) \
  X(X509_VERIFY_PARAM_set1_ip_asc) X(X509_verify_cert_error_string) \
  X(BIO_s_mem) X(BIO_new) X(BIO_free) X(BIO_ctrl) X(BIO_write) X(BIO_read) X(BIO_ctrl_pending) \
  X(EVP_md5) X(EVP_sha256) X(EVP_Digest) X(EVP_EncodeBlock) X(EVP_DecodeBlock) \
  X(HMAC) X(PKCS5_PBKDF2_HMAC) X(RAND_bytes)
// clang-format on

// The functions, named as OpenSSL names them: ssl.SSL_free(s).
struct OpenSsl {
#define GRACED_OPENSSL_MEMBER(name) decltype(&::name) name = nullptr;
  GRACED_OPENSSL_FUNCTIONS(GRACED_OPENSSL_MEMBER)
#undef GRACED_OPENSSL_MEMBER
};

// The soname graced loads: the one Debian's libssl3 package installs. libssl brings
// libcrypto, and dlsym on libssl's handle finds libcrypto's functions too.
inline constexpr const char* kOpenSslSoname = "libssl.so.3";

// OpenSSL's functions, loading the library on the first call (on the loop's thread, while
// the configuration is read; never unloaded). nullptr when it cannot be loaded, with
// `error` saying why and what to install.
const OpenSsl* load_openssl(std::string& error);

// OpenSSL's functions for code that runs once the configuration has loaded them (it
// loads them itself on the first call otherwise). Calling it where load_openssl() failed
// is a bug: the configuration should have been refused; it ends graced with a message.
const OpenSsl& openssl();

// A string's contents as the byte pointer OpenSSL's functions take.
inline const unsigned char* bytes_of(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

}  // namespace graced::probes
