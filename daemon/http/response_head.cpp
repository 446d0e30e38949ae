#include "http/response_head.hpp"

#include <algorithm>

namespace graced::http {

namespace {

bool is_framing_header(std::string_view name) {
  return iequals(name, "content-length") || iequals(name, "transfer-encoding") ||
         iequals(name, "connection");
}

// RFC 9110 token characters: anything else in a header name is a handler bug.
bool is_token(std::string_view name) {
  static constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           kSymbols.find(c) != std::string_view::npos;
  });
}

bool is_safe(std::string_view text) {
  return std::none_of(text.begin(), text.end(),
                      [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

void append_header(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

}  // namespace

bool status_allows_body(int status) {
  return status >= 200 && status != 204 && status != 304;
}

bool asks_to_close(const Response& response) {
  return std::any_of(response.headers.begin(), response.headers.end(), [](const auto& field) {
    return iequals(field.first, "connection") && iequals(field.second, "close");
  });
}

std::string serialize_head(const Response& response, const Framing& framing) {
  std::string out;
  out.reserve(128 + response.headers.size() * 48);
  out.append("HTTP/1.1 ")
      .append(std::to_string(response.status))
      .append(" ")
      .append(reason_phrase(response.status))
      .append("\r\n");
  for (const auto& [name, value] : response.headers) {
    if (!is_token(name) || is_framing_header(name) || !is_safe(value)) continue;
    append_header(out, name, value);
  }
  if (status_allows_body(response.status)) {
    append_header(out, "Content-Length", std::to_string(response.body.size()));
  }
  if (framing.close) {
    append_header(out, "Connection", "close");
  } else if (framing.http10_keep_alive) {
    append_header(out, "Connection", "keep-alive");
  }
  out.append("\r\n");
  return out;
}

}  // namespace graced::http
