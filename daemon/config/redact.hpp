// Secrets are redacted where a value is turned into text for humans: logs, verbose
// output, check-config. Raw values stay only where they are used.
#pragma once

#include <string>
#include <string_view>

namespace graced::config {

inline constexpr std::string_view kRedacted = "<redacted>";

// True for keys named like password, passwd, token, secret, key, credentials,
// authorization, cookie (e.g. "db_password", "api_key", "Authorization").
bool is_secret_key(std::string_view key);

// Removes the password from URLs ("postgres://u:pw@h/db" -> "postgres://u:<redacted>@h/db")
// and from libpq key=value strings ("password=pw" -> "password=<redacted>").
std::string redact_value(std::string_view value);

// The value as it may be shown for a key: fully redacted for secret keys.
std::string redact_for_key(std::string_view key, std::string_view value);

}  // namespace graced::config
