#include "grpc/http_bridge.hpp"

#include <string_view>

#include "http/target.hpp"

namespace graced::grpc {
namespace {

bool is_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool valid_value(std::string_view v) {
  return v.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

bool connection_specific(std::string_view name) {
  for (std::string_view n : {"connection", "keep-alive", "proxy-connection", "transfer-encoding",
                             "upgrade", "te", "content-length"}) {
    if (name == n) return true;
  }
  return false;
}

bool status_has_body(int status) {
  return !(status < 200 || status == 204 || status == 304);
}

}  // namespace

std::optional<http::Request> to_http_request(const H2RequestHead& head, std::string body,
                                             const http::Peer& peer) {
  auto target = http::parse_target(head.path);
  if (!target) return std::nullopt;
  http::Request req;
  req.method = head.method;
  req.target = head.path;
  req.path = std::move(target->path);
  req.query = std::move(target->query);
  req.headers = head.headers;
  if (!head.authority.empty() && !req.header("host"))
    req.headers.emplace_back("host", head.authority);
  req.body = std::move(body);
  req.http_major = 2;
  req.http_minor = 0;
  req.keep_alive = true;
  req.peer_address = peer.address;
  req.peer_port = peer.port;
  req.peer_is_loopback = peer.loopback;
  return req;
}

H2Response to_h2_response(http::Response response, bool head_request) {
  H2Response out;
  const int status = response.status >= 100 && response.status <= 999 ? response.status : 500;
  out.fields.emplace_back(":status", std::to_string(status));
  for (auto& [name, value] : response.headers) {
    std::string lower;
    bool ok = !name.empty();
    for (char c : name) {
      const char l = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
      if (!is_token_char(l)) ok = false;
      lower.push_back(l);
    }
    if (!ok || !valid_value(value) || connection_specific(lower)) continue;
    out.fields.emplace_back(std::move(lower), std::move(value));
  }
  if (status_has_body(status)) {
    out.fields.emplace_back("content-length", std::to_string(response.body.size()));
    if (!head_request) out.body = std::move(response.body);
  }
  return out;
}

}  // namespace graced::grpc
