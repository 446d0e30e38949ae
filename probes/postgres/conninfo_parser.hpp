// The grammar of a libpq connection string, a URL ("postgresql://user:password@host:5432/db
// ?sslmode=require") or key=value pairs ("host=db port=5432 password='it\'s'"), read as
// libpq 15's PQconninfoParse reads it: the same keywords, quoting, percent-decoding and
// error messages. graced reads it itself because the static build has no libpq; the unit
// tests hold the two to the same answers.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace graced::probes {

// Keyword and value pairs, each keyword once, in the order first given.
using ConnOptions = std::vector<std::pair<std::string, std::string>>;

// The options `text` sets (a keyword given twice keeps its last value). nullopt when libpq
// would reject it; `error` then says why in libpq's words, which may quote pieces of
// `text`, passwords included: scrub it before showing it.
std::optional<ConnOptions> parse_conninfo_text(std::string_view text, std::string& error);

// The connection option keywords libpq 15 knows.
const std::vector<std::string_view>& conninfo_keywords();

}  // namespace graced::probes
