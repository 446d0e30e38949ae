// A real HTTP(S) server for the http check's tests: python3's http.server in a temp dir,
// on a loopback port it picks itself (or is given), stopped by pid. What it answers is
// chosen per request by the query string:
//   status=503        the status code (default 200)
//   body=ok           the body (default "ok")
//   pad=70000         that many 'x' before the body
//   delay_ms=200      wait before answering
//   hang=1            accept and read the request, never answer
//   close=1           close the connection without answering
// Every request is logged: the request line, the headers, then a line "--".
#pragma once

#include <cstdint>
#include <string>

#include "harness/temp_dir.hpp"
#include "peers/peer_process.hpp"

namespace graced::test {

struct TlsFiles {
  std::string cert_file;  // PEM, also usable as a CA file: the certificate is self-signed
  std::string key_file;
};

// A self-signed EC certificate made with the openssl CLI, written into `dir` as
// <name>.pem / <name>.key. `subject_alt_names` as openssl wants them:
// "DNS:localhost,IP:127.0.0.1". Throws std::runtime_error.
TlsFiles make_self_signed_cert(const std::string& dir, const std::string& name,
                               const std::string& subject_alt_names);

class HttpPeer {
 public:
  // Plain HTTP; with `tls`, HTTPS with that certificate. Waits until it listens; throws
  // std::runtime_error (with the server's log) when it does not within 10s.
  HttpPeer();
  explicit HttpPeer(const TlsFiles& tls);
  // Plain HTTP on this loopback port (e.g. from free_port()), so that a check can be
  // pointed at a server before it is up, and a server can come back where it was.
  explicit HttpPeer(std::uint16_t port);
  ~HttpPeer();
  HttpPeer(const HttpPeer&) = delete;
  HttpPeer& operator=(const HttpPeer&) = delete;

  std::uint16_t port() const { return port_; }
  // "http://127.0.0.1:<port>" + path_and_query (https:// for a TLS peer).
  std::string url(const std::string& path_and_query = "/") const;
  // The request log so far.
  std::string requests() const;
  // How many requests the server has received so far.
  int request_count() const;
  pid_t pid() const { return process_.pid(); }

 private:
  void start(const TlsFiles* tls, std::uint16_t port);

  TempDir dir_;
  PeerProcess process_;
  std::uint16_t port_ = 0;
  bool tls_ = false;
};

}  // namespace graced::test
