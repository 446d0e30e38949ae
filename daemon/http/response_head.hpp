// The status line and header block the server writes before a response body.
#pragma once

#include <string>

#include "http/message.hpp"

namespace graced::http {

struct Framing {
  bool head_request = false;       // HEAD: announce the body's length, send no body
  bool close = false;              // the connection closes after this response
  bool http10_keep_alive = false;  // an HTTP/1.0 client asked to keep the connection
};

// 1xx, 204 and 304 responses never carry a body (RFC 9110 6.4.1).
bool status_allows_body(int status);

// True when the handler put "Connection: close" in the response.
bool asks_to_close(const Response& response);

// Serializes "HTTP/1.1 <status> <reason>" and the headers ending in an empty line. The
// handler's Content-Length, Transfer-Encoding and Connection headers are replaced by the
// server's own framing, and a header whose name is not a token or whose value holds CR, LF
// or NUL is dropped so that no handler can split a response.
std::string serialize_head(const Response& response, const Framing& framing);

}  // namespace graced::http
