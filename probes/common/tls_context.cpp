#include "probes/common/tls_context.hpp"

#include "probes/common/openssl_library.hpp"

namespace graced::probes {

std::string take_openssl_error(const std::string& fallback) {
  const OpenSsl& ssl = openssl();
  std::string reason;
  // The earliest error is the cause; later ones are the callers giving up.
  while (unsigned long code = ssl.ERR_get_error()) {
    if (!reason.empty()) continue;
    if (const char* text = ssl.ERR_reason_error_string(code)) reason = text;
  }
  return reason.empty() ? fallback : reason;
}

std::shared_ptr<const TlsContext> TlsContext::create(const TlsOptions& options,
                                                     std::string& error) {
  const OpenSsl* loaded = load_openssl(error);
  if (!loaded) return nullptr;
  const OpenSsl& ssl = *loaded;
  ssl.ERR_clear_error();
  SSL_CTX* ctx = ssl.SSL_CTX_new(ssl.TLS_client_method());
  if (!ctx) {
    error = "cannot set up TLS: " + take_openssl_error("SSL_CTX_new failed");
    return nullptr;
  }
  auto context = std::shared_ptr<const TlsContext>(new TlsContext(ctx, options.verify));
  // SSL_CTX_set_min_proto_version
  ssl.SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MIN_PROTO_VERSION, TLS1_2_VERSION, nullptr);
  if (!options.verify) {
    ssl.SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  } else {
    ssl.SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    if (!options.ca_file.empty()) {
      if (ssl.SSL_CTX_load_verify_locations(ctx, options.ca_file.c_str(), nullptr) != 1) {
        error = "cannot load ca_file " + options.ca_file + ": " +
                take_openssl_error("no certificate found");
        return nullptr;
      }
    } else if (ssl.SSL_CTX_set_default_verify_paths(ctx) != 1) {
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
    if (ssl.SSL_CTX_set_alpn_protos(ctx, reinterpret_cast<const unsigned char*>(wire.data()),
                                    static_cast<unsigned>(wire.size())) != 0) {
      error = "cannot set ALPN: " + take_openssl_error("unknown error");
      return nullptr;
    }
  }
  return context;
}

TlsContext::~TlsContext() {
  const OpenSsl& ssl = openssl();
  ssl.SSL_CTX_free(ctx_);
}

}  // namespace graced::probes
