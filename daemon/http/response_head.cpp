#include "http/response_head.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>

namespace graced::http {

namespace {

bool is_framing_header(std::string_view name) {
  return iequals(name, "content-length") || iequals(name, "transfer-encoding") ||
         iequals(name, "connection");
}

// RFC 9110 token characters: anything else in a header name is a handler bug. A table,
// as every header of every answer is checked.
constexpr std::array<bool, 256> kTokenChars = [] {
  std::array<bool, 256> t{};
  for (unsigned char c = '0'; c <= '9'; ++c)
    t[c] = true;
  for (unsigned char c = 'a'; c <= 'z'; ++c)
    t[c] = true;
  for (unsigned char c = 'A'; c <= 'Z'; ++c)
    t[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~"))
    t[static_cast<unsigned char>(c)] = true;
  return t;
}();

bool is_token(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return kTokenChars[static_cast<unsigned char>(c)];
  });
}

bool is_safe(std::string_view text) {
  return std::none_of(text.begin(), text.end(),
                      [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

bool keep_header(std::string_view name, std::string_view value) {
  return is_token(name) && !is_framing_header(name) && is_safe(value);
}

// Writes into a string sized beforehand: the head is measured first, then built in one
// allocation without a capacity check per piece (it is built for every answer).
class HeadWriter {
 public:
  explicit HeadWriter(char* at) : at_(at) {}
  HeadWriter& put(std::string_view s) {
    std::memcpy(at_, s.data(), s.size());
    at_ += s.size();
    return *this;
  }
  HeadWriter& header(std::string_view name, std::string_view value) {
    return put(name).put(": ").put(value).put("\r\n");
  }

 private:
  char* at_;
};

std::size_t header_size(std::string_view name, std::string_view value) {
  return name.size() + 2 + value.size() + 2;
}

// `n` in decimal, in `buf`.
std::string_view decimal(char (&buf)[24], std::uint64_t n) {
  const auto end = std::to_chars(buf, buf + sizeof buf, n).ptr;
  return {buf, static_cast<std::size_t>(end - buf)};
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
  char status_buf[24];
  char length_buf[24];
  const std::string_view status =
      decimal(status_buf, static_cast<std::uint64_t>(std::max(response.status, 0)));
  const std::string_view reason = reason_phrase(response.status);
  const bool has_length = status_allows_body(response.status);
  const std::string_view length = has_length ? decimal(length_buf, response.body.size()) : "";
  std::string_view connection;
  if (framing.close) {
    connection = "close";
  } else if (framing.http10_keep_alive) {
    connection = "keep-alive";
  }

  std::size_t size = 9 + status.size() + 1 + reason.size() + 2 + 2;
  for (const auto& [name, value] : response.headers) {
    if (keep_header(name, value)) size += header_size(name, value);
  }
  if (has_length) size += header_size("Content-Length", length);
  if (!connection.empty()) size += header_size("Connection", connection);

  std::string out(size, '\0');
  HeadWriter w(out.data());
  w.put("HTTP/1.1 ").put(status).put(" ").put(reason).put("\r\n");
  for (const auto& [name, value] : response.headers) {
    if (keep_header(name, value)) w.header(name, value);
  }
  if (has_length) w.header("Content-Length", length);
  if (!connection.empty()) w.header("Connection", connection);
  w.put("\r\n");
  return out;
}

}  // namespace graced::http
