// TOML spellings of strings and keys, for text graced writes that a TOML parser reads back:
// the effective configuration of `graced check-config` (emitter.cpp), a `--set` value
// taken as a string (section.cpp), the CLI's flag shortcuts (cli/invocation.cpp) and an
// http hook's request settings (hooks/http_request_settings.cpp).
#pragma once

#include <string>
#include <string_view>

namespace graced::config {

// A basic string ("...") holding `s` exactly: quote, backslash and control characters
// escaped.
std::string toml_basic_string(std::string_view s);

// A literal string ('...') where TOML allows one for `s` (no single quote, no control
// character but tab), which reads best, since nothing in it is escaped; otherwise a basic
// string.
std::string toml_string(std::string_view s);

// `k` bare where TOML allows it (A-Z a-z 0-9 _ -), otherwise quoted as toml_string().
std::string toml_key(std::string_view k);

}  // namespace graced::config
