// One HTTP/1.1 request as the server hands it to a handler, and the response the handler
// gives back. Plain data: the server owns framing (Content-Length, Connection), the
// handler owns status, headers and body.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace graced::http {

using Fields = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;  // "GET", "HEAD", ... as llhttp names it
  std::string target;  // the request-target exactly as sent
  std::string path;    // percent-decoded, without the query
  Fields query;        // percent-decoded pairs in order; a repeated key appears repeatedly
  Fields headers;      // names lower-cased, values without surrounding whitespace
  std::string body;
  int http_major = 1;
  int http_minor = 1;
  bool keep_alive = true;    // false: the connection closes after this request's response
  std::string peer_address;  // "127.0.0.1", "::1"
  int peer_port = 0;
  bool peer_is_loopback = false;

  // The first header with this name (case-insensitive), if any.
  std::optional<std::string_view> header(std::string_view name) const;
  // The first query parameter with this key, if any ("?verbose" gives an empty value).
  std::optional<std::string_view> query_param(std::string_view key) const;
};

struct Response {
  int status = 200;
  Fields headers;  // Content-Length, Transfer-Encoding and Connection are the server's
  std::string body;
};

// "OK", "Not Found", ...; "Unknown" for codes without a registered phrase.
std::string_view reason_phrase(int status);

bool iequals(std::string_view a, std::string_view b);

}  // namespace graced::http
