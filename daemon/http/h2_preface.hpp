// Telling an HTTP/2 connection from an HTTP/1.1 one by its first bytes. Clients that
// speak h2c with prior knowledge (kubelet's gRPC probe, grpc_health_probe) open with this
// preface; no HTTP/1.1 request starts with "PRI * HTTP/2.0".
#pragma once

#include <string_view>

namespace graced::http {

inline constexpr std::string_view kH2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

enum class PrefaceMatch {
  no,       // not HTTP/2: hand the bytes to the HTTP/1.1 parser
  partial,  // so far a prefix of the preface: read more before deciding
  full,     // HTTP/2: hand the connection over (ServerOptions::on_http2_preface)
};

inline PrefaceMatch match_h2_preface(std::string_view first_bytes) {
  const std::size_t n =
      first_bytes.size() < kH2Preface.size() ? first_bytes.size() : kH2Preface.size();
  if (first_bytes.substr(0, n) != kH2Preface.substr(0, n)) return PrefaceMatch::no;
  return n == kH2Preface.size() ? PrefaceMatch::full : PrefaceMatch::partial;
}

}  // namespace graced::http
