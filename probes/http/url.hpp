// http:// and https:// URLs as the http check needs them: where to connect, what to ask
// for, and the credentials to send as Basic auth.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace graced::probes {

struct Url {
  bool https = false;
  bool has_credentials = false;
  std::string user;      // percent-decoded
  std::string password;  // percent-decoded
  std::string host;      // a name or an IP literal, without brackets
  std::uint16_t port = 0;
  std::string target;  // "/path?query" as sent in the request line; never empty

  // The Host header: the host, bracketed when IPv6, with the port unless it is the
  // scheme's default.
  std::string authority() const;
};

// On failure returns nullopt and sets `error` ("unsupported scheme \"ftp\" (use http or
// https)"). The fragment is dropped; spaces and control characters must be percent-encoded.
std::optional<Url> parse_url(std::string_view text, std::string& error);

}  // namespace graced::probes
