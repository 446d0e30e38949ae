// The bytes of the http check's request. It asks for a fresh connection each time
// (Connection: close) and carries no body.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "probes/http/url.hpp"

namespace graced::probes {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// `headers` may replace Host, User-Agent and Authorization; the URL's credentials are sent
// as Basic auth unless an Authorization header is given.
std::string build_request(std::string_view method, const Url& url, const HeaderList& headers);

// Whether `headers` has one named `name` (names compare without case).
bool has_header(const HeaderList& headers, std::string_view name);

// Header names graced manages itself (framing), which a configuration may not set.
bool is_reserved_header(std::string_view name);

// The User-Agent graced sends: "graced/0.1.0".
std::string user_agent();

}  // namespace graced::probes
