#include "probes/http/url.hpp"

#include <algorithm>
#include <cctype>

#include "probes/common/address.hpp"

namespace graced::probes {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int high = hex_value(text[i + 1]);
    const int low = hex_value(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

std::string Url::authority() const {
  const std::uint16_t default_port = https ? 443 : 80;
  if (port == default_port) return host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return format_host_port(host, port);
}

std::optional<Url> parse_url(std::string_view text, std::string& error) {
  Url url;
  const auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) {
    error = "\"" + std::string(text) + "\" is not a URL (e.g. \"http://localhost:8080/healthz\")";
    return std::nullopt;
  }
  const std::string scheme = lower(text.substr(0, scheme_end));
  if (scheme == "https") {
    url.https = true;
  } else if (scheme != "http") {
    error = "unsupported scheme \"" + scheme + "\" (use http or https)";
    return std::nullopt;
  }
  std::string_view rest = text.substr(scheme_end + 3);
  const auto authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view target =
      authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);

  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const auto colon = userinfo.find(':');
    auto user = percent_decode(userinfo.substr(0, colon));
    auto password = colon == std::string_view::npos ? std::optional<std::string>("")
                                                    : percent_decode(userinfo.substr(colon + 1));
    if (!user || !password) {
      error = "bad percent-encoding in the URL's user or password";
      return std::nullopt;
    }
    url.has_credentials = true;
    url.user = std::move(*user);
    url.password = std::move(*password);
  }
  if (authority.empty()) {
    error = "missing host in URL";
    return std::nullopt;
  }
  std::string host_error;
  auto host = parse_host_port(authority, host_error, url.https ? 443 : 80);
  if (!host) {
    error = "bad URL host: " + host_error;
    return std::nullopt;
  }
  url.host = std::move(host->host);
  url.port = host->port;

  target = target.substr(0, target.find('#'));
  for (char c : target) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) {
      error = "the URL's path contains spaces or control characters (percent-encode them)";
      return std::nullopt;
    }
  }
  url.target = std::string(target);
  if (url.target.empty() || url.target.front() == '?') url.target.insert(0, "/");
  return url;
}

}  // namespace graced::probes
