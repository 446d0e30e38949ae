#include "probes/common/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace graced::probes {

std::string take_openssl_error(const std::string& fallback) {
  std::string reason;
  // The earliest error is the cause; later ones are the callers giving up.
  while (unsigned long code = ERR_get_error()) {
    if (!reason.empty()) continue;
    if (const char* text = ERR_reason_error_string(code)) reason = text;
  }
  return reason.empty() ? fallback : reason;
}

std::shared_ptr<const TlsContext> TlsContext::create(const TlsOptions& options,
                                                     std::string& error) {
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx) {
    error = "cannot set up TLS: " + take_openssl_error("SSL_CTX_new failed");
    return nullptr;
  }
  auto context = std::shared_ptr<const TlsContext>(new TlsContext(ctx, options.verify));
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  if (!options.verify) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    if (!options.ca_file.empty()) {
      if (SSL_CTX_load_verify_locations(ctx, options.ca_file.c_str(), nullptr) != 1) {
        error = "cannot load ca_file " + options.ca_file + ": " +
                take_openssl_error("no certificate found");
        return nullptr;
      }
    } else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
      error = "cannot load the system's CA certificates: " + take_openssl_error("unknown error");
      return nullptr;
    }
  }
  if (!options.alpn.empty()) {
    std::string wire;
    for (const auto& protocol : options.alpn) {
      wire += static_cast<char>(protocol.size());
      wire += protocol;
    }
    if (SSL_CTX_set_alpn_protos(ctx, reinterpret_cast<const unsigned char*>(wire.data()),
                                static_cast<unsigned>(wire.size())) != 0) {
      error = "cannot set ALPN: " + take_openssl_error("unknown error");
      return nullptr;
    }
  }
  return context;
}

TlsContext::~TlsContext() {
  SSL_CTX_free(ctx_);
}

}  // namespace graced::probes
