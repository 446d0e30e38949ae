// Splitting a request-target into its decoded path and query parameters.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "http/message.hpp"

namespace graced::http {

struct Target {
  std::string path;
  Fields query;
};

// Accepts origin-form ("/readyz?verbose"), absolute-form ("http://host/readyz") and
// asterisk-form ("*"). Percent escapes are decoded in path and query; '+' means a space in
// the query only. Returns nullopt for a malformed escape ("%zz", "%4") so that a request
// cannot reach a handler with a path other than the one it appears to name.
std::optional<Target> parse_target(std::string_view target);

// Decodes %XX escapes (and '+' as space when plus_is_space); nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

}  // namespace graced::http
