#include "probes/http/request.hpp"

#include <strings.h>

#include "probes/common/base64.hpp"
#include "version.hpp"

namespace graced::probes {
namespace {

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

bool has_header(const HeaderList& headers, std::string_view name) {
  for (const auto& [k, v] : headers)
    if (same_name(k, name)) return true;
  return false;
}

std::string user_agent() {
  return std::string("graced/") + kVersion;
}

bool is_reserved_header(std::string_view name) {
  return same_name(name, "Connection") || same_name(name, "Content-Length") ||
         same_name(name, "Transfer-Encoding");
}

std::string build_request(std::string_view method, const Url& url, const HeaderList& headers) {
  std::string out;
  out.append(method).append(" ").append(url.target).append(" HTTP/1.1\r\n");
  if (!has_header(headers, "Host")) out += "Host: " + url.authority() + "\r\n";
  if (!has_header(headers, "User-Agent")) out += "User-Agent: " + user_agent() + "\r\n";
  if (url.has_credentials && !has_header(headers, "Authorization"))
    out += "Authorization: Basic " + base64_encode(url.user + ":" + url.password) + "\r\n";
  for (const auto& [name, value] : headers)
    out += name + ": " + value + "\r\n";
  // Some servers refuse a POST without a length (411), even an empty one.
  if (method == "POST" || method == "PUT" || method == "PATCH") out += "Content-Length: 0\r\n";
  out += "Connection: close\r\n\r\n";
  return out;
}

}  // namespace graced::probes
