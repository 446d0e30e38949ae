// Plain HTTP requests that arrive over HTTP/2 (GET /readyz from a client that speaks h2c)
// are answered by the same handler as HTTP/1.1 ones: these turn an HTTP/2 request into an
// http::Request and an http::Response into HTTP/2 header fields.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "http/message.hpp"
#include "http/peer.hpp"

namespace graced::grpc {

struct H2RequestHead {
  std::string method;     // :method
  std::string path;       // :path, the request-target
  std::string authority;  // :authority
  http::Fields headers;   // regular fields, lower-case names as HTTP/2 requires
};

// nullopt when :path is not a valid target (a malformed percent escape).
std::optional<http::Request> to_http_request(const H2RequestHead& head, std::string body,
                                             const http::Peer& peer);

struct H2Response {
  std::vector<std::pair<std::string, std::string>> fields;  // ":status" first
  std::string body;  // empty for HEAD and for statuses that carry none
};

// Connection-specific fields (Connection, Keep-Alive, Transfer-Encoding, Upgrade, ...) are
// forbidden in HTTP/2 and dropped, names are lower-cased, fields a handler got wrong (bad
// name, CR/LF/NUL in the value) are dropped, and content-length is set from the body.
H2Response to_h2_response(http::Response response, bool head_request);

}  // namespace graced::grpc
