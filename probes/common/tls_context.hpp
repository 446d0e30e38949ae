// A TLS client configuration (OpenSSL SSL_CTX): whom to trust and whether to verify.
// Built once per check and shared by its attempts, so the CA bundle is read once.
#pragma once

#include <memory>
#include <string>
#include <vector>

struct ssl_ctx_st;

namespace graced::probes {

struct TlsOptions {
  bool verify = true;             // check the chain and the host name
  std::string ca_file;            // PEM bundle to trust; empty: the system's CAs
  std::vector<std::string> alpn;  // protocols to offer, e.g. {"h2"}; empty: none
};

class TlsContext {
 public:
  // Returns null and sets `error` ("cannot load ca_file /x.pem: no such file") on failure.
  static std::shared_ptr<const TlsContext> create(const TlsOptions& options, std::string& error);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  ssl_ctx_st* get() const { return ctx_; }
  bool verify() const { return verify_; }

 private:
  TlsContext(ssl_ctx_st* ctx, bool verify) : ctx_(ctx), verify_(verify) {}
  ssl_ctx_st* ctx_;
  bool verify_;
};

// Empties OpenSSL's error queue of this thread into a short reason ("wrong version number"),
// or `fallback` when it holds none.
std::string take_openssl_error(const std::string& fallback);

}  // namespace graced::probes
